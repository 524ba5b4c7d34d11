#!/usr/bin/env python3
"""The measuring half of scripts/bench-reports (which makes the data, the ledgers and the DuckDB
database, then runs this with the venv's Python). Times each tally report as a whole process and
the same aggregation in DuckDB, checks tally's CSV against DuckDB's exact numbers, prints a table.
"""
import argparse
import csv
import io
import json
import os
import sys
import time
from decimal import Decimal
from fractions import Fraction

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import measure, table  # noqa: E402
from bench_duckdb import load_prices, priced_query  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--tally", required=True)
p.add_argument("--runs", type=int, default=3)
p.add_argument("--month", required=True)
p.add_argument("--work", required=True)
p.add_argument("--ledger", required=True)
p.add_argument("--month-ledger", required=True)
p.add_argument("--duckdb", required=True)
p.add_argument("--pricing", action="append", required=True)
p.add_argument("--strict", action="store_true")
p.add_argument("--no-json-check", action="store_true", help="skip the untimed --format json run of each report")
args = p.parse_args()

con = duckdb.connect(args.duckdb)
load_prices(con, args.pricing)
first, last, total_requests = con.execute("SELECT min(ts)::DATE, max(ts)::DATE, count(*) FROM requests").fetchone()
con.close()
FROM, TO = str(first), str(last)
DAYS = (last - first).days + 1
year, month = map(int, args.month.split("-"))
next_month = f"{year + month // 12}-{month % 12 + 1:02d}"
IN_MONTH = f"r.ts >= TIMESTAMP '{args.month}-01' AND r.ts < TIMESTAMP '{next_month}-01'"
IN_WINDOW = f"r.ts >= TIMESTAMP '{FROM}' AND r.ts < TIMESTAMP '{TO}' + INTERVAL 1 DAY"

scenario = os.path.join(args.work, "whatif-summarize-to-batch.toml")
with open(scenario, "w") as f:
    f.write('# scripts/bench-reports: move the summarize job to the Batch API\n'
            '[[change]]\nkind = "move-to-batch"\nwhere = { job = "summarize" }\nshare = 1\n')

TENANT = "coalesce(r.tenant, '(unattributed)') AS tenant"
JOB = "coalesce(r.job, '(unattributed)') AS job"
MODEL = "coalesce(rs.id, r.model) AS model"
DAY = "strftime(r.ts, '%Y-%m-%d') AS day"
MONTH = "strftime(r.ts, '%Y-%m') AS month"
PICO = 10 ** 12


def usd(pico):
    return Fraction(int(pico), PICO)


def pct(part, whole):
    return Fraction(100) * part / whole if whole else Fraction(0)


# Columns of each CSV: (column, kind, value from a DuckDB row as a dict). Kinds: "count" must be
# equal; "money" within a cent, and the column's rounded cells must add up to the exact total
# rounded to the cent; "value" within 0.01, no sum (averages, ratios); ("derived", a, sign, b)
# the shown a + sign x shown b exactly (DESIGN: rows read right), so within two cents.
SPEND = [("requests", "count", lambda d: d["requests"]), ("input_tokens", "count", lambda d: d["input"]),
         ("cache_write_5m_tokens", "count", lambda d: d["w5m"]), ("cache_write_1h_tokens", "count", lambda d: d["w1h"]),
         ("cache_read_tokens", "count", lambda d: d["rd"]), ("output_tokens", "count", lambda d: d["output"]),
         ("web_searches", "count", lambda d: d["web"]), ("list_cost_usd", "money", lambda d: usd(d["list_pico"])),
         ("cost_usd", "money", lambda d: usd(d["actual_pico"])),
         ("batch_savings_usd", ("derived", "list_cost_usd", -1, "cost_usd"),
          lambda d: usd(d["list_pico"] - d["actual_pico"])),
         ("unpriced_requests", "count", lambda d: d["unpriced"])]


def chargeback_columns(total_pico):
    return [("requests", "count", lambda d: d["requests"]), ("input_tokens", "count", lambda d: d["input"]),
            ("output_tokens", "count", lambda d: d["output"]), ("cache_read_tokens", "count", lambda d: d["rd"]),
            ("cache_write_tokens", "count", lambda d: d["w5m"] + d["w1h"]),
            ("cost_usd", "money", lambda d: usd(d["actual_pico"])),
            ("share_pct", "money", lambda d: pct(Fraction(int(d["actual_pico"])), total_pico)),
            ("unpriced_requests", "count", lambda d: d["unpriced"])]


JOBS = [("requests", "count", lambda d: d["requests"]), ("billed_requests", "count", lambda d: d["requests"]),
        ("failed_requests", "count", lambda d: 0),
        ("batch_share_pct", "value", lambda d: pct(Fraction(d["requests"] - d["sync_requests"]), d["requests"])),
        ("avg_input_tokens", "value", lambda d: Fraction(d["input"] + d["w5m"] + d["w1h"] + d["rd"], d["requests"])),
        ("avg_output_tokens", "value", lambda d: Fraction(d["output"], d["requests"])),
        ("cost_usd", "money", lambda d: usd(d["actual_pico"])),
        ("cost_per_request_usd", "value", lambda d: usd(d["actual_pico"]) / d["requests"]),
        ("unpriced_requests", "count", lambda d: d["unpriced"])]


def opportunities_columns(total_pico):
    month = Fraction(30, DAYS)
    return [("sync_requests", "count", lambda d: d["sync_requests"]),
            ("sync_cost_usd", "money", lambda d: usd(d["sync_actual_pico"])),
            ("batch_cost_usd", ("derived", "sync_cost_usd", -1, "savings_usd"), lambda d: usd(d["batch_pico"])),
            ("savings_usd", "money", lambda d: usd(d["sync_actual_pico"] - d["batch_pico"])),
            ("monthly_savings_usd", "money", lambda d: usd(d["sync_actual_pico"] - d["batch_pico"]) * month),
            ("worst_case_monthly_savings_usd", "money", lambda d: usd(d["sync_actual_pico"] - d["worst_pico"]) * month),
            ("share_of_spend_pct", "money", lambda d: pct(Fraction(int(d["sync_actual_pico"])), total_pico)),
            ("unpriced_requests", "count", lambda d: d["unpriced"])]


WHATIF = [("baseline_cost_usd", "money", lambda d: usd(d["actual_pico"])),
          ("scenario_cost_usd", ("derived", "baseline_cost_usd", 1, "delta_usd"), lambda d: usd(d["scenario_pico"])),
          ("delta_usd", "money", lambda d: usd(d["scenario_pico"] - d["actual_pico"])),
          ("delta_pct", "value", lambda d: pct(Fraction(int(d["scenario_pico"] - d["actual_pico"])), int(d["actual_pico"]))),
          ("unpriced_requests", "count", lambda d: d["unpriced"])]


class Report:
    def __init__(self, name, argv, dims, where="true", target=None, columns=None, focus=False, moved=""):
        self.name, self.argv, self.dims, self.where, self.target = name, argv, dims, where, target
        self.columns, self.focus, self.moved = columns, focus, moved
        self.keys = [d.rsplit(" AS ", 1)[1] for d in dims]
        self.sql = priced_query(where, dims, batch_keys_sql=moved)


REPORTS = [
    Report("spend --by tenant", ["report", "spend", "--by", "tenant"], [TENANT], target=3, columns=SPEND),
    Report(f"chargeback --month {args.month}", ["report", "chargeback", "--month", args.month], [TENANT],
           where=IN_MONTH, target=3, columns="chargeback"),
    Report("spend --by day,model", ["report", "spend", "--by", "day,model"], [DAY, MODEL], target=3, columns=SPEND),
    Report("spend (by month,model)", ["report", "spend"], [MONTH, MODEL], columns=SPEND),
    Report("jobs", ["report", "jobs"], [JOB], columns=JOBS),
    Report(f"chargeback --month {args.month} --format focus",
           ["report", "chargeback", "--month", args.month, "--format", "focus"],
           [DAY, TENANT, JOB, MODEL, "r.mode AS mode"], where=IN_MONTH, focus=True),
    Report(f"opportunities --from {FROM} --to {TO}", ["report", "opportunities", "--from", FROM, "--to", TO], [JOB],
           where=IN_WINDOW, columns="opportunities"),
    Report(f"whatif (summarize to batch) --from {FROM} --to {TO}", ["whatif", scenario, "--from", FROM, "--to", TO],
           [JOB], where=IN_WINDOW, columns=WHATIF, moved="r.job = 'summarize'"),
]

failures = []  # loud: tally failed or disagrees with DuckDB
rounding_failures = []  # loud: rounded CSV money columns that do not add up to the rounded total


def run_tally(argv, ledger):
    full = [args.tally, *argv, "--ledger", ledger] + ([] if "--format" in argv else ["--format", "csv"])
    best, out = None, None
    for _ in range(args.runs):
        run = measure(full)
        if run.status != 0:
            return None, f"exit {run.status}: {run.stderr.strip()[-2000:]}"
        best = run.seconds if best is None else min(best, run.seconds)
        out = run.stdout
    return best, out


def run_duckdb(sql):
    best, rows, names = None, None, None
    for _ in range(args.runs):
        start = time.perf_counter()
        c = duckdb.connect(args.duckdb, read_only=True)
        cursor = c.execute(sql)
        rows = cursor.fetchall()
        names = [d[0] for d in cursor.description]
        c.close()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, [dict(zip(names, row)) for row in rows]


def cents(x: Fraction) -> Decimal:
    """Rounds half to even at 2 decimals, exactly."""
    q, r = divmod(x * 100, 1)
    if r > Fraction(1, 2) or (r == Fraction(1, 2) and q % 2 == 1):
        q += 1
    return (Decimal(int(q)) / 100).quantize(Decimal("0.01"))


def decimal(x: Fraction) -> str:
    return str(Decimal(x.numerator) / Decimal(x.denominator))


def check(report, csv_text, json_text, duck_rows):
    """Compares tally's CSV (and the totals of its JSON) with DuckDB's rows. Returns (problems,
    rounding): values that disagree, and rounded money columns whose cells do not add up to
    the exact total rounded to the cent (DESIGN: largest remainder)."""
    problems, rounding = [], []
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    if report.focus:
        billed = sum((Decimal(r["BilledCost"]) for r in rows), Decimal(0))
        exact = sum((usd(d["actual_pico"]) for d in duck_rows), Fraction(0))
        if Fraction(billed) != exact:
            problems.append(f"sum of BilledCost is {billed}, DuckDB's exact cost is {decimal(exact)}")
        return problems, rounding
    columns = report.columns
    total_actual = sum(int(d["actual_pico"]) for d in duck_rows)
    if columns == "chargeback":
        columns = chargeback_columns(total_actual)
    elif columns == "opportunities":
        columns = opportunities_columns(total_actual)
    expected = {tuple(str(d[k]) for k in report.keys): d for d in duck_rows}
    if report.name.startswith("opportunities"):
        expected = {k: d for k, d in expected.items() if d["sync_requests"]}
    seen = {}
    for row in rows:
        key = tuple(row[k] for k in report.keys)
        seen[key] = row
        if key not in expected:
            problems.append(f"row {key} is not in DuckDB's result")
    for key in expected:
        if key not in seen:
            problems.append(f"row {key} is missing from tally's CSV")
    sums = {}
    for key, row in seen.items():
        d = expected.get(key)
        if d is None:
            continue
        for column, kind, value in columns:
            want = value(d)
            cell = row.get(column)
            if cell is None:
                problems.append(f"the CSV has no column {column}")
                continue
            if cell == "":
                # Unpriced (a model used before its rates took effect): DuckDB must agree.
                if not int(d.get("unpriced", 0) or 0):
                    problems.append(f"{key} {column}: tally left it empty, DuckDB priced it")
                continue
            got = Fraction(Decimal(cell))
            if kind == "count" and got != want:
                problems.append(f"{key} {column}: tally {cell}, DuckDB {want}")
            elif isinstance(kind, tuple):
                # Derived from the two shown cells beside it (DESIGN: the row reads right), so
                # within two cents of the exact value.
                _, left, sign, right = kind
                shown = Fraction(Decimal(row[left])) + sign * Fraction(Decimal(row[right]))
                if got != shown:
                    problems.append(f"{key} {column}: tally {cell}, not {row[left]} {'+' if sign > 0 else '-'} {row[right]}")
                if abs(got - want) >= Fraction(2, 100):
                    problems.append(f"{key} {column}: tally {cell}, exact {decimal(want)}")
            elif kind != "count" and abs(got - want) >= Fraction(1, 100):
                problems.append(f"{key} {column}: tally {cell}, exact {decimal(want)}")
            if kind in ("money", "count") or isinstance(kind, tuple):
                s = sums.setdefault(column, [Fraction(0), Fraction(0), kind])
                s[0] += got
                s[1] += want
    for column, (got, want, kind) in sums.items():
        if kind == "money" and got != Fraction(cents(want)):
            rounding.append(f"{column}: the rounded rows add up to {Decimal(decimal(got)).quantize(Decimal('0.01'))}, "
                            f"the exact total {decimal(want)} rounds to {cents(want)}")
    # JSON carries money unrounded: its totals must equal DuckDB's exact sums (12 decimals at least
    # where a quotient does not terminate).
    if json_text is None:
        return problems, rounding
    try:
        totals = json.loads(json_text)["totals"]
    except (ValueError, KeyError) as error:
        problems.append(f"--format json has no totals ({error})")
        return problems, rounding
    for column, (_, want, kind) in sums.items():
        if column not in totals:
            problems.append(f"JSON totals have no {column}")
            continue
        got = Fraction(Decimal(str(totals[column])))
        if abs(got - want) > Fraction(1, 10 ** 11):
            problems.append(f"JSON totals {column}: tally {totals[column]}, DuckDB exact {decimal(want)}")
    return problems, rounding


print(f"ledger {args.ledger}: {total_requests} requests, {FROM} .. {TO}; best of {args.runs}; "
      f"tally as a whole process, DuckDB connect + query in process", flush=True)
results, missed = [], []
chargeback_csv = None
for report in REPORTS:
    t, out = run_tally(report.argv, args.ledger)
    d, duck_rows = run_duckdb(report.sql)
    if t is None:
        failures.append(f"{report.name}: tally failed ({out})")
        results.append([report.name, "failed", f"{d * 1000:.0f}", "", "", "", "FAILED"])
        continue
    if report.name.startswith("chargeback --month") and not report.focus:
        chargeback_csv = (t, out)
    json_text = None
    if not report.focus and not args.no_json_check:
        run = measure([args.tally, *report.argv, "--ledger", args.ledger, "--format", "json"])
        json_text = run.stdout if run.status == 0 else f"exit {run.status}: {run.stderr[-500:]}"
    problems, rounding = check(report, out, json_text, duck_rows)
    for problem in problems[:20]:
        failures.append(f"{report.name}: {problem}")
    if len(problems) > 20:
        failures.append(f"{report.name}: ... and {len(problems) - 20} more")
    for problem in rounding:
        rounding_failures.append(f"{report.name}: {problem}")
    target, met = "", ""
    if report.target:
        target = f"<= {report.target}x DuckDB"
        met = "yes" if t <= report.target * d else "NO"
        if met == "NO":
            missed.append(report.name)
    verdict = f"MISMATCH ({len(problems)})" if problems else f"ok; rounding ({len(rounding)})" if rounding else "ok"
    results.append([report.name, f"{t * 1000:.0f}", f"{d * 1000:.1f}", f"{t / d:.1f}x", target, met,
                    verdict])
    print(f"  {report.name}: tally {t * 1000:.0f} ms, DuckDB {d * 1000:.1f} ms, {verdict}", flush=True)

# The same chargeback on a ledger of one month: it should cost what it costs on the year.
month_name = f"chargeback --month {args.month}, one-month ledger"
t_month, out_month = run_tally(["report", "chargeback", "--month", args.month], args.month_ledger)
if t_month is None:
    failures.append(f"{month_name}: tally failed ({out_month})")
    results.append([month_name, "failed", "", "", "", "", "FAILED"])
else:
    same = chargeback_csv is not None and chargeback_csv[1] == out_month
    if chargeback_csv is not None and not same:
        failures.append(f"{month_name}: the CSV differs from the year ledger's chargeback of the same month")
    year_t = chargeback_csv[0] if chargeback_csv else None
    ratio = f"year {year_t / t_month:.2f}x" if year_t else ""
    met = ("yes" if year_t <= 1.25 * t_month else "NO") if year_t else ""
    if met == "NO":
        missed.append("chargeback on a year vs on a month")
    results.append([month_name, f"{t_month * 1000:.0f}", "", ratio, "year <= 1.25x month", met,
                    "same CSV" if same else "DIFFERS"])

print()
print(table(["report (--format csv)", "tally ms", "DuckDB ms", "ratio", "target", "met", "check"], results))
if missed:
    print(f"\ntargets missed: {', '.join(missed)}")
if rounding_failures:
    print("\n*** ROUNDING: rounded money columns that do not add up to their rounded total "
          "(DESIGN: largest remainder); every cell is within a cent of the exact value")
    for failure in rounding_failures:
        print(f"*** {failure}")
if failures:
    print("\n*** MISMATCHES OR FAILURES: tally's reports disagree with DuckDB or failed")
    for failure in failures:
        print(f"*** {failure}")
else:
    print("\nevery report's numbers agree with DuckDB's (CSV cells within a cent"
          + (")" if args.no_json_check else ", JSON totals exactly)"))
if failures or rounding_failures:
    sys.exit(1)
if missed and args.strict:
    sys.exit(1)
