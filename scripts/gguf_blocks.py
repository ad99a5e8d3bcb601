"""A GGUF's own block quantization kept as ONNX Runtime's `MatMulNBits` (convert_gguf.py --quantize int4).

Why keep the file's blocks rather than dequantize and quantize again. The open models the set-up
installs come as quantized GGUFs (SmolLM2 as Q4_1), and the fp32 reference they are checked
against is that file dequantized. Quantizing those fp32 weights a second time, symmetric 4-bit,
moves every weight by up to half a new step: the model then agreed with the reference at 68.5%,
where llama.cpp running the same file agrees at 98.2% (docs/BENCHMARKS.md, "The GGUF's own
blocks"). Kept, the int4 model agrees at 95-99% and decodes llama.cpp's Q4_1 tokens.

How each GGUF type maps onto `MatMulNBits` (w = scale · (q − zero_point), per block of 32 along K):
- Q4_0: w = d · (q − 8): 4 bits, zero point 8. Exact.
- Q8_0: w = d · q, q signed: 8 bits, stored as q + 128 with zero point 128. Exact.
- Q4_1: w = d · q + m, m the block's minimum. ONNX Runtime's fast int4 kernels take integer zero
  points only; a float zero point is legal but about 50× slower (1,610 vs 34 µs for one
  576 × 3072 product). So the nearest integer z = −m/d becomes the zero point, keeping q and d
  exactly, and the rest of the minimum, r = m + d·z (at most d/2), rides in the same operator:
  x gets the means of its blocks appended (an AveragePool and a Concat) and each row of the
  weight gets its 32·r's as extra 4-bit blocks against them. Those r's are the only values not
  kept exactly: on SmolLM2 they are off by 0.02 of a block's step (RMS; 0.32 at worst), where
  quantizing afresh moves every weight by 0.29 (RMS). Folding r into the operator costs two
  small nodes per product; a separate fp32 MatMul and Add for it cost four, and decoded slower.
Other types (F16, F32, the K-quants) return None: the caller dequantizes them and they are
quantized afresh afterwards (quantize_int8.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from gguf import GGMLQuantizationType as T

BLOCK = 32
ACCURACY_LEVEL = 4  # activations quantized to int8 per block of 32, as llama.cpp's Q8_1 does


@dataclass
class Blocks:
    """A linear weight [N, K] in blocks of 32 along K: w = scale · (q − zero) (+ residual)."""

    kind: str  # the GGUF type the blocks came from
    q: np.ndarray  # [N, K] uint8, one value per weight
    scale: np.ndarray  # [N, K // BLOCK] float32
    bits: int
    zero: np.ndarray  # [N, K // BLOCK] uint8, each block's integer zero point
    residual: np.ndarray | None  # [N, K // BLOCK] float32, what the integer zero point leaves of a Q4_1 minimum

    @property
    def shape(self) -> tuple[int, int]:
        return self.q.shape

    def rows(self, f) -> "Blocks":
        """The same weight with f (a reordering of axis 0) applied to every per-row array."""
        residual = None if self.residual is None else f(self.residual)
        return Blocks(self.kind, f(self.q), f(self.scale), self.bits, f(self.zero), residual)

    def dequantize(self) -> np.ndarray:
        n, k = self.q.shape
        w = (self.q.reshape(n, -1, BLOCK).astype(np.float32) - self.zero[..., None]) * self.scale[..., None]
        if self.residual is not None:
            w += self.residual[..., None]
        return w.reshape(n, k)


def _f16(raw: np.ndarray, at: int) -> np.ndarray:
    return raw[..., at : at + 2].copy().view(np.float16)[..., 0].astype(np.float32)


def read(tensor) -> Blocks | None:
    """The tensor's blocks, or None when its type has no exact `MatMulNBits` form."""
    kind = tensor.tensor_type
    raw = tensor.data
    n = raw.shape[0]
    if kind == T.Q8_0:  # d (f16), 32 × int8
        raw = raw.reshape(n, -1, 34)
        q = (raw[..., 2:].view(np.int8).astype(np.int16) + 128).astype(np.uint8)
        return Blocks(kind.name, q.reshape(n, -1), _f16(raw, 0), 8, np.full(raw.shape[:2], 128, np.uint8), None)
    if kind in (T.Q4_0, T.Q4_1):  # d (f16), [m (f16)], 16 bytes: values j in the low nibbles, j + 16 in the high
        size, at = (18, 2) if kind == T.Q4_0 else (20, 4)
        raw = raw.reshape(n, -1, size)
        nibbles = raw[..., at:]
        q = np.concatenate([nibbles & 15, nibbles >> 4], axis=-1).reshape(n, -1)
        d = _f16(raw, 0)
        if kind == T.Q4_0:
            return Blocks(kind.name, q, d, 4, np.full(raw.shape[:2], 8, np.uint8), None)
        # d·q + m = d·(q − z) + (m + d·z): the nearest integer z = −m/d takes the minimum's bulk
        # into the fast integer kernel, leaving a residual of at most d/2 per block
        m = _f16(raw, 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.clip(np.nan_to_num(np.rint(-m / d)), 0, 15).astype(np.uint8)
        return Blocks(kind.name, q, d, 4, z, m + d * z)
    return None


def concat(parts: list[Blocks]) -> Blocks | None:
    """Row-wise concatenation (fused q/k/v, gate/up), or None when the parts' types differ."""
    first = parts[0]
    if any(p.kind != first.kind for p in parts):
        return None
    residual = None if first.residual is None else np.concatenate([p.residual for p in parts])
    stacked = [np.concatenate([getattr(p, a) for p in parts]) for a in ("q", "scale", "zero")]
    return Blocks(first.kind, stacked[0], stacked[1], first.bits, stacked[2], residual)


def _pack(values: np.ndarray, bits: int) -> np.ndarray:
    """uint8 values, two 4-bit ones per byte (the first in the low nibble) along the last axis."""
    if bits == 8:
        return values
    if values.shape[-1] % 2:
        values = np.concatenate([values, np.zeros((*values.shape[:-1], 1), np.uint8)], axis=-1)
    return (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)


def _residual_blocks(residual: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's residuals [N, nb] as extra 4-bit blocks (padded to 32): values, scales, zero points."""
    n, nb = residual.shape
    extra = -(-nb // BLOCK)
    r = np.zeros((n, extra * BLOCK), np.float32)
    r[:, :nb] = residual
    r = r.reshape(n, extra, BLOCK)
    lo, hi = np.minimum(r.min(-1), 0), np.maximum(r.max(-1), 0)
    scale = np.where(hi > lo, (hi - lo) / 15, 1).astype(np.float32)
    zero = np.clip(np.rint(-lo / scale), 0, 15)
    q = np.clip(np.rint(r / scale[..., None]) + zero[..., None], 0, 15).astype(np.uint8)
    return q.reshape(n, -1), scale, zero.astype(np.uint8)


def matmul(gb, x: str, w: Blocks, name: str, weight: str, out: str | None = None) -> str:
    """x [.., K] times wᵀ as one `MatMulNBits`; a Q4_1 weight's residuals, times 32, ride in extra
    blocks of K against the means of x's blocks appended to it (an AveragePool and a Concat)."""
    n, k = w.q.shape
    q, scale, zero = w.q, w.scale, w.zero
    if w.residual is not None:
        nb = k // BLOCK
        rq, rs, rz = _residual_blocks(w.residual * BLOCK)
        q, scale, zero = np.concatenate([q, rq], 1), np.concatenate([scale, rs], 1), np.concatenate([zero, rz], 1)
        means = gb.op("AveragePool", [x], f"{name}/block_means/AveragePool", kernel_shape=[BLOCK], strides=[BLOCK])
        x = gb.op("Concat", [x, means], f"{name}/block_means/Concat", axis=-1)
        k += nb
    b = gb.init(f"{weight}_Q{w.bits}", _pack(q.reshape(n, -1, BLOCK), w.bits))
    scales = gb.init(f"{weight}_scales", scale.reshape(-1))
    zeros = gb.init(f"{weight}_zero_points", _pack(zero, w.bits).reshape(-1))
    return gb.op(
        "MatMulNBits",
        [x, b, scales, zeros],
        f"{name}_Q{w.bits}",
        domain="com.microsoft",
        K=k,
        N=n,
        bits=w.bits,
        block_size=BLOCK,
        accuracy_level=ACCURACY_LEVEL,
        outputs=None if out is None else [out],
    )


# ------------------------------------------------------------------- weights as blocks or fp32


def rows(parts: list) -> "np.ndarray | Blocks":
    """Linear weights stacked row-wise (fused q/k/v, gate/up): blocks when all parts' kinds agree."""
    if all(isinstance(p, Blocks) for p in parts):
        stacked = concat(parts)
        if stacked is not None:
            return stacked
    return np.concatenate([p.dequantize() if isinstance(p, Blocks) else p for p in parts], axis=0)


def linear_weight(gb, name: str, w) -> "str | tuple":
    """A weight given [out, in]: an fp32 initializer [in, out] for MatMul, or its blocks for linear()."""
    if isinstance(w, Blocks):
        gb.kept[w.kind] = gb.kept.get(w.kind, 0) + 1
        return (w, name)
    return gb.init(name, w.T)


def linear(gb, x: str, w, name: str, out: str | None = None) -> str:
    """x times a weight from linear_weight (a MatMul, or MatMulNBits on the GGUF's own blocks)."""
    if isinstance(w, str):
        return gb.op("MatMul", [x, w], name, outputs=None if out is None else [out])
    blocks, weight = w
    return matmul(gb, x, blocks, name, weight, out)
