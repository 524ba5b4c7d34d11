"""Realistic generated text for the benchmark data generators (bench_generate.py,
bench_generate_apilog.py): deterministic for a given random.Random.

Model output is mostly ASCII prose, with quotes, newlines, tabs, some non-ASCII letters and the
odd emoji (which `json.dumps` writes as `\\uXXXX` escapes and surrogate pairs), and now and then a
decoy that looks like usage JSON inside the text, so a reader that searches for `"input_tokens"`
without parsing strings gets it wrong.
"""
import random

WORDS = (
    "the contract states that payment is due within thirty days of invoice and that late fees "
    "accrue monthly unless otherwise agreed in writing by both parties to this agreement "
    "customer reported an error when exporting the quarterly report to spreadsheet format "
    "we reviewed the logs and found a timeout in the upstream service during peak hours "
    "please summarise the attached document and list the action items with their owners "
    "classification result sentiment positive confidence high category billing question "
    "extracted fields invoice number total amount due date vendor name tax identifier"
).split()

# Non-ASCII words and symbols, written by json.dumps as \uXXXX escapes (emoji as surrogate pairs).
EXOTIC = ["Müller", "naïve", "café", "Ñandú", "déjà vu", "Zürich", "São Paulo", "東京", "請求書",
          "—", "€1.234,56", "✅", "📈", "🚀", "«quoted»", "Łódź"]

# Snippets a model writes when it talks about JSON or code: quotes, backslashes, decoy keys.
DECOYS = [
    '{"input_tokens": 12, "output_tokens": 7}',
    'the field "custom_id" must be unique',
    'path C:\\Users\\finance\\report.xlsx',
    '"usage":{"cache_read_input_tokens":999999}',
    'she said "approved" and left',
    'regex ^[a-z]+\\d{2}$ matched',
]


def paragraph(rng: random.Random, words: int) -> str:
    out = []
    for _ in range(words):
        r = rng.random()
        if r < 0.015:
            out.append(rng.choice(EXOTIC))
        elif r < 0.02:
            out.append(rng.choice(DECOYS))
        elif r < 0.03:
            out.append('"' + rng.choice(WORDS) + '"')
        else:
            out.append(rng.choice(WORDS))
    text = " ".join(out)
    return text[0].upper() + text[1:] + "."


def make_pool(rng: random.Random, count: int = 4000) -> list[str]:
    """Paragraphs of 10-60 words, with tabs and newlines between some sentences."""
    pool = []
    for _ in range(count):
        p = paragraph(rng, rng.randint(10, 60))
        if rng.random() < 0.3:
            p = "\t" + p
        pool.append(p)
    return pool


def text_of_size(rng: random.Random, pool: list[str], size: int) -> str:
    """Joins paragraphs from the pool and cuts the text after the first space at or past `size`
    characters (at least one word)."""
    parts, n = [], 0
    while n < size:
        p = pool[rng.randrange(len(pool))]
        parts.append(p)
        n += len(p) + 2
    text = "\n\n".join(parts)
    cut = text.find(" ", max(size, 1))
    return text if cut < 0 else text[:cut]
