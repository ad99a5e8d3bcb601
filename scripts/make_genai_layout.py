#!/usr/bin/env python3
"""Write a GGUF model in onnxruntime-genai's model-builder layout, for the tests of that layout.

Usage: make_genai_layout.py MODEL.gguf OUTDIR [--share-buffer]

The builder's own output for SmolLM2 was garbage here (../shared/MODELS.md) and needs torch, so
this makes a folder of the same shape from the GGUF, with convert_gguf.py's weights and tokenizer:
`genai_config.json` (the graph's file, its inputs and outputs, the model's shape, the search
options), a `model.onnx` whose attention is ONNX Runtime's `GroupQueryAttention` (RoPE inside the
operator from cos/sin caches, `seqlens_k` and `total_sequence_length` computed in the graph from
`attention_mask`, no `position_ids` input), and the tokenizer files. With --share-buffer the KV
cache is one buffer of `search.max_length` positions that past and present share, as the builder
writes it for GPUs: the past fed in is the whole buffer, and the present that comes back is the
same buffer with the new positions written. No config.json: genai folders have none.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

import convert_gguf as cg
from gguf_tokenizer import ConvertError, build_tokenizer

# The cache the tests' shared buffer holds; SmolLM2's 8192 would cost 30 x 2 x 3 x 8192 x 64
# floats (1.5 GB) per sequence.
SHARED_LENGTH = 1024


def gqa_layout(share_buffer: bool):
    def layout(gb: cg.GraphBuilder, hp: cg.HParams, g: cg.Gguf):
        if any(hp.sliding) or hp.attn_softcap or hp.family.gemma:
            raise ConvertError(f"{g.path}: this test layout is built for Llama-style models only")
        shared = {"past": SHARED_LENGTH, "present": SHARED_LENGTH} if share_buffer else {}
        inputs, outputs = cg.io_declarations(hp, position_ids=False, **shared)
        i64, p = np.int64, "/model/attn_mask_reformat"
        total = gb.op("ReduceSum", ["attention_mask", gb.const([1], i64)], f"{p}/ReduceSum", keepdims=0)  # [B]
        seqlens_k = gb.op("Cast", [gb.op("Sub", [total, gb.const(1, i64)], f"{p}/Sub")], f"{p}/Cast_seqlens", to=TensorProto.INT32)
        t_len = gb.op("Gather", [gb.op("Shape", ["attention_mask"], f"{p}/Shape"), gb.const(1, i64)], f"{p}/Gather", axis=0)
        total_len = gb.op("Cast", [t_len], f"{p}/Cast_total", to=TensorProto.INT32)
        angles = np.outer(np.arange(hp.ctx, dtype=np.float32), cg.inv_freq(hp, g, False))  # [ctx, D/2]
        cos_cache = gb.init("cos_cache", np.cos(angles).astype(np.float32))
        sin_cache = gb.init("sin_cache", np.sin(angles).astype(np.float32))

        def attend(h: str, ws: dict, i: int) -> str:
            a = f"/model/layers.{i}/attn"
            NH, NKV, D = hp.n_head, hp.n_kv, hp.head_dim
            qkv = gb.op("MatMul", [h, ws["qkv"]], f"{a}/qkv_proj/MatMul")
            if "qkv_bias" in ws:
                qkv = gb.op("Add", [qkv, ws["qkv_bias"]], f"{a}/qkv_proj/Add")
            q, k, v = gb.op("Split", [qkv, gb.const([NH * D, NKV * D, NKV * D], i64)], f"{a}/Split", n_out=3, axis=-1)
            if "attn_q_norm" in ws:  # per-head RMSNorm before the operator's RoPE (Qwen3)
                q4 = gb.op("Reshape", [q, gb.const([0, 0, NH, D], i64)], f"{a}/Reshape_q")
                k4 = gb.op("Reshape", [k, gb.const([0, 0, NKV, D], i64)], f"{a}/Reshape_k")
                q4 = cg.rms_norm(gb, q4, ws["attn_q_norm"], hp.eps, f"{a}/q_norm")
                k4 = cg.rms_norm(gb, k4, ws["attn_k_norm"], hp.eps, f"{a}/k_norm")
                q = gb.op("Reshape", [q4, gb.const([0, 0, NH * D], i64)], f"{a}/Reshape_q_back")
                k = gb.op("Reshape", [k4, gb.const([0, 0, NKV * D], i64)], f"{a}/Reshape_k_back")
            ctx, _, _ = gb.op(
                "GroupQueryAttention",
                [q, k, v, f"past_key_values.{i}.key", f"past_key_values.{i}.value", seqlens_k, total_len, cos_cache, sin_cache],
                f"{a}/GroupQueryAttention",
                outputs=[f"{a}/GroupQueryAttention_output_0", f"present.{i}.key", f"present.{i}.value"],
                domain="com.microsoft",
                num_heads=NH,
                kv_num_heads=NKV,
                scale=float(hp.q_scale),
                do_rotary=1,
                rotary_interleaved=0,
            )
            return gb.op("MatMul", [ctx, ws["o"]], f"{a}/o_proj/MatMul")

        return inputs, outputs, attend

    return layout


def genai_config(hp: cg.HParams, g: cg.Gguf, share_buffer: bool) -> dict:
    eos = cg.eos_ids(g, list(g.require("tokenizer.ggml.tokens")))
    return {
        "model": {
            "bos_token_id": g.field("tokenizer.ggml.bos_token_id"),
            "context_length": hp.ctx,
            "decoder": {
                "filename": "model.onnx",
                "head_size": hp.head_dim,
                "hidden_size": hp.hidden,
                "inputs": {
                    "input_ids": "input_ids",
                    "attention_mask": "attention_mask",
                    "past_key_names": "past_key_values.%d.key",
                    "past_value_names": "past_key_values.%d.value",
                },
                "outputs": {
                    "logits": "logits",
                    "present_key_names": "present.%d.key",
                    "present_value_names": "present.%d.value",
                },
                "num_attention_heads": hp.n_head,
                "num_hidden_layers": hp.n_layer,
                "num_key_value_heads": hp.n_kv,
            },
            "eos_token_id": eos if len(eos) > 1 else eos[0],
            "type": hp.family.model_type,
            "vocab_size": hp.vocab,
        },
        "search": {
            "max_length": SHARED_LENGTH if share_buffer else hp.ctx,
            "past_present_share_buffer": share_buffer,
        },
    }


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gguf")
    ap.add_argument("out")
    ap.add_argument("--share-buffer", action="store_true")
    args = ap.parse_args(argv[1:])
    g = cg.Gguf(args.gguf)
    hp = cg.HParams(g)
    os.makedirs(args.out, exist_ok=True)
    build_tokenizer(g).save(os.path.join(args.out, "tokenizer.json"), pretty=True)
    cg.write_configs(g, hp, args.out, g.field("tokenizer.chat_template"))
    for name in ("config.json", "generation_config.json"):
        os.remove(os.path.join(args.out, name))
    with open(os.path.join(args.out, "genai_config.json"), "w", encoding="utf-8") as f:
        json.dump(genai_config(hp, g, args.share_buffer), f, indent=2)
        f.write("\n")
    model = cg.build_model(g, hp, layout=gqa_layout(args.share_buffer))
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.save(model, os.path.join(args.out, "model.onnx"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
