#!/usr/bin/env python3
"""llama.cpp's greedy tokens on a GGUF file: the independent reference `modelswap convert` is checked against.

Usage: reference_llamacpp.py MODEL.gguf --text TEXT [--text TEXT ...] [--max-tokens N]

Needs `llama-cpp-python` (built from its PyPI source: CMAKE_ARGS="-DGGML_NATIVE=ON" pip install
llama-cpp-python==0.3.36; about 20 minutes on 2 cores), not the project's .venv. Prints one JSON
object: for each text, llama.cpp's own tokenization of it (special tokens parsed, nothing added)
and the N tokens greedy decoding gives after it (argmax of the last logits, no sampler, not
stopped at end-of-generation tokens) with the top-two logit gap at each, with the GGUF's sha256, the llama-cpp-python version and
the CPU flags the run had. scripts/record_parity.sh turns these into tests/fixtures/parity/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

import llama_cpp
import numpy as np


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def cpu_flags() -> list[str]:
    wanted = {"avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16", "avx_vnni"}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return sorted(wanted & set(line.split(":", 1)[1].split()))
    return []


def greedy(llm: llama_cpp.Llama, ids: list[int], max_tokens: int) -> tuple[list[int], list[float]]:
    """The greedy tokens, and at each step the gap between the two largest logits: where it is
    tiny, float rounding alone can pick the other token."""
    llm.reset()
    llm.eval(ids)
    out, margins = [], []
    for _ in range(max_tokens):
        logits = np.asarray(llm.scores[llm.n_tokens - 1], dtype=np.float64)
        top2 = np.partition(logits, -2)[-2:]
        token = int(np.argmax(logits))
        out.append(token)
        margins.append(round(float(top2[1] - top2[0]), 5))
        llm.eval([token])
    return out, margins


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gguf")
    ap.add_argument("--text", action="append", required=True)
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    llm = llama_cpp.Llama(args.gguf, n_ctx=1024, n_batch=1024, n_threads=args.threads, verbose=False, seed=0, logits_all=True)
    cases = []
    for text in args.text:
        ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        output, margins = greedy(llm, ids, args.max_tokens)
        cases.append({"text": text, "prompt_ids": ids, "output_ids": output, "margins": margins})
    json.dump(
        {
            "gguf_sha256": sha256(args.gguf),
            "reference": f"llama-cpp-python {llama_cpp.__version__} (GGML_NATIVE=ON), {args.threads} threads",
            "cpu_flags": cpu_flags(),
            "cases": cases,
        },
        sys.stdout,
        separators=(",", ":"),
    )
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
