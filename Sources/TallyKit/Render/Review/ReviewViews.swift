import Foundation

// The values the review template renders. The template reads them by property name (Mustache
// looks a name up through every enclosing value when the innermost has none, or has it nil), so
// every optional property has a name no enclosing value uses. Every string is escaped by the
// template; none is inserted raw.

/// A figure as the page marks it: `data-figure`, `data-row` (or `data-total`) and the text.
struct FigureView {
  let text: String
  /// `chargeback.cost_usd`; several names, space-separated, for a tooltip with several figures.
  let name: String
  let figRow: String?
  let figTotal: Bool
  let negative: Bool

  init(_ figure: Figure) {
    text = figure.text
    name = figure.figure
    figRow = figure.row
    figTotal = figure.total
    negative = figure.negative
  }
}

struct CardView {
  let label: String
  let cardFigure: FigureView
  let details: [DetailView]
  /// `good`, `bad` or "": the card's accent.
  let tone: String
}

struct DetailView {
  let detailLabel: String
  let spans: [SpanView]
}

/// A run of text, or a figure, inside a line of prose, an SVG label or a legend.
struct SpanView {
  let spanText: String
  let spanFigure: FigureView?

  static func text(_ text: String) -> SpanView { SpanView(spanText: text, spanFigure: nil) }
  static func figure(_ figure: Figure?) -> SpanView {
    guard let figure else { return .text("") }
    return SpanView(spanText: "", spanFigure: FigureView(figure))
  }
}

struct TableView {
  let tableCaption: String?
  let headers: [HeaderView]
  let rows: [RowView]
  let totalsRow: RowView?
  /// The command whose output has the same figures.
  let source: String
  let tableNote: String?
}

struct HeaderView {
  let title: String
  let numericHeader: Bool
}

struct RowView {
  let cells: [CellView]
  let rowClass: String?
}

struct CellView {
  let text: String
  let cellFigure: FigureView?
  let rowHeader: Bool
}

/// An SVG chart: geometry computed by Tally, drawn by the template.
struct ChartView {
  let chartID: String
  let chartTitle: String
  let chartDescription: String
  let width: String
  let height: String
  let rects: [RectView]
  let lines: [LineView]
  let polylines: [PolylineView]
  let circles: [CircleView]
  let texts: [TextView]
  let legend: [LegendView]
}

struct RectView {
  let x: String
  let y: String
  let w: String
  let h: String
  let fill: String
  let rectClass: String
  let tip: TipView?
}

/// A `<title>` tooltip: its text with the figures it contains marked on the element.
struct TipView {
  let tipText: String
  let tipFigures: String
  let tipRow: String?
}

struct LineView {
  let x1: String
  let y1: String
  let x2: String
  let y2: String
  let lineClass: String
}

struct PolylineView {
  let points: String
  let polylineClass: String
}

struct CircleView {
  let cx: String
  let cy: String
  let r: String
  let circleClass: String
  let circleTip: TipView?
}

struct TextView {
  let x: String
  let y: String
  let anchor: String
  let textClass: String
  /// Axis labels are geometry (gridline values), not report figures.
  let axis: Bool
  let spans: [SpanView]
}

struct LegendView {
  let fill: String
  let legendLabel: String
  let legendSpans: [SpanView]
  /// A line swatch (the previous month) rather than a filled box.
  let isLine: Bool
}

struct SectionView {
  let sectionID: String
  let heading: String
  let intro: [SpanView]
  let charts: [ChartView]
  let tables: [TableView]
  let notes: [String]
}

struct PageView {
  let title: String
  let heading: String
  let subtitle: String
  let status: String
  let statusClass: String
  let cards: [CardView]
  let alerts: [String]
  let sections: [SectionView]
  let prices: [String]
  let command: String
  let sources: [SourceView]
  let warnings: [String]
  let generator: String
}

struct SourceView {
  let what: String
  let sourceCommand: String
}
