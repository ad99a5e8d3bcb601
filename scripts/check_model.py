#!/usr/bin/env python3
"""Check that each model the set-up produced answers correctly on this machine's CPU.

  check_model.py --reference FP32_DIR MODEL_DIR [MODEL_DIR ...] [--embedder DIR] [--min-agreement F]
                 [--json]

For every MODEL_DIR (the reference included), with a plain Python ONNX Runtime loop
(scripts/reference_decode.py's Decoder, 2 threads, greedy):
  1. the capital question: the answer to "What is the capital of France?", asked with the demo's
     system prompt "Answer in one short sentence.", must name Paris. Not with the model's default
     system prompt: there fp32's own first token is a coin toss ('The' beats 'L' by 0.08 logits),
     and any quantization, or a CPU's different float rounding, flips it ("L'Étoile, la
     Marseillaise…" from a weight-only 8-bit model that agrees with fp32 at 98%). With the
     demo's prompt the margin is 1.2 logits;
  2. agreement with the reference (for each MODEL_DIR other than FP32_DIR): a fixed support
     conversation is fed one token at a time (teacher forcing, so one early difference does not
     derail the rest) and the model's greedy next token is compared with FP32_DIR's at every
     position; the share of positions where they agree must be at least --min-agreement
     (default 0.80). The set-up's int8 model agrees at 0.97-0.99 on every CPU checked (x86 with
     and without VNNI, emulated ARM64); a `quantize_dynamic` int8 (U8S8) file that was garbage on
     AVX2 agreed at 0.06 there (docs/BENCHMARKS.md).
With --embedder, the sentence embedder (all-MiniLM-L6-v2) must find two paraphrases close (cosine
above 0.9; 0.971 measured) and two unrelated sentences far apart (below 0.3; 0.045 measured).
A failed check exits 1 naming the model and what it answered: a quantized model can be right on
one CPU and garbage on another (scripts/quantize_int8.py says why), so the set-up never declares
success on a model it has not seen answer here. The CPU model and its SIMD flags are printed with
the figures.

The prompts use ChatML, the chat format of the SmolLM2 models the set-up makes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_decode import Decoder  # noqa: E402
from reference_similarity import embed  # noqa: E402

SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
CAPITAL_PROMPT = (
    "<|im_start|>system\nAnswer in one short sentence.<|im_end|>\n"
    "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
)
# A fixed conversation for the agreement check: the prompt and an answer in plain English.
AGREEMENT_TEXT = (
    f"<|im_start|>system\n{SYSTEM}<|im_end|>\n"
    "<|im_start|>user\nMy order arrived damaged and the box was open. What should I do?<|im_end|>\n"
    "<|im_start|>assistant\nI'm sorry to hear that your order arrived damaged. Please take a few photos "
    "of the package and the item, then contact our support team with your order number. We will send "
    "you a replacement or refund the full price, and you do not need to return the damaged item. "
    "Most claims are resolved within two business days.<|im_end|>\n"
)
CPU_FLAGS = (
    "avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_tile", "amx_int8",
    "asimd", "asimddp", "i8mm", "sve", "sve2", "svei8mm", "sme",
)


def cpu_description() -> str:
    """The CPU's model name and the SIMD flags that decide which integer GEMM kernels run."""
    name, flags = "unknown CPU", set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "Model name") and name == "unknown CPU":
                    name = value.strip()
                elif key == "CPU part" and name == "unknown CPU":
                    name = f"ARM CPU part {value.strip()}"
                elif key in ("flags", "Features") and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    present = [f for f in CPU_FLAGS if f in flags]
    return f"{name}; {' '.join(present) if present else 'none of ' + ' '.join(CPU_FLAGS)}"


def forced_argmax(dec: Decoder, ids: list[int]) -> list[int]:
    """The greedy next token after each prefix of ids[:-1], fed one token at a time through the
    KV cache (every graph layout gives the last position's logits)."""
    past = dec.empty_past()
    out = []
    for pos, token in enumerate(ids[:-1]):
        feed = dec._feed([token], pos, pos + 1, past)
        outputs = dec.session.run(dec.output_names, feed)
        out.append(int(np.argmax(outputs[dec.logits_index][0, -1])))
        past = {name: outputs[index] for name, index in dec.present_index.items()}
    return out


def check(model_dir: str, reference: list[int] | None, ids: list[int], min_agreement: float) -> dict:
    dec = Decoder(model_dir, 2)
    t0 = time.perf_counter()
    gen = dec.generate(dec.encode(CAPITAL_PROMPT), 16, False)
    answer = dec.tokenizer.decode(gen["output_ids"], skip_special_tokens=True)
    result = {
        "model": model_dir,
        "capital_answer": answer,
        "tokens_per_s": gen["tokens_per_s"],
        "problems": [],
    }
    if "Paris" not in answer:
        result["problems"].append(f'asked "What is the capital of France?", it answered {answer!r}')
    predicted = forced_argmax(dec, ids)
    if reference is not None:
        agree = sum(a == b for a, b in zip(predicted, reference)) / len(reference)
        result["agreement"] = round(agree, 4)
        result["positions"] = len(reference)
        if agree < min_agreement:
            result["problems"].append(
                f"its greedy next token agrees with the reference's at {agree:.1%} of {len(reference)} "
                f"positions of a fixed text (at least {min_agreement:.0%} required); it continues "
                f"{dec.tokenizer.decode(predicted[-24:])!r}"
            )
    result["check_s"] = round(time.perf_counter() - t0, 1)
    result["predicted"] = predicted
    return result


def check_embedder(folder: str) -> dict:
    from pathlib import Path

    texts = ["The cat sits on the mat.", "A cat is sitting on a mat.", "Stock markets fell sharply today."]
    v = embed(Path(folder), texts)
    close, far = float(v[0] @ v[1]), float(v[0] @ v[2])
    problems = []
    if not (close > 0.9 and far < 0.3):
        problems.append(f"cosine {close:.3f} for two paraphrases (above 0.9 expected), {far:.3f} for unrelated sentences (below 0.3 expected)")
    return {"model": folder, "paraphrase_cosine": round(close, 4), "unrelated_cosine": round(far, 4), "problems": problems}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", required=True, help="the fp32 model folder the others are compared with")
    ap.add_argument("models", nargs="*", help="further model folders (quantized variants)")
    ap.add_argument("--embedder", help="a sentence-embedding model folder to check too")
    ap.add_argument("--min-agreement", type=float, default=0.80)
    ap.add_argument("--json", action="store_true", help="print one JSON object per model")
    args = ap.parse_args()

    cpu = cpu_description()
    ids = Decoder(args.reference, 1).encode(AGREEMENT_TEXT)
    ref = check(args.reference, None, ids, args.min_agreement)
    results = [ref] + [check(m, ref["predicted"], ids, args.min_agreement) for m in args.models]
    for r in results:
        del r["predicted"]
    if args.embedder:
        results.append(check_embedder(args.embedder))
    failed = False
    for r in results:
        r["cpu"] = cpu
        if args.json:
            print(json.dumps(r, ensure_ascii=False))
        elif "capital_answer" in r:
            agreement = "" if "agreement" not in r else f", agrees with the reference at {r['agreement']:.1%}"
            print(f"check_model: {r['model']}: {r['capital_answer']!r}{agreement} ({cpu})")
        else:
            print(f"check_model: {r['model']}: paraphrases at cosine {r['paraphrase_cosine']}, unrelated at {r['unrelated_cosine']}")
        for problem in r["problems"]:
            print(f"check_model: error: {r['model']} fails on this CPU ({cpu}): {problem}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
