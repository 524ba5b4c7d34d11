#!/usr/bin/env python3
"""Writes the reconcile fixtures (Tests/TallyKitTests/Fixtures/reconcile) and the README example
(examples/reconcile) in the shapes of ../shared/facts/formats.md. Amounts are computed with
Python's decimal module: cents = tokens x USD-per-MTok / 10,000, exactly.

Run from the package root: python3 Tests/TallyKitTests/Fixtures/reconcile/make_fixtures.py
"""
import json, os
from decimal import Decimal as D

RATES = {  # sync and batch USD per MTok: input, 5m write, 1h write, cache read, output
    ("claude-sonnet-4-5-20250929", "standard"): ("3", "3.75", "6", "0.30", "15"),
    ("claude-sonnet-4-5-20250929", "batch"): ("1.50", "1.875", "3", "0.15", "7.50"),
    ("claude-haiku-4-5-20251001", "standard"): ("1", "1.25", "2", "0.10", "5"),
    ("claude-haiku-4-5-20251001", "batch"): ("0.50", "0.625", "1", "0.05", "2.50"),
}
TYPES = ["uncached_input_tokens", "cache_creation.ephemeral_5m_input_tokens",
         "cache_creation.ephemeral_1h_input_tokens", "cache_read_input_tokens", "output_tokens"]
LABELS = ["Input Tokens", "Cache Write 5m Tokens", "Cache Write 1h Tokens", "Cache Read Tokens", "Output Tokens"]
NAMES = {"claude-sonnet-4-5-20250929": "Claude Sonnet 4.5", "claude-haiku-4-5-20251001": "Claude Haiku 4.5"}

def cents(value):
    text = "{:f}".format(value.normalize())
    return text

def usage_obj(inp, w5=0, w1=0, read=0, out=0, searches=0, tier=None):
    u = {"input_tokens": inp, "cache_creation_input_tokens": w5 + w1, "cache_read_input_tokens": read,
         "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1},
         "output_tokens": out}
    if searches:
        u["server_tool_use"] = {"web_search_requests": searches}
    if tier:
        u["service_tier"] = tier
    return u

def log_line(ts, rid, model, usage, tenant="acme"):
    return json.dumps({"timestamp": ts, "tenant": tenant, "request_id": rid,
                       "response": {"id": "msg_" + rid, "type": "message", "role": "assistant", "model": model,
                                    "content": [{"type": "text", "text": "ok"}], "usage": usage}},
                      separators=(",", ":"))

def batch_line(cid, model, usage):
    return json.dumps({"custom_id": cid, "result": {"type": "succeeded", "message": {
        "id": "msg_" + cid, "type": "message", "role": "assistant", "model": model, "content": [],
        "usage": usage}}}, separators=(",", ":"))

class Book:
    """Per (day, model, tier): token sums in the five categories, plus web searches per day."""
    def __init__(self):
        self.tokens, self.searches = {}, {}
    def add(self, day, model, tier, u):
        key = (day, model, tier)
        t = self.tokens.setdefault(key, [0, 0, 0, 0, 0])
        split = u["cache_creation"]
        for i, v in enumerate([u["input_tokens"], split["ephemeral_5m_input_tokens"],
                               split["ephemeral_1h_input_tokens"], u["cache_read_input_tokens"], u["output_tokens"]]):
            t[i] += v
        s = u.get("server_tool_use", {}).get("web_search_requests", 0)
        if s:
            self.searches[day] = self.searches.get(day, 0) + s

def bucket(day):
    return f"{day}T00:00:00Z", f"{next_day(day)}T00:00:00Z"

def next_day(day):
    y, m, d = map(int, day.split("-"))
    days = 31 if m in (1, 3, 5, 7, 8, 10, 12) else 30
    d += 1
    if d > days:
        d, m = 1, m + 1
    return f"{y:04d}-{m:02d}-{d:02d}"

def usage_pages(book, days, split_after=None):
    buckets = []
    for day in days:
        start, end = bucket(day)
        results = []
        for (d, model, tier), t in sorted(book.tokens.items()):
            if d != day:
                continue
            searches = book.searches.get(day, 0) if (model.startswith("claude-sonnet") and tier == "standard") else 0
            results.append({"uncached_input_tokens": t[0],
                            "cache_creation": {"ephemeral_1h_input_tokens": t[2], "ephemeral_5m_input_tokens": t[1]},
                            "cache_read_input_tokens": t[3], "output_tokens": t[4],
                            "server_tool_use": {"web_search_requests": searches},
                            "api_key_id": None, "workspace_id": None, "model": model, "service_tier": tier,
                            "context_window": "0-200k", "inference_geo": None})
        buckets.append({"starting_at": start, "ending_at": end, "results": results})
    if split_after is None:
        return [{"data": buckets, "has_more": False, "next_page": None}]
    return [{"data": buckets[:split_after], "has_more": True, "next_page": "page_MjAyNi0xMC0xN1QwMDowMDowMFo="},
            {"data": buckets[split_after:], "has_more": False, "next_page": None}]

def cost_page(book, days, billed=RATES):
    buckets = []
    for day in days:
        start, end = bucket(day)
        results = []
        for (d, model, tier), t in sorted(book.tokens.items()):
            if d != day:
                continue
            for i, count in enumerate(t):
                if count == 0:
                    continue
                amount = D(count) * D(billed[(model, tier)][i]) / D(10000)
                results.append({"currency": "USD", "amount": cents(amount), "workspace_id": None,
                                "description": f"{NAMES[model]} Usage - {LABELS[i]}", "cost_type": "tokens",
                                "context_window": "0-200k", "model": model, "service_tier": tier,
                                "token_type": TYPES[i], "inference_geo": None})
        if book.searches.get(day):
            results.append({"currency": "USD", "amount": cents(D(book.searches[day]) * D(10) / D(1000) * 100),
                            "workspace_id": None, "description": "Web Search", "cost_type": "web_search",
                            "context_window": None, "model": None, "service_tier": None, "token_type": None,
                            "inference_geo": None})
        buckets.append({"starting_at": start, "ending_at": end, "results": results})
    return {"data": buckets, "has_more": False, "next_page": None}

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)

SONNET, HAIKU = "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"

# --- October 2026: the month the unit tests reconcile -------------------------------------
root = "Tests/TallyKitTests/Fixtures/reconcile"
book = Book()
days = [f"2026-10-{d:02d}" for d in range(1, 32)]
log = []
for n, day in enumerate(days, start=1):
    u = usage_obj(1000 * n, w5=300 if n % 2 == 0 else 0, read=2000, out=150 * n, searches=1 if n % 7 == 0 else 0)
    log.append(log_line(f"{day}T10:00:00Z", f"req_s_{n:02d}", SONNET, u))
    book.add(day, SONNET, "standard", u)
    u = usage_obj(4000, w1=100 if n % 5 == 0 else 0, out=800 + n)
    log.append(log_line(f"{day}T15:30:00Z", f"req_h_{n:02d}", HAIKU, u, tenant="globex"))
    book.add(day, HAIKU, "standard", u)
write(f"{root}/api-log.jsonl", "\n".join(log) + "\n")
batch = []
for i in range(20):
    u = usage_obj(5000 + i, read=1000 if i % 2 else 0, out=1000 + i, tier="batch")
    batch.append(batch_line(f"job-{i:02d}", SONNET, u))
    book.add("2026-10-15", SONNET, "batch", u)
batch.insert(7, json.dumps({"custom_id": "job-99", "result": {"type": "errored", "error": {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}}}, separators=(",", ":")))
write(f"{root}/msgbatch_01Oct15Reconcile_results.jsonl", "\n".join(batch) + "\n")
write(f"{root}/msgbatch_01Oct15Reconcile.json", json.dumps({
    "id": "msgbatch_01Oct15Reconcile", "type": "message_batch", "processing_status": "ended",
    "request_counts": {"processing": 0, "succeeded": 20, "errored": 1, "canceled": 0, "expired": 0},
    "created_at": "2026-10-15T02:00:05Z", "ended_at": "2026-10-15T02:41:10Z", "expires_at": "2026-10-16T02:00:05Z",
    "cancel_initiated_at": None, "archived_at": None, "results_url": None}, indent=2) + "\n")
pages = usage_pages(book, days, split_after=16)
write(f"{root}/usage-page-1.json", json.dumps(pages[0], indent=2) + "\n")
write(f"{root}/usage-page-2.json", json.dumps(pages[1], indent=2) + "\n")
write(f"{root}/usage-pages.jsonl", "".join(json.dumps(p, separators=(",", ":")) + "\n" for p in pages))
write(f"{root}/cost.json", json.dumps(cost_page(book, days), indent=2) + "\n")

# --- November 2026: the README example ------------------------------------------------------
root = "examples/reconcile"
book = Book()
days = ["2026-11-02", "2026-11-03", "2026-11-04"]
log = []
for n, (ts, rid, model, u) in enumerate([
    ("2026-11-02T09:12:03Z", "req_01", SONNET, usage_obj(120000, w5=40000, read=30000, out=21000)),
    ("2026-11-02T14:40:55Z", "req_02", HAIKU, usage_obj(30000, out=6400)),
    ("2026-11-03T08:05:10Z", "req_03", SONNET, usage_obj(95000, read=90000, out=18500, searches=2)),
    ("2026-11-03T16:21:44Z", "req_04", HAIKU, usage_obj(28000, out=5900)),
    ("2026-11-04T11:47:30Z", "req_05", SONNET, usage_obj(150000, w1=20000, read=28000, out=24000)),
    ("2026-11-04T19:02:17Z", "req_06", HAIKU, usage_obj(31000, out=7000)),
]):
    log.append(log_line(ts, rid, model, u))
    book.add(ts[:10], model, "standard", u)
# Logged when the response arrived, after midnight; the provider counts it on the 3rd.
u = usage_obj(25000, out=4800)
log.append(log_line("2026-11-04T00:00:41Z", "req_07", HAIKU, u))
book.add("2026-11-03", HAIKU, "standard", u)
write(f"{root}/api-log.jsonl", "\n".join(log) + "\n")
batch = []
for i in range(4):
    u = usage_obj(120000 + 10000 * i, out=30000 + 1000 * i, tier="batch")
    batch.append(batch_line(f"digest-{i}", SONNET, u))
    book.add("2026-11-03", SONNET, "batch", u)
write(f"{root}/msgbatch_01ExampleNov03_results.jsonl", "\n".join(batch) + "\n")
write(f"{root}/msgbatch_01ExampleNov03.json", json.dumps({
    "id": "msgbatch_01ExampleNov03", "type": "message_batch", "processing_status": "ended",
    "request_counts": {"processing": 0, "succeeded": 4, "errored": 0, "canceled": 0, "expired": 0},
    "created_at": "2026-11-03T01:00:00Z", "ended_at": "2026-11-03T01:20:00Z", "expires_at": "2026-11-04T01:00:00Z",
    "cancel_initiated_at": None, "archived_at": None, "results_url": None}, indent=2) + "\n")
write(f"{root}/usage-report.json", json.dumps(usage_pages(book, days)[0], indent=2) + "\n")
write(f"{root}/cost-report.json", json.dumps(cost_page(book, days), indent=2) + "\n")
