#!/usr/bin/env python3
"""Writes a deterministic Anthropic Message Batches results file for scripts/bench-ingest.

Usage: bench_generate.py LINES RESULTS.jsonl BATCH.json
Lines are ~1 KB of realistic JSON (generated text in `content`), 2% errored, 1% expired, a mix
of models, tenants and jobs in the custom_id, cache usage with and without the TTL split.
"""
import json, random, sys

lines, out_path, batch_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(20261121)
models = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-5-20251101"]
tenants = [f"tenant-{i:02d}" for i in range(12)]
jobs = ["summarize", "classify", "extract", "translate", "review"]
words = ("the contract states that payment is due within thirty days of invoice and that late fees "
         "accrue monthly unless otherwise agreed in writing by both parties to this agreement").split()
counts = {"succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
batch_id = out_path.rsplit("/", 1)[-1].split("_results")[0]
with open(out_path, "w") as out:
    for i in range(lines):
        tenant, job = rng.choice(tenants), rng.choice(jobs)
        custom_id = f"{tenant}:{job}:{i:07d}"
        roll = rng.random()
        if roll < 0.02:
            result = {"type": "errored", "error": {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}, "request_id": f"req_{i:024x}"}}
        elif roll < 0.03:
            result = {"type": "expired"}
        else:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(80, 200)))
            usage = {"input_tokens": rng.randint(200, 20000), "cache_creation_input_tokens": 0,
                     "cache_read_input_tokens": rng.choice([0, 0, 1024, 4096]), "output_tokens": rng.randint(50, 1500)}
            if rng.random() < 0.5:
                write = rng.choice([0, 512, 2048])
                usage["cache_creation_input_tokens"] = write
                usage["cache_creation"] = {"ephemeral_5m_input_tokens": write, "ephemeral_1h_input_tokens": 0}
            usage["service_tier"] = "batch"
            result = {"type": "succeeded", "message": {"id": f"msg_{i:024x}", "type": "message", "role": "assistant",
                      "model": rng.choice(models), "content": [{"type": "text", "text": text}],
                      "stop_reason": "end_turn", "stop_sequence": None, "usage": usage}}
        counts[result["type"]] += 1
        out.write(json.dumps({"custom_id": custom_id, "result": result}, separators=(",", ":")) + "\n")
with open(batch_path, "w") as f:
    json.dump({"id": batch_id, "type": "message_batch", "processing_status": "ended",
               "request_counts": {"processing": 0, **counts}, "created_at": "2026-10-01T02:00:05Z",
               "ended_at": "2026-10-01T09:12:40Z", "expires_at": "2026-10-02T02:00:05Z",
               "cancel_initiated_at": None, "archived_at": None, "results_url": None}, f, indent=2)
