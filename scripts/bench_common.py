"""Helpers shared by scripts/bench-ingest and scripts/bench-reports: timing whole processes
(best of N, peak RSS from /usr/bin/time), fresh ledger paths, warming the page cache, and
plain text tables. Standard library only, so both the system Python and the DuckDB venv use it.
"""
import os
import subprocess
import sys
import tempfile
import time


def remove_db(path: str) -> None:
    """Deletes a database file and its SQLite (-wal, -shm, -journal) or DuckDB (.wal) companions."""
    for suffix in ("", "-wal", "-shm", "-journal", ".wal"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass


def warm(path: str) -> None:
    """Reads a file once so that it sits in the page cache (`cat FILE >/dev/null`)."""
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)


class Run:
    """One measured process: wall seconds, peak RSS in KB, exit status, output."""

    def __init__(self, seconds, rss_kb, status, stdout, stderr):
        self.seconds, self.rss_kb, self.status, self.stdout, self.stderr = seconds, rss_kb, status, stdout, stderr


def measure(cmd, stdout=True, timeout=None, env=None) -> Run:
    """Runs `cmd` under `/usr/bin/time -f %M` and returns its wall time (around the whole process,
    measured here) and peak RSS. stdout is captured when `stdout` is true, else discarded."""
    with tempfile.NamedTemporaryFile(prefix="bench-rss-", suffix=".txt", delete=False) as f:
        rss_file = f.name
    try:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file, *cmd],
                              stdout=subprocess.PIPE if stdout else subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=timeout, env=env)
        seconds = time.perf_counter() - start
        with open(rss_file) as f:
            lines = [line for line in f.read().split("\n") if line.strip()]
        # /usr/bin/time writes "Command exited with non-zero status N" before %M on failure.
        rss = int(lines[-1]) if lines and lines[-1].strip().isdigit() else 0
    finally:
        os.remove(rss_file)
    out = proc.stdout.decode("utf-8", "replace") if stdout else ""
    return Run(seconds, rss, proc.returncode, out, proc.stderr.decode("utf-8", "replace"))


def die(message: str) -> None:
    print(f"\n*** {message}", file=sys.stderr)
    sys.exit(1)


def table(headers, rows) -> str:
    """A plain text table: text columns left-aligned, numbers right-aligned."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def numeric(text):
        t = text.rstrip("x%").replace(",", "").replace(" MB", "").replace("+", "").replace("-", "", 1)
        return t.replace(".", "", 1).isdigit()

    lines = []
    for n, row in enumerate(cells):
        parts = [c.rjust(w) if n > 0 and numeric(c) else c.ljust(w) for c, w in zip(row, widths)]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
