#!/usr/bin/env python3
"""Make the int8 variant of a converted SmolLM2 folder.

Usage: quantize_int8.py SRC_DIR DST_DIR

DST_DIR/model.onnx = onnxruntime.quantization.quantize_dynamic(SRC_DIR/model.onnx,
weight_type=QuantType.QUInt8, per_channel=True) with two options, and every *.json of SRC_DIR is copied.

Why uint8 weights (U8U8), not int8 (U8S8): dynamic quantization feeds uint8 activations to an
integer GEMM, and what that GEMM computes depends on the CPU. For U8S8, ONNX Runtime's MLAS uses
`vpmaddubsw` on x86 CPUs without VNNI (AVX2, and AVX-512 without VNNI): it multiplies u8 x s8 byte
pairs and adds each pair into a *saturating* int16, so 255 x 127 + 255 x 127 overflows and the
model answers garbage (" forebrencerence…" for every prompt on an AVX2-only AMD EPYC), while on a
VNNI CPU (`vpdpbusd` accumulates in int32) the same file answers sensibly. ONNX Runtime's quantization
documentation warns of it. For U8U8, MLAS widens the bytes to 16 bits before multiplying
(`vpmaddwd`: int16 x int16 products summed into int32) on x86, and uses `udot`/`ummla` or widening
multiplies into 32 bits on ARM64 NEON: every product and sum is exact, so the file gives the same
answers on every CPU. Checked by running the same Python onnxruntime loop natively (AVX-512 VNNI)
and under `qemu-x86_64 -cpu Haswell` (AVX2, no AVX-512, no VNNI): U8S8 answered garbage under
Haswell, U8U8 answers "The capital of France is Paris." on both, with the same tokens.
scripts/check_model.py checks it on the machine at hand after every set-up.

The other options: with the defaults, the embedding Gather is quantized (uint8) and the tied
lm_head (MatMul against Transpose(embedding)) is left as a float MatMul fed by a DequantizeLinear
of the whole 49152x576 table, which ONNX Runtime does not constant-fold: every step then
dequantizes 113 MB, and the int8 model decodes no faster than fp32. MatMulConstBOnly=False lets
the lm_head MatMul use the already-quantized embedding (MatMulInteger; ONNX Runtime folds the
uint8 Transpose once at load). The attention score/context MatMuls (activation x activation) are
excluded, so only weights are quantized, as in the default.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import sys
import time

import onnx
from onnxruntime.quantization import QuantType, quantize_dynamic


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: quantize_int8.py SRC_DIR DST_DIR", file=sys.stderr)
        return 2
    src, dst = argv[1], argv[2]
    os.makedirs(dst, exist_ok=True)
    logging.getLogger().setLevel(logging.ERROR)  # quantize_dynamic's 'consider pre-processing' notice
    t0 = time.monotonic()
    src_model = os.path.join(src, "model.onnx")
    graph = onnx.load(src_model, load_external_data=False).graph
    activation_matmuls = sorted(
        n.name for n in graph.node if n.op_type == "MatMul" and n.name.endswith(("/MatMul_qk", "/MatMul_pv"))
    )
    del graph
    quantize_dynamic(
        src_model,
        os.path.join(dst, "model.onnx"),
        weight_type=QuantType.QUInt8,
        per_channel=True,
        nodes_to_exclude=activation_matmuls,
        extra_options={"MatMulConstBOnly": False},
    )
    for f in sorted(glob.glob(os.path.join(src, "*.json"))):
        shutil.copyfile(f, os.path.join(dst, os.path.basename(f)))
    print(f"quantize_int8: wrote {dst} in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
