#!/usr/bin/env python3
"""Writes a deterministic Anthropic Message Batches results file for scripts/bench-ingest.

Usage: bench_generate.py LINES RESULTS.jsonl BATCH.json

Lines average about 1.6 KB (1,000,000 lines make about 1.6 GB): generated text in `content` with
`\\"`, `\\n`, `\\t` and `\\uXXXX` escapes (emoji as surrogate pairs) and decoy usage JSON inside the
text. 2% errored, 1% expired, 0.5% canceled; three models; cache usage with and without the
5m/1h split; some web searches. custom_ids have the shape `<tenant>__<job>__<n>` (tenant
`[a-z0-9-]+`, job `[a-z-]+`), so `--id-pattern '^(?<tenant>[a-z0-9-]+)__(?<job>[a-z-]+)__'`
attributes every line. Lines are not in custom_id order, as in real results files.
The batch object (BATCH.json) carries the batch id (from the file name) and `created_at`.
"""
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_text import make_pool, text_of_size  # noqa: E402

lines, out_path, batch_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(20261121)
pool = make_pool(rng)
models = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-5-20251101"]
tenants = [f"{name}-{i:02d}" for i, name in enumerate(
    "acme globex initech umbrella hooli stark wayne wonka tyrell cyberdyne soylent vandelay".split())]
jobs = ["summarize", "classify", "extract", "translate", "contract-review"]
counts = {"succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
batch_id = os.path.basename(out_path).split("_results")[0]
# Results come back in another order than submitted: n runs through a permutation of 0..lines-1.
step = 1_000_003
while math.gcd(step, max(lines, 1)) != 1:
    step += 2

with open(out_path, "w") as out:
    for i in range(lines):
        n = (i * step) % lines
        tenant, job = tenants[rng.randrange(len(tenants))], jobs[rng.randrange(len(jobs))]
        custom_id = f"{tenant}__{job}__{n:07d}"
        roll = rng.random()
        if roll < 0.02:
            result = {"type": "errored", "error": {"type": "error", "error": {
                "type": "overloaded_error", "message": "Overloaded"}, "request_id": f"req_{i:024x}"}}
        elif roll < 0.03:
            result = {"type": "expired"}
        elif roll < 0.035:
            result = {"type": "canceled"}
        else:
            text = text_of_size(rng, pool, int(rng.lognormvariate(6.93, 0.45)))
            usage = {"input_tokens": rng.randint(200, 20000), "cache_creation_input_tokens": 0,
                     "cache_read_input_tokens": rng.choice([0, 0, 1024, 4096]),
                     "output_tokens": rng.randint(50, 1500)}
            r = rng.random()
            if r < 0.45:
                w5, w1 = rng.choice([0, 512, 2048]), rng.choice([0, 0, 1024])
                usage["cache_creation_input_tokens"] = w5 + w1
                usage["cache_creation"] = {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1}
            elif r < 0.55:  # an older log: writes without the TTL split
                usage["cache_creation_input_tokens"] = rng.choice([512, 2048])
            if rng.random() < 0.02:
                usage["server_tool_use"] = {"web_search_requests": rng.randint(1, 5), "web_fetch_requests": 0}
            usage["service_tier"] = "batch"
            usage["inference_geo"] = "global"
            result = {"type": "succeeded", "message": {
                "id": f"msg_{i:024x}", "type": "message", "role": "assistant",
                "model": models[rng.randrange(len(models))], "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn", "stop_sequence": None, "usage": usage}}
        counts[result["type"]] += 1
        out.write(json.dumps({"custom_id": custom_id, "result": result}, separators=(",", ":")) + "\n")

with open(batch_path, "w") as f:
    json.dump({"id": batch_id, "type": "message_batch", "processing_status": "ended",
               "request_counts": {"processing": 0, **counts}, "created_at": "2026-10-01T02:00:05Z",
               "ended_at": "2026-10-01T09:12:40Z", "expires_at": "2026-10-02T02:00:05Z",
               "cancel_initiated_at": None, "archived_at": None, "results_url": None}, f, indent=2)
