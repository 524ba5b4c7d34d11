#!/usr/bin/env python3
"""Writes a deterministic API log (`api-log` JSON Lines) for scripts/bench-ingest and
scripts/bench-reports: a year of synchronous traffic, one request per line, in time order.

Usage: bench_generate_apilog.py LINES OUT.jsonl [SEED]

- 2025-11-01T00:00:00Z to 2026-10-31T23:59:59Z, timestamps spread evenly over the year (so
  every month holds about LINES/12 lines) and non-decreasing; `timestamp` is each line's first
  key, so `grep '^{"timestamp":"2026-05-'` selects one month.
- 200 tenants (`[a-z0-9-]+`, traffic Zipf-distributed: a few large customers, a long tail),
  four jobs (support-chat, summarize, classify, extract).
- Five models of both providers: claude-sonnet-4-5-20250929, claude-haiku-4-5-20251001,
  claude-opus-4-5-20251101 as Anthropic Messages, gpt-5-2025-08-07 and gpt-5-mini-2025-08-07
  as OpenAI chat.completion bodies (about 30% of lines; dated ids, which resolve to gpt-5 and
  gpt-5-mini by the date-suffix rule).
- Cache reads and writes (Anthropic 5m/1h split, and older lines without the split; OpenAI
  `cached_tokens` inside `prompt_tokens`), some web searches.
- Long context: about 3% of summarize requests have a total input (input + cache writes + cache
  reads) above 200,000 and about 4% of extract requests above 272,000, plus requests at exactly
  200,000 / 200,001 and 272,000 / 272,001 (the edges of the tiers).
- Content sized like real traffic: short labels for classify, a few hundred bytes to a few KB
  elsewhere, with JSON escapes; 1,000,000 lines make about 730 MB.
"""
import bisect
import calendar
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_text import make_pool, text_of_size  # noqa: E402

lines, out_path = int(sys.argv[1]), sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261127
rng = random.Random(seed)
pool = make_pool(rng)

START = 1761955200  # 2025-11-01T00:00:00Z
END = 1793491200  # 2026-11-01T00:00:00Z
SPAN = END - START

names = ("acme globex initech umbrella hooli stark wayne wonka tyrell cyberdyne soylent vandelay "
         "oscorp nakatomi gringotts dunder monarch aperture blackmesa paper").split()
tenants = [f"{names[i % len(names)]}-{i:03d}" for i in range(200)]
tenant_cum = []
total = 0.0
for rank in range(len(tenants)):
    total += 1.0 / (rank + 1) ** 0.9
    tenant_cum.append(total)

JOBS = [("support-chat", 0.45), ("summarize", 0.20), ("classify", 0.25), ("extract", 0.10)]
job_cum = []
acc = 0.0
for _, w in JOBS:
    acc += w
    job_cum.append(acc)

SONNET, HAIKU, OPUS = "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-5-20251101"
GPT5, GPT5MINI = "gpt-5-2025-08-07", "gpt-5-mini-2025-08-07"
LABELS = ["billing", "bug-report", "feature-request", "account", "refund", "other", "spam", "urgent"]
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


# Claude Opus 4.5 was released on 2025-11-24 (pricing/anthropic.csv): no request uses it before.
OPUS_RELEASE = calendar.timegm((2025, 11, 24, 0, 0, 0))


def model_for(job, ts):
    r = rng.random()
    if job == "support-chat":
        return HAIKU if r < 0.7 else GPT5MINI
    if job == "summarize":
        return SONNET if r < 0.8 or ts < OPUS_RELEASE else OPUS
    if job == "classify":
        return HAIKU if r < 0.6 else GPT5MINI
    return GPT5 if r < 0.7 else SONNET  # extract


def rid(prefix, i, length=24):
    # deterministic, unique per line: the line number in base 62 after a random-looking head
    head = "".join(ALNUM[rng.randrange(62)] for _ in range(8))
    n, tail = i, ""
    while True:
        n, d = divmod(n, 62)
        tail = ALNUM[d] + tail
        if n == 0:
            break
    return prefix + head + tail.rjust(length - 8, "0")


def content(job):
    if job == "classify":
        return json.dumps({"label": LABELS[rng.randrange(len(LABELS))], "confidence": round(rng.random(), 2)})
    if job == "support-chat":
        return text_of_size(rng, pool, int(rng.lognormvariate(4.3, 0.7)))
    if job == "summarize":
        return text_of_size(rng, pool, int(rng.lognormvariate(5.2, 0.6)))
    fields = {"invoice_number": f"INV-{rng.randint(1000, 99999)}", "total": f"{rng.randint(10, 99999)}.{rng.randint(0, 99):02d}",
              "currency": "EUR", "vendor": text_of_size(rng, pool, 20)[:40], "notes": text_of_size(rng, pool, int(rng.lognormvariate(4.3, 0.7)))}
    return json.dumps(fields)


def tokens(job, model):
    """(uncached input, cache write 5m, cache write 1h, cache read, output); OpenAI has no writes."""
    openai = model.startswith("gpt")
    w5 = w1 = rd = 0
    if job == "support-chat":
        inp, out = rng.randint(150, 3000), rng.randint(40, 700)
        r = rng.random()
        if r < 0.65:
            rd = rng.choice([2048, 4096, 6144, 8192])
        elif r < 0.72 and not openai:
            w5 = rng.choice([2048, 4096])
    elif job == "classify":
        inp, out = rng.randint(200, 1800), rng.randint(3, 25)
        if rng.random() < 0.5:
            rd = 1024
    elif job == "summarize":
        inp, out = rng.randint(1500, 40000), rng.randint(200, 2500)
        r = rng.random()
        if r < 0.03:  # long documents: above 200k total input, mostly from the cache
            rd = rng.randint(150000, 320000)
            inp = rng.randint(10000, 60000)
        elif r < 0.035:  # the edge of the tier: exactly 200,000 or 200,001
            rd, w5 = 150000, 0
            inp = 50000 + rng.choice([0, 1])
        elif r < 0.3:
            rd = rng.randint(5000, 60000)
        if not openai and rng.random() < 0.15:
            if rng.random() < 0.5:
                w1 = rng.choice([4096, 8192])
            else:
                w5 = rng.choice([1024, 4096])
    else:  # extract
        inp, out = rng.randint(5000, 60000), rng.randint(300, 4000)
        r = rng.random()
        if r < 0.04:  # above 272k total input
            inp, rd = rng.randint(200000, 300000), rng.randint(72001, 100000)
        elif r < 0.045:
            inp, rd = 200000 + rng.choice([0, 1]), 72000
        elif r < 0.4:
            rd = rng.randint(1024, 30000)
    return inp, w5, w1, rd, out


def anthropic_body(i, model, ts, job):
    inp, w5, w1, rd, out = tokens(job, model)
    usage = {"input_tokens": inp, "cache_creation_input_tokens": w5 + w1, "cache_read_input_tokens": rd}
    if rng.random() < 0.9:
        usage["cache_creation"] = {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1}
    # else an older log line: no TTL split, so every write counts as 5m
    usage["output_tokens"] = out
    if job == "support-chat" and rng.random() < 0.01:
        usage["server_tool_use"] = {"web_search_requests": rng.randint(1, 4), "web_fetch_requests": 0}
    usage["service_tier"] = "standard"
    usage["inference_geo"] = "global"
    return {"id": rid("msg_01", i), "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": content(job)}],
            "stop_reason": "end_turn" if rng.random() < 0.97 else "max_tokens", "stop_sequence": None,
            "usage": usage}


def openai_body(i, model, ts, job):
    inp, _, _, rd, out = tokens(job, model)
    prompt = inp + rd
    reasoning = rng.randint(0, out // 2)
    return {"id": rid("chatcmpl-", i, 29), "object": "chat.completion", "created": ts, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content(job), "refusal": None,
                                                 "annotations": []}, "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": out, "total_tokens": prompt + out,
                      "prompt_tokens_details": {"cached_tokens": rd, "audio_tokens": 0},
                      "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0,
                                                    "accepted_prediction_tokens": 0,
                                                    "rejected_prediction_tokens": 0}},
            "service_tier": "default", "system_fingerprint": None}


with open(out_path, "w") as f:
    step = SPAN / max(lines, 1)
    for i in range(lines):
        ts = START + int((i + rng.random()) * step)
        tenant = tenants[bisect.bisect_left(tenant_cum, rng.random() * total)]
        job = JOBS[min(bisect.bisect_left(job_cum, rng.random()), len(JOBS) - 1)][0]
        model = model_for(job, ts)
        body = (openai_body if model.startswith("gpt") else anthropic_body)(i, model, ts, job)
        line = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts)), "tenant": tenant, "job": job,
                "request_id": rid("req_011C", i), "response": body}
        f.write(json.dumps(line, separators=(",", ":")) + "\n")
