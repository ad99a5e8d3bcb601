"""The JSON files of a converted folder (convert_gguf.py): config.json, generation_config.json,
tokenizer_config.json and special_tokens_map.json, in the names and shapes transformers and
optimum-cli write, read from the GGUF's metadata so the folder opens like an exported one.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import numpy as np

from gguf_tokenizer import TOKEN_CONTROL, TOKEN_NORMAL, TOKEN_USER_DEFINED

if TYPE_CHECKING:
    from convert_gguf import Gguf, HParams


def write_json(path: str, obj) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def eos_ids(g: Gguf, tokens: list[str]) -> list[int]:
    """The ids that end generation: the GGUF's eos and eot, and a chat template's end-of-turn
    marker the vocabulary has (Gemma's <end_of_turn> is not the GGUF's eos)."""
    ids = [g.field("tokenizer.ggml.eos_token_id"), g.field("tokenizer.ggml.eot_token_id")]
    ids = [int(i) for i in ids if i is not None]
    for marker in ("<end_of_turn>", "<|im_end|>", "<|eot_id|>", "<|end|>"):
        if marker in tokens:
            ids.append(tokens.index(marker))
    return sorted(set(ids))


def write_configs(g: Gguf, hp: HParams, out: str, chat_template: str | None) -> None:
    tokens = list(g.require("tokenizer.ggml.tokens"))
    token_types = list(g.field("tokenizer.ggml.token_type", [TOKEN_NORMAL] * len(tokens)))
    special = {
        name: tokens[int(g.field(f"tokenizer.ggml.{name}_token_id"))]
        for name in ("bos", "eos", "unknown", "padding")
        if g.field(f"tokenizer.ggml.{name}_token_id") is not None
    }
    eos = eos_ids(g, tokens)
    config = {
        "architectures": [hp.family.hf_class],
        "model_type": hp.family.model_type,
        "bos_token_id": g.field("tokenizer.ggml.bos_token_id"),
        "eos_token_id": eos if len(eos) > 1 else eos[0],
        "head_dim": hp.head_dim,
        "hidden_act": "gelu_pytorch_tanh" if hp.family.gemma else "silu",
        "hidden_size": hp.hidden,
        "intermediate_size": hp.ffn,
        "max_position_embeddings": hp.ctx,
        "num_attention_heads": hp.n_head,
        "num_hidden_layers": hp.n_layer,
        "num_key_value_heads": hp.n_kv,
        "rms_norm_eps": 1e-05 if np.float32(hp.eps) == np.float32(1e-05) else hp.eps,
        "rope_theta": hp.rope_theta,
        "sliding_window": hp.swa or None,
        "layer_types": ["sliding_attention" if s else "full_attention" for s in hp.sliding],
        "tie_word_embeddings": not g.has("output.weight"),
        "torch_dtype": "float32",
        "use_cache": True,
        "vocab_size": hp.vocab,
    }
    write_json(os.path.join(out, "config.json"), config)
    generation = {"bos_token_id": config["bos_token_id"], "eos_token_id": config["eos_token_id"]}
    write_json(os.path.join(out, "generation_config.json"), generation)
    added = {
        str(i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False, "special": kind == TOKEN_CONTROL}
        for i, (t, kind) in enumerate(zip(tokens, token_types))
        if kind in (TOKEN_CONTROL, TOKEN_USER_DEFINED)
    }
    names = {"bos": "bos_token", "eos": "eos_token", "unknown": "unk_token", "padding": "pad_token"}
    tokenizer_config = {
        "add_bos_token": bool(g.field("tokenizer.ggml.add_bos_token", False)),
        "add_eos_token": bool(g.field("tokenizer.ggml.add_eos_token", False)),
        "added_tokens_decoder": added,
        "clean_up_tokenization_spaces": False,
        "model_max_length": hp.ctx,
        "tokenizer_class": "PreTrainedTokenizerFast",
        **{names[k]: v for k, v in special.items()},
    }
    if chat_template is not None:
        tokenizer_config["chat_template"] = chat_template
    write_json(os.path.join(out, "tokenizer_config.json"), tokenizer_config)
    write_json(os.path.join(out, "special_tokens_map.json"), {names[k]: v for k, v in special.items()})
