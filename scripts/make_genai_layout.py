#!/usr/bin/env python3
"""Write a GGUF model in onnxruntime-genai's model-builder layout, for the tests of that layout.

Usage: make_genai_layout.py MODEL.gguf OUTDIR [--share-buffer]

The builder's own output for SmolLM2 was garbage here (../shared/MODELS.md) and needs torch, so
this makes a folder of the same shape from the GGUF, with convert_gguf.py's weights, tokenizer and
graph (its default `GroupQueryAttention` layout): `genai_config.json` (the graph's file, its inputs
and outputs, the model's shape, the search options), `model.onnx` and the tokenizer files. With
--share-buffer the KV cache is one buffer of `search.max_length` positions that past and present
share, as the builder writes it for GPUs: the past fed in is the whole buffer, and the present that
comes back is the same buffer with the new positions written. No config.json: genai folders have
none.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import onnx

import convert_gguf as cg
from gguf_configs import eos_ids
from gguf_tokenizer import build_tokenizer

# The cache the tests' shared buffer holds; SmolLM2's 8192 would cost 30 x 2 x 3 x 8192 x 64
# floats (1.5 GB) per sequence.
SHARED_LENGTH = 1024


def gqa_layout(share_buffer: bool):
    def layout(gb: cg.GraphBuilder, hp: cg.HParams, g: cg.Gguf):
        shared = {"past": SHARED_LENGTH, "present": SHARED_LENGTH} if share_buffer else {}
        return cg.gqa_layout(gb, hp, g, **shared)

    return layout


def genai_config(hp: cg.HParams, g: cg.Gguf, share_buffer: bool) -> dict:
    eos = eos_ids(g, list(g.require("tokenizer.ggml.tokens")))
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
    onnx.save(model, os.path.join(args.out, "model.onnx"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
