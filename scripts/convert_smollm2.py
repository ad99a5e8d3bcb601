#!/usr/bin/env python3
"""Convert SmolLM2-135M-Instruct from its GGUF file to an optimum-style ONNX folder.

Usage: convert_smollm2.py GGUF OUTDIR

Needs only numpy, onnx, gguf and tokenizers (no torch, no transformers). Writes into OUTDIR:

  model.onnx               fp32 Llama decoder with KV cache (optimum-cli layout, one file)
  tokenizer.json           byte-level BPE rebuilt from the GGUF metadata
  tokenizer_config.json    chat_template (the GGUF's, verbatim), special tokens
  special_tokens_map.json  eos = <|im_end|> (id 2)
  config.json              LlamaForCausalLM fields
  generation_config.json   bos 1, eos 2

model.onnx inputs:  input_ids [batch, seq] int64, attention_mask [batch, past+seq] int64,
                    position_ids [batch, seq] int64,
                    past_key_values.{i}.key|value [batch, 3, past, 64] float32 (i = 0..29; past may be 0)
model.onnx outputs: logits [batch, seq, 49152] float32,
                    present.{i}.key|value [batch, 3, past+seq, 64] float32

The attention mask is "causal AND attention_mask" as an additive mask of 0 / float32-min (never
-inf), so a row that is all padding (left padding) gives a uniform softmax instead of NaN.

The output is deterministic: running the script twice gives byte-identical files.
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np
import onnx
from gguf import GGUFReader
from gguf.quants import dequantize
from onnx import TensorProto, helper, numpy_helper
from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers

OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17; readable by any recent ONNX Runtime
NEG_INF_SUBSTITUTE = float(np.finfo(np.float32).min)
TOKEN_TYPE_CONTROL = 3


# --------------------------------------------------------------------------------------------- GGUF


class Gguf:
    def __init__(self, path: str):
        self.reader = GGUFReader(path, "r")
        self.tensors = {t.name: t for t in self.reader.tensors}

    def field(self, key, default=None):
        f = self.reader.fields.get(key)
        if f is None:
            return default
        return f.contents()

    def require(self, key):
        v = self.field(key)
        if v is None:
            raise SystemExit(f"convert_smollm2: GGUF metadata key {key!r} missing")
        return v

    def tensor(self, name: str) -> np.ndarray:
        """The tensor as float32 in torch order ([out, in] for a linear weight)."""
        t = self.tensors.get(name)
        if t is None:
            raise SystemExit(f"convert_smollm2: GGUF tensor {name!r} missing")
        w = dequantize(t.data, t.tensor_type).astype(np.float32, copy=False)
        expected = tuple(int(d) for d in reversed(t.shape))
        if tuple(w.shape) != expected:
            w = w.reshape(expected)
        return np.ascontiguousarray(w)


def unpermute_rope(w: np.ndarray, n_head: int) -> np.ndarray:
    """Undo llama.cpp's Q/K row permutation (its interleaved RoPE) to get HF's rotate-half layout."""
    rows, cols = w.shape
    return np.ascontiguousarray(w.reshape(n_head, rows // n_head // 2, 2, cols).swapaxes(1, 2).reshape(rows, cols))


# ----------------------------------------------------------------------------------------- hparams


class HParams:
    def __init__(self, g: Gguf):
        arch = g.require("general.architecture")
        if arch != "llama":
            raise SystemExit(f"convert_smollm2: expected a llama GGUF, got {arch!r}")
        self.n_layer = int(g.require("llama.block_count"))
        self.hidden = int(g.require("llama.embedding_length"))
        self.ffn = int(g.require("llama.feed_forward_length"))
        self.n_head = int(g.require("llama.attention.head_count"))
        self.n_kv = int(g.require("llama.attention.head_count_kv"))
        self.head_dim = self.hidden // self.n_head
        self.rope_dim = int(g.field("llama.rope.dimension_count", self.head_dim))
        if self.rope_dim != self.head_dim:
            raise SystemExit("convert_smollm2: partial RoPE is not supported")
        self.rope_theta = float(g.require("llama.rope.freq_base"))
        # stored as float32 (9.99999974738e-06); HF's config says 1e-05, the same float32
        self.eps = float(np.float32(g.require("llama.attention.layer_norm_rms_epsilon")))
        self.ctx = int(g.require("llama.context_length"))
        tokens = g.require("tokenizer.ggml.tokens")
        self.vocab = int(g.field("llama.vocab_size", len(tokens)))
        self.group = self.n_head // self.n_kv


# ------------------------------------------------------------------------------------- ONNX graph


class GraphBuilder:
    def __init__(self):
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._names: set[str] = set()
        self._consts: dict[tuple, str] = {}

    def _unique(self, name: str) -> str:
        if name in self._names:
            raise ValueError(f"duplicate name {name}")
        self._names.add(name)
        return name

    def init(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), self._unique(name)))
        return name

    def const(self, values, dtype) -> str:
        """A small constant initializer, shared between users."""
        arr = np.array(values, dtype=dtype)
        key = (arr.dtype.str, arr.shape, arr.tobytes())
        if key not in self._consts:
            kind = "i64" if arr.dtype == np.int64 else "f32"
            flat = "_".join(str(v).replace("-", "m").replace(".", "p") for v in arr.reshape(-1).tolist())
            if len(flat) > 40:
                flat = f"n{len(self._consts)}"
            shape = "s" if arr.ndim == 0 else "x".join(str(d) for d in arr.shape)
            self._consts[key] = self.init(f"const_{kind}_{shape}_{flat}", arr)
        return self._consts[key]

    def op(self, op_type: str, inputs: list[str], name: str, n_out: int = 1, outputs=None, **attrs):
        name = self._unique(name)
        if outputs is None:
            outputs = [f"{name}_output_{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outputs, name=name, **attrs))
        return outputs[0] if len(outputs) == 1 else outputs


def rms_norm(gb: GraphBuilder, x: str, weight: str, eps: float, prefix: str) -> str:
    # The Pow/ReduceMean/Add/Sqrt/Div/Mul pattern that ONNX Runtime fuses into SimplifiedLayerNormalization.
    sq = gb.op("Pow", [x, gb.const(2.0, np.float32)], f"{prefix}/Pow")
    var = gb.op("ReduceMean", [sq], f"{prefix}/ReduceMean", axes=[-1], keepdims=1)
    ve = gb.op("Add", [var, gb.const(eps, np.float32)], f"{prefix}/Add")
    rms = gb.op("Sqrt", [ve], f"{prefix}/Sqrt")
    xn = gb.op("Div", [x, rms], f"{prefix}/Div")
    return gb.op("Mul", [weight, xn], f"{prefix}/Mul")


def rotate(gb: GraphBuilder, x: str, cos: str, sin_signed: str, half: int, prefix: str) -> str:
    """x*cos + rotate_half(x)*sin, with rotate_half(x)*sin == concat(x2, x1) * concat(-sin1, sin2)."""
    x1, x2 = gb.op("Split", [x, gb.const([half, half], np.int64)], f"{prefix}/Split", n_out=2, axis=-1)
    swapped = gb.op("Concat", [x2, x1], f"{prefix}/Concat", axis=-1)
    a = gb.op("Mul", [x, cos], f"{prefix}/Mul_cos")
    b = gb.op("Mul", [swapped, sin_signed], f"{prefix}/Mul_sin")
    return gb.op("Add", [a, b], f"{prefix}/Add")


def build_model(g: Gguf, hp: HParams) -> onnx.ModelProto:
    gb = GraphBuilder()
    H, D, NH, NKV, G = hp.hidden, hp.head_dim, hp.n_head, hp.n_kv, hp.group
    i64, f32 = np.int64, np.float32

    # ---- weights
    embed = g.tensor("token_embd.weight")  # [vocab, hidden]
    if embed.shape != (hp.vocab, H):
        raise SystemExit(f"convert_smollm2: unexpected embedding shape {embed.shape}")
    if "output.weight" in g.tensors:
        raise SystemExit("convert_smollm2: GGUF has an untied output.weight; this converter expects tied embeddings")
    embed_name = gb.init("model.embed_tokens.weight", embed)
    del embed

    # ---- graph inputs / outputs
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", "total_sequence_length"]),
        helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
    ]
    outputs = [
        helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", "sequence_length", hp.vocab]),
    ]
    for i in range(hp.n_layer):
        for kv in ("key", "value"):
            inputs.append(
                helper.make_tensor_value_info(
                    f"past_key_values.{i}.{kv}", TensorProto.FLOAT, ["batch_size", NKV, "past_sequence_length", D]
                )
            )
            outputs.append(
                helper.make_tensor_value_info(
                    f"present.{i}.{kv}", TensorProto.FLOAT, ["batch_size", NKV, "total_sequence_length", D]
                )
            )

    # ---- attention mask (shared by all layers): [B, 1, G*S, T] additive, 0 or float32-min
    p = "/model/mask"
    scalar1 = gb.const(1, i64)
    s_len = gb.op("Gather", [gb.op("Shape", ["input_ids"], f"{p}/Shape_ids"), scalar1], f"{p}/Gather_S", axis=0)
    t_len = gb.op("Gather", [gb.op("Shape", ["attention_mask"], f"{p}/Shape_mask"), scalar1], f"{p}/Gather_T", axis=0)
    past_len = gb.op("Sub", [t_len, s_len], f"{p}/Sub_P")
    q_pos = gb.op("Range", [past_len, t_len, scalar1], f"{p}/Range_q")  # [S]: P .. T-1
    k_pos = gb.op("Range", [gb.const(0, i64), t_len, scalar1], f"{p}/Range_k")  # [T]
    q_col = gb.op("Unsqueeze", [q_pos, gb.const([1], i64)], f"{p}/Unsqueeze_q")  # [S, 1]
    causal = gb.op("LessOrEqual", [k_pos, q_col], f"{p}/LessOrEqual")  # [S, T]
    am_bool = gb.op("Cast", ["attention_mask"], f"{p}/Cast_mask", to=TensorProto.BOOL)  # [B, T]
    am3 = gb.op("Unsqueeze", [am_bool, gb.const([1], i64)], f"{p}/Unsqueeze_am")  # [B, 1, T]
    allowed = gb.op("And", [causal, am3], f"{p}/And")  # [B, S, T]
    additive = gb.op(
        "Where", [allowed, gb.const(0.0, f32), gb.const(NEG_INF_SUBSTITUTE, f32)], f"{p}/Where"
    )  # [B, S, T]
    mask4 = gb.op("Unsqueeze", [additive, gb.const([1], i64)], f"{p}/Unsqueeze_4d")  # [B, 1, S, T]
    # queries are laid out [B, kv_head, G*S, D] (group-major), so the mask repeats G times along rows
    mask_g = gb.op("Tile", [mask4, gb.const([1, 1, G, 1], i64)], f"{p}/Tile")  # [B, 1, G*S, T]

    # ---- rotary embedding tables (shared): cos and sign-folded sin, [B, 1, S, D]
    p = "/model/rotary"
    inv_freq = (1.0 / (np.float32(hp.rope_theta) ** (np.arange(0, D, 2, dtype=np.int64).astype(np.float32) / D)))
    inv_freq = inv_freq.astype(np.float32)
    inv_freq_name = gb.init("model.rotary_emb.inv_freq", inv_freq)
    pos_f = gb.op("Cast", ["position_ids"], f"{p}/Cast", to=TensorProto.FLOAT)  # [B, S]
    pos3 = gb.op("Unsqueeze", [pos_f, gb.const([2], i64)], f"{p}/Unsqueeze_pos")  # [B, S, 1]
    freqs = gb.op("Mul", [pos3, inv_freq_name], f"{p}/Mul_freqs")  # [B, S, D/2]
    emb = gb.op("Concat", [freqs, freqs], f"{p}/Concat_emb", axis=-1)  # [B, S, D]
    cos3 = gb.op("Cos", [emb], f"{p}/Cos")
    sin_half = gb.op("Sin", [freqs], f"{p}/Sin")
    neg_sin_half = gb.op("Neg", [sin_half], f"{p}/Neg")
    sin3 = gb.op("Concat", [neg_sin_half, sin_half], f"{p}/Concat_sin", axis=-1)
    cos = gb.op("Unsqueeze", [cos3, gb.const([1], i64)], f"{p}/Unsqueeze_cos")  # [B, 1, S, D]
    sin_signed = gb.op("Unsqueeze", [sin3, gb.const([1], i64)], f"{p}/Unsqueeze_sin")

    # ---- embeddings
    x = gb.op("Gather", [embed_name, "input_ids"], "/model/embed_tokens/Gather", axis=0)  # [B, S, H]

    shape_q = gb.const([0, 0, NH, D], i64)
    shape_kv = gb.const([0, 0, NKV, D], i64)
    shape_grouped = gb.const([0, NKV, -1, D], i64)
    shape_heads = gb.const([0, NH, -1, D], i64)
    shape_merged = gb.const([0, 0, NH * D], i64)
    scale = gb.const(1.0 / np.sqrt(D), f32)  # 0.125: a power of two, so scaling q first is exact

    for i in range(hp.n_layer):
        p = f"/model/layers.{i}"
        w = f"model.layers.{i}"
        wq = unpermute_rope(g.tensor(f"blk.{i}.attn_q.weight"), NH)  # [NH*D, H]
        wk = unpermute_rope(g.tensor(f"blk.{i}.attn_k.weight"), NKV)  # [NKV*D, H]
        wv = g.tensor(f"blk.{i}.attn_v.weight")
        wo = g.tensor(f"blk.{i}.attn_output.weight")  # [H, NH*D]
        w_gate = g.tensor(f"blk.{i}.ffn_gate.weight")  # [FFN, H]
        w_up = g.tensor(f"blk.{i}.ffn_up.weight")
        w_down = g.tensor(f"blk.{i}.ffn_down.weight")  # [H, FFN]
        n_in = gb.init(f"{w}.input_layernorm.weight", g.tensor(f"blk.{i}.attn_norm.weight"))
        n_post = gb.init(f"{w}.post_attention_layernorm.weight", g.tensor(f"blk.{i}.ffn_norm.weight"))
        # ONNX MatMul wants [in, out]; q/k/v and gate/up are fused into one MatMul each
        w_qkv = gb.init(f"{w}.self_attn.qkv_proj.weight", np.concatenate([wq, wk, wv], axis=0).T)
        w_o = gb.init(f"{w}.self_attn.o_proj.weight", wo.T)
        w_gu = gb.init(f"{w}.mlp.gate_up_proj.weight", np.concatenate([w_gate, w_up], axis=0).T)
        w_d = gb.init(f"{w}.mlp.down_proj.weight", w_down.T)
        del wq, wk, wv, wo, w_gate, w_up, w_down

        # attention
        h = rms_norm(gb, x, n_in, hp.eps, f"{p}/input_layernorm")
        qkv = gb.op("MatMul", [h, w_qkv], f"{p}/self_attn/qkv_proj/MatMul")
        q, k, v = gb.op(
            "Split", [qkv, gb.const([NH * D, NKV * D, NKV * D], i64)], f"{p}/self_attn/Split_qkv", n_out=3, axis=-1
        )
        q = gb.op("Reshape", [q, shape_q], f"{p}/self_attn/Reshape_q")
        q = gb.op("Transpose", [q], f"{p}/self_attn/Transpose_q", perm=[0, 2, 1, 3])  # [B, NH, S, D]
        k = gb.op("Reshape", [k, shape_kv], f"{p}/self_attn/Reshape_k")
        k = gb.op("Transpose", [k], f"{p}/self_attn/Transpose_k", perm=[0, 2, 1, 3])  # [B, NKV, S, D]
        v = gb.op("Reshape", [v, shape_kv], f"{p}/self_attn/Reshape_v")
        v = gb.op("Transpose", [v], f"{p}/self_attn/Transpose_v", perm=[0, 2, 1, 3])
        q = rotate(gb, q, cos, sin_signed, D // 2, f"{p}/self_attn/rotary_q")
        k = rotate(gb, k, cos, sin_signed, D // 2, f"{p}/self_attn/rotary_k")
        present_k = gb.op(
            "Concat", [f"past_key_values.{i}.key", k], f"{p}/self_attn/Concat_k", outputs=[f"present.{i}.key"], axis=2
        )
        present_v = gb.op(
            "Concat",
            [f"past_key_values.{i}.value", v],
            f"{p}/self_attn/Concat_v",
            outputs=[f"present.{i}.value"],
            axis=2,
        )
        q = gb.op("Mul", [q, scale], f"{p}/self_attn/Mul_scale")
        # grouped-query attention without copying K/V: query head h = kv_head * G + r, laid out as
        # [B, NKV, G*S, D] (rows r*S + s), against K/V [B, NKV, T, D]
        qg = gb.op("Reshape", [q, shape_grouped], f"{p}/self_attn/Reshape_group")
        kt = gb.op("Transpose", [present_k], f"{p}/self_attn/Transpose_kT", perm=[0, 1, 3, 2])  # [B, NKV, D, T]
        scores = gb.op("MatMul", [qg, kt], f"{p}/self_attn/MatMul_qk")  # [B, NKV, G*S, T]
        scores = gb.op("Add", [scores, mask_g], f"{p}/self_attn/Add_mask")
        probs = gb.op("Softmax", [scores], f"{p}/self_attn/Softmax", axis=-1)
        ctx = gb.op("MatMul", [probs, present_v], f"{p}/self_attn/MatMul_pv")  # [B, NKV, G*S, D]
        ctx = gb.op("Reshape", [ctx, shape_heads], f"{p}/self_attn/Reshape_heads")  # [B, NH, S, D]
        ctx = gb.op("Transpose", [ctx], f"{p}/self_attn/Transpose_ctx", perm=[0, 2, 1, 3])  # [B, S, NH, D]
        ctx = gb.op("Reshape", [ctx, shape_merged], f"{p}/self_attn/Reshape_merge")  # [B, S, H]
        attn = gb.op("MatMul", [ctx, w_o], f"{p}/self_attn/o_proj/MatMul")
        x = gb.op("Add", [x, attn], f"{p}/Add_attn")

        # MLP (SiLU-gated)
        h = rms_norm(gb, x, n_post, hp.eps, f"{p}/post_attention_layernorm")
        gu = gb.op("MatMul", [h, w_gu], f"{p}/mlp/gate_up_proj/MatMul")
        gate, up = gb.op("Split", [gu, gb.const([hp.ffn, hp.ffn], i64)], f"{p}/mlp/Split", n_out=2, axis=-1)
        sig = gb.op("Sigmoid", [gate], f"{p}/mlp/act_fn/Sigmoid")
        act = gb.op("Mul", [gate, sig], f"{p}/mlp/act_fn/Mul")
        hidden = gb.op("Mul", [act, up], f"{p}/mlp/Mul")
        down = gb.op("MatMul", [hidden, w_d], f"{p}/mlp/down_proj/MatMul")
        x = gb.op("Add", [x, down], f"{p}/Add_mlp")

    n_final = gb.init("model.norm.weight", g.tensor("output_norm.weight"))
    x = rms_norm(gb, x, n_final, hp.eps, "/model/norm")
    # tied lm_head: MatMul against the transposed embedding (no second copy of the weights)
    embed_t = gb.op("Transpose", [embed_name], "/lm_head/Transpose", perm=[1, 0])  # [H, vocab]
    gb.op("MatMul", [x, embed_t], "/lm_head/MatMul", outputs=["logits"])

    graph = helper.make_graph(gb.nodes, "smollm2_decoder_with_past", inputs, outputs, gb.initializers)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="modelswap convert_smollm2.py",
        producer_version="1",
        ir_version=IR_VERSION,
    )
    model.doc_string = "SmolLM2-135M-Instruct (GGUF Q4_1 dequantized to fp32), decoder with KV cache"
    return model


# ----------------------------------------------------------------------------------------- tokenizer


def build_tokenizer(g: Gguf) -> Tokenizer:
    """Byte-level BPE from the GGUF metadata, as transformers' GGUF converter builds it for a
    llama-architecture file with a gpt2 (byte-level) vocabulary: BPE with byte_fallback and the
    unknown token, the control tokens as special tokens, a ByteLevel pre-tokenizer without prefix
    space, no post-processor (nothing is ever added: the chat template writes the markers)."""
    model_kind = g.require("tokenizer.ggml.model")
    if model_kind != "gpt2":
        raise SystemExit(f"convert_smollm2: expected a byte-level (gpt2) GGUF vocabulary, got {model_kind!r}")
    tokens = list(g.require("tokenizer.ggml.tokens"))
    merges = [tuple(m.split(" ")) for m in g.require("tokenizer.ggml.merges")]
    token_types = list(g.require("tokenizer.ggml.token_type"))
    unk_id = g.field("tokenizer.ggml.unknown_token_id")
    vocab = {tok: i for i, tok in enumerate(tokens)}
    if len(vocab) != len(tokens):
        raise SystemExit("convert_smollm2: duplicate tokens in the GGUF vocabulary")

    tok = Tokenizer(
        models.BPE(
            vocab,
            merges,
            unk_token=tokens[unk_id] if unk_id is not None else None,
            fuse_unk=True,
            byte_fallback=True,
        )
    )
    tok.add_special_tokens(
        [
            AddedToken(t, normalized=False, special=True)
            for t, kind in zip(tokens, token_types)
            if kind == TOKEN_TYPE_CONTROL
        ]
    )
    add_prefix_space = bool(g.field("tokenizer.ggml.add_space_prefix", False))
    tok.normalizer = normalizers.Sequence([])
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=add_prefix_space, trim_offsets=False, use_regex=True)
    seq = [
        decoders.ByteFallback(),
        decoders.Fuse(),
        decoders.Replace("\u2581", " "),
        decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=True),
    ]
    if add_prefix_space:
        seq.append(decoders.Strip(content=" ", left=1))
    tok.decoder = decoders.Sequence(seq)
    return tok


# ------------------------------------------------------------------------------------------- configs


def write_json(path: str, obj) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def write_configs(g: Gguf, hp: HParams, out: str) -> None:
    tokens = g.require("tokenizer.ggml.tokens")
    token_types = list(g.require("tokenizer.ggml.token_type"))
    bos_id = int(g.field("tokenizer.ggml.bos_token_id", 1))
    unk_id = int(g.field("tokenizer.ggml.unknown_token_id", 0))
    pad_id = int(g.field("tokenizer.ggml.padding_token_id", 2))
    # The GGUF says eos 2 (<|im_end|>): that is where a ChatML turn ends. (transformers' GGUF path
    # used to swap in the bos token here, giving special_tokens_map.json eos "<|im_start|>".)
    eos_id = int(g.field("tokenizer.ggml.eos_token_id", 2))
    if tokens[eos_id] != "<|im_end|>":
        raise SystemExit(f"convert_smollm2: eos token id {eos_id} is {tokens[eos_id]!r}, expected '<|im_end|>'")
    chat_template = g.require("tokenizer.chat_template")

    config = {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": bos_id,
        "eos_token_id": eos_id,
        "pad_token_id": pad_id,
        "head_dim": hp.head_dim,
        "hidden_act": "silu",
        "hidden_size": hp.hidden,
        "initializer_range": 0.02,
        "intermediate_size": hp.ffn,
        "max_position_embeddings": hp.ctx,
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": hp.n_head,
        "num_hidden_layers": hp.n_layer,
        "num_key_value_heads": hp.n_kv,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05 if np.float32(hp.eps) == np.float32(1e-05) else hp.eps,
        "rope_scaling": None,
        "rope_theta": hp.rope_theta,
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
        "use_cache": True,
        "vocab_size": hp.vocab,
    }
    write_json(os.path.join(out, "config.json"), config)
    write_json(
        os.path.join(out, "generation_config.json"),
        {"bos_token_id": bos_id, "eos_token_id": eos_id, "pad_token_id": pad_id},
    )

    control = [(i, t) for i, (t, kind) in enumerate(zip(tokens, token_types)) if kind == TOKEN_TYPE_CONTROL]
    added_tokens_decoder = {
        str(i): {
            "content": t,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for i, t in control
    }
    tokenizer_config = {
        "add_bos_token": False,
        "add_eos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": added_tokens_decoder,
        "bos_token": tokens[bos_id],
        "chat_template": chat_template,
        "clean_up_tokenization_spaces": False,
        "eos_token": tokens[eos_id],
        "model_max_length": hp.ctx,
        "pad_token": tokens[pad_id],
        "tokenizer_class": "PreTrainedTokenizerFast",
        "unk_token": tokens[unk_id],
    }
    write_json(os.path.join(out, "tokenizer_config.json"), tokenizer_config)
    write_json(
        os.path.join(out, "special_tokens_map.json"),
        {
            "bos_token": tokens[bos_id],
            "eos_token": tokens[eos_id],
            "pad_token": tokens[pad_id],
            "unk_token": tokens[unk_id],
        },
    )


# ---------------------------------------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    src, out = argv[1], argv[2]
    os.makedirs(out, exist_ok=True)
    t0 = time.monotonic()
    g = Gguf(src)
    hp = HParams(g)

    tok = build_tokenizer(g)
    tok.save(os.path.join(out, "tokenizer.json"), pretty=True)
    write_configs(g, hp, out)

    model = build_model(g, hp)
    onnx.checker.check_model(model)
    tmp = os.path.join(out, "model.onnx.tmp")
    with open(tmp, "wb") as f:
        f.write(model.SerializeToString(deterministic=True))
    os.replace(tmp, os.path.join(out, "model.onnx"))
    print(
        f"convert_smollm2: wrote {out} ({hp.n_layer} layers, vocab {hp.vocab}) in {time.monotonic() - t0:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
