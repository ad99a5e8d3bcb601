#!/usr/bin/env python3
"""Copy a GGUF file with every tensor dequantized to float32 (the metadata unchanged).

Usage: dequantize_gguf.py IN.gguf OUT.gguf

Why: llama.cpp multiplies a K-quantized weight by activations it first quantizes to 8 bits, while
the converted ONNX model multiplies the same dequantized weights by float32 activations. Where two
candidate tokens are within a hundredth of a logit, the two arithmetics pick differently and
greedy decoding parts ways. Run on this copy, llama.cpp computes in float32 on the very weights the
converter wrote, so a divergence that remains is a conversion error, not quantization arithmetic.
The parity fixtures record llama.cpp on both files (tests/fixtures/parity/).
"""

from __future__ import annotations

import sys

import numpy as np
from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter
from gguf.quants import dequantize


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    reader = GGUFReader(argv[1], "r")
    arch = reader.fields["general.architecture"].contents()
    writer = GGUFWriter(argv[2], arch)
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture":
            continue
        if name == "general.file_type":
            writer.add_file_type(0)  # all float32
            continue
        vtype = field.types[0]
        sub = field.types[-1] if vtype == GGUFValueType.ARRAY else None
        writer.add_key_value(name, field.contents(), vtype, sub_type=sub)
    for t in reader.tensors:
        w = dequantize(t.data, t.tensor_type).astype(np.float32, copy=False)
        shape = tuple(int(d) for d in reversed(t.shape))
        writer.add_tensor(t.name, np.ascontiguousarray(w.reshape(shape)), raw_dtype=GGMLQuantizationType.F32)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
