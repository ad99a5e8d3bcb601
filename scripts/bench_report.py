"""Writes a synthetic run directory (run.json + records.jsonl) for timing `modelswap report` and
`modelswap gate`: a baseline and a candidate on N cases, pass rates 0.90 and 0.87, seeded.

Usage: python3 scripts/bench_report.py --cases 2000 --out /tmp/bench-report
"""

import argparse
import json
import pathlib
import random


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    providers = {"base": 0.90, "cand": 0.87}
    manifest = {
        "run_id": "bench", "status": "completed", "modelswap_version": "0.1.0",
        "started_at": "2026-11-22T00:00:00.000Z", "finished_at": "2026-11-22T01:00:00.000Z",
        "suite": {"path": "bench.yaml", "sha256": "0" * 64, "name": "bench", "description": None},
        "providers": [
            {"id": p, "config": {"kind": "openai", "model": "m"},
             "sampling": {"temperature": 0.0, "max_tokens": 8}}
            for p in providers
        ],
        "cases": args.cases, "repeats": 1, "records_expected": len(providers) * args.cases,
        "host": {"os": "linux", "arch": "x86_64", "cpus": 2}, "workload": None,
        "gate": {"baseline": "base", "candidates": ["cand"], "max_pass_rate_drop": 0.03,
                 "significance": 0.05},
    }
    (args.out / "run.json").write_text(json.dumps(manifest))
    with open(args.out / "records.jsonl", "w") as f:
        for provider, rate in providers.items():
            for i in range(args.cases):
                ok = rng.random() < rate
                record = {
                    "run_id": "bench", "case_id": f"case-{i:05d}", "provider": provider,
                    "repeat": 0, "request_hash": "sha256:0", "replayed": False,
                    "output": "billing" if ok else "sales", "finish_reason": "stop", "error": None,
                    "usage": {"input_tokens": 40, "output_tokens": 2, "cached_input_tokens": 0},
                    "timing": {"started_at": "2026-11-22T00:00:00.000Z", "ttft_ms": 50.0,
                               "total_ms": 80.0 + 20.0 * rng.random(), "tokens_per_s": None,
                               "attempts": 1, "retry_wait_ms": 0.0},
                    "cost_usd": None,
                    "scores": [{"scorer": "equals", "score": float(ok), "passed": ok,
                                "reason": "x"}],
                    "passed": ok, "score": float(ok),
                }
                f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
