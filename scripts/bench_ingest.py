#!/usr/bin/env python3
"""The measuring half of scripts/bench-ingest (which generates the data, builds tally and makes
the DuckDB venv, then runs this). Runs each work RUNS times, interleaved, tally and DuckDB each as
a whole process on a fresh database, and prints the best times, peak RSS and the targets."""
import argparse
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import die, measure, remove_db, table, warm  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

p = argparse.ArgumentParser()
p.add_argument("--tally", required=True)
p.add_argument("--duck-python", required=True)
p.add_argument("--runs", type=int, default=3)
p.add_argument("--lines", type=int, required=True)
p.add_argument("--work", required=True)
p.add_argument("--batch-results", required=True)
p.add_argument("--batch-json", required=True)
p.add_argument("--apilog", required=True)
p.add_argument("--pattern", required=True)
p.add_argument("--strict", action="store_true")
args = p.parse_args()

ledger = os.path.join(args.work, "bench-ingest.sqlite")
duckdb_file = os.path.join(args.work, "bench-ingest.duckdb")
duck = [args.duck_python, os.path.join(HERE, "bench_duckdb.py")]

# name, input file, tally arguments, DuckDB arguments
WORKS = [
    ("batch results, no pattern", args.batch_results,
     ["ingest", "--batch", args.batch_json, args.batch_results],
     ["ingest-batch", args.batch_results, duckdb_file, args.batch_json]),
    ("batch results, --id-pattern", args.batch_results,
     ["ingest", "--batch", args.batch_json, "--id-pattern", args.pattern, args.batch_results],
     ["ingest-batch", args.batch_results, duckdb_file, args.batch_json, args.pattern]),
    ("API log", args.apilog,
     ["ingest", args.apilog],
     ["ingest-apilog", args.apilog, duckdb_file]),
]

problems = []


def ledger_count(sql):
    """A count from the ledger, or None when its schema has no such table or column."""
    try:
        con = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return None


def check_tally(name, run):
    if run.status != 0:
        die(f"tally failed on {name} (exit {run.status}):\n{run.stderr[-3000:]}")
    new = re.search(r"\bnew (\d+)", run.stderr)
    stored = ledger_count("SELECT count(*) FROM request")
    count = stored if stored is not None else int(new.group(1)) if new else None
    if count is None:
        problems.append(f"{name}: cannot tell how many records tally stored (no 'new N' in its summary, no request table)")
    elif count != args.lines:
        problems.append(f"{name}: tally stored {count} records, the file has {args.lines} lines")
    if "--id-pattern" in name:
        unattributed = ledger_count("SELECT count(*) FROM request WHERE tenant IS NULL OR job IS NULL")
        if unattributed is None:
            problems.append(f"{name}: cannot check attribution (no request.tenant/job columns in the ledger)")
        elif unattributed:
            problems.append(f"{name}: the pattern left {unattributed} of {args.lines} records without tenant or job "
                            f"(--id-pattern must search custom_id, like grep)")


best = {}
peak = {}
print(f"{args.runs} run(s) of each work, {args.lines} lines; tally {args.tally}", flush=True)
for r in range(args.runs):
    for name, path, tally_args, duck_args in WORKS:
        warm(path)
        remove_db(ledger)
        t = measure([args.tally, *tally_args[:1], "--ledger", ledger, *tally_args[1:]], stdout=False)
        if r == 0:
            check_tally(name, t)
        elif t.status != 0:
            die(f"tally failed on {name} (exit {t.status}):\n{t.stderr[-3000:]}")
        remove_db(duckdb_file)
        d = measure(duck + duck_args)
        if d.status != 0:
            die(f"DuckDB failed on {name}:\n{d.stderr[-3000:]}")
        if r == 0 and d.stdout.strip() != str(args.lines):
            problems.append(f"{name}: DuckDB loaded {d.stdout.strip()} rows, expected {args.lines}")
        print(f"  run {r + 1}: {name:30} tally {t.seconds:7.2f} s {t.rss_kb / 1024:6.0f} MB   DuckDB {d.seconds:6.2f} s",
              flush=True)
        bt, bd = best.get(name, (None, None))
        best[name] = (t.seconds if bt is None else min(bt, t.seconds), d.seconds if bd is None else min(bd, d.seconds))
        peak[name] = max(peak.get(name, 0), t.rss_kb)
remove_db(ledger)
remove_db(duckdb_file)

sizes = {args.batch_results: os.path.getsize(args.batch_results), args.apilog: os.path.getsize(args.apilog)}
rows, missed = [], []


def verdict(ok, what):
    if not ok:
        missed.append(what)
    return "yes" if ok else "NO"


RATIO_TARGETS = {"batch results, --id-pattern": 1.00, "API log": 1.25}
for name, path, _, _ in WORKS:
    t, d = best[name]
    limit = RATIO_TARGETS.get(name)
    target = f"<= {limit:.2f}x DuckDB" if limit else ""
    met = verdict(t / d <= limit, name) if limit else ""
    rows.append([f"{name} ({sizes[path] / 1e6:.0f} MB)", f"{t:.2f}", f"{d:.2f}", f"{t / d:.2f}x",
                 f"{sizes[path] / 1e6 / t:.0f} MB/s", target, met])
for name, _, _, _ in WORKS:
    mb = peak[name] / 1024
    rows.append([f"peak RSS, {name}", f"{mb:.0f} MB", "", "", "", "<= 128 MB", verdict(mb <= 128, f"peak RSS of {name}")])
plain, patterned = best["batch results, no pattern"][0], best["batch results, --id-pattern"][0]
overhead = (patterned / plain - 1) * 100
rows.append(["--id-pattern overhead", f"{overhead:+.1f}%", "", "", "", "<= +10%", verdict(overhead <= 10, "--id-pattern overhead")])

print()
print(f"tally ingest vs DuckDB, {args.lines} lines per file, best of {args.runs}, whole processes, files in the page cache")
print(table(["work", "tally s | RSS", "DuckDB s", "ratio", "tally speed", "target", "met"], rows))
if missed:
    print(f"\ntargets missed: {', '.join(missed)}")
if problems:
    print("\n*** CHECKS FAILED:")
    for problem in problems:
        print(f"*** {problem}")
    sys.exit(1)
if missed and args.strict:
    sys.exit(1)
