#!/usr/bin/env python3
"""llama.cpp's agreement with the fp32 reference, measured as scripts/check_model.py measures the
ONNX folders': the fixed support conversation fed one token at a time (teacher forcing), llama.cpp's
greedy next token compared with the fp32 ONNX reference's at every position.

Usage: agreement_llamacpp.py FP32_DIR MODEL.gguf [MODEL.gguf ...] [--threads T]

The token ids are the reference folder's tokenizer's (the folders are converted from these GGUFs,
so both vocabularies are the same); each GGUF sees exactly those ids. Needs llama-cpp-python built
from its PyPI source (scripts/record_parity.sh says how). Prints one line per GGUF with the CPU.
"""

from __future__ import annotations

import argparse
import os
import sys

import llama_cpp
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_model import AGREEMENT_TEXT, cpu_description, forced_argmax  # noqa: E402
from reference_decode import Decoder  # noqa: E402


def llamacpp_forced_argmax(gguf: str, ids: list[int], threads: int) -> list[int]:
    """The greedy next token after each prefix of ids[:-1], one token per evaluation (a
    multi-token Q4_1 batch crashed llama-cpp-python 0.3.36 on one Intel Xeon)."""
    llm = llama_cpp.Llama(gguf, n_ctx=1024, n_batch=1, n_threads=threads, verbose=False, logits_all=False)
    vocab = llm.n_vocab()
    out = []
    for token in ids[:-1]:
        llm.eval([token])
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(vocab,))
        out.append(int(np.argmax(logits)))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("reference")
    ap.add_argument("ggufs", nargs="+")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    dec = Decoder(args.reference, args.threads)
    ids = dec.encode(AGREEMENT_TEXT)
    reference = forced_argmax(dec, ids)
    for gguf in args.ggufs:
        predicted = llamacpp_forced_argmax(gguf, ids, args.threads)
        agree = sum(a == b for a, b in zip(predicted, reference)) / len(reference)
        print(f"agreement_llamacpp: {os.path.basename(gguf)}: agrees with {args.reference} at {agree:.1%} "
              f"of {len(reference)} positions ({cpu_description()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
