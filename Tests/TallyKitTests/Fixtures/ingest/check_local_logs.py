#!/usr/bin/env python3
"""Recomputes ANSWERS.md sections 9 and 10 from the fixtures with Python's decimal module."""
import csv, glob, json, os
from decimal import Decimal as D

HERE = os.path.dirname(os.path.abspath(__file__))
M = D(1000000)
RATES = {  # input, 5m write, cache read, output per million
    "claude-sonnet-4-5-20250929": (D(3), D("3.75"), D("0.30"), D(15)),
    "claude-haiku-4-5-20251001": (D(1), D("1.25"), D("0.10"), D(5)),
    "gpt-4o-mini": (D("0.15"), None, D("0.075"), D("0.60")),
}

def cost(model, i, w, r, o):
    a, b, c, d = RATES[model]
    return (i * a + w * (b or 0) + r * c + o * d) / M

# Claude Code
files = sorted(glob.glob(os.path.join(HERE, "claude-code/projects/**/*.jsonl"), recursive=True), key=lambda p: p.encode())
by_tenant = {}
for path in files:
    kept, project = {}, None
    for line in open(path):
        obj = json.loads(line)
        if obj.get("cwd"): project = obj["cwd"].rstrip("/").split("/")[-1]
        if obj.get("type") != "assistant" or obj["message"]["model"] == "<synthetic>": continue
        key = (obj["message"]["id"], obj.get("requestId"))
        u = obj["message"]["usage"]
        if key not in kept or u["output_tokens"] >= kept[key][1]["output_tokens"]:
            kept[key] = (project, u, obj["message"]["model"])
    for project, u, model in kept.values():
        c = cost(model, u["input_tokens"], u["cache_creation_input_tokens"], u["cache_read_input_tokens"], u["output_tokens"])
        by_tenant[project] = by_tenant.get(project, D(0)) + c
print("claude-code by tenant:", {k: str(v) for k, v in sorted(by_tenant.items())})
assert by_tenant == {"my-app": D("0.021723"), "api": D("0.0006")}

# LiteLLM
def row_cost(row, metadata):
    if row.get("status") == "failure": return None
    p, o = int(row["prompt_tokens"]), int(row["completion_tokens"])
    uo = (metadata or {}).get("usage_object") or {}
    r = (uo.get("prompt_tokens_details") or {}).get("cached_tokens") or uo.get("cache_read_input_tokens") or 0
    w = uo.get("cache_creation_input_tokens") or 0
    return cost(row["model"], p - r - w, w, r, o)

text = open(os.path.join(HERE, "litellm/spend-logs.json")).read()
rows = json.loads(text, parse_float=D)
said = tally = D(0)
for row in rows:
    c = row_cost(row, row.get("metadata"))
    if c is None: continue
    said += row["spend"]; tally += c
print("spend-logs.json: LiteLLM said", said, "Tally prices", tally)
assert (said, tally) == (D("0.005563200000000001"), D("0.0056832"))
said = tally = D(0)
for row in csv.DictReader(open(os.path.join(HERE, "litellm/LiteLLM_SpendLogs.csv"), newline="")):
    c = row_cost(row, json.loads(row["metadata"]))
    said += D(row["spend"]); tally += c
print("LiteLLM_SpendLogs.csv: LiteLLM said", said, "Tally prices", tally)
assert (said, tally) == (D("0.0034232"), D("0.0034232"))
print("ok")
