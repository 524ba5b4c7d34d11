#!/usr/bin/env python3
"""Regenerates anthropic-batch/huge-content.jsonl (deterministic; no randomness, no clock).

Three succeeded Anthropic batch result lines; the middle one carries a `content` text of about
3 MB. Every line's content contains the sentinel SECRET-CONTENT-7f3a9, which must never reach the
ledger (the ledger stores no prompt or completion text) and which a reader should not even need
to hold in memory for long: usage sits after content on each line.

    python3 make_huge.py            # writes next to this script
    python3 make_huge.py --check    # exits 1 if the committed file differs from a fresh build
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "anthropic-batch", "huge-content.jsonl")
SENTINEL = "SECRET-CONTENT-7f3a9"
MODEL = "claude-sonnet-4-5-20250929"
TARGET_BYTES = 3 * 1000 * 1000  # the middle line's text, before JSON escaping

LOREM = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
         "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
         "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.")


def big_text():
    parts = [f"{SENTINEL} begin of generated report.\n"]
    size = len(parts[0])
    n = 0
    while size < TARGET_BYTES:
        n += 1
        # a sentinel every 1,000 paragraphs so it appears throughout, plus quotes and a tab
        extra = f" [{SENTINEL}]" if n % 1000 == 0 else ""
        p = f"\u00b6{n:06d}\t\"{LOREM}\"{extra}\n"
        parts.append(p)
        size += len(p.encode("utf-8"))
    parts.append(f"{SENTINEL} end of generated report ({n} paragraphs).")
    return "".join(parts)


def line(custom_id, msg_id, text, usage, stop_reason="end_turn"):
    obj = {"custom_id": custom_id, "result": {"type": "succeeded", "message": {
        "id": msg_id, "type": "message", "role": "assistant", "model": MODEL,
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop_reason, "stop_sequence": None, "usage": usage}}}
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def usage(inp, cw, cr, out):
    return {"input_tokens": inp, "cache_creation_input_tokens": cw, "cache_read_input_tokens": cr,
            "cache_creation": {"ephemeral_5m_input_tokens": cw, "ephemeral_1h_input_tokens": 0},
            "output_tokens": out, "service_tier": "batch", "inference_geo": "not_available"}


def build():
    lines = [
        line("huge-1", "msg_01HugeContentFirst00001", f"Short answer. {SENTINEL}", usage(900, 0, 0, 350)),
        line("huge-2", "msg_01HugeContentMiddle0002", big_text(), usage(2400, 1024, 4096, 64000), "max_tokens"),
        line("huge-3", "msg_01HugeContentLast000003", f"Another short answer with the sentinel {SENTINEL} inside.", usage(1100, 0, 0, 500)),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def main():
    data = build()
    if "--check" in sys.argv:
        with open(OUT, "rb") as f:
            same = f.read() == data
        print("huge-content.jsonl is up to date" if same else "huge-content.jsonl differs: rerun make_huge.py")
        sys.exit(0 if same else 1)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as f:
        f.write(data)
    print(f"wrote {OUT}: {len(data)} bytes")


if __name__ == "__main__":
    main()
