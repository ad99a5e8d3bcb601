#!/usr/bin/env python3
"""Make the int8 variant of a converted SmolLM2 folder.

Usage: quantize_int8.py SRC_DIR DST_DIR

DST_DIR/model.onnx = SRC_DIR/model.onnx with every weight MatMul, the output projection included,
turned into ONNX Runtime's `MatMulNBits` (onnxruntime.quantization.matmul_nbits_quantizer):
8-bit weights in blocks of 32 along K, symmetric, one fp32 scale per block, computed at
accuracy level 4 (each block of 32 activations gets its own int8 scale; int32 sums within the
block, fp32 across blocks). Every *.json of SRC_DIR is copied.

Why this and not `quantize_dynamic`. The point of the demo's int8 model is that its answers are
the same on every CPU a reader runs it on, so that a report about it is about the model, not
about the machine. Two dynamic quantizations were tried and measured (docs/BENCHMARKS.md, "The
demo's int8 model"):
- int8 weights (U8S8): on x86 CPUs without VNNI, ONNX Runtime's MLAS multiplies u8 x s8 pairs
  with `vpmaddubsw`, which adds each pair into a *saturating* int16; the model answered garbage
  (" forebrencerence…", 6% agreement with fp32) on an AVX2-only EPYC and under
  `qemu-x86_64 -cpu Haswell`.
- uint8 weights (U8U8): exact integer kernels everywhere, but one scale and zero point for a
  whole activation tensor makes the answers chaotic: a one-ulp float difference in an early
  layer moves one rounding, and by the last layer the logits differ by up to 10. It agreed with
  fp32 at 91-94% on every CPU, yet answered the demo's capital question with "L'Aboukrak, the
  capital of France." under emulated ARM64 (Cortex-A57, Cortex-A76).
Block-wise scales keep a rounding difference inside its block of 32: this model agrees with fp32
at 97-99% on the x86 and emulated ARM64 CPUs checked, and names Paris on all of them; it decodes
about 2x as fast as fp32. Weight-only 8-bit with fp32 activations (accuracy level 1) gives the
same answers but runs at an eighth of fp32's speed (ONNX Runtime 1.31 has no fp32 kernel for
8-bit blocks), and 4-bit weights quantized afresh agree with fp32 at only 69% on this 135M model;
convert_gguf.py --quantize int4 therefore keeps a GGUF's own 4-bit blocks (gguf_blocks.py) and
uses this module's 4 bits only for weights of other types.

The output projection is tied to the embedding (a MatMul on a Transpose of it), which the
quantizer does not see as a constant weight; it is untied first (the transposed table as an
initializer of its own), so the largest MatMul of a decode step (49152 x 576) is quantized too.
scripts/check_model.py checks the result against fp32 on the machine at hand after every set-up.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import sys
import time

import onnx
from onnx import numpy_helper
from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

BITS = 8
BLOCK = 32
ACCURACY_LEVEL = 4


def untie_output_projection(graph: onnx.GraphProto) -> None:
    """Replace Transpose(initializer) nodes (the tied lm_head) by the transposed initializer."""
    initializers = {i.name: i for i in graph.initializer}
    for node in list(graph.node):
        if node.op_type == "Transpose" and node.input[0] in initializers:
            table = numpy_helper.to_array(initializers[node.input[0]]).T.copy()
            graph.initializer.append(numpy_helper.from_array(table, node.output[0]))
            graph.node.remove(node)


def quantize_folder(src: str, dst: str, bits: int = BITS) -> None:
    """DST/model.onnx: SRC/model.onnx with its weight MatMuls in `bits`-bit blocks; the JSON files copied."""
    os.makedirs(dst, exist_ok=True)
    logging.getLogger().setLevel(logging.ERROR)  # the quantizer's per-node progress
    model = onnx.load(os.path.join(src, "model.onnx"))
    untie_output_projection(model.graph)
    quantizer = MatMulNBitsQuantizer(
        model, bits=bits, block_size=BLOCK, is_symmetric=True, accuracy_level=ACCURACY_LEVEL
    )
    quantizer.process()
    quantizer.model.save_model_to_file(os.path.join(dst, "model.onnx"), use_external_data_format=False)
    for f in sorted(glob.glob(os.path.join(src, "*.json"))):
        shutil.copyfile(f, os.path.join(dst, os.path.basename(f)))


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: quantize_int8.py SRC_DIR DST_DIR", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    quantize_folder(argv[1], argv[2])
    print(f"quantize_int8: wrote {argv[2]} in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
