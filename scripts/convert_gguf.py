#!/usr/bin/env python3
"""Convert a GGUF file (Llama and Mistral, Qwen2, Qwen3, Gemma 2, Gemma 3, Phi-3) to a folder `kind: onnx` runs.

Usage: convert_gguf.py MODEL.gguf OUTDIR [--quantize int8|int4] [--chat-template FILE] [--layout gqa|optimum]

`modelswap convert` runs this script (it is compiled into the binary); `make setup` runs it on the
bundled models. Needs only numpy, onnx, gguf and tokenizers (no torch, no transformers), and
onnxruntime for --quantize. Writes into OUTDIR:

  model.onnx               decoder with KV cache, inputs and outputs in optimum-cli's names, its
                           attention ONNX Runtime's GroupQueryAttention (cases batch exactly; see
                           gqa_layout), or with --layout optimum plain operators and position_ids
                           as optimum-cli exports them (fp32 weights, dequantized from the GGUF's
                           quantization; --quantize int8 re-quantizes them block-wise, --quantize
                           int4 keeps the GGUF's own Q4_0/Q4_1/Q8_0 blocks as they are
                           (gguf_blocks.py) and re-quantizes only weights of other types)
  tokenizer.json           rebuilt from the GGUF vocabulary: byte-level BPE (`gpt2` vocabularies,
                           with the pre-tokenizer llama.cpp uses for the GGUF's `tokenizer.ggml.pre`)
                           or SentencePiece-style BPE with byte fallback (`llama` vocabularies)
  tokenizer_config.json    the GGUF's chat template (or --chat-template's), special tokens
  special_tokens_map.json, config.json, generation_config.json

Architectures are read from their GGUF metadata, not guessed from names: any head counts and
head_dim (grouped-query attention), sliding-window layers, tied or untied output, q/k norms,
Gemma's sandwich norms, GELU and embedding scale, soft-capping, RoPE frequency factors. What the
graph computes follows llama.cpp's reading of the same file (its `src/models/*.cpp`), because
llama.cpp is the reference the conversion is checked against, token for token
(tests/it/gguf_parity.rs, docs/models.md). Anything it does not know is refused, naming it.

The output is deterministic: running the script twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

import numpy as np
import onnx
from gguf import GGUFReader
from gguf.quants import dequantize
from onnx import TensorProto, helper

import gguf_blocks
from gguf_blocks import linear, linear_weight, rows
from gguf_configs import write_configs
from gguf_tokenizer import ConvertError, build_tokenizer
from onnx_graph import GraphBuilder, gelu_tanh, rms_norm, rotate, softcap

OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17; readable by any recent ONNX Runtime
NEG_INF_SUBSTITUTE = float(np.finfo(np.float32).min)


# ------------------------------------------------------------------------------------ architectures


@dataclass(frozen=True)
class Family:
    """What an architecture's graph does beyond the Llama block (llama.cpp's src/models/ARCH.cpp)."""

    hf_class: str
    model_type: str
    rope_permuted: bool = False  # llama.cpp's Llama permutes Q/K rows for its interleaved RoPE
    gemma: bool = False  # embedding × sqrt(hidden), GELU (tanh), post-attention/post-FFN norms
    swa_pattern: int = 0  # every n-th layer is global, the others slide (0: no sliding layers)
    swa_default: int = 0  # window when the GGUF names none
    swa_rope_base: float | None = None  # RoPE base of the sliding layers (None: the model's)
    fused_qkv: bool = False  # Phi-3: one attn_qkv weight; ffn_up holds gate then up


FAMILIES = {
    "llama": Family("LlamaForCausalLM", "llama", rope_permuted=True),
    "qwen2": Family("Qwen2ForCausalLM", "qwen2"),
    "qwen3": Family("Qwen3ForCausalLM", "qwen3"),
    "gemma2": Family("Gemma2ForCausalLM", "gemma2", gemma=True, swa_pattern=2, swa_default=4096),
    "gemma3": Family("Gemma3ForCausalLM", "gemma3_text", gemma=True, swa_pattern=6, swa_rope_base=10000.0),
    "phi3": Family("Phi3ForCausalLM", "phi3", fused_qkv=True),
}


# --------------------------------------------------------------------------------------------- GGUF


class Gguf:
    def __init__(self, path: str, keep_blocks: bool = False):
        try:
            self.reader = GGUFReader(path, "r")
        except Exception as e:  # the gguf package raises ValueError, struct.error, …
            raise ConvertError(f"{path}: not a readable GGUF file ({e})") from e
        self.path = path
        self.tensors = {t.name: t for t in self.reader.tensors}
        self.keep_blocks = keep_blocks  # linear weights as the file's blocks where MatMulNBits can hold them

    def linear(self, name: str) -> "np.ndarray | gguf_blocks.Blocks":
        """A linear weight [out, in]: its blocks (keep_blocks and a type gguf_blocks maps), else fp32."""
        t = self.tensors.get(name)
        blocks = gguf_blocks.read(t) if self.keep_blocks and t is not None else None
        if blocks is None:
            return self.tensor(name)
        exact = self.tensor(name)  # what the gguf package reads: the blocks must say the same
        if np.abs(blocks.dequantize() - exact).max() > 1e-5 * max(float(np.abs(exact).max()), 1e-30):
            raise ConvertError(f"{self.path}: tensor {name!r}: its {blocks.kind} blocks do not read back as the file's values")
        return blocks

    def field(self, key, default=None):
        f = self.reader.fields.get(key)
        return default if f is None else f.contents()

    def require(self, key):
        v = self.field(key)
        if v is None:
            raise ConvertError(f"{self.path}: GGUF metadata key {key!r} missing")
        return v

    def has(self, name: str) -> bool:
        return name in self.tensors

    def tensor(self, name: str) -> np.ndarray:
        """The tensor as float32 in torch order ([out, in] for a linear weight)."""
        t = self.tensors.get(name)
        if t is None:
            raise ConvertError(f"{self.path}: GGUF tensor {name!r} missing")
        try:
            w = dequantize(t.data, t.tensor_type).astype(np.float32, copy=False)
        except NotImplementedError as e:
            raise ConvertError(f"{self.path}: tensor {name!r} is {t.tensor_type.name}, which gguf cannot dequantize") from e
        expected = tuple(int(d) for d in reversed(t.shape))
        if tuple(w.shape) != expected:
            w = w.reshape(expected)
        return np.ascontiguousarray(w)


def unpermute_rope(w, n_head: int):
    """Undo llama.cpp's Q/K row permutation (its interleaved RoPE) to get rotate-half RoPE."""
    if isinstance(w, gguf_blocks.Blocks):
        return w.rows(lambda a: unpermute_rope(a, n_head))
    rows = w.shape[0]
    return np.ascontiguousarray(w.reshape(n_head, rows // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape))


class HParams:
    def __init__(self, g: Gguf):
        self.arch = g.require("general.architecture")
        if self.arch not in FAMILIES:
            known = ", ".join(sorted(FAMILIES))
            raise ConvertError(f"{g.path}: architecture {self.arch!r} is not one the converter knows ({known})")
        self.family = FAMILIES[self.arch]
        a = self.arch
        self.n_layer = int(g.require(f"{a}.block_count"))
        self.hidden = int(g.require(f"{a}.embedding_length"))
        self.ffn = int(g.require(f"{a}.feed_forward_length"))
        self.n_head = int(g.require(f"{a}.attention.head_count"))
        self.n_kv = int(g.field(f"{a}.attention.head_count_kv", self.n_head))
        for key in ("head_count", "head_count_kv", "feed_forward_length"):
            if isinstance(g.field(f"{a}.attention.{key}"), list):
                raise ConvertError(f"{g.path}: per-layer {a}.attention.{key} is not supported")
        self.head_dim = int(g.field(f"{a}.attention.key_length", self.hidden // self.n_head))
        if int(g.field(f"{a}.attention.value_length", self.head_dim)) != self.head_dim:
            raise ConvertError(f"{g.path}: key and value head sizes differ; not supported")
        if int(g.field(f"{a}.rope.dimension_count", self.head_dim)) != self.head_dim:
            raise ConvertError(f"{g.path}: partial RoPE ({a}.rope.dimension_count) is not supported")
        if self.n_head % self.n_kv:
            raise ConvertError(f"{g.path}: {self.n_head} heads do not divide into {self.n_kv} KV heads")
        self.rope_theta = float(g.field(f"{a}.rope.freq_base", 10000.0))
        scaling = g.field(f"{a}.rope.scaling.type", "none")
        if scaling not in ("none", "linear"):
            raise ConvertError(f"{g.path}: RoPE scaling {scaling!r} is not supported (only linear)")
        self.rope_scale = 1.0 / float(g.field(f"{a}.rope.scaling.factor", 1.0)) if scaling == "linear" else 1.0
        # stored as float32 (9.99999974738e-06); configs say 1e-05, the same float32
        self.eps = float(np.float32(g.require(f"{a}.attention.layer_norm_rms_epsilon")))
        self.ctx = int(g.field(f"{a}.context_length", 4096))
        self.vocab = int(g.field(f"{a}.vocab_size", len(g.require("tokenizer.ggml.tokens"))))
        self.group = self.n_head // self.n_kv
        self.attn_softcap = float(g.field(f"{a}.attn_logit_softcapping", 0.0) or 0.0)
        self.final_softcap = float(g.field(f"{a}.final_logit_softcapping", 0.0) or 0.0)
        f = self.family
        self.swa = int(g.field(f"{a}.attention.sliding_window", f.swa_default) or 0) if f.swa_pattern else 0
        self.swa_rope_theta = float(g.field(f"{a}.rope.freq_base_swa", f.swa_rope_base or self.rope_theta))
        # llama.cpp (set_swa_pattern): layer il slides unless il % n == n - 1
        self.sliding = [bool(self.swa) and il % f.swa_pattern < f.swa_pattern - 1 for il in range(self.n_layer)]
        self.q_scale = 1.0 / np.sqrt(self.head_dim)
        for name in ("rope_factors_long.weight", "rope_factors_short.weight"):
            if g.has(name):
                raise ConvertError(f"{g.path}: long-context RoPE ({name}) is not supported; use the 4k variant")


def io_declarations(hp: HParams, position_ids: bool = True, past="past_sequence_length", present="total_sequence_length"):
    """The graph's inputs and outputs in optimum's names; `past`/`present` are the cache's length
    (a symbol, or a fixed size for a buffer that past and present share)."""
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", "total_sequence_length"]),
    ]
    if position_ids:
        inputs.append(helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["batch_size", "sequence_length"]))
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", 1, hp.vocab])]
    for i in range(hp.n_layer):
        for kv in ("key", "value"):
            shape_in = ["batch_size", hp.n_kv, past, hp.head_dim]
            shape_out = ["batch_size", hp.n_kv, present, hp.head_dim]
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kv}", TensorProto.FLOAT, shape_in))
            outputs.append(helper.make_tensor_value_info(f"present.{i}.{kv}", TensorProto.FLOAT, shape_out))
    return inputs, outputs


def attention_masks(gb: GraphBuilder, hp: HParams) -> dict[bool, str]:
    """Additive masks [B, 1, G*S, T] (0 or float32-min, never -inf, so an all-padding row stays
    finite): causal AND attention_mask, and for sliding layers also q - k < window (llama.cpp's
    is_masked_swa). Keyed by "sliding"."""
    p = "/model/mask"
    i64, f32 = np.int64, np.float32
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
    variants = {False: causal}
    if any(hp.sliding):
        distance = gb.op("Sub", [q_col, k_pos], f"{p}/Sub_distance")  # [S, T]
        near = gb.op("Less", [distance, gb.const(hp.swa, i64)], f"{p}/Less_window")
        variants[True] = gb.op("And", [causal, near], f"{p}/And_window")
    masks = {}
    for sliding, allowed_st in variants.items():
        tag = "swa" if sliding else "full"
        allowed = gb.op("And", [allowed_st, am3], f"{p}/And_{tag}")  # [B, S, T]
        additive = gb.op("Where", [allowed, gb.const(0.0, f32), gb.const(NEG_INF_SUBSTITUTE, f32)], f"{p}/Where_{tag}")
        mask4 = gb.op("Unsqueeze", [additive, gb.const([1], i64)], f"{p}/Unsqueeze_{tag}")  # [B, 1, S, T]
        # queries are laid out [B, kv_head, G*S, D] (group-major), so the mask repeats G times along rows
        masks[sliding] = gb.op("Tile", [mask4, gb.const([1, 1, hp.group, 1], i64)], f"{p}/Tile_{tag}")
    return masks


def inv_freq(hp: HParams, g: Gguf, sliding: bool) -> np.ndarray:
    """RoPE's inverse frequencies for a layer kind: sliding layers may use another base and no
    scaling (llama.cpp's rope_freq_base_train_swa, rope_freq_scale_train_swa = 1); Llama 3.1's
    frequency factors divide the global layers' frequencies."""
    D = hp.head_dim
    theta, scale = (hp.swa_rope_theta, 1.0) if sliding else (hp.rope_theta, hp.rope_scale)
    freqs = 1.0 / (np.float32(theta) ** (np.arange(0, D, 2, dtype=np.int64).astype(np.float32) / D))
    freqs = freqs.astype(np.float32) * np.float32(scale)
    if g.has("rope_freqs.weight") and not sliding:
        freqs = freqs / g.tensor("rope_freqs.weight").reshape(-1)
    return freqs.astype(np.float32)


def rotary_tables(gb: GraphBuilder, hp: HParams, g: Gguf) -> dict[bool, tuple[str, str]]:
    """cos and sign-folded sin [B, 1, S, D] per layer kind (sliding layers may use another base)."""
    i64 = np.int64
    pos_f = gb.op("Cast", ["position_ids"], "/model/rotary/Cast", to=TensorProto.FLOAT)  # [B, S]
    pos3 = gb.op("Unsqueeze", [pos_f, gb.const([2], i64)], "/model/rotary/Unsqueeze_pos")  # [B, S, 1]
    tables: dict[bool, tuple[str, str]] = {}
    built: dict[bytes, tuple[str, str]] = {}
    for sliding in sorted({False, *(s for s in hp.sliding)}):
        freqs_np = inv_freq(hp, g, sliding)
        if freqs_np.tobytes() in built:
            tables[sliding] = built[freqs_np.tobytes()]
            continue
        p = f"/model/rotary{'_swa' if sliding else ''}"
        name = gb.init(f"model.rotary_emb{'_swa' if sliding else ''}.inv_freq", freqs_np)
        freqs = gb.op("Mul", [pos3, name], f"{p}/Mul_freqs")  # [B, S, D/2]
        emb = gb.op("Concat", [freqs, freqs], f"{p}/Concat_emb", axis=-1)  # [B, S, D]
        cos3 = gb.op("Cos", [emb], f"{p}/Cos")
        sin_half = gb.op("Sin", [freqs], f"{p}/Sin")
        sin3 = gb.op("Concat", [gb.op("Neg", [sin_half], f"{p}/Neg"), sin_half], f"{p}/Concat_sin", axis=-1)
        cos = gb.op("Unsqueeze", [cos3, gb.const([1], i64)], f"{p}/Unsqueeze_cos")  # [B, 1, S, D]
        sin_signed = gb.op("Unsqueeze", [sin3, gb.const([1], i64)], f"{p}/Unsqueeze_sin")
        built[freqs_np.tobytes()] = tables[sliding] = (cos, sin_signed)
    return tables


def optimum_layout(gb: GraphBuilder, hp: HParams, g: Gguf):
    """optimum-cli's layout: inputs/outputs with position_ids, explicit masks and RoPE, each
    layer's cache concatenated. Returns the declarations and the per-layer attention."""
    inputs, outputs = io_declarations(hp)
    masks = attention_masks(gb, hp)
    tables = rotary_tables(gb, hp, g)

    def attend(h: str, ws: dict, i: int) -> str:
        return attention(gb, hp, h, ws, i, masks[hp.sliding[i]], tables[hp.sliding[i]])

    return inputs, outputs, attend


def gqa_layout(gb: GraphBuilder, hp: HParams, g: Gguf, past="past_sequence_length", present="total_sequence_length"):
    """ONNX Runtime's fused attention (the default): `GroupQueryAttention` per layer, with RoPE
    inside the operator from cos/sin caches, the sliding window and soft-capping as its
    attributes, and each row's length (`seqlens_k`) and the batch's (`total_sequence_length`)
    computed from `attention_mask`, so rows of different lengths share a forward pass without
    padding (no `position_ids` input: positions are each row's own count). `past`/`present`
    fix the cache's length for a buffer past and present share (scripts/make_genai_layout.py)."""
    inputs, outputs = io_declarations(hp, position_ids=False, past=past, present=present)
    i64, p = np.int64, "/model/attn_mask_reformat"
    total = gb.op("ReduceSum", ["attention_mask", gb.const([1], i64)], f"{p}/ReduceSum", keepdims=0)  # [B]
    seqlens_k = gb.op("Cast", [gb.op("Sub", [total, gb.const(1, i64)], f"{p}/Sub")], f"{p}/Cast_seqlens", to=TensorProto.INT32)
    t_len = gb.op("Gather", [gb.op("Shape", ["attention_mask"], f"{p}/Shape"), gb.const(1, i64)], f"{p}/Gather", axis=0)
    total_len = gb.op("Cast", [t_len], f"{p}/Cast_total", to=TensorProto.INT32)
    caches: dict[bool, tuple[str, str]] = {}
    for sliding in sorted(set(hp.sliding)):
        angles = np.outer(np.arange(hp.ctx, dtype=np.float32), inv_freq(hp, g, sliding))  # [ctx, D/2]
        tag = "_swa" if sliding else ""
        caches[sliding] = (
            gb.init(f"cos_cache{tag}", np.cos(angles).astype(np.float32)),
            gb.init(f"sin_cache{tag}", np.sin(angles).astype(np.float32)),
        )

    def attend(h: str, ws: dict, i: int) -> str:
        a = f"/model/layers.{i}/attn"
        NH, NKV, D = hp.n_head, hp.n_kv, hp.head_dim
        qkv = linear(gb, h, ws["qkv"], f"{a}/qkv_proj/MatMul")
        if "qkv_bias" in ws:
            qkv = gb.op("Add", [qkv, ws["qkv_bias"]], f"{a}/qkv_proj/Add")
        q, k, v = gb.op("Split", [qkv, gb.const([NH * D, NKV * D, NKV * D], i64)], f"{a}/Split", n_out=3, axis=-1)
        if "attn_q_norm" in ws:  # per-head RMSNorm before the operator's RoPE (Qwen3, Gemma 3)
            q4 = gb.op("Reshape", [q, gb.const([0, 0, NH, D], i64)], f"{a}/Reshape_q")
            k4 = gb.op("Reshape", [k, gb.const([0, 0, NKV, D], i64)], f"{a}/Reshape_k")
            q4 = rms_norm(gb, q4, ws["attn_q_norm"], hp.eps, f"{a}/q_norm")
            k4 = rms_norm(gb, k4, ws["attn_k_norm"], hp.eps, f"{a}/k_norm")
            q = gb.op("Reshape", [q4, gb.const([0, 0, NH * D], i64)], f"{a}/Reshape_q_back")
            k = gb.op("Reshape", [k4, gb.const([0, 0, NKV * D], i64)], f"{a}/Reshape_k_back")
        cos, sin = caches[hp.sliding[i]]
        attrs = {}
        if hp.sliding[i]:  # llama.cpp masks q - k >= window, as the operator does with local_window_size
            attrs["local_window_size"] = hp.swa
        if hp.attn_softcap:
            attrs["softcap"] = float(hp.attn_softcap)
        ctx, _, _ = gb.op(
            "GroupQueryAttention",
            [q, k, v, f"past_key_values.{i}.key", f"past_key_values.{i}.value", seqlens_k, total_len, cos, sin],
            f"{a}/GroupQueryAttention",
            outputs=[f"{a}/GroupQueryAttention_output_0", f"present.{i}.key", f"present.{i}.value"],
            domain="com.microsoft",
            num_heads=NH,
            kv_num_heads=NKV,
            scale=float(hp.q_scale),
            do_rotary=1,
            rotary_interleaved=0,
            **attrs,
        )
        return linear(gb, ctx, ws["o"], f"{a}/o_proj/MatMul")

    return inputs, outputs, attend


LAYOUTS = {"gqa": gqa_layout, "optimum": optimum_layout}


def layer_weights(gb: GraphBuilder, g: Gguf, hp: HParams, i: int) -> dict[str, str]:
    """The layer's weights: norms as initializers, linear ones through linear_weight, q/k/v and gate/up fused."""
    b, w, f = f"blk.{i}", f"model.layers.{i}", hp.family
    NH, NKV, D = hp.n_head, hp.n_kv, hp.head_dim
    names: dict[str, str] = {}
    if f.fused_qkv:
        w_qkv = g.linear(f"{b}.attn_qkv.weight")
    else:
        wq, wk = g.linear(f"{b}.attn_q.weight"), g.linear(f"{b}.attn_k.weight")
        if f.rope_permuted:
            wq, wk = unpermute_rope(wq, NH), unpermute_rope(wk, NKV)
        w_qkv = rows([wq, wk, g.linear(f"{b}.attn_v.weight")])
    expected = ((NH + 2 * NKV) * D, hp.hidden)
    if tuple(w_qkv.shape) != expected:
        raise ConvertError(f"{g.path}: layer {i}: q/k/v weights are {tuple(w_qkv.shape)}, expected {expected}")
    names["qkv"] = linear_weight(gb, f"{w}.self_attn.qkv_proj.weight", w_qkv)
    if g.has(f"{b}.attn_q.bias"):
        bq, bk = g.tensor(f"{b}.attn_q.bias"), g.tensor(f"{b}.attn_k.bias")
        if f.rope_permuted:
            bq, bk = unpermute_rope(bq, NH), unpermute_rope(bk, NKV)
        names["qkv_bias"] = gb.init(f"{w}.self_attn.qkv_proj.bias", np.concatenate([bq, bk, g.tensor(f"{b}.attn_v.bias")]))
    names["o"] = linear_weight(gb, f"{w}.self_attn.o_proj.weight", g.linear(f"{b}.attn_output.weight"))
    if f.fused_qkv:
        w_gu = g.linear(f"{b}.ffn_up.weight")  # gate rows, then up rows
    else:
        w_gu = rows([g.linear(f"{b}.ffn_gate.weight"), g.linear(f"{b}.ffn_up.weight")])
    names["gate_up"] = linear_weight(gb, f"{w}.mlp.gate_up_proj.weight", w_gu)
    names["down"] = linear_weight(gb, f"{w}.mlp.down_proj.weight", g.linear(f"{b}.ffn_down.weight"))
    norms = {
        "attn_norm": "input_layernorm",
        "ffn_norm": "post_attention_layernorm" if not f.gemma else "pre_feedforward_layernorm",
        "post_attention_norm": "post_attention_layernorm",
        "post_ffw_norm": "post_feedforward_layernorm",
        "attn_q_norm": "self_attn.q_norm",
        "attn_k_norm": "self_attn.k_norm",
    }
    for gguf_name, hf_name in norms.items():
        if g.has(f"{b}.{gguf_name}.weight"):
            names[gguf_name] = gb.init(f"{w}.{hf_name}.weight", g.tensor(f"{b}.{gguf_name}.weight"))
    for required in ("attn_norm", "ffn_norm") + (("post_attention_norm", "post_ffw_norm") if f.gemma else ()):
        if required not in names:
            raise ConvertError(f"{g.path}: GGUF tensor '{b}.{required}.weight' missing")
    return names


def attention(gb: GraphBuilder, hp: HParams, x: str, ws: dict, i: int, mask: str, table) -> str:
    p, i64 = f"/model/layers.{i}/self_attn", np.int64
    NH, NKV, D = hp.n_head, hp.n_kv, hp.head_dim
    qkv = linear(gb, x, ws["qkv"], f"{p}/qkv_proj/MatMul")
    if "qkv_bias" in ws:
        qkv = gb.op("Add", [qkv, ws["qkv_bias"]], f"{p}/qkv_proj/Add")
    q, k, v = gb.op("Split", [qkv, gb.const([NH * D, NKV * D, NKV * D], i64)], f"{p}/Split_qkv", n_out=3, axis=-1)
    q = gb.op("Reshape", [q, gb.const([0, 0, NH, D], i64)], f"{p}/Reshape_q")
    k = gb.op("Reshape", [k, gb.const([0, 0, NKV, D], i64)], f"{p}/Reshape_k")
    v = gb.op("Reshape", [v, gb.const([0, 0, NKV, D], i64)], f"{p}/Reshape_v")
    if "attn_q_norm" in ws:  # per-head RMSNorm before RoPE (Qwen3, Gemma 3)
        q = rms_norm(gb, q, ws["attn_q_norm"], hp.eps, f"{p}/q_norm")
        k = rms_norm(gb, k, ws["attn_k_norm"], hp.eps, f"{p}/k_norm")
    q = gb.op("Transpose", [q], f"{p}/Transpose_q", perm=[0, 2, 1, 3])  # [B, NH, S, D]
    k = gb.op("Transpose", [k], f"{p}/Transpose_k", perm=[0, 2, 1, 3])  # [B, NKV, S, D]
    v = gb.op("Transpose", [v], f"{p}/Transpose_v", perm=[0, 2, 1, 3])
    q = rotate(gb, q, table, D // 2, f"{p}/rotary_q")
    k = rotate(gb, k, table, D // 2, f"{p}/rotary_k")
    present_k = gb.op("Concat", [f"past_key_values.{i}.key", k], f"{p}/Concat_k", outputs=[f"present.{i}.key"], axis=2)
    present_v = gb.op("Concat", [f"past_key_values.{i}.value", v], f"{p}/Concat_v", outputs=[f"present.{i}.value"], axis=2)
    q = gb.op("Mul", [q, gb.const(hp.q_scale, np.float32)], f"{p}/Mul_scale")
    # grouped-query attention without copying K/V: query head h = kv_head * G + r, laid out as
    # [B, NKV, G*S, D] (rows r*S + s), against K/V [B, NKV, T, D]
    qg = gb.op("Reshape", [q, gb.const([0, NKV, -1, D], i64)], f"{p}/Reshape_group")
    kt = gb.op("Transpose", [present_k], f"{p}/Transpose_kT", perm=[0, 1, 3, 2])  # [B, NKV, D, T]
    scores = gb.op("MatMul", [qg, kt], f"{p}/MatMul_qk")  # [B, NKV, G*S, T]
    if hp.attn_softcap:
        scores = softcap(gb, scores, hp.attn_softcap, f"{p}/softcap")
    scores = gb.op("Add", [scores, mask], f"{p}/Add_mask")
    probs = gb.op("Softmax", [scores], f"{p}/Softmax", axis=-1)
    ctx = gb.op("MatMul", [probs, present_v], f"{p}/MatMul_pv")  # [B, NKV, G*S, D]
    ctx = gb.op("Reshape", [ctx, gb.const([0, NH, -1, D], i64)], f"{p}/Reshape_heads")  # [B, NH, S, D]
    ctx = gb.op("Transpose", [ctx], f"{p}/Transpose_ctx", perm=[0, 2, 1, 3])  # [B, S, NH, D]
    ctx = gb.op("Reshape", [ctx, gb.const([0, 0, NH * D], i64)], f"{p}/Reshape_merge")
    return linear(gb, ctx, ws["o"], f"{p}/o_proj/MatMul")


def mlp(gb: GraphBuilder, hp: HParams, x: str, ws: dict, i: int) -> str:
    p = f"/model/layers.{i}/mlp"
    gu = linear(gb, x, ws["gate_up"], f"{p}/gate_up_proj/MatMul")
    gate, up = gb.op("Split", [gu, gb.const([hp.ffn, hp.ffn], np.int64)], f"{p}/Split", n_out=2, axis=-1)
    if hp.family.gemma:  # GELU, tanh approximation (gelu_pytorch_tanh; ggml_gelu)
        act = gelu_tanh(gb, gate, p)
    else:
        act = gb.op("Mul", [gate, gb.op("Sigmoid", [gate], f"{p}/act_fn/Sigmoid")], f"{p}/act_fn/Mul")
    return linear(gb, gb.op("Mul", [act, up], f"{p}/Mul"), ws["down"], f"{p}/down_proj/MatMul")


def build_model(g: Gguf, hp: HParams, layout=gqa_layout) -> onnx.ModelProto:
    gb = GraphBuilder()
    embed = g.tensor("token_embd.weight")  # [vocab, hidden]
    if embed.shape != (hp.vocab, hp.hidden):
        raise ConvertError(f"{g.path}: embedding is {embed.shape}, expected {(hp.vocab, hp.hidden)}")
    embed_name = gb.init("model.embed_tokens.weight", embed)
    del embed
    inputs, outputs, attend = layout(gb, hp, g)

    x = gb.op("Gather", [embed_name, "input_ids"], "/model/embed_tokens/Gather", axis=0)  # [B, S, H]
    if hp.family.gemma:
        x = gb.op("Mul", [x, gb.const(np.sqrt(np.float32(hp.hidden)), np.float32)], "/model/embed_tokens/Mul_scale")
    for i in range(hp.n_layer):
        p = f"/model/layers.{i}"
        ws = layer_weights(gb, g, hp, i)
        h = rms_norm(gb, x, ws["attn_norm"], hp.eps, f"{p}/input_layernorm")
        attn = attend(h, ws, i)
        if hp.family.gemma:
            attn = rms_norm(gb, attn, ws["post_attention_norm"], hp.eps, f"{p}/post_attention_layernorm")
        x = gb.op("Add", [x, attn], f"{p}/Add_attn")
        h = rms_norm(gb, x, ws["ffn_norm"], hp.eps, f"{p}/{'pre_feedforward' if hp.family.gemma else 'post_attention'}_layernorm")
        down = mlp(gb, hp, h, ws, i)
        if hp.family.gemma:
            down = rms_norm(gb, down, ws["post_ffw_norm"], hp.eps, f"{p}/post_feedforward_layernorm")
        x = gb.op("Add", [x, down], f"{p}/Add_mlp")

    x = rms_norm(gb, x, gb.init("model.norm.weight", g.tensor("output_norm.weight")), hp.eps, "/model/norm")
    # Only the last position's logits are ever read (the next token): projecting just that row
    # spares a prefill (S - 1) x hidden x vocab multiply-adds, most of a small model's prefill.
    x = gb.op("Gather", [x, gb.const([-1], np.int64)], "/model/last_position/Gather", axis=1)  # [B, 1, H]
    if g.has("output.weight"):
        head = linear_weight(gb, "lm_head.weight", g.linear("output.weight"))
    elif isinstance(tied := g.linear("token_embd.weight") if g.keep_blocks else None, gguf_blocks.Blocks):
        head = linear_weight(gb, "lm_head.weight", tied)  # the embedding's own blocks, as llama.cpp multiplies them
    else:  # tied: MatMul against the transposed embedding (ONNX Runtime folds it once at load)
        head = gb.op("Transpose", [embed_name], "/lm_head/Transpose", perm=[1, 0])  # [H, vocab]
    if hp.final_softcap:
        logits = linear(gb, x, head, "/lm_head/MatMul")
        sc = softcap(gb, logits, hp.final_softcap, "/lm_head/softcap")
        gb.op("Identity", [sc], "/lm_head/Identity", outputs=["logits"])
    else:
        linear(gb, x, head, "/lm_head/MatMul", out="logits")

    graph = helper.make_graph(gb.nodes, f"{hp.arch}_decoder_with_past", inputs, outputs, gb.initializers)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)],
        producer_name="modelswap convert_gguf.py",
        producer_version="3",
        ir_version=IR_VERSION,
    )
    name = g.field("general.name", hp.arch)
    weights = ", its own blocks kept where MatMulNBits holds them" if g.keep_blocks else " dequantized to fp32"
    model.doc_string = f"{name} ({os.path.basename(g.path)}{weights}), decoder with KV cache"
    if g.keep_blocks:
        kept = ", ".join(f"{kind} {n}" for kind, n in sorted(gb.kept.items())) or "none"
        products = 4 * hp.n_layer + 1  # q/k/v, output, gate/up and down per layer, and the head
        fresh = products - sum(gb.kept.values())
        rest = f"; the other {fresh} are quantized to 4 bits afresh" if fresh else ""
        print(f"convert_gguf: weights: {products - fresh} of {products} weight products keep the GGUF's own blocks ({kept}){rest}", file=sys.stderr)
    return model


# ---------------------------------------------------------------------------------------------- main


def convert(src: str, out: str, chat_template_file: str | None, layout: str = "gqa", keep_blocks: bool = False) -> HParams:
    g = Gguf(src, keep_blocks)
    hp = HParams(g)
    chat_template = g.field("tokenizer.chat_template")
    if chat_template_file is not None:
        with open(chat_template_file, encoding="utf-8") as f:
            chat_template = f.read()
    if chat_template is None:
        raise ConvertError(
            f"{src}: the GGUF carries no chat template (tokenizer.chat_template); give the model's own with --chat-template FILE"
        )
    os.makedirs(out, exist_ok=True)
    build_tokenizer(g).save(os.path.join(out, "tokenizer.json"), pretty=True)
    write_configs(g, hp, out, chat_template)
    model = build_model(g, hp, layout=LAYOUTS[layout])
    onnx.checker.check_model(model)
    tmp = os.path.join(out, "model.onnx.tmp")
    with open(tmp, "wb") as f:
        f.write(model.SerializeToString(deterministic=True))
    os.replace(tmp, os.path.join(out, "model.onnx"))
    return hp


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="convert_gguf.py", description=__doc__.strip().splitlines()[0])
    parser.add_argument("gguf")
    parser.add_argument("out")
    parser.add_argument("--quantize", choices=["int8", "int4"])
    parser.add_argument("--chat-template", metavar="FILE")
    parser.add_argument("--layout", choices=sorted(LAYOUTS), default="gqa")
    args = parser.parse_args(argv[1:])
    t0 = time.monotonic()
    try:
        if args.quantize:
            import tempfile

            from quantize_int8 import quantize_folder

            with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(args.out)) or None) as fp32:
                hp = convert(args.gguf, fp32, args.chat_template, args.layout, keep_blocks=args.quantize == "int4")
                quantize_folder(fp32, args.out, bits=8 if args.quantize == "int8" else 4)
        else:
            hp = convert(args.gguf, args.out, args.chat_template, args.layout)
    except ConvertError as e:
        print(f"convert_gguf: {e}", file=sys.stderr)
        return 1
    what = f"{hp.arch}, {hp.n_layer} layers, {hp.n_head}/{hp.n_kv} heads of {hp.head_dim}, vocab {hp.vocab}"
    print(f"convert_gguf: model: {what}", file=sys.stderr)
    print(f"convert_gguf: wrote {args.out} in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
