import Foundation
import Mustache

/// The review page's Mustache templates. Every `{{value}}` is HTML-escaped (`&`, `<`, `>`, `"`,
/// `'`), in text and in attribute values alike, inside SVG too; the templates use no triple
/// mustache, so nothing from data is inserted raw.
///
/// The page loads nothing: no script, no font, no image, no style sheet from elsewhere, and its
/// Content-Security-Policy forbids all of them, so that a copy mailed or opened offline shows
/// the same page, and a browser reports any reference that slipped in.
enum ReviewTemplate {
  static let library: MustacheLibrary = {
    var library = MustacheLibrary()
    do {
      try library.register(page, named: "page")
      try library.register(figure, named: "fig")
      try library.register(svgFigure, named: "tfig")
      try library.register(spans, named: "spans")
      try library.register(svgSpans, named: "tspans")
      try library.register(table, named: "table")
      try library.register(chart, named: "chart")
    } catch {
      preconditionFailure("the review templates do not parse: \(error)")
    }
    return library
  }()

  static func render(_ page: PageView) -> String {
    guard let html = library.render(page, withTemplate: "page") else {
      preconditionFailure("the review template is registered")
    }
    return html
  }

  static let figure = """
    <span class="num{{#negative}} neg{{/negative}}" data-figure="{{name}}"{{#figRow}} data-row="{{.}}"{{/figRow}}{{#figTotal}} data-total="true"{{/figTotal}}>{{text}}</span>
    """

  static let svgFigure = """
    <tspan class="num{{#negative}} neg{{/negative}}" data-figure="{{name}}"{{#figRow}} data-row="{{.}}"{{/figRow}}{{#figTotal}} data-total="true"{{/figTotal}}>{{text}}</tspan>
    """

  static let spans = """
    {{#spans}}{{#spanFigure}}{{> fig}}{{/spanFigure}}{{^spanFigure}}{{spanText}}{{/spanFigure}}{{/spans}}
    """

  static let svgSpans = """
    {{#spans}}{{#spanFigure}}{{> tfig}}{{/spanFigure}}{{^spanFigure}}{{spanText}}{{/spanFigure}}{{/spans}}
    """

  static let table = """
    <div class="table-wrap">
    <table>
    {{#tableCaption}}<caption>{{.}}</caption>{{/tableCaption}}
    <thead><tr>{{#headers}}<th scope="col"{{#numericHeader}} class="n"{{/numericHeader}}>{{title}}</th>{{/headers}}</tr></thead>
    <tbody>
    {{#rows}}<tr{{#rowClass}} class="{{.}}"{{/rowClass}}>{{#cells}}{{#rowHeader}}<th scope="row" dir="auto">{{text}}</th>{{/rowHeader}}{{^rowHeader}}{{#cellFigure}}<td class="n">{{> fig}}</td>{{/cellFigure}}{{^cellFigure}}<td>{{text}}</td>{{/cellFigure}}{{/rowHeader}}{{/cells}}</tr>
    {{/rows}}
    </tbody>
    {{#totalsRow}}<tfoot><tr>{{#cells}}{{#rowHeader}}<th scope="row" dir="auto">{{text}}</th>{{/rowHeader}}{{^rowHeader}}{{#cellFigure}}<td class="n">{{> fig}}</td>{{/cellFigure}}{{^cellFigure}}<td>{{text}}</td>{{/cellFigure}}{{/rowHeader}}{{/cells}}</tr></tfoot>{{/totalsRow}}
    </table>
    </div>
    <p class="source">{{#tableNote}}{{.}} {{/tableNote}}Same figures: <code>{{source}}</code></p>
    """

  static let chart = """
    <figure class="chart">
    <svg viewBox="0 0 {{width}} {{height}}" role="img" aria-labelledby="{{chartID}}-title {{chartID}}-desc">
    <title id="{{chartID}}-title">{{chartTitle}}</title>
    <desc id="{{chartID}}-desc">{{chartDescription}}</desc>
    {{#rects}}<rect x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}" fill="{{fill}}" class="{{rectClass}}">{{#tip}}<title data-figure="{{tipFigures}}"{{#tipRow}} data-row="{{.}}"{{/tipRow}}>{{tipText}}</title>{{/tip}}</rect>
    {{/rects}}
    {{#lines}}<line x1="{{x1}}" y1="{{y1}}" x2="{{x2}}" y2="{{y2}}" class="{{lineClass}}"/>
    {{/lines}}
    {{#polylines}}<polyline points="{{points}}" class="{{polylineClass}}"/>
    {{/polylines}}
    {{#circles}}<circle cx="{{cx}}" cy="{{cy}}" r="{{r}}" class="{{circleClass}}">{{#circleTip}}<title data-figure="{{tipFigures}}"{{#tipRow}} data-row="{{.}}"{{/tipRow}}>{{tipText}}</title>{{/circleTip}}</circle>
    {{/circles}}
    {{#texts}}<text x="{{x}}" y="{{y}}" text-anchor="{{anchor}}" class="{{textClass}}"{{#axis}} data-axis="true"{{/axis}}>{{> tspans}}</text>
    {{/texts}}
    </svg>
    {{^empty(legend)}}<figcaption><ul class="legend">{{#legend}}<li><svg class="swatch" viewBox="0 0 16 16" aria-hidden="true">{{#isLine}}<line x1="0" y1="8" x2="16" y2="8" class="prev-line"/><circle cx="8" cy="8" r="2.5" class="prev-dot"/>{{/isLine}}{{^isLine}}<rect x="0.5" y="0.5" width="15" height="15" fill="{{fill}}" class="swatch-box"/>{{/isLine}}</svg>{{legendLabel}}{{^empty(legendSpans)}}: {{/empty(legendSpans)}}{{#legendSpans}}{{#spanFigure}}{{> fig}}{{/spanFigure}}{{^spanFigure}}{{spanText}}{{/spanFigure}}{{/legendSpans}}</li>{{/legend}}</ul></figcaption>{{/empty(legend)}}
    </figure>
    """

  // The patterns tell series apart without colour (greyscale print, colour-blind readers); the
  // colours are the Okabe-Ito palette.
  static let page = """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="generator" content="{{generator}}">
    <title>{{title}}</title>
    <style>
    :root { --ink: #1a1a1a; --muted: #555; --rule: #d0d0d0; --bad: #b23c00; --good: #006e50; }
    * { box-sizing: border-box; }
    html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    body { margin: 0 auto; max-width: 1040px; padding: 24px 28px 40px; color: var(--ink); background: #fff;
      font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
    h1 { font-size: 26px; margin: 0 0 2px; }
    h2 { font-size: 19px; margin: 28px 0 6px; padding-top: 10px; border-top: 2px solid var(--ink); }
    p { margin: 6px 0; }
    .subtitle { color: var(--muted); margin: 0; }
    .status { display: inline-block; margin: 8px 0 0; padding: 2px 8px; border: 1px solid var(--muted); border-radius: 3px; font-size: 13px; }
    .status.closed { border-color: var(--good); color: var(--good); font-weight: 600; }
    .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr)); gap: 10px; margin: 16px 0 6px; }
    .card { border: 1px solid var(--rule); border-left: 5px solid #0072b2; padding: 8px 12px; break-inside: avoid; }
    .card.good { border-left-color: #009e73; }
    .card.bad { border-left-color: #d55e00; }
    .card .label { color: var(--muted); font-size: 13px; }
    .card .value { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
    .card .detail { font-size: 12.5px; color: var(--muted); }
    .alerts { border-left: 5px solid #d55e00; padding: 4px 12px; margin: 10px 0; }
    .num { font-variant-numeric: tabular-nums; white-space: nowrap; }
    .neg { color: var(--bad); }
    figure.chart { margin: 10px 0; break-inside: avoid; }
    figure.chart > svg { display: block; width: 100%; height: auto; }
    .legend { list-style: none; padding: 0; margin: 4px 0 0; display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12.5px; }
    .legend li { display: flex; align-items: center; gap: 6px; }
    .legend svg.swatch { display: inline-block; width: 14px; height: 14px; flex: none; }
    .swatch-box { stroke: #333; stroke-width: 1; }
    svg text { font-size: 11px; fill: var(--ink); }
    svg text.axis { fill: var(--muted); font-size: 10.5px; }
    svg text.name { font-size: 11.5px; }
    svg text.value { font-size: 11px; }
    svg tspan.neg { fill: var(--bad); font-weight: 600; }
    .grid { stroke: #e2e2e2; stroke-width: 1; }
    .zero { stroke: #333; stroke-width: 1.2; }
    .bar { stroke: #222; stroke-width: 0.5; }
    .prev-line { fill: none; stroke: #000; stroke-width: 1.6; stroke-dasharray: 5 3; }
    .prev-dot { fill: #fff; stroke: #000; stroke-width: 1.2; }
    .track { fill: #f2f2f2; stroke: #999; stroke-width: 0.6; }
    .mark { stroke: #000; stroke-width: 1.6; }
    .alert-mark { stroke: #000; stroke-width: 1; stroke-dasharray: 2 2; }
    .table-wrap { overflow-x: auto; }
    table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin: 8px 0 2px; }
    caption { text-align: left; font-weight: 600; padding: 2px 0; }
    th, td { padding: 2px 8px; border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: top; }
    thead th { border-bottom: 1.5px solid var(--ink); font-weight: 600; }
    th.n, td.n { text-align: right; }
    tbody th { font-weight: 500; white-space: nowrap; }
    tfoot th, tfoot td { border-top: 1.5px solid var(--ink); border-bottom: none; font-weight: 650; }
    tr.unattributed th, tr.unattributed td { font-style: italic; }
    tr.others th, tr.others td { color: var(--muted); }
    .source { font-size: 12px; color: var(--muted); margin: 2px 0 10px; }
    code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; overflow-wrap: anywhere; }
    .notes { font-size: 12.5px; color: var(--muted); padding-left: 18px; }
    footer { margin-top: 30px; padding-top: 10px; border-top: 2px solid var(--ink); font-size: 12.5px; }
    footer ul { padding-left: 18px; margin: 4px 0; }
    @page { margin: 14mm 12mm; }
    @media print {
      body { max-width: none; padding: 0; font-size: 11px; }
      h1 { font-size: 20px; }
      h2 { font-size: 15px; margin-top: 14px; break-after: avoid-page; }
      h2 + p, caption { break-after: avoid-page; }
      .card .value { font-size: 18px; }
      table { font-size: 9.5px; }
      thead { display: table-header-group; }
      tr, .card, figure.chart { break-inside: avoid-page; }
      .table-wrap { overflow: visible; }
      section.daily { break-before: auto; }
    }
    </style>
    </head>
    <body>
    <svg class="defs" width="0" height="0" style="position:absolute" aria-hidden="true" focusable="false">
    <defs>
    <pattern id="p0" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#0072b2"/></pattern>
    <pattern id="p1" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#e69f00"/><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="1.6"/></pattern>
    <pattern id="p2" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#009e73"/><circle cx="3" cy="3" r="1.1" fill="#fff"/></pattern>
    <pattern id="p3" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#cc79a7"/><line x1="0" y1="3" x2="6" y2="3" stroke="#000" stroke-width="1.2"/></pattern>
    <pattern id="p4" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="6" height="6" fill="#56b4e9"/><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="1.2"/></pattern>
    <pattern id="p5" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#f0e442"/><path d="M0 0L6 6M6 0L0 6" stroke="#000" stroke-width="0.9"/></pattern>
    <pattern id="p6" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#d55e00"/><line x1="3" y1="0" x2="3" y2="6" stroke="#fff" stroke-width="1.4"/></pattern>
    <pattern id="loss" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#d55e00"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern>
    <pattern id="worst" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#009e73" stroke-width="2.4"/></pattern>
    <pattern id="none" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#bbbbbb"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="1.5"/></pattern>
    </defs>
    </svg>
    <header>
    <h1>{{heading}}</h1>
    <p class="subtitle">{{subtitle}}</p>
    <p class="status {{statusClass}}">{{status}}</p>
    </header>
    <main>
    <section class="headline" aria-label="Headline figures">
    <div class="cards">
    {{#cards}}<div class="card {{tone}}"><div class="label">{{label}}</div><div class="value">{{#cardFigure}}{{> fig}}{{/cardFigure}}</div>{{#details}}<div class="detail">{{detailLabel}} {{> spans}}</div>{{/details}}</div>
    {{/cards}}
    </div>
    {{^empty(alerts)}}<div class="alerts">{{#alerts}}<p data-text="true">{{.}}</p>{{/alerts}}</div>{{/empty(alerts)}}
    </section>
    {{#sections}}
    <section class="{{sectionID}}" id="{{sectionID}}">
    <h2>{{heading}}</h2>
    {{^empty(intro)}}<p>{{#intro}}{{#spanFigure}}{{> fig}}{{/spanFigure}}{{^spanFigure}}{{spanText}}{{/spanFigure}}{{/intro}}</p>{{/empty(intro)}}
    {{#charts}}{{> chart}}{{/charts}}
    {{#tables}}{{> table}}{{/tables}}
    {{^empty(notes)}}<ul class="notes">{{#notes}}<li data-text="true">{{.}}</li>{{/notes}}</ul>{{/empty(notes)}}
    </section>
    {{/sections}}
    </main>
    <footer>
    <p><strong>Prices:</strong></p>
    <ul>{{#prices}}<li data-text="true">{{.}}</li>{{/prices}}</ul>
    {{^empty(warnings)}}<p><strong>Warnings:</strong></p><ul>{{#warnings}}<li data-text="true">{{.}}</li>{{/warnings}}</ul>{{/empty(warnings)}}
    <p><strong>Every figure is a cell of one of these reports</strong> (same rounding; tables show totals, CSV adds the rows up to them):</p>
    <ul>{{#sources}}<li>{{what}}: <code>{{sourceCommand}}</code></li>{{/sources}}</ul>
    <p><strong>This page:</strong> <code>{{command}}</code></p>
    <p>{{generator}}</p>
    </footer>
    </body>
    </html>

    """
}
