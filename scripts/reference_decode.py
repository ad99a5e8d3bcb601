#!/usr/bin/env python3
"""Reference greedy decoder: plain Python ONNX Runtime loop over an optimum-style model folder.

  reference_decode.py MODEL_DIR --prompt TEXT [--max-tokens N] [--threads T] [--json]
                      [--full-recompute] [--repeat K] [--model-file onnx/model_fp16.onnx]

TEXT is the already-rendered prompt (chat template applied); it is encoded with MODEL_DIR/tokenizer.json
and add_special_tokens=False. Decoding is greedy (argmax over the last position's logits) and stops
at an eos id from generation_config.json (falling back to config.json) or after N generated tokens.

An onnxruntime-genai folder (genai_config.json) is read for its shape; with a shared buffer the past
is always [1, kv_heads, search.max_length, head_dim].

Default mode: KV cache (prefill the prompt with empty past tensors [1, kv_heads, 0, head_dim], then one
token per step feeding the present.* outputs back as past_key_values.*). --full-recompute runs the
whole sequence each step with empty past tensors instead (slow; for cross-checking the cache).

Timing (per run, tokenization and session creation excluded):
  ttft_ms      prefill + first token (the first argmax)
  total_ms     the whole generation
  tokens_per_s (n_out - 1) / (total - ttft), i.e. decode speed after the first token
With --repeat K the top-level figures are medians over the K runs; each run's figures are in "runs".

output_ids holds every generated id, including the eos id that ended generation (as HF generate
does); text is output_ids decoded with skip_special_tokens=True.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer


def load_json(path: str):
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    return {}


def eos_ids(model_dir: str) -> set[int]:
    genai = load_json(os.path.join(model_dir, "genai_config.json")).get("model", {})
    for v in (load_json(os.path.join(model_dir, n)).get("eos_token_id") for n in ("generation_config.json", "config.json")):
        if v is not None:
            return set(v) if isinstance(v, list) else {int(v)}
    if "eos_token_id" in genai:
        v = genai["eos_token_id"]
        return set(v) if isinstance(v, list) else {int(v)}
    raise SystemExit(f"reference_decode: no eos_token_id in {model_dir}/generation_config.json or config.json")


class Decoder:
    def __init__(self, model_dir: str, threads: int, model_file: str = "model.onnx"):
        self.model_dir = model_dir
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        t0 = time.perf_counter()
        self.session = ort.InferenceSession(
            os.path.join(model_dir, model_file), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self.load_ms = (time.perf_counter() - t0) * 1000.0
        self.tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
        self.eos = eos_ids(model_dir)

        config = load_json(os.path.join(model_dir, "config.json"))
        # An onnxruntime-genai folder has genai_config.json instead; with a shared buffer the
        # cache is always search.max_length positions long, fed whole.
        genai = load_json(os.path.join(model_dir, "genai_config.json"))
        if genai:
            d = genai["model"]["decoder"]
            config = {"num_key_value_heads": d["num_key_value_heads"], "head_dim": d["head_size"]}
        shared = genai.get("search", {}).get("past_present_share_buffer", False)
        self.past_capacity = genai["search"]["max_length"] if shared else 0
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.has_position_ids = "position_ids" in self.input_names
        # A merged decoder (optimum's older layout) switches its cache branch on this input.
        self.has_cache_branch = "use_cache_branch" in self.input_names
        self.past_inputs = [i for i in self.session.get_inputs() if i.name.startswith("past_key_values.")]
        self.past_shapes = {}
        for i in self.past_inputs:
            # [batch, kv_heads, past_len, head_dim]; fall back to config.json where a dim is symbolic
            kv_heads = i.shape[1] if isinstance(i.shape[1], int) else config["num_key_value_heads"]
            head_dim = (
                i.shape[3]
                if isinstance(i.shape[3], int)
                else config.get("head_dim", config["hidden_size"] // config["num_attention_heads"])
            )
            self.past_shapes[i.name] = (kv_heads, head_dim)
        # The cache in the graph's own type (float16 exports keep it in float16).
        self.past_dtype = np.float16 if self.past_inputs and self.past_inputs[0].type == "tensor(float16)" else np.float32
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.present_for_past = {p.name: p.name.replace("past_key_values.", "present.") for p in self.past_inputs}
        missing = [v for v in self.present_for_past.values() if v not in self.output_names]
        if missing:
            raise SystemExit(f"reference_decode: model lacks outputs {missing}")
        self.logits_index = self.output_names.index("logits")
        self.present_index = {name: self.output_names.index(present) for name, present in self.present_for_past.items()}

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def empty_past(self) -> dict[str, np.ndarray]:
        n = self.past_capacity
        return {name: np.zeros((1, kv, n, hd), dtype=self.past_dtype) for name, (kv, hd) in self.past_shapes.items()}

    def _feed(self, ids: list[int], start: int, total: int, past: dict) -> dict:
        feed = {
            "input_ids": np.array([ids], dtype=np.int64),
            "attention_mask": np.ones((1, total), dtype=np.int64),
        }
        if self.has_position_ids:
            feed["position_ids"] = np.arange(start, start + len(ids), dtype=np.int64)[None, :]
        if self.has_cache_branch:
            feed["use_cache_branch"] = np.array([start > 0])
        feed.update(past)
        return feed

    def generate(self, prompt_ids: list[int], max_tokens: int, full_recompute: bool) -> dict:
        out_ids: list[int] = []
        seq = list(prompt_ids)
        t0 = time.perf_counter()
        ttft = None
        stop_reason = "max_tokens"
        past = self.empty_past()
        step_ids = list(prompt_ids)
        while len(out_ids) < max_tokens:
            if full_recompute:
                feed = self._feed(seq, 0, len(seq), self.empty_past())
                outputs = self.session.run([self.output_names[self.logits_index]], feed)
                logits = outputs[0]
            else:
                feed = self._feed(step_ids, len(seq) - len(step_ids), len(seq), past)
                outputs = self.session.run(self.output_names, feed)
                logits = outputs[self.logits_index]
                past = {name: outputs[index] for name, index in self.present_index.items()}
            next_id = int(np.argmax(logits[0, -1].astype(np.float32)))
            if ttft is None:
                ttft = time.perf_counter() - t0
            out_ids.append(next_id)
            seq.append(next_id)
            step_ids = [next_id]
            if next_id in self.eos:
                stop_reason = "eos"
                break
        total = time.perf_counter() - t0
        n_out = len(out_ids)
        tps = (n_out - 1) / (total - ttft) if n_out > 1 and total > ttft else None
        return {
            "output_ids": out_ids,
            "n_out": n_out,
            "stop_reason": stop_reason,
            "ttft_ms": ttft * 1000.0,
            "total_ms": total * 1000.0,
            "tokens_per_s": tps,
        }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("--prompt", required=True, help="the already-rendered prompt text")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="intra-op threads (default 2)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--full-recompute", action="store_true", help="no KV cache: recompute the whole sequence")
    ap.add_argument("--repeat", type=int, default=1, help="run K times; report medians")
    ap.add_argument("--model-file", default="model.onnx", help="the graph, relative to MODEL_DIR (e.g. onnx/model_fp16.onnx)")
    args = ap.parse_args()
    if args.max_tokens < 1 or args.repeat < 1 or args.threads < 1:
        ap.error("--max-tokens, --repeat and --threads must be >= 1")

    dec = Decoder(args.model_dir, args.threads, args.model_file)
    prompt_ids = dec.encode(args.prompt)
    if not prompt_ids:
        ap.error("the prompt encodes to no tokens")

    runs = [dec.generate(prompt_ids, args.max_tokens, args.full_recompute) for _ in range(args.repeat)]
    first = runs[0]
    for i, r in enumerate(runs[1:], start=2):
        if r["output_ids"] != first["output_ids"]:
            print(f"reference_decode: warning: run {i} produced different ids from run 1", file=sys.stderr)

    def med(key):
        vals = [r[key] for r in runs if r[key] is not None]
        return statistics.median(vals) if vals else None

    result = {
        "model_dir": args.model_dir,
        "mode": "full_recompute" if args.full_recompute else "kv_cache",
        "threads": args.threads,
        "prompt_ids": prompt_ids,
        "output_ids": first["output_ids"],
        "text": dec.tokenizer.decode(first["output_ids"], skip_special_tokens=True),
        "stop_reason": first["stop_reason"],
        "n_prompt": len(prompt_ids),
        "n_out": first["n_out"],
        "load_ms": round(dec.load_ms, 3),
        "ttft_ms": round(med("ttft_ms"), 3),
        "total_ms": round(med("total_ms"), 3),
        "tokens_per_s": None if med("tokens_per_s") is None else round(med("tokens_per_s"), 3),
        "runs": [
            {
                "ttft_ms": round(r["ttft_ms"], 3),
                "total_ms": round(r["total_ms"], 3),
                "tokens_per_s": None if r["tokens_per_s"] is None else round(r["tokens_per_s"], 3),
                "n_out": r["n_out"],
            }
            for r in runs
        ],
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(result["text"])
        tps = result["tokens_per_s"]
        print(
            f"[{result['mode']}] prompt {result['n_prompt']} tokens, generated {result['n_out']} "
            f"({result['stop_reason']}); ttft {result['ttft_ms']:.1f} ms, total {result['total_ms']:.1f} ms, "
            f"{'n/a' if tps is None else f'{tps:.1f}'} tokens/s (median of {args.repeat}, {args.threads} threads)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
