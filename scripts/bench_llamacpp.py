#!/usr/bin/env python3
"""llama.cpp's greedy decode speed on a GGUF, on the prompts benches/decode.rs uses: the peer
`kind: onnx` is measured against (scripts/bench_vs_llamacpp.sh runs both, interleaved).

Usage: bench_llamacpp.py MODEL.gguf [--max-tokens N] [--threads T] [--template FILE] [--prompt-file FILE]

Needs llama-cpp-python built from its PyPI source (scripts/record_parity.sh says how). Each prompt
is rendered with the same chat template the ONNX folder has (--template: a Jinja file, or the
GGUF's own), tokenized by llama.cpp, prefilled, then decoded greedily (argmax of the logits, no
sampler) until an end-of-generation token or N tokens. Prints one line per prompt: prompt tokens,
output tokens, TTFT (prefill + first token) and decode tokens/s ((n - 1) / (total - TTFT)), as
benches/decode.rs computes them. --prompt-file replaces the prompts with one, the file's text
(fixtures/bench/long_prompt.txt: about 500 tokens, for the time to first token of a long prefill).
"""

from __future__ import annotations

import argparse
import sys
import time

import jinja2
import llama_cpp
import numpy as np

PROMPTS = [
    "Write a short story about a robot who learns to paint.",
    "Explain how a bicycle works to a ten-year-old.",
    "List five tips for writing clear emails at work.",
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gguf")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--template")
    ap.add_argument("--prompt-file")
    # llama-cpp-python 0.3.36 (built native or not) crashed on a multi-token batch of the Q4_1
    # file on an Intel Xeon with AVX-512 and AMX (2026-12-05); one token at a time it runs. The
    # decode rate is unaffected; the time to first token is then not llama.cpp's prefill.
    ap.add_argument("--stepwise-prefill", action="store_true")
    args = ap.parse_args()
    prompts = [open(args.prompt_file, encoding="utf-8").read()] if args.prompt_file else PROMPTS
    llm = llama_cpp.Llama(args.gguf, n_ctx=1024, n_batch=1024, n_threads=args.threads, verbose=False, logits_all=False)
    meta = llm.metadata
    source = open(args.template).read() if args.template else meta["tokenizer.chat_template"]
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(source)
    vocab = llm.n_vocab()
    end = {llm.token_eos()} | {i for i in range(vocab) if llm.detokenize([i]) in (b"<|im_end|>", b"<end_of_turn>")}
    for prompt in prompts:
        text = template.render(
            messages=[{"role": "user", "content": prompt}], add_generation_prompt=True, bos_token="", eos_token=""
        )
        ids = llm.tokenize(text.encode(), add_bos=False, special=True)
        llm.reset()
        t0 = time.perf_counter()
        if args.stepwise_prefill:
            for token in ids:
                llm.eval([token])
        else:
            llm.eval(ids)
        out, ttft = [], None
        while len(out) < args.max_tokens:
            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(vocab,))
            token = int(np.argmax(logits))
            if ttft is None:
                ttft = time.perf_counter() - t0
            if token in end:
                break
            out.append(token)
            llm.eval([token])
        total = time.perf_counter() - t0
        rate = (len(out) - 1) / (total - ttft) if len(out) > 1 else float("nan")
        print(f"llama.cpp\t{len(ids)}\t{len(out)}\t{ttft * 1000:.0f}\t{rate:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
