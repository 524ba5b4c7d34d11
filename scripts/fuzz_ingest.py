#!/usr/bin/env python3
"""The mutation engine of scripts/fuzz-ingest: mutates usage files, runs `tally ingest` on them
and checks that tally fails cleanly or ingests, and that reports still work.

  fuzz_ingest.py --tally PATH --work DIR --seeds-dir FIXTURES [--demo-dir DIR] [--seconds S] [--seed N]

Seeds: the JSON Lines fixtures under Tests/TallyKitTests/Fixtures/ingest/ (anthropic-batch,
openai-batch, api-log) and the data set that `tally demo --dir` writes (whole files, or a random
slice of their lines to keep runs short).

Each run applies one to three mutations (see MUTATIONS) to one seed, writes the result, and runs
`tally ingest` on it with a random choice of options: --format given or auto, --skip-invalid or
not, --dry-run sometimes, the file through a pipe (`cat f | tally ingest -`) sometimes when tally
supports `-`, the batch's time and id from --batch, --date/--batch-id or the file name, and
sometimes --id-pattern or --tenant. Each process has a timeout (20 s, more for a 200 MB line).

A run fails when tally
  - dies of a signal (a crash: a Swift trap is SIGILL or SIGTRAP) or does not finish in time;
  - exits with a status other than 0, 1, 64, 65;
  - rejects the file (any non-zero exit) but the ledger's content changed (every row of every
    table is compared before and after, through Python's sqlite3);
  - with --dry-run, changed the ledger or created a ledger file;
  - exited 0, and then `tally report spend` or `tally report chargeback` on the ledger fails.
A failing case is kept under WORK/failures/seed-SEED/: the mutated file, the ledger as it was before the
failing command, and a .txt with the command, the exit status and the end of stderr. The script
goes on to the end of the time given, prints counts (runs, by exit status, failures by kind,
mutations by kind) and exits 1 if anything failed.
"""
import argparse
import collections
import glob
import json
import os
import random
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

p = argparse.ArgumentParser()
p.add_argument("--tally", required=True)
p.add_argument("--work", required=True)
p.add_argument("--seeds-dir", required=True)
p.add_argument("--demo-dir")
p.add_argument("--seconds", type=float, default=600)
p.add_argument("--seed", type=int, default=None)
p.add_argument("--timeout", type=float, default=20)
args = p.parse_args()

seed = args.seed if args.seed is not None else int(time.time())
rng = random.Random(seed)
TALLY = os.path.abspath(args.tally)
WORK = os.path.abspath(args.work)
CASES = os.path.join(WORK, "cases")
FAILURES = os.path.join(WORK, "failures", f"seed-{seed}")
LEDGER = os.path.join(CASES, "ledger.sqlite")
os.makedirs(CASES, exist_ok=True)
os.makedirs(FAILURES, exist_ok=True)

# --- seeds ------------------------------------------------------------------------------------


class Seed:
    """A seed file: its lines, its format, and the batch object that dates it (if any)."""

    def __init__(self, path, fmt, batch=None, slice_lines=False):
        self.path, self.format, self.batch, self.slice_lines = path, fmt, batch, slice_lines
        with open(path, "rb") as f:
            self.lines = f.read().split(b"\n")
        if self.lines and self.lines[-1] == b"":
            self.lines.pop()
        self.name = os.path.relpath(path)

    def sample(self):
        if not self.slice_lines or len(self.lines) <= 40:
            return list(self.lines)
        n = rng.randint(1, 40)
        start = rng.randrange(0, len(self.lines) - n)
        return self.lines[start:start + n]


def load_seeds():
    seeds = []
    fixtures = args.seeds_dir
    anthropic_batch_object = os.path.join(fixtures, "anthropic-batch", "msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d.json")
    for path in sorted(glob.glob(os.path.join(fixtures, "anthropic-batch", "*.jsonl"))):
        seeds.append(Seed(path, "anthropic-batch", anthropic_batch_object))
    for path in sorted(glob.glob(os.path.join(fixtures, "openai-batch", "*.jsonl"))):
        seeds.append(Seed(path, "openai-batch"))
    for path in sorted(glob.glob(os.path.join(fixtures, "api-log", "*.jsonl"))):
        seeds.append(Seed(path, "api-log"))
    if args.demo_dir:
        for path in sorted(glob.glob(os.path.join(args.demo_dir, "*.jsonl"))):
            base = os.path.basename(path)
            if base.startswith("msgbatch_"):
                seeds.append(Seed(path, "anthropic-batch", path.replace("_results.jsonl", ".json"), True))
            elif base.startswith("batch_"):
                seeds.append(Seed(path, "openai-batch", path.rsplit("_", 1)[0] + ".json", True))
            elif base.startswith("api-log"):
                seeds.append(Seed(path, "api-log", None, True))
    return seeds


# --- mutations ----------------------------------------------------------------------------------

PLACEHOLDER = "\u0000FUZZ\u0000"
HUGE_NUMBERS = [b"9223372036854775807", b"9223372036854775808", b"18446744073709551616", b"-9223372036854775808",
                b"1e400", b"-1e400", b"-1", b"1e-400", b"-0", b"0.5", b"1E+2", b"99999999999999999999999999999",
                b"4611686018427387904", b"2147483648", b"1.0", b"1e18"]
NAN_INF = [b"NaN", b"Infinity", b"-Infinity", b"nan", b"inf", b"+1", b"0x10", b"01", b".5", b"1.", b"--1"]
CONTROL = ["\u001b[31mred\u001b[0m", "bell\u0007", "cr\rtenant", "tab\tbed", "nul\u0000x", "\u001b]0;title\u0007",
           "=cmd|' /C calc'!A0", "line\nbreak", "\u202eevil", "\u0085nel"]
STRING_VALUES = ["", "x", "0", "true", "null", "succeeded", "sync", "batch", "claude-sonnet-4-5", "2026-13-45T99:99:99Z",
                 "\ud800", "\U0001F600" * 3, " " * 10]


# The fields the readers look at (DESIGN.md, facts/formats.md): most type, null and drop mutations
# hit one of these, the rest any field.
READ_FIELDS = {
    "custom_id", "result", "type", "message", "model", "usage", "input_tokens", "output_tokens",
    "cache_creation_input_tokens", "cache_read_input_tokens", "cache_creation", "ephemeral_5m_input_tokens",
    "ephemeral_1h_input_tokens", "server_tool_use", "web_search_requests", "service_tier", "inference_geo",
    "prompt_tokens", "completion_tokens", "prompt_tokens_details", "cached_tokens", "input_tokens_details",
    "timestamp", "tenant", "job", "request_id", "metadata", "response", "body", "id", "created", "created_at",
    "status_code", "error", "object", "provider"}


def parse(line):
    """The line as a JSON object, or None (not JSON, not an object, too deep, or too long to bother)."""
    if len(line) > 16 * 1024 * 1024:
        return None
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def paths(value, prefix=()):
    """Every (path) to a value inside a JSON value, the value itself excluded."""
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.append(prefix + (k,))
            out.extend(paths(v, prefix + (k,)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.append(prefix + (i,))
            out.extend(paths(v, prefix + (i,)))
    return out


def get(value, path):
    for key in path:
        value = value[key]
    return value


def put(value, path, new):
    get(value, path[:-1])[path[-1]] = new


def dump(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")


def structured(lines, change, prefer_numbers=False, prefer=None):
    """Applies `change(obj, path)` to a field of a random parseable line; returns the raw bytes
    that replace the placeholder string, if `change` put one in."""
    candidates = [i for i, line in enumerate(lines) if parse(line) is not None]
    if not candidates:
        return False
    i = rng.choice(candidates)
    obj = parse(lines[i])
    all_paths = paths(obj)
    if not all_paths:
        return False
    chosen = None
    if prefer:
        named = [pa for pa in all_paths if pa and pa[-1] in prefer]
        chosen = rng.choice(named) if named and rng.random() < 0.8 else None
    if chosen is None and prefer_numbers:
        numeric = [pa for pa in all_paths if isinstance(get(obj, pa), (int, float)) and not isinstance(get(obj, pa), bool)]
        chosen = rng.choice(numeric) if numeric and rng.random() < 0.85 else None
    if chosen is None:
        chosen = rng.choice(all_paths)
    raw = change(obj, chosen)
    text = dump(obj)
    if raw is not None:
        text = text.replace(json.dumps(PLACEHOLDER).encode(), raw)
    lines[i] = text
    return True


def m_truncate(lines, size_hint):
    data = b"\n".join(lines) + b"\n"
    cut = rng.randrange(0, max(len(data), 1))
    lines[:] = data[:cut].split(b"\n")
    return True


def m_wrong_type(lines, size_hint):
    def change(obj, path):
        old = get(obj, path)
        options = [rng.choice(STRING_VALUES), rng.randint(-5, 10 ** 6), 3.25, True, False, None, [], {}, [1, "a"],
                   {"input_tokens": 1}]
        options = [o for o in options if type(o) is not type(old)]
        put(obj, path, rng.choice(options))
    return structured(lines, change, prefer=READ_FIELDS)


def m_huge_number(lines, size_hint):
    def change(obj, path):
        put(obj, path, PLACEHOLDER)
        return rng.choice(HUGE_NUMBERS)
    return structured(lines, change, prefer_numbers=True)


def m_nan_inf(lines, size_hint):
    def change(obj, path):
        put(obj, path, PLACEHOLDER)
        return rng.choice(NAN_INF)
    return structured(lines, change, prefer_numbers=True)


def m_null(lines, size_hint):
    def change(obj, path):
        put(obj, path, None)
    return structured(lines, change, prefer=READ_FIELDS)


def m_deep_nesting(lines, size_hint):
    depth = rng.choice([10000, 10000, 600, 100000])
    opener, closer = (b"[" * depth, b"]" * depth) if rng.random() < 0.5 else (b'{"a":' * depth, b"}" * depth)
    nested = opener + b"1" + closer
    if rng.random() < 0.3:  # as a line of its own
        lines.insert(rng.randint(0, len(lines)), nested)
        return True

    def change(obj, path):
        put(obj, path, PLACEHOLDER)
        return nested
    return structured(lines, change)


INVALID_UTF8 = [b"\xff", b"\xfe\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", b"\x80",
                b"\xe2\x82", b"\xf4\x90\x80\x80"]


def m_invalid_utf8(lines, size_hint):
    if rng.random() < 0.3:  # a lone surrogate escape, valid JSON syntax but not a character
        def change(obj, path):
            put(obj, path, PLACEHOLDER)
            return rng.choice([b'"\\ud800"', b'"abc\\udfff"', b'"\\ud83d"'])
        return structured(lines, change, prefer=("tenant", "job", "custom_id", "model", "text", "request_id"))
    i = rng.randrange(len(lines)) if lines else None
    if i is None:
        return False
    line = lines[i]
    quote = [k for k in range(len(line)) if line[k:k + 1] == b'"']
    at = rng.choice(quote) + 1 if quote and rng.random() < 0.8 else rng.randint(0, len(line))
    lines[i] = line[:at] + rng.choice(INVALID_UTF8) + line[at:]
    return True


def m_nul_bytes(lines, size_hint):
    if not lines:
        return False
    i = rng.randrange(len(lines))
    line = lines[i]
    at = rng.randint(0, len(line))
    lines[i] = line[:at] + b"\x00" * rng.choice([1, 1, 3, 1000]) + line[at:]
    return True


def m_bom(lines, size_hint):
    if not lines:
        lines.append(b"")
    i = 0 if rng.random() < 0.7 else rng.randrange(len(lines))
    lines[i] = b"\xef\xbb\xbf" + lines[i]
    return True


def m_crlf(lines, size_hint):
    mode = rng.random()
    for i in range(len(lines)):
        if mode < 0.6:
            lines[i] = lines[i] + b"\r"
        elif mode < 0.8 and rng.random() < 0.5:
            lines[i] = lines[i] + b"\r"
        elif mode >= 0.8 and rng.random() < 0.3:
            lines[i] = lines[i] + b"\r\r"  # a stray CR
    return True


def m_duplicate_keys(lines, size_hint):
    def change(obj, path):
        parent = get(obj, path[:-1])
        if not isinstance(parent, dict):
            return None
        key = path[-1]
        value = parent[key]
        other = rng.choice([-1, 0, 10 ** 12, "dup", None, {"x": 1}])
        put(obj, path, PLACEHOLDER)
        first, second = (value, other) if rng.random() < 0.5 else (other, value)
        return json.dumps(first).encode() + b"," + json.dumps(key).encode() + b":" + json.dumps(second).encode()
    return structured(lines, change, prefer=("input_tokens", "output_tokens", "custom_id", "request_id", "type",
                                             "model", "tenant", "usage", "cache_read_input_tokens"))


def m_long_string(lines, size_hint):
    big = size_hint["allow_200mb"] and rng.random() < 0.03
    size = 200 * 1024 * 1024 if big else rng.choice([1, 2, 4, 8]) * 1024 * 1024
    if big:
        size_hint["big"] = True
    filler = (b"A very long tenant name or completion text. " * (size // 45 + 1))[:size]

    def change(obj, path):
        put(obj, path, PLACEHOLDER)
        return b'"' + filler + b'"'
    return structured(lines, change, prefer=("tenant", "custom_id", "text", "model", "job", "request_id", "id"))


def m_control_chars(lines, size_hint):
    """A tenant name with ESC, BEL, CR and friends: the api-log `tenant`, or for batch lines a
    custom_id that --id-pattern splits into tenant and job. Escaped (valid JSON) or, now and then,
    raw control bytes (invalid JSON)."""
    candidates = [i for i, line in enumerate(lines) if parse(line) is not None]
    if not candidates:
        return False
    i = rng.choice(candidates)
    obj = parse(lines[i])
    name = rng.choice(CONTROL)
    if "custom_id" in obj:
        name += "__job__1"
        size_hint["id_pattern"] = True
        obj["custom_id"] = PLACEHOLDER
    else:
        obj["tenant"] = PLACEHOLDER
    raw = b'"' + name.encode("utf-8") + b'"' if rng.random() < 0.3 else json.dumps(name).encode()
    lines[i] = dump(obj).replace(json.dumps(PLACEHOLDER).encode(), raw)
    return True


def m_byte_flip(lines, size_hint):
    data = bytearray(b"\n".join(lines))
    if not data:
        return False
    for _ in range(rng.randint(1, 10)):
        k = rng.randrange(len(data))
        data[k] ^= 1 << rng.randrange(8)
    lines[:] = bytes(data).split(b"\n")
    return True


def m_duplicate_lines(lines, size_hint):
    if not lines:
        return False
    for _ in range(rng.randint(1, 5)):
        lines.insert(rng.randint(0, len(lines)), rng.choice(lines))
    return True


def m_blank_lines(lines, size_hint):
    for _ in range(rng.randint(1, 5)):
        lines.insert(rng.randint(0, len(lines)), rng.choice([b"", b" ", b"\t", b"   \t "]))
    return True


def m_drop_field(lines, size_hint):
    def change(obj, path):
        parent = get(obj, path[:-1])
        if isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.pop(path[-1])
    return structured(lines, change, prefer=READ_FIELDS)


MUTATIONS = {
    "truncate": m_truncate, "wrong-type": m_wrong_type, "huge-number": m_huge_number, "nan-infinity": m_nan_inf,
    "null": m_null, "deep-nesting": m_deep_nesting, "invalid-utf8": m_invalid_utf8, "nul-bytes": m_nul_bytes,
    "bom": m_bom, "crlf": m_crlf, "duplicate-keys": m_duplicate_keys, "long-string": m_long_string,
    "control-chars": m_control_chars, "byte-flip": m_byte_flip, "duplicate-lines": m_duplicate_lines,
    "blank-lines": m_blank_lines, "drop-field": m_drop_field,
}
# Cheap, targeted mutations more often than the expensive long strings.
WEIGHTS = {name: 1.0 for name in MUTATIONS}
WEIGHTS.update({"huge-number": 2.0, "wrong-type": 2.0, "long-string": 0.3, "deep-nesting": 0.5, "null": 1.5})

# --- the ledger -----------------------------------------------------------------------------------


def ledger_dump(path):
    """Every row of every table of the ledger, sorted, or None when there is no ledger file."""
    if not os.path.exists(path):
        return None
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name <> 'grdb_migrations' ORDER BY name")]
        out = {}
        for t in tables:
            rows = con.execute(f'SELECT * FROM "{t}"').fetchall()
            if rows:
                out[t] = sorted(rows, key=repr)
        return out
    finally:
        con.close()


def same_content(before, after):
    return (before or {}) == (after or {})


def reset_ledger():
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.remove(LEDGER + suffix)
        except FileNotFoundError:
            pass


# --- running tally --------------------------------------------------------------------------------


class Outcome:
    def __init__(self, status, stderr, timed_out=False):
        self.status, self.stderr, self.timed_out = status, stderr, timed_out

    @property
    def label(self):
        if self.timed_out:
            return "timeout"
        if self.status < 0:
            try:
                return f"signal {signal.Signals(-self.status).name}"
            except ValueError:
                return f"signal {-self.status}"
        return f"exit {self.status}"


def clip(err: bytes) -> str:
    """stderr, its start and end when it is long (a message may quote a huge line)."""
    if len(err) > 64 * 1024:
        err = err[:48 * 1024] + b"\n[...]\n" + err[-16 * 1024:]
    return err.decode("utf-8", "replace")


def run(cmd, timeout, stdin_file=None):
    """Runs tally; with `stdin_file`, through a pipe from `cat`."""
    if stdin_file is None:
        try:
            proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
            return Outcome(proc.returncode, clip(proc.stderr))
        except subprocess.TimeoutExpired as e:
            return Outcome(None, clip(e.stderr or b""), timed_out=True)
    cat = subprocess.Popen(["cat", stdin_file], stdout=subprocess.PIPE)
    proc = subprocess.Popen(cmd, stdin=cat.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    cat.stdout.close()
    try:
        _, err = proc.communicate(timeout=timeout)
        outcome = Outcome(proc.returncode, clip(err))
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        outcome = Outcome(None, clip(err), timed_out=True)
    cat.kill()
    cat.wait()
    return outcome


def stdin_supported(seeds):
    """Whether `tally ingest -` reads standard input (tried once on a valid fixture, dry run)."""
    seed = next((s for s in seeds if s.format == "api-log" and s.path.endswith("mixed.jsonl")), None)
    if seed is None:
        return False
    out = run([TALLY, "ingest", "-", "--format", "api-log", "--dry-run", "--ledger",
               os.path.join(CASES, "stdin-probe.sqlite")], args.timeout, stdin_file=seed.path)
    return out.status == 0


def ingest_command(seed, case_path, size_hint, use_stdin):
    cmd = [TALLY, "ingest", "-" if use_stdin else case_path, "--ledger", LEDGER]
    if rng.random() < 0.5:
        cmd += ["--format", seed.format if rng.random() < 0.9 else rng.choice(["anthropic-batch", "openai-batch", "api-log"])]
    if seed.format in ("anthropic-batch", "openai-batch"):
        r = rng.random()
        if seed.batch and os.path.exists(seed.batch) and r < 0.6:
            cmd += ["--batch", seed.batch]
        elif r < 0.95:
            cmd += ["--date", "2026-10-01"]
            if seed.format == "anthropic-batch":
                cmd += ["--batch-id", "msgbatch_01FuzzFuzzFuzz"]
        # else: neither (anthropic-batch must then fail with 64, unless the name carries msgbatch_)
    if rng.random() < 0.5:
        cmd.append("--skip-invalid")
    dry = rng.random() < 0.15
    if dry:
        cmd.append("--dry-run")
    if size_hint.get("id_pattern") or (seed.format == "anthropic-batch" and rng.random() < 0.3):
        cmd += ["--id-pattern", rng.choice(["^(?<tenant>[^_]+)__(?<job>[^_]+)__", "(?<tenant>[a-z]+):(?<job>[a-z]+)",
                                           "^(?<tenant>.*)$"])]
    if rng.random() < 0.1:
        cmd += ["--tenant", rng.choice([c for c in CONTROL if "\u0000" not in c] + ["acme"])]  # argv has no NUL
    return cmd, dry


# --- the loop -----------------------------------------------------------------------------------------

counts = collections.Counter()  # exit labels of ingests
report_counts = collections.Counter()
option_counts = collections.Counter()
exit1_reasons = collections.Counter()  # exit 1 is allowed ("anything else"), but worth reading
mutation_counts = collections.Counter()
failure_counts = collections.Counter()
failures = []
saved = collections.Counter()


def reason(stderr):
    """What went wrong, in a line: the Swift runtime failure, fatal error or crash, the function
    that crashed and the first frame in the project's sources; else the first error line."""
    what = where = function = None
    for line in stderr.splitlines():
        m = re.search(r"\*\*\* Swift runtime failure: (.*?) \*\*\*|Fatal error: (.*)|"
                      r"\*\*\* Program crashed: (.*?) at 0x", line)
        if m and not what:
            what = next(g for g in m.groups() if g).strip()
        m = re.match(r"\s*\d+ .*?0x[0-9a-f]+ (.+?) in tally at", line)
        if m and not function and "Swift runtime failure" not in m.group(1):
            function = re.sub(r" \+ \d+$", "", m.group(1))
        m = re.search(r" at (\S*Sources/\S+\.swift:\d+)", line)
        if m and not where:
            where = m.group(1).split("Sources/", 1)[1]
    if what:
        return what + (f" in {function}" if function else "") + (f" at {where}" if where else "")
    for line in stderr.splitlines():
        if "rror" in line:
            return line.strip()[:300]
    return stderr.strip().splitlines()[0][:300] if stderr.strip() else ""


def changes(before, after):
    """What differs between two ledger dumps, per table: rows added and removed."""
    before, after = before or {}, after or {}
    out = []
    for t in sorted(set(before) | set(after)):
        old, new = collections.Counter(before.get(t, [])), collections.Counter(after.get(t, []))
        added, removed = sum((new - old).values()), sum((old - new).values())
        if added or removed:
            out.append(f"{t}: {added} rows added, {removed} removed")
    return "; ".join(out)


def keep(kind, label, case_path, ledger, cmd, outcome, mutations, seed_name, detail=None):
    """Records a failure and saves its case (at most 5 per kind, outcome and reason): the file, the
    ledger as the failing command found it, and a .txt with the command and stderr."""
    failure_counts[kind] += 1
    why = detail or reason(outcome.stderr)
    key = re.sub(r"[^A-Za-z0-9]+", "-", f"{kind}-{label}").strip("-")
    group = re.sub(r"\d+ rows", "N rows", why)
    failures.append((kind, label, group, mutations, seed_name, None))
    if saved[(key, group)] >= 5:
        return
    saved[(key, group)] += 1
    saved[key] += 1
    stem = os.path.join(FAILURES, f"{key}-{saved[key]}")
    shutil.copyfile(case_path, stem + ".jsonl")
    shown = [stem + ".jsonl" if part == case_path else part for part in cmd]
    if ledger:
        shutil.copyfile(ledger, stem + ".ledger.sqlite")
        shown = [stem + ".ledger.sqlite" if part == LEDGER else part for part in shown]
    with open(stem + ".txt", "w") as f:
        f.write(f"failure: {kind} ({label})\nreason: {why}\nseed file: {seed_name}\nmutations: {', '.join(mutations)}\n"
                f"ledger: {stem + '.ledger.sqlite (copy it first: the command may change it)' if ledger else 'none before the command'}\n"
                f"command: {shlex.join(shown)}\n\nstderr (start and end):\n{outcome.stderr[:4000]}\n...\n"
                f"{outcome.stderr[-1500:]}\n")
    failures[-1] = (kind, label, group, mutations, seed_name, stem + ".jsonl")


def main():
    seeds = load_seeds()
    if not seeds:
        sys.exit("no seed files found")
    pipe = stdin_supported(seeds)
    allow_200mb = shutil.disk_usage(WORK).free > 4 * 1024 ** 3
    print(f"fuzzing tally ingest for {args.seconds:.0f} s, seed {seed}; {len(seeds)} seed files; "
          f"stdin (-) {'supported' if pipe else 'not supported: runs use files only'}; "
          f"200 MB lines {'allowed' if allow_200mb else 'off (disk)'}", flush=True)
    reset_ledger()
    deadline = time.monotonic() + args.seconds
    runs = 0
    snapshot = os.path.join(CASES, "ledger-before.sqlite")
    while time.monotonic() < deadline:
        runs += 1
        if runs % 40 == 0:
            reset_ledger()  # keep the ledger small; it accumulates between resets
        seed_file = rng.choice(seeds)
        lines = seed_file.sample()
        size_hint = {"allow_200mb": allow_200mb}
        chosen = []
        names, weights = list(WEIGHTS), list(WEIGHTS.values())
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
            name = rng.choices(names, weights)[0]
            if MUTATIONS[name](lines, size_hint):
                chosen.append(name)
                mutation_counts[name] += 1
        stem = os.path.basename(seed_file.path)
        if seed_file.format == "anthropic-batch" and rng.random() < 0.3:
            stem = "msgbatch_01FuzzName_results.jsonl"  # the batch id from the file name
        case_path = os.path.join(CASES, f"case-{stem}")
        with open(case_path, "wb") as f:
            f.write(b"\n".join(lines) + (b"\n" if rng.random() < 0.9 else b""))
        size = os.path.getsize(case_path)
        timeout = args.timeout + size / (10 * 1024 * 1024)
        use_stdin = pipe and rng.random() < 0.15
        cmd, dry = ingest_command(seed_file, case_path, size_hint, use_stdin)
        option_counts.update(o for o in ("--format", "--skip-invalid", "--dry-run", "--id-pattern", "--tenant", "--batch",
                                         "--date") if o in cmd)
        option_counts.update(["stdin pipe"] if use_stdin else [])
        option_counts.update(["200 MB line"] if size_hint.get("big") else [])

        for old in glob.glob(snapshot + "*"):
            os.remove(old)
        existed = os.path.exists(LEDGER)
        if existed:
            src = sqlite3.connect(LEDGER)
            dst = sqlite3.connect(snapshot)
            src.backup(dst)
            src.close()
            dst.close()
        before = ledger_dump(LEDGER)
        outcome = run(cmd, timeout, stdin_file=case_path if use_stdin else None)
        counts[outcome.label] += 1
        if outcome.status == 1:
            exit1_reasons[reason(outcome.stderr).replace(case_path, "FILE")] += 1
        ledger_before = snapshot if existed else None
        if outcome.timed_out:
            keep("ingest hang", outcome.label, case_path, ledger_before, cmd, outcome, chosen, seed_file.name)
        elif outcome.status < 0:
            keep("ingest crash", outcome.label, case_path, ledger_before, cmd, outcome, chosen, seed_file.name)
        elif outcome.status not in (0, 1, 64, 65):
            keep("ingest exit status", outcome.label, case_path, ledger_before, cmd, outcome, chosen, seed_file.name)
        after = ledger_dump(LEDGER) if not outcome.timed_out and outcome.status is not None and outcome.status >= 0 else None
        if outcome.status is not None and outcome.status > 0:
            if not same_content(before, after):
                keep(f"rejected file (exit {outcome.status}) changed the ledger", outcome.label, case_path,
                     ledger_before, cmd, outcome, chosen, seed_file.name, detail=changes(before, after))
        if dry and outcome.status == 0:
            if not existed and os.path.exists(LEDGER):
                keep("--dry-run created a ledger file", outcome.label, case_path, None, cmd, outcome, chosen,
                     seed_file.name, detail="there was no ledger file before the dry run, and there is one after it")
                reset_ledger()
            elif not same_content(before, after):
                keep("--dry-run changed the ledger", outcome.label, case_path, ledger_before, cmd, outcome, chosen,
                     seed_file.name, detail=changes(before, after))
        poisoned = False
        if outcome.status == 0 and not dry:
            for report in (["report", "spend"], ["report", "chargeback"]):
                fmt = rng.choice(["table", "csv", "json"])
                rcmd = [TALLY, *report, "--ledger", LEDGER, "--format", fmt]
                ledger_size = os.path.getsize(LEDGER) if os.path.exists(LEDGER) else 0
                r = run(rcmd, args.timeout + ledger_size / (10 * 1024 * 1024))
                report_counts[f"{' '.join(report)}: {r.label}"] += 1
                if r.timed_out or r.status != 0:
                    keep(f"{' '.join(report)} failed after an ingest that exited 0", r.label, case_path,
                         LEDGER if os.path.exists(LEDGER) else None, cmd + ["&&"] + rcmd, r, chosen, seed_file.name)
                    poisoned = True
        if poisoned or size_hint.get("big"):
            reset_ledger()  # start clean, so later failures belong to their own cases
        if size > 50 * 1024 * 1024:
            os.remove(case_path)  # the 200 MB cases are not kept unless they failed (keep copied them)
        if outcome.timed_out or (outcome.status is not None and outcome.status < 0):
            reset_ledger()  # a killed process may leave a lock or a journal behind

    print(f"\nruns: {runs} ingests, {sum(report_counts.values())} reports (seed {seed})")
    print("ingest outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print("report outcomes: " + (", ".join(f"{k} {v}" for k, v in sorted(report_counts.items())) or "none"))
    for why, n in exit1_reasons.most_common(5):
        print(f"  ingest exit 1 ({n}x): {why[:200]}")
    print("options used: " + ", ".join(f"{k} {v}" for k, v in sorted(option_counts.items())))
    print("mutations applied: " + ", ".join(f"{k} {v}" for k, v in sorted(mutation_counts.items())))
    if failure_counts:
        print(f"\nFAILURES: {sum(failure_counts.values())}")
        for kind, n in sorted(failure_counts.items()):
            print(f"  {kind}: {n}")
        print("\nby reason (count: kind [outcome] reason; one reproducer):")
        by_reason = collections.OrderedDict()
        for kind, label, why, mutations, seed_name, path in failures:
            entry = by_reason.setdefault((kind, label, why), [0, None, None, None])
            entry[0] += 1
            if entry[1] is None and path:
                entry[1:] = [path, mutations, seed_name]
        for (kind, label, why), (n, path, mutations, seed_name) in by_reason.items():
            print(f"  {n:4d}: {kind} [{label}] {why}")
            if path:
                print(f"        {path}  ({'+'.join(mutations) or 'no mutation'} on {seed_name})")
        print(f"\nreproducers kept in {FAILURES}/")
        sys.exit(1)
    print("\nno failures")


main()
