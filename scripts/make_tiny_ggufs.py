#!/usr/bin/env python3
"""Write tiny random-weight GGUF files, one per architecture the GGUF converter claims.

Usage: make_tiny_ggufs.py OUTDIR

OUTDIR/quantized/llama-spm.gguf is the llama-spm file with its weights in the block types
`convert --quantize int4` keeps (scripts/gguf_blocks.py): Q4_0 q/k/v and output, Q4_1 gate/up,
Q8_0 down and embedding (the tied output projection).

Each file is a few hundred kilobytes, written with the `gguf` package from a fixed seed (the same
bytes every run; tests/fixtures/parity/tiny.json pins their sha256). They exist so that every
architecture `modelswap convert` accepts is checked for greedy parity against llama.cpp on the
same file, not only the two real models (docs/models.md, "How conversion is checked"). Each
exercises what its family does differently:

  llama-spm   Llama 2 / Mistral: SentencePiece vocabulary with a space prefix, permuted Q/K, tied output
  llama3-bpe  Llama 3: byte-level vocabulary (llama-bpe), RoPE frequency factors, untied output, 1 KV head
  qwen2       byte-level vocabulary (qwen2), q/k/v biases
  qwen3       per-head q/k RMSNorm, untied output
  gemma2      head_dim ≠ hidden/heads, attention and final soft-capping, sliding window of 8 every other layer
  gemma3      q/k norms, sandwich norms, five sliding layers (window 8, RoPE base 10000) per global one
  phi3        fused q/k/v and gate/up weights; chat markers that swallow the whitespace after them
"""

from __future__ import annotations

import os
import sys

import numpy as np
from gguf import GGMLQuantizationType, GGUFWriter, TokenType, quants

WORDS = ["the", "cat", "sat", "on", "mat", "a", "dog", "ran", "to", "is", "of", "and", "in", "it", "red", "blue"]


def gpt2_bytes() -> list[str]:
    """GPT-2's byte → printable character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    table = dict(zip(bs, cs))
    return [chr(table[b]) for b in range(256)]


def spm_vocab(controls: list[str]):
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + controls
    types = [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL] + [TokenType.BYTE] * 256
    types += [TokenType.CONTROL] * len(controls)
    pieces: list[str] = ["\u2581"] + sorted(set("".join(WORDS)))
    for w in WORDS:  # every left-to-right merge of ▁word, so each word is reachable
        piece = "\u2581" + w
        for end in range(2, len(piece) + 1):
            if piece[:end] not in pieces:
                pieces.append(piece[:end])
    tokens += pieces
    types += [TokenType.NORMAL] * len(pieces)
    scores = [0.0] * (259 + len(controls)) + [-float(i) for i in range(len(pieces))]
    return tokens, types, scores, None


def bpe_vocab():
    base = gpt2_bytes()
    tokens, merges = list(base), []
    for w in WORDS:
        piece = "Ġ" + w  # Ġ is the space byte
        for end in range(2, len(piece) + 1):
            if piece[:end] not in tokens:
                merges.append(f"{piece[: end - 1]} {piece[end - 1]}")
                tokens.append(piece[:end])
    tokens.append("<|endoftext|>")
    types = [TokenType.NORMAL] * (len(tokens) - 1) + [TokenType.CONTROL]
    return tokens, types, None, merges


PHI3_CONTROLS = ["<|endoftext|>", "<|user|>", "<|assistant|>", "<|end|>"]
CHATML = (
    "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
VARIANTS = {
    "llama-spm": dict(arch="llama", vocab="spm", space_prefix=True),
    "llama3-bpe": dict(arch="llama", vocab="bpe", pre="llama-bpe", n_kv=1, untied=True, rope_freqs=True),
    "qwen2": dict(arch="qwen2", vocab="bpe", pre="qwen2", bias=True),
    "qwen3": dict(arch="qwen3", vocab="bpe", pre="qwen2", qk_norm=True, untied=True),
    "gemma2": dict(arch="gemma2", vocab="spm", head_dim=32, softcap=True, swa=8),
    "gemma3": dict(arch="gemma3", vocab="spm", head_dim=32, qk_norm=True, swa=8, layers=6, rope_base=1e6),
    "phi3": dict(arch="phi3", vocab="spm", space_prefix=True, fused=True, n_kv=4, controls=PHI3_CONTROLS),
}
HIDDEN, HEADS, FFN = 64, 4, 128
EMBED_STD, GAIN, OUTPUT_GAIN = 0.2, 2.0, 4.0


QUANTIZED = {  # tensor name's last part but one → type, for OUTDIR/quantized/
    "attn_q": GGMLQuantizationType.Q4_0,
    "attn_k": GGMLQuantizationType.Q4_0,
    "attn_v": GGMLQuantizationType.Q4_0,
    "attn_output": GGMLQuantizationType.Q4_0,
    "ffn_gate": GGMLQuantizationType.Q4_1,
    "ffn_up": GGMLQuantizationType.Q4_1,
    "ffn_down": GGMLQuantizationType.Q8_0,
    "token_embd": GGMLQuantizationType.Q8_0,
}


def write(path: str, name: str, v: dict, quantized: dict | None = None) -> None:
    rng = np.random.default_rng(sum(map(ord, name)))
    arch = v["arch"]
    layers, n_kv, hd = v.get("layers", 4), v.get("n_kv", 2), v.get("head_dim", HIDDEN // HEADS)
    tokens, types, scores, merges = spm_vocab(v.get("controls", [])) if v["vocab"] == "spm" else bpe_vocab()
    w = GGUFWriter(path, arch)
    if quantized:  # the same tensors, each stored in its type where QUANTIZED names one
        add = w.add_tensor

        def add_tensor(tensor_name: str, array: np.ndarray) -> None:
            kind = quantized.get(tensor_name.split(".")[-2])
            add(tensor_name, array if kind is None else quants.quantize(array, kind), raw_dtype=kind)

        w.add_tensor = add_tensor
    w.add_name(f"tiny-{name}")
    w.add_block_count(layers)
    w.add_context_length(256)
    w.add_embedding_length(HIDDEN)
    w.add_feed_forward_length(FFN)
    w.add_head_count(HEADS)
    w.add_head_count_kv(n_kv)
    w.add_key_length(hd)
    w.add_value_length(hd)
    w.add_rope_dimension_count(hd)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_freq_base(v.get("rope_base", 10000.0))
    if "swa" in v:
        w.add_sliding_window(v["swa"])
    if v.get("softcap"):
        w.add_attn_logit_softcapping(50.0)
        w.add_final_logit_softcapping(30.0)
    w.add_tokenizer_model("llama" if v["vocab"] == "spm" else "gpt2")
    w.add_tokenizer_pre(v.get("pre", "default"))
    w.add_token_list(tokens)
    w.add_token_types(types)
    if scores is not None:
        w.add_token_scores(scores)
        w.add_unk_token_id(0)
        w.add_bos_token_id(1)
        w.add_eos_token_id(2)
        w.add_add_space_prefix(bool(v.get("space_prefix")))
    else:
        w.add_token_merges(merges)
        w.add_bos_token_id(len(tokens) - 1)
        w.add_eos_token_id(len(tokens) - 1)
    w.add_add_bos_token(False)
    if arch != "gemma3":  # like the real Gemma 3 270M GGUF, which carries none
        w.add_chat_template(CHATML)

    def mat(out_dim: int, in_dim: int) -> np.ndarray:
        return (GAIN * rng.standard_normal((out_dim, in_dim)) / np.sqrt(in_dim)).astype(np.float32)

    def norm(dim: int) -> np.ndarray:
        return (1.0 + 0.1 * rng.standard_normal(dim)).astype(np.float32)

    V = len(tokens)
    # Small embeddings (Gemma scales them by sqrt(hidden)): with a tied output, a large embedding
    # makes every model repeat its last token, which would hide a wrong attention.
    embed_std = EMBED_STD / (np.sqrt(HIDDEN) if arch.startswith("gemma") else 1.0)
    w.add_tensor("token_embd.weight", (embed_std * rng.standard_normal((V, HIDDEN))).astype(np.float32))
    w.add_tensor("output_norm.weight", OUTPUT_GAIN * norm(HIDDEN))  # fewer near-ties among the logits
    if v.get("untied"):
        w.add_tensor("output.weight", mat(V, HIDDEN))
    if v.get("rope_freqs"):
        w.add_tensor("rope_freqs.weight", (1.0 + np.arange(hd // 2) / 4).astype(np.float32))
    for i in range(layers):
        b = f"blk.{i}"
        w.add_tensor(f"{b}.attn_norm.weight", norm(HIDDEN))
        w.add_tensor(f"{b}.ffn_norm.weight", norm(HIDDEN))
        if v.get("fused"):
            w.add_tensor(f"{b}.attn_qkv.weight", mat((HEADS + 2 * n_kv) * hd, HIDDEN))
            w.add_tensor(f"{b}.ffn_up.weight", mat(2 * FFN, HIDDEN))
        else:
            w.add_tensor(f"{b}.attn_q.weight", mat(HEADS * hd, HIDDEN))
            w.add_tensor(f"{b}.attn_k.weight", mat(n_kv * hd, HIDDEN))
            w.add_tensor(f"{b}.attn_v.weight", mat(n_kv * hd, HIDDEN))
            w.add_tensor(f"{b}.ffn_gate.weight", mat(FFN, HIDDEN))
            w.add_tensor(f"{b}.ffn_up.weight", mat(FFN, HIDDEN))
        w.add_tensor(f"{b}.attn_output.weight", mat(HIDDEN, HEADS * hd))
        w.add_tensor(f"{b}.ffn_down.weight", mat(HIDDEN, FFN))
        if v.get("bias"):
            for t, dim in (("q", HEADS * hd), ("k", n_kv * hd), ("v", n_kv * hd)):
                w.add_tensor(f"{b}.attn_{t}.bias", (0.1 * rng.standard_normal(dim)).astype(np.float32))
        if v.get("qk_norm"):
            w.add_tensor(f"{b}.attn_q_norm.weight", norm(hd))
            w.add_tensor(f"{b}.attn_k_norm.weight", norm(hd))
        if arch.startswith("gemma"):
            w.add_tensor(f"{b}.post_attention_norm.weight", norm(HIDDEN))
            w.add_tensor(f"{b}.post_ffw_norm.weight", norm(HIDDEN))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    os.makedirs(argv[1], exist_ok=True)
    for name, variant in VARIANTS.items():
        write(os.path.join(argv[1], f"{name}.gguf"), name, variant)
    os.makedirs(os.path.join(argv[1], "quantized"), exist_ok=True)
    write(os.path.join(argv[1], "quantized", "llama-spm.gguf"), "llama-spm", VARIANTS["llama-spm"], QUANTIZED)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
