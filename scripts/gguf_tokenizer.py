"""The tokenizer of a GGUF file rebuilt as a Hugging Face tokenizer.json (scripts/convert_gguf.py).

Byte-level BPE for `gpt2` vocabularies, with the pre-tokenizer llama.cpp uses for the file's
`tokenizer.ggml.pre`; SentencePiece-style BPE with byte fallback for `llama` vocabularies. The
tokenization is checked against llama.cpp's on the same files (tests/it/gguf_parity.rs).
"""

from __future__ import annotations

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

TOKEN_NORMAL, TOKEN_CONTROL, TOKEN_USER_DEFINED = 1, 3, 4


class ConvertError(Exception):
    """What the converter refuses, said in one line (scripts/convert_gguf.py prints it)."""


# Byte-level vocabularies: the pre-tokenizer regexes llama.cpp applies, in order, for each
# `tokenizer.ggml.pre` (src/llama-vocab.cpp), and whether whole pre-tokens found in the vocabulary
# skip the merges (`ignore_merges`, Llama 3).
GPT2_REGEX = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"
LLAMA3_REGEX = (
    r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
QWEN2_REGEX = LLAMA3_REGEX.replace(r"\p{N}{1,3}", r"\p{N}")
PRE_TOKENIZERS = {
    "gpt-2": ([GPT2_REGEX], False),
    "smollm": ([r"\p{N}", GPT2_REGEX], False),
    "llama3": ([LLAMA3_REGEX], True),
    "llama-v3": ([LLAMA3_REGEX], True),
    "llama-bpe": ([LLAMA3_REGEX], True),
    "qwen2": ([QWEN2_REGEX], False),
    "deepseek-r1-qwen": ([QWEN2_REGEX], False),
    "default": ([r"[\p{P}\$\+<=>\^~\|]+", GPT2_REGEX, r"\p{N}+", "[0-9][0-9][0-9]"], False),
}


def added_tokens(arch: str, tokens: list[str], token_types: list[int]) -> list[AddedToken]:
    """Control tokens as special tokens; user-defined tokens matched whole, as llama.cpp does.
    Phi-3's chat markers swallow the whitespace after them (llama.cpp sets RSTRIP on them, as the
    model's own tokenizer config does), except <unk>, <s> and <|endoftext|>."""

    def rstrip(t: str, kind: int) -> bool:
        return arch == "phi3" and kind == TOKEN_CONTROL and t not in ("<unk>", "<s>", "<|endoftext|>")

    return [
        AddedToken(t, normalized=False, special=kind == TOKEN_CONTROL, rstrip=rstrip(t, kind))
        for t, kind in zip(tokens, token_types)
        if kind in (TOKEN_CONTROL, TOKEN_USER_DEFINED)
    ]


def byte_level_tokenizer(g: Gguf, tokens: list[str], vocab: dict[str, int]) -> Tokenizer:
    pre = g.field("tokenizer.ggml.pre", "default")
    if pre not in PRE_TOKENIZERS:
        raise ConvertError(f"{g.path}: pre-tokenizer {pre!r} is not one the converter knows ({', '.join(sorted(PRE_TOKENIZERS))})")
    regexes, ignore_merges = PRE_TOKENIZERS[pre]
    merges = [tuple(m.split(" ", 1)) for m in g.require("tokenizer.ggml.merges")]
    tok = Tokenizer(models.BPE(vocab, merges, ignore_merges=ignore_merges))
    splits = [pre_tokenizers.Split(Regex(r), behavior="isolated") for r in regexes]
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        splits + [pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)]
    )
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    return tok


def sentencepiece_tokenizer(g: Gguf, tokens: list[str], vocab: dict[str, int], token_types: list[int]) -> Tokenizer:
    """SentencePiece-style BPE (llama.cpp's `llama` vocabulary): spaces become ▁, adjacent pieces
    merge highest score first, unknown characters fall back to <0xNN> byte tokens. The merges are
    every split of a normal piece into two normal pieces, ranked by the merged piece's score."""
    scores = list(g.require("tokenizer.ggml.scores"))
    normal = {t for t, kind in zip(tokens, token_types) if kind == TOKEN_NORMAL}
    ranked = []
    for piece in normal:
        for cut in range(1, len(piece)):
            left, right = piece[:cut], piece[cut:]
            if left in normal and right in normal:
                ranked.append((-scores[vocab[piece]], vocab[left], vocab[right], left, right))
    ranked.sort()
    merges = [(left, right) for _, _, _, left, right in ranked]
    unk_id = g.field("tokenizer.ggml.unknown_token_id")
    tok = Tokenizer(
        models.BPE(vocab, merges, unk_token=tokens[unk_id] if unk_id is not None else None, fuse_unk=True, byte_fallback=True)
    )
    add_prefix = bool(g.field("tokenizer.ggml.add_space_prefix", True))
    steps = ([normalizers.Prepend("\u2581")] if add_prefix else []) + [normalizers.Replace(" ", "\u2581")]
    tok.normalizer = normalizers.Sequence(steps)
    seq = [decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse()]
    if add_prefix:
        seq.append(decoders.Strip(content=" ", left=1))
    tok.decoder = decoders.Sequence(seq)
    return tok


def build_tokenizer(g: Gguf) -> Tokenizer:
    tokens = list(g.require("tokenizer.ggml.tokens"))
    token_types = list(g.field("tokenizer.ggml.token_type", [TOKEN_NORMAL] * len(tokens)))
    vocab = {tok: i for i, tok in enumerate(tokens)}
    if len(vocab) != len(tokens):
        raise ConvertError(f"{g.path}: duplicate tokens in the GGUF vocabulary")
    kind = g.require("tokenizer.ggml.model")
    if kind == "gpt2":
        tok = byte_level_tokenizer(g, tokens, vocab)
    elif kind == "llama":
        tok = sentencepiece_tokenizer(g, tokens, vocab, token_types)
    else:
        raise ConvertError(f"{g.path}: tokenizer model {kind!r} is not supported (gpt2, llama)")
    tok.add_special_tokens(added_tokens(g.require("general.architecture"), tokens, token_types))
    bos_id = g.field("tokenizer.ggml.bos_token_id")
    if g.field("tokenizer.ggml.add_bos_token", False) and bos_id is not None:
        bos = tokens[int(bos_id)]
        tok.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, int(bos_id))]
        )
    return tok
