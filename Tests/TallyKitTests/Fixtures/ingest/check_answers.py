#!/usr/bin/env python3
"""Machine check of ANSWERS.md: reads every ingest fixture with a small reference reader that
follows DESIGN.md's domain rules, prints record counts, token sums and costs, and compares them
with the numbers written in ANSWERS.md (the EXPECTED table below). Exits 1 on any mismatch.

Pure standard library; money uses decimal.Decimal only (no float anywhere on a money path;
JSON numbers are parsed as int or Decimal, so 12.5 is seen as a non-integer, not as a float).

    python3 check_answers.py
"""
import json
import os
import re
import sys
from collections import OrderedDict, defaultdict
from datetime import datetime, timezone
from decimal import Decimal as D

HERE = os.path.dirname(os.path.abspath(__file__))
CATS = ["input", "cache_write_5m", "cache_write_1h", "cache_read", "output"]
MILLION = D(1000000)

# ----------------------------------------------------------------------------- rates (per 1M; web per 1K)
SYNC = {
    "claude-sonnet-4-5-20250929": dict(input=D("3"), cache_write_5m=D("3.75"), cache_write_1h=D("6"), cache_read=D("0.30"), output=D("15")),
    "claude-haiku-4-5-20251001": dict(input=D("1"), cache_write_5m=D("1.25"), cache_write_1h=D("2"), cache_read=D("0.10"), output=D("5")),
    # OpenAI: no cache writes; cached input is cache_read
    "gpt-4o-mini": dict(input=D("0.15"), cache_write_5m=D("0.15"), cache_write_1h=D("0.15"), cache_read=D("0.075"), output=D("0.60")),
    "gpt-4o": dict(input=D("2.50"), cache_write_5m=D("2.50"), cache_write_1h=D("2.50"), cache_read=D("1.25"), output=D("10")),
}
BATCH = {m: {k: v / 2 for k, v in r.items()} for m, r in SYNC.items() if m.startswith("claude")}
WEB_PER_1K = D("10")  # both modes, no batch discount


def resolve(model, table):
    """Exact id, else the id without a trailing date (-2024-07-18 or -20250929); else None."""
    if model in table:
        return model
    base = re.sub(r"-(\d{4}-\d{2}-\d{2}|\d{8})$", "", model)
    return base if base in table else None


# ----------------------------------------------------------------------------- line reading
def read_lines(path):
    """(physical line number, text) for every non-blank line; strips a UTF-8 BOM and CR."""
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for i, raw in enumerate(data.split(b"\n"), start=1):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if raw.strip():
            yield i, raw.decode("utf-8")


class Invalid(Exception):
    pass


def parse(text):
    try:
        return json.loads(text, parse_float=D)
    except json.JSONDecodeError as e:
        raise Invalid(f"not valid JSON ({e.msg} at column {e.colno})")


def tok(obj, field, where):
    v = obj.get(field) if isinstance(obj, dict) else None
    if v is None:
        return 0
    if isinstance(v, bool) or not isinstance(v, int):
        raise Invalid(f"{where}.{field} = {v}: not a whole number")
    if v < 0:
        raise Invalid(f"{where}.{field} = {v}: negative")
    return v


def zero():
    return {c: 0 for c in CATS}


def anthropic_usage(u, where):
    t = zero()
    t["input"] = tok(u, "input_tokens", where)
    t["output"] = tok(u, "output_tokens", where)
    t["cache_read"] = tok(u, "cache_read_input_tokens", where)
    writes = tok(u, "cache_creation_input_tokens", where)
    split = u.get("cache_creation")
    if split is not None:
        w5 = tok(split, "ephemeral_5m_input_tokens", where + ".cache_creation")
        w1 = tok(split, "ephemeral_1h_input_tokens", where + ".cache_creation")
        if w5 + w1 != writes:
            raise Invalid(f"{where}.cache_creation: 5m {w5} + 1h {w1} = {w5 + w1} != cache_creation_input_tokens {writes}")
        t["cache_write_5m"], t["cache_write_1h"] = w5, w1
    else:
        t["cache_write_5m"] = writes  # older logs: all writes are 5m
    web = tok(u.get("server_tool_use") or {}, "web_search_requests", where + ".server_tool_use")
    return t, web


def openai_usage(u, where):
    t = zero()
    if "prompt_tokens" in u:  # chat.completion
        prompt = tok(u, "prompt_tokens", where)
        cached = tok(u.get("prompt_tokens_details") or {}, "cached_tokens", where + ".prompt_tokens_details")
        out = tok(u, "completion_tokens", where)
        tok(u.get("completion_tokens_details") or {}, "reasoning_tokens", where + ".completion_tokens_details")
    else:  # responses
        prompt = tok(u, "input_tokens", where)
        cached = tok(u.get("input_tokens_details") or {}, "cached_tokens", where + ".input_tokens_details")
        out = tok(u, "output_tokens", where)
        tok(u.get("output_tokens_details") or {}, "reasoning_tokens", where + ".output_tokens_details")
    if cached > prompt:
        raise Invalid(f"{where}: cached_tokens {cached} > prompt tokens {prompt}")
    t["input"], t["cache_read"], t["output"] = prompt - cached, cached, out  # reasoning is inside output
    return t, 0


# ----------------------------------------------------------------------------- readers
def read_anthropic_batch(path, batch_id):
    recs, invalid = [], []
    for n, text in read_lines(path):
        try:
            o = parse(text)
            cid = o.get("custom_id")
            if not isinstance(cid, str) or not cid:
                raise Invalid("custom_id missing")
            res = o.get("result") or {}
            typ = res.get("type")
            rec = dict(line=n, key=(batch_id, cid), custom_id=cid, status=typ, model=None, tokens=zero(), web=0,
                       provider="anthropic", mode="batch")
            if typ == "succeeded":
                m = res["message"]
                rec["model"] = m["model"]
                rec["tokens"], rec["web"] = anthropic_usage(m["usage"], "result.message.usage")
            elif typ not in ("errored", "canceled", "expired"):
                raise Invalid(f"result.type {typ!r} is not succeeded, errored, canceled or expired")
            recs.append(rec)
        except Invalid as e:
            invalid.append((n, str(e)))
    return dedupe(recs, invalid)


def read_openai_batch(path):
    recs, invalid = [], []
    for n, text in read_lines(path):
        try:
            o = parse(text)
            rec = dict(line=n, key=o["id"], custom_id=o.get("custom_id"), model=None, tokens=zero(), web=0,
                       provider="openai", mode="batch", timestamp=None)
            resp = o.get("response")
            if resp is not None and resp.get("status_code") == 200:
                body = resp["body"]
                rec.update(status="succeeded", model=body["model"], timestamp=body["created"])
                rec["tokens"], rec["web"] = openai_usage(body["usage"], "response.body.usage")
            else:
                code = (o.get("error") or {}).get("code")
                rec["status"] = {"batch_expired": "expired", "batch_cancelled": "canceled"}.get(code, "errored")
            recs.append(rec)
        except Invalid as e:
            invalid.append((n, str(e)))
    return dedupe(recs, invalid)


def read_api_log(path):
    recs, invalid = [], []
    for n, text in read_lines(path):
        try:
            o = parse(text)
            meta = o.get("metadata") or {}
            tenant = o.get("tenant", meta.get("tenant"))
            job = o.get("job", meta.get("job"))
            rec = dict(line=n, status="succeeded", mode="sync", tenant=tenant, job=job, web=0,
                       timestamp=o["timestamp"])
            if "response" in o:
                body = o["response"]
                if body.get("type") == "message":
                    rec["provider"] = "anthropic"
                    rec["tokens"], rec["web"] = anthropic_usage(body["usage"], "response.usage")
                elif body.get("object") in ("chat.completion", "response"):
                    rec["provider"] = "openai"
                    rec["tokens"], rec["web"] = openai_usage(body["usage"], "response.usage")
                else:
                    raise Invalid("response is neither an Anthropic message nor an OpenAI object")
                rec["model"] = body["model"]
                rec["key"] = o.get("request_id") or body["id"]
            else:
                rec["provider"], rec["model"] = o["provider"], o["model"]
                fn = anthropic_usage if rec["provider"] == "anthropic" else openai_usage
                rec["tokens"], rec["web"] = fn(o["usage"], "usage")
                rec["key"] = o["request_id"]
            recs.append(rec)
        except Invalid as e:
            invalid.append((n, str(e)))
    return dedupe(recs, invalid)


def dedupe(recs, invalid):
    """Same key + same usage = duplicate (counted once); same key + different usage = invalid."""
    seen, out, dups = {}, [], []
    for r in recs:
        sig = (r["model"], r["status"], tuple(r["tokens"][c] for c in CATS), r["web"])
        if r["key"] in seen:
            if seen[r["key"]] == sig:
                dups.append(r["line"])
            else:
                invalid.append((r["line"], f"key {r['key']!r} repeats line with different usage"))
            continue
        seen[r["key"]] = sig
        out.append(r)
    invalid.sort()
    return out, dups, invalid


# ----------------------------------------------------------------------------- sums and costs
def sums_by_model(recs):
    by = OrderedDict()
    for r in recs:
        if r["status"] != "succeeded":
            continue
        s = by.setdefault(r["model"], dict(zero(), web_searches=0, requests=0))
        for c in CATS:
            s[c] += r["tokens"][c]
        s["web_searches"] += r["web"]
        s["requests"] += 1
    return dict(sorted(by.items()))


def cost(tokens_by_model, table):
    """(total priced cost, {model: cost}, [unpriced models]) exactly, in USD."""
    total, per, unpriced = D(0), {}, []
    for model, s in tokens_by_model.items():
        key = resolve(model, table)
        if key is None:
            unpriced.append(model)
            continue
        c = sum((D(s[cat]) * table[key][cat] for cat in CATS), D(0)) / MILLION
        c += D(s["web_searches"]) * WEB_PER_1K / D(1000)
        per[model] = c
        total += c
    return total, per, unpriced


def largest_remainder(exact):
    """Round each value to cents so the column sums to the rounded (half-to-even) total.
    Ties: larger exact value first, then name."""
    from decimal import ROUND_FLOOR, ROUND_HALF_EVEN
    cent = D("0.01")
    total = sum(exact.values(), D(0)).quantize(cent, rounding=ROUND_HALF_EVEN)
    floors = {k: v.quantize(cent, rounding=ROUND_FLOOR) for k, v in exact.items()}
    left = int((total - sum(floors.values(), D(0))) / cent)
    order = sorted(exact, key=lambda k: (-(exact[k] - floors[k]), -exact[k], k))
    for k in order[:left]:
        floors[k] += cent
    return {k: str(v) for k, v in sorted(floors.items())}


def status_counts(recs):
    c = {k: 0 for k in ("succeeded", "errored", "canceled", "expired")}
    for r in recs:
        c[r["status"]] += 1
    return c


# ----------------------------------------------------------------------------- run
failures = []


def check(label, got, want):
    ok = got == want
    print(f"  {'ok ' if ok else 'BAD'} {label}: {got}" + ("" if ok else f"   (ANSWERS.md says {want})"))
    if not ok:
        failures.append(label)


def show_sums(recs):
    for model, s in sums_by_model(recs).items():
        print(f"      {model}: requests={s['requests']} " + " ".join(f"{c}={s[c]}" for c in CATS) + f" web_searches={s['web_searches']}")


def report_file(name, result, want):
    recs, dups, invalid = result
    print(f"\n{name}")
    check("records", len(recs), want["records"])
    check("status counts", status_counts(recs), want["status"])
    check("duplicate lines", dups, want.get("dups", []))
    check("invalid lines", [n for n, _ in invalid], want.get("invalid", []))
    for n, why in invalid:
        print(f"      line {n}: {why}")
    sums = {m: tuple(s[c] for c in CATS) + (s["web_searches"],) for m, s in sums_by_model(recs).items()}
    check("token sums per model (input, cw5m, cw1h, cache_read, output, web)", sums, want["sums"])
    return recs


BATCH_ID = "msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d"
P = lambda *p: os.path.join(HERE, *p)

EXPECTED = {
    "file1": dict(records=12, status=dict(succeeded=8, errored=2, canceled=1, expired=1), sums={
        "claude-haiku-4-5-20251001": (1043, 5096, 2512, 32480, 1197, 0),
        "claude-nonexistent-9": (100, 0, 0, 0, 50, 0),
        "claude-sonnet-4-5-20250929": (6819, 2048, 0, 6144, 3311, 3)}),
    "bom": dict(records=3, status=dict(succeeded=3, errored=0, canceled=0, expired=0), sums={
        "claude-haiku-4-5-20251001": (3542, 1024, 0, 2048, 808, 0)}),
    "trunc": dict(records=3, status=dict(succeeded=3, errored=0, canceled=0, expired=0), invalid=[3], sums={
        "claude-sonnet-4-5-20250929": (7000, 0, 0, 0, 1000, 0)}),
    "badv": dict(records=1, status=dict(succeeded=1, errored=0, canceled=0, expired=0), invalid=[2, 3, 4, 5], sums={
        "claude-haiku-4-5-20251001": (700, 0, 0, 0, 90, 0)}),
    "split": dict(records=0, status=dict(succeeded=0, errored=0, canceled=0, expired=0), invalid=[1], sums={}),
    "huge": dict(records=3, status=dict(succeeded=3, errored=0, canceled=0, expired=0), sums={
        "claude-sonnet-4-5-20250929": (4400, 1024, 0, 4096, 64850, 0)}),
    "mixed": dict(records=9, status=dict(succeeded=9, errored=0, canceled=0, expired=0), dups=[9], sums={
        "claude-haiku-4-5-20251001": (1260, 2000, 0, 8000, 345, 0),
        "claude-sonnet-4-5-20250929": (7960, 1624, 1200, 13096, 1935, 2),
        "gpt-4o-2024-08-06": (2480, 0, 0, 5120, 1220, 0),
        "gpt-4o-mini-2024-07-18": (1928, 0, 0, 3072, 750, 0)}),
    "apibad": dict(records=1, status=dict(succeeded=1, errored=0, canceled=0, expired=0), invalid=[2, 3], sums={
        "claude-haiku-4-5-20251001": (250, 0, 0, 0, 40, 0)}),
    "oout": dict(records=5, status=dict(succeeded=5, errored=0, canceled=0, expired=0), sums={
        "gpt-4.1-2025-04-14": (3186, 0, 0, 6144, 1730, 0),
        "gpt-4o-mini-2024-07-18": (2134, 0, 0, 2816, 335, 0)}),
    "oerr": dict(records=2, status=dict(succeeded=0, errored=1, canceled=0, expired=1), sums={}),
    "file1_cost": dict(sync=D("0.1313152"), batch=D("0.0806576"), savings=D("0.0506576"),
                       sync_per={"claude-sonnet-4-5-20250929": D("0.1096452"), "claude-haiku-4-5-20251001": D("0.02167")},
                       batch_per={"claude-sonnet-4-5-20250929": D("0.0698226"), "claude-haiku-4-5-20251001": D("0.010835")},
                       unpriced=["claude-nonexistent-9"]),
    "file1_tenants_batch": {"(unattributed)": D("0.005843"), "Initech, Inc.": D("0.04599"), "acme": D("0.0238326"),
                            "globex": D("0.004992")},
    "file1_chargeback": {"(unattributed)": "0.01", "Initech, Inc.": "0.05", "acme": "0.02", "globex": "0.00"},
    "mixed_chargeback": {"(unattributed)": "0.01", "=cmd|' /C calc'!A0": "0.00", "Müller & Söhne, \"GmbH\"": "0.01",
                         "acme": "0.05", "globex": "0.00", "initech": "0.05"},
    "file1_jobs_batch": {"(unattributed)": D("0.005843"), "classify": D("0.004992"), "research": D("0.04599"),
                         "summarize": D("0.0149871"), "translate": D("0.0088455")},
    "mixed_month_costs": {"UTC": {"2026-10": D("0.0838964"), "2026-11": D("0.038282")},
                          "Europe/Berlin": {"2026-10": D("0.0329964"), "2026-11": D("0.089182")},
                          "America/New_York": {"2026-10": D("0.0936764"), "2026-11": D("0.028502")}},
    "mixed_cost": dict(total=D("0.1221784"), per={"claude-sonnet-4-5-20250929": D("0.0901238"), "claude-haiku-4-5-20251001": D("0.006285"),
                                                   "gpt-4o-mini-2024-07-18": D("0.0009696"), "gpt-4o-2024-08-06": D("0.0248")}),
    "mixed_tenants": {"(unattributed)": D("0.0095238"), "=cmd|' /C calc'!A0": D("0.0027"), "Müller & Söhne, \"GmbH\"": D("0.00978"),
                      "acme": D("0.0450932"), "globex": D("0.0041814"), "initech": D("0.0509")},
    "mixed_months": {"UTC": {"2026-10": [1, 2, 3, 4], "2026-11": [5, 6, 7, 8, 10]},
                     "Europe/Berlin": {"2026-10": [1, 2, 3], "2026-11": [4, 5, 6, 7, 8, 10]},
                     "America/New_York": {"2026-10": [1, 2, 3, 4, 5], "2026-11": [6, 7, 8, 10]}},
}

f1 = report_file("anthropic-batch/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d_results.jsonl",
                 read_anthropic_batch(P("anthropic-batch", f"{BATCH_ID}_results.jsonl"), BATCH_ID), EXPECTED["file1"])
show_sums(f1)
shuf = report_file("anthropic-batch/shuffled-copy.jsonl (with --batch-id " + BATCH_ID + ")",
                   read_anthropic_batch(P("anthropic-batch", "shuffled-copy.jsonl"), BATCH_ID), EXPECTED["file1"])
check("shuffled copy has exactly file 1's keys (all duplicates on re-ingest)",
      sorted(r["key"] for r in shuf) == sorted(r["key"] for r in f1), True)
with open(P("anthropic-batch", f"{BATCH_ID}_results.jsonl"), "rb") as a, open(P("anthropic-batch", "shuffled-copy.jsonl"), "rb") as b:
    la, lb = a.read().split(b"\n"), b.read().split(b"\n")
check("shuffled copy: same lines, different order", (sorted(la) == sorted(lb), la != lb), (True, True))

with open(P("anthropic-batch", f"{BATCH_ID}.json")) as f:
    bo = json.load(f)
print("\nanthropic-batch/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d.json")
check("request_counts match file 1", {k: bo["request_counts"][k] for k in ("succeeded", "errored", "canceled", "expired")},
      status_counts(f1))
ts = lambda s: datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
check("turnaround minutes (ended_at - created_at)",
      D(int((ts(bo["ended_at"]) - ts(bo["created_at"])).total_seconds())) / D(60), D(4355) / D(60))

report_file("anthropic-batch/bom-crlf.jsonl", read_anthropic_batch(P("anthropic-batch", "bom-crlf.jsonl"), "msgbatch_test"), EXPECTED["bom"])
report_file("anthropic-batch/truncated.jsonl (with --skip-invalid)", read_anthropic_batch(P("anthropic-batch", "truncated.jsonl"), "msgbatch_test"), EXPECTED["trunc"])
report_file("anthropic-batch/bad-values.jsonl (with --skip-invalid)", read_anthropic_batch(P("anthropic-batch", "bad-values.jsonl"), "msgbatch_test"), EXPECTED["badv"])
report_file("anthropic-batch/split-mismatch.jsonl", read_anthropic_batch(P("anthropic-batch", "split-mismatch.jsonl"), "msgbatch_test"), EXPECTED["split"])
huge = report_file("anthropic-batch/huge-content.jsonl", read_anthropic_batch(P("anthropic-batch", "huge-content.jsonl"), "msgbatch_test"), EXPECTED["huge"])
with open(P("anthropic-batch", "huge-content.jsonl"), "rb") as f:
    hl = f.read().split(b"\n")
check("huge: every line carries the sentinel", all(b"SECRET-CONTENT-7f3a9" in l for l in hl if l), True)
check("huge: middle line over 3,000,000 bytes", len(hl[1]) > 3000000, True)

mixed = report_file("api-log/mixed.jsonl", read_api_log(P("api-log", "mixed.jsonl")), EXPECTED["mixed"])
show_sums(mixed)
for r in mixed:
    print(f"      line {r['line']:2}: key={r['key']} tenant={r['tenant']!r} job={r['job']!r} {r['timestamp']}")
report_file("api-log/bad.jsonl (with --skip-invalid)", read_api_log(P("api-log", "bad.jsonl")), EXPECTED["apibad"])
oout = report_file("openai-batch/batch_output.jsonl", read_openai_batch(P("openai-batch", "batch_output.jsonl")), EXPECTED["oout"])
show_sums(oout)
for r in oout:
    print(f"      line {r['line']}: key={r['key']} custom_id={r['custom_id']} created={datetime.fromtimestamp(r['timestamp'], timezone.utc):%Y-%m-%dT%H:%M:%SZ}")
oerr = report_file("openai-batch/batch_errors.jsonl", read_openai_batch(P("openai-batch", "batch_errors.jsonl")), EXPECTED["oerr"])

# ----------------------------------------------------------------------------- costs
print("\nfile 1 cost (billed lines; unknown model unpriced)")
sums1 = sums_by_model(f1)
for r in f1:
    if r["status"] == "succeeded":
        total_in = r["tokens"]["input"] + r["tokens"]["cache_write_5m"] + r["tokens"]["cache_write_1h"] + r["tokens"]["cache_read"]
        assert total_in < 200000, r
sync_total, sync_per, unpriced = cost(sums1, SYNC)
batch_total, batch_per, _ = cost(sums1, BATCH)
want = EXPECTED["file1_cost"]
check("list (sync) cost USD", sync_total, want["sync"])
check("list cost per model", sync_per, want["sync_per"])
check("batch cost USD", batch_total, want["batch"])
check("batch cost per model", batch_per, want["batch_per"])
check("batch savings USD", sync_total - batch_total, want["savings"])
check("unpriced models", unpriced, want["unpriced"])

# attribution of file 1 with --map attribution/map.csv --id-pattern '^(?<tenant>[^:]+):(?<job>[^:]+):\d+$'
import csv
with open(P("attribution", "map.csv"), newline="") as f:
    amap = {row["custom_id"]: (row["tenant"], row["job"]) for row in csv.DictReader(f)}
pat = re.compile(r"^(?P<tenant>[^:]+):(?P<job>[^:]+):\d+$")
by_tenant = defaultdict(list)
print("\nfile 1 attribution (--map attribution/map.csv --id-pattern '^(?<tenant>[^:]+):(?<job>[^:]+):\\d+$')")
for r in sorted(f1, key=lambda r: r["line"]):
    cid = r["custom_id"]
    if cid in amap:
        t, j = amap[cid]
    elif pat.match(cid):
        t, j = pat.match(cid).group("tenant"), pat.match(cid).group("job")
    else:
        t, j = "(unattributed)", "(unattributed)"
    print(f"      line {r['line']:2} {cid:22} {r['status']:9} -> {t} / {j}")
    by_tenant[t].append(r)
tenant_batch = {t: cost(sums_by_model(rs), BATCH)[0] for t, rs in sorted(by_tenant.items())}
check("file 1 batch cost per tenant (priced usage only)", tenant_batch, EXPECTED["file1_tenants_batch"])
check("per-tenant batch costs add up", sum(tenant_batch.values(), D(0)), batch_total)
by_job = defaultdict(list)
for r in f1:
    cid = r["custom_id"]
    j = amap[cid][1] if cid in amap else (pat.match(cid).group("job") if pat.match(cid) else "(unattributed)")
    by_job[j].append(r)
check("file 1 batch cost per job", {j: cost(sums_by_model(rs), BATCH)[0] for j, rs in sorted(by_job.items())}, EXPECTED["file1_jobs_batch"])
check("file 1 chargeback cost_usd, 2 decimals, largest remainder", largest_remainder(tenant_batch), EXPECTED["file1_chargeback"])

print("\napi-log/mixed.jsonl cost (sync rates; duplicate line 9 counted once)")
sumsm = sums_by_model(mixed)
mt, mper, mun = cost(sumsm, SYNC)
check("total USD", mt, EXPECTED["mixed_cost"]["total"])
check("per model", mper, EXPECTED["mixed_cost"]["per"])
check("unpriced", mun, [])
bt = defaultdict(list)
for r in mixed:
    bt[r["tenant"] if r["tenant"] is not None else "(unattributed)"].append(r)
mten = {t: cost(sums_by_model(rs), SYNC)[0] for t, rs in sorted(bt.items())}
for r in mixed:
    print(f"      line {r['line']:2} {r['model']:28} {cost(sums_by_model([r]), SYNC)[0]}")
check("per tenant", mten, EXPECTED["mixed_tenants"])
check("per-tenant costs add up", sum(mten.values(), D(0)), mt)
check("chargeback cost_usd, 2 decimals, largest remainder", largest_remainder(mten), EXPECTED["mixed_chargeback"])
try:
    from zoneinfo import ZoneInfo
    months = {}
    for zone in ("UTC", "Europe/Berlin", "America/New_York"):
        b = defaultdict(list)
        for r in mixed:
            b[ts(r["timestamp"]).astimezone(ZoneInfo(zone)).strftime("%Y-%m")].append(r["line"])
        months[zone] = dict(sorted(b.items()))
    check("month buckets by --tz (line numbers)", months, EXPECTED["mixed_months"])
    bycost = {z: {m: cost(sums_by_model([r for r in mixed if r["line"] in ls]), SYNC)[0] for m, ls in b.items()} for z, b in months.items()}
    check("month cost by --tz", bycost, EXPECTED["mixed_month_costs"])
except Exception as e:  # no tz database on this machine
    print(f"  (skipped --tz month check: {e})")

print("\n" + ("ALL CHECKS PASS" if not failures else f"{len(failures)} MISMATCH(ES): {failures}"))
sys.exit(1 if failures else 0)
