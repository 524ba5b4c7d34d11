#!/usr/bin/env python3
"""Writes the provider-report fixtures (and their copies in examples/provider-reports/) in the
shapes of shared facts/formats-more.md sections 2.5 (OpenAI usage and costs) and 2.6 (Anthropic
Analytics API). ANSWERS.md holds the hand-checked figures; `python3 make_fixtures.py --check`
recomputes them with decimal.Decimal and confirms the files are what this script writes."""
import calendar, json, os, sys
from decimal import Decimal as D

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "../../../../examples/provider-reports")

def epoch(day):  # "2026-11-02" -> unix seconds of its UTC midnight
    y, m, d = map(int, day.split("-"))
    return calendar.timegm((y, m, d, 0, 0, 0))

DAYS = ["2026-11-02", "2026-11-03"]
MINI, NANO = "gpt-4o-mini-2024-07-18", "gpt-4.1-mini-2025-04-14"
# OpenAI rates, USD per million: input, cached input, output (pricing/openai.csv)
OPENAI_RATES = {MINI: (D("0.15"), D("0.075"), D("0.60")), NANO: (D("0.40"), D("0.10"), D("1.60"))}

# The ledger side: chat completions (prompt_tokens includes the cached tokens).
OPENAI_LOG = [
    ("oa-01", "2026-11-02T10:00:00Z", MINI, 12000, 4000, 1500),
    ("oa-02", "2026-11-02T15:30:00Z", MINI, 8000, 0, 500),
    ("oa-03", "2026-11-02T18:00:00Z", NANO, 30000, 10000, 2000),
    ("oa-04", "2026-11-03T09:00:00Z", MINI, 20000, 5000, 2500),
    ("oa-05", "2026-11-03T11:00:00Z", NANO, 10000, 0, 1000),
]

def openai_log():
    lines = []
    for rid, ts, model, prompt, cached, completion in OPENAI_LOG:
        body = {"id": "chatcmpl-" + rid, "object": "chat.completion", "model": model,
                "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                          "total_tokens": prompt + completion,
                          "prompt_tokens_details": {"cached_tokens": cached}}}
        lines.append(json.dumps({"timestamp": ts, "tenant": "acme", "request_id": rid, "response": body},
                                separators=(",", ":")))
    return "\n".join(lines) + "\n"

def sums():  # (day, model) -> [input_tokens incl. cached, cached, output, requests]
    out = {}
    for rid, ts, model, prompt, cached, completion in OPENAI_LOG:
        s = out.setdefault((ts[:10], model), [0, 0, 0, 0])
        s[0] += prompt; s[1] += cached; s[2] += completion; s[3] += 1
    return out

def openai_usage(extra_batch=False, days=DAYS):
    data = []
    for day in days:
        results = []
        for (d, model), (inp, cached, out, n) in sorted(sums().items()):
            if d != day: continue
            results.append({"object": "organization.usage.completions.result", "input_tokens": inp,
                            "output_tokens": out, "input_cached_tokens": cached, "input_audio_tokens": 0,
                            "output_audio_tokens": 0, "num_model_requests": n, "project_id": None,
                            "user_id": None, "api_key_id": None, "model": model, "batch": False,
                            "service_tier": None})
        if extra_batch and day == "2026-11-03":
            results.append({"object": "organization.usage.completions.result", "input_tokens": 100000,
                            "output_tokens": 20000, "input_cached_tokens": 0, "input_audio_tokens": 0,
                            "output_audio_tokens": 0, "num_model_requests": 50, "project_id": None,
                            "user_id": None, "api_key_id": None, "model": MINI, "batch": True,
                            "service_tier": None})
        data.append({"object": "bucket", "start_time": epoch(day), "end_time": epoch(day) + 86400,
                     "results": results})
    return json.dumps({"object": "page", "data": data, "has_more": False, "next_page": None}, indent=2) + "\n"

def openai_costs():
    data = []
    for day in DAYS:
        results = []
        for (d, model), (inp, cached, out, n) in sorted(sums().items()):
            if d != day: continue
            rin, rcached, rout = OPENAI_RATES[model]
            for kind, tokens, rate in (("input", inp - cached, rin), ("cached input", cached, rcached),
                                       ("output", out, rout)):
                if tokens == 0: continue
                results.append({"object": "organization.costs.result",
                                "amount": {"value": "@" + str(tokens * rate / 1000000), "currency": "usd"},
                                "line_item": f"{model}, {kind}", "project_id": None})
        data.append({"object": "bucket", "start_time": epoch(day), "end_time": epoch(day) + 86400,
                     "results": results})
    text = json.dumps({"object": "page", "data": data, "has_more": False, "next_page": None}, indent=2) + "\n"
    # JSON numbers written as the exact decimal text.
    import re
    return re.sub(r'"@([0-9.E+-]+)"', lambda m: format(D(m.group(1)), "f"), text)

# Anthropic: the ledger side and the Analytics reports, list price = the bundled table,
# amount = a contracted 10% discount.
SONNET, HAIKU = "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"
ANTHROPIC_RATES = {SONNET: {"input": D(3), "cache_read": D("0.30"), "cache_write_5m": D("3.75"), "output": D(15)},
                   HAIKU: {"input": D(1), "cache_read": D("0.10"), "cache_write_5m": D("1.25"), "output": D(5)}}
ANTHROPIC_LOG = [
    ("an-01", "2026-11-02T09:00:00Z", SONNET, 50000, 0, 20000, 5000),
    ("an-02", "2026-11-02T13:00:00Z", HAIKU, 40000, 0, 0, 8000),
    ("an-03", "2026-11-03T10:00:00Z", SONNET, 60000, 10000, 0, 6000),
]
DISCOUNT = D("0.9")

def anthropic_log():
    lines = []
    for rid, ts, model, inp, w5m, read, out in ANTHROPIC_LOG:
        body = {"id": "msg_" + rid, "type": "message", "role": "assistant", "model": model, "content": [],
                "usage": {"input_tokens": inp, "cache_creation_input_tokens": w5m, "cache_read_input_tokens": read,
                          "cache_creation": {"ephemeral_5m_input_tokens": w5m, "ephemeral_1h_input_tokens": 0},
                          "output_tokens": out}}
        lines.append(json.dumps({"timestamp": ts, "tenant": "acme", "request_id": rid, "response": body},
                                separators=(",", ":")))
    return "\n".join(lines) + "\n"

def analytics_usage():
    data = []
    for day in DAYS:
        results = []
        for rid, ts, model, inp, w5m, read, out in ANTHROPIC_LOG:
            if ts[:10] != day: continue
            results.append({"uncached_input_tokens": inp, "cache_read_input_tokens": read,
                            "cache_creation": {"ephemeral_5m_input_tokens": w5m, "ephemeral_1h_input_tokens": 0},
                            "output_tokens": out, "server_tool_use": {"web_search_requests": 0}, "requests": 1,
                            "model": model, "service_tier": "standard", "context_window": "0-200k",
                            "inference_geo": "global", "speed": "standard", "product": None,
                            "actor_type": None, "actor_id": None, "api_key_id": None, "workspace_id": None})
        data.append({"starting_at": day + "T00:00:00Z", "ending_at": DAYS[1] + "T00:00:00Z" if day == DAYS[0]
                     else "2026-11-04T00:00:00Z", "results": results})
    return json.dumps({"data": data, "has_more": False, "next_page": None}, indent=2) + "\n"

TOKEN_TYPES = [("uncached_input_tokens", "input", 3), ("cache_read_input_tokens", "cache_read", 5),
               ("cache_creation.ephemeral_5m_input_tokens", "cache_write_5m", 4), ("output_tokens", "output", 6)]

def analytics_costs():
    data = []
    for day in DAYS:
        results = []
        for rec in ANTHROPIC_LOG:
            rid, ts, model = rec[:3]
            if ts[:10] != day: continue
            for token_type, category, index in TOKEN_TYPES:
                tokens = {3: rec[3], 4: rec[4], 5: rec[5], 6: rec[6]}[index]
                if tokens == 0: continue
                list_cents = tokens * ANTHROPIC_RATES[model][category] / 10000  # $/M * tokens / 1e6 * 100
                results.append({"amount": str((list_cents * DISCOUNT).normalize()),
                                "list_amount": str(list_cents.normalize()), "currency": "USD",
                                "cost_type": "tokens", "token_type": token_type, "context_window": "0-200k",
                                "inference_geo": "global", "model": model, "product": None,
                                "rbac_group_id": None, "requests": None, "speed": "standard"})
        data.append({"starting_at": day + "T00:00:00Z", "ending_at": DAYS[1] + "T00:00:00Z" if day == DAYS[0]
                     else "2026-11-04T00:00:00Z", "results": results})
    return json.dumps({"data": data, "has_more": False, "next_page": None}, indent=2) + "\n"

FILES = {
    "openai-log.jsonl": openai_log, "openai-usage.json": openai_usage, "openai-costs.json": openai_costs,
    "openai-usage-revised.json": lambda: openai_usage(extra_batch=True, days=["2026-11-03"]),
    "anthropic-log.jsonl": anthropic_log, "analytics-usage.json": analytics_usage,
    "analytics-cost.json": analytics_costs,
}

if __name__ == "__main__":
    check = "--check" in sys.argv
    bad = 0
    for name, make in FILES.items():
        text = make()
        for folder in (HERE, EXAMPLES):
            path = os.path.join(folder, name)
            if check:
                if open(path).read() != text: print("differs:", path); bad += 1
            else:
                os.makedirs(folder, exist_ok=True)
                open(path, "w").write(text)
    sys.exit(1 if bad else 0)
