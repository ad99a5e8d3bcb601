"""Writes a synthetic run directory (run.json + records.jsonl) for timing `modelswap report` and
`modelswap gate`: a closed-vendor baseline and an open-weight candidate on N cases, seeded.

Records are what the runner writes (field for field, in its order): a model output of a few
sentences, usage and timing consistent with each other (decode rate by the record format's
rule), the cost at the provider's price, two scorers with their reasons, the case's tags, and
about 1% failed calls (rate limits, timeouts, server errors) with no output, scored by none.
Pass rates are about 0.90 (baseline) and 0.88 (candidate), correlated per case.

Usage: python3 scripts/bench_report.py --cases 500000 --out /tmp/bench-1m   # 1,000,000 records
"""

import argparse
import hashlib
import json
import pathlib
import random

TAGS = ["billing", "refunds", "shipping", "account", "technical", "legal", "sales", "other"]
LANGS = ["en", "de", "fr", "es"]
WORDS = (
    "the your order account refund invoice was has been we can you please thank for "
    "contact support team shipping delivery address payment card charge issue ticket "
    "update status request within business days policy return item replacement "
    "password reset login email confirm subscription plan upgrade cancel billing"
).split()
ERRORS = [
    ("rate_limited", "429 Too Many Requests: Rate limit reached for requests"),
    ("timeout", "no response within 60 s"),
    ("server", "500 Internal Server Error: The server had an error while processing your request"),
]
# Per million tokens: (input, output).
PRICES = {"gpt-4o-mini": (0.15, 0.60), "qwen-local": (0.05, 0.10)}


def text(rng: random.Random, tokens: int) -> str:
    words = rng.choices(WORDS, k=max(1, tokens * 3 // 4))
    sentences, i = [], 0
    while i < len(words):
        n = rng.randint(6, 16)
        s = " ".join(words[i : i + n])
        sentences.append(s[0].upper() + s[1:] + ".")
        i += n
    return " ".join(sentences)


def record(rng, provider, case_id, tags, ok, repeat, run_id):
    failed = rng.random() < 0.01
    started = f"2026-11-22T00:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}Z"
    request_hash = "sha256:" + hashlib.sha256(f"{provider}/{case_id}".encode()).hexdigest()
    base = {
        "run_id": run_id, "case_id": case_id, "provider": provider, "repeat": repeat,
        "request_hash": request_hash, "replayed": False,
    }
    if failed:
        kind, message = rng.choice(ERRORS)
        return base | {
            "output": None, "finish_reason": None, "error": {"kind": kind, "message": message},
            "usage": {"input_tokens": 0, "output_tokens": 0, "cached_input_tokens": 0},
            "timing": {"started_at": started, "ttft_ms": None, "total_ms": None,
                       "tokens_per_s": None, "attempts": 3, "retry_wait_ms": 3500.0},
            "cost_usd": 0.0, "scores": [], "passed": False, "score": 0.0, "tags": tags,
        }
    input_tokens, output_tokens = rng.randint(150, 1500), rng.randint(8, 160)
    cached = rng.choice([0, 0, 0, 128, 256])
    ttft = round(rng.uniform(120, 900), 1)
    rate = rng.uniform(30, 140)
    total = round(ttft + (output_tokens - 1) / rate * 1000, 1)
    tokens_per_s = (output_tokens - 1) / ((total - ttft) / 1000) if total > ttft else None
    price_in, price_out = PRICES[provider]
    cost = (input_tokens * price_in + output_tokens * price_out) / 1e6
    similarity = round(rng.uniform(0.82, 1.0) if ok else rng.uniform(0.2, 0.79), 4)
    json_ok = ok or rng.random() < 0.5
    scores = [
        {"scorer": "json", "score": float(json_ok), "passed": json_ok,
         "reason": "valid against the schema" if json_ok else "$.category: 'other' is not one of the enum"},
        {"scorer": "similarity", "score": similarity, "passed": similarity >= 0.8,
         "reason": f"cosine {similarity:.4f} {'≥' if similarity >= 0.8 else '<'} 0.8 to the reference"},
    ]
    passed = all(s["passed"] for s in scores)
    return base | {
        "output": text(rng, output_tokens),
        "finish_reason": "stop" if output_tokens < 150 else "length", "error": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                  "cached_input_tokens": cached},
        "timing": {"started_at": started, "ttft_ms": ttft, "total_ms": total,
                   "tokens_per_s": tokens_per_s, "attempts": 1, "retry_wait_ms": 0.0},
        "cost_usd": cost, "scores": scores, "passed": passed,
        "score": sum(s["score"] for s in scores) / len(scores), "tags": tags,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000, help="cases per provider")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    run_id = "bench-20261122T000000Z"
    providers = {
        "gpt-4o-mini": {"kind": "openai", "model": "gpt-4o-mini"},
        "qwen-local": {"kind": "openai-compatible", "model": "qwen2.5-7b-instruct",
                       "base_url": "http://127.0.0.1:8000/v1",
                       "price": {"input_per_mtok": 0.05, "output_per_mtok": 0.10}},
    }
    manifest = {
        "run_id": run_id, "status": "completed", "modelswap_version": "0.1.0",
        "started_at": "2026-11-22T00:00:00.000Z", "finished_at": "2026-11-22T01:00:00.000Z",
        "suite": {"path": "bench.yaml", "sha256": "0" * 64, "name": "bench", "description": None},
        "providers": [
            {"id": p, "config": c, "sampling": {"temperature": 0.0, "max_tokens": 160}}
            for p, c in providers.items()
        ],
        "cases": args.cases, "repeats": args.repeats,
        "records_expected": len(providers) * args.cases * args.repeats,
        "host": {"os": "linux", "arch": "x86_64", "cpus": 2},
        "workload": {"requests_per_month": 2_000_000},
        "gate": {"baseline": "gpt-4o-mini", "candidates": ["qwen-local"], "min_pass_rate": 0.8,
                 "max_pass_rate_drop": 0.03, "significance": 0.05, "max_p95_latency_ms": 5000},
    }
    (args.out / "run.json").write_text(json.dumps(manifest))
    width = len(str(args.cases))
    with open(args.out / "records.jsonl", "w") as f:
        for i in range(args.cases):
            case_id = f"case-{i + 1:0{width}d}"
            tags = [rng.choice(TAGS), rng.choice(LANGS)]
            hard = rng.random()
            for repeat in range(args.repeats):
                base_ok = hard < 0.90 or rng.random() < 0.05
                cand_ok = (hard < 0.88 or rng.random() < 0.05) and rng.random() < 0.99
                for provider, ok in (("gpt-4o-mini", base_ok), ("qwen-local", cand_ok)):
                    r = record(rng, provider, case_id, tags, ok, repeat, run_id)
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
