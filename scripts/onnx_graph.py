"""Writing an ONNX graph by hand (convert_gguf.py): a builder that names every node and
initializer once, and the few operator patterns the decoder families share. Each pattern is
written the way ONNX Runtime's optimizer recognises it (RMSNorm fuses into
SimplifiedLayerNormalization), so the plain operators cost no speed.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper


class GraphBuilder:
    def __init__(self):
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._names: set[str] = set()
        self._consts: dict[tuple, str] = {}
        self.kept: dict[str, int] = {}  # linear weights kept as a GGUF's blocks, by type (gguf_blocks)

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


def softcap(gb: GraphBuilder, x: str, cap: float, prefix: str) -> str:
    """cap · tanh(x / cap) (Gemma 2's attention and final logit soft-capping)."""
    t = gb.op("Tanh", [gb.op("Div", [x, gb.const(cap, np.float32)], f"{prefix}/Div")], f"{prefix}/Tanh")
    return gb.op("Mul", [t, gb.const(cap, np.float32)], f"{prefix}/Mul")


def rotate(gb: GraphBuilder, x: str, table: tuple[str, str], half: int, prefix: str) -> str:
    """x*cos + rotate_half(x)*sin, with rotate_half(x)*sin == concat(x2, x1) * concat(-sin1, sin2)."""
    cos, sin_signed = table
    x1, x2 = gb.op("Split", [x, gb.const([half, half], np.int64)], f"{prefix}/Split", n_out=2, axis=-1)
    swapped = gb.op("Concat", [x2, x1], f"{prefix}/Concat", axis=-1)
    a = gb.op("Mul", [x, cos], f"{prefix}/Mul_cos")
    b = gb.op("Mul", [swapped, sin_signed], f"{prefix}/Mul_sin")
    return gb.op("Add", [a, b], f"{prefix}/Add")


def gelu_tanh(gb: GraphBuilder, x: str, p: str) -> str:
    """0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), in opset-17 operators."""
    f32 = np.float32
    cube = gb.op("Mul", [gb.op("Mul", [x, x], f"{p}/gelu/Mul_sq"), x], f"{p}/gelu/Mul_cube")
    inner = gb.op("Add", [x, gb.op("Mul", [cube, gb.const(0.044715, f32)], f"{p}/gelu/Mul_c")], f"{p}/gelu/Add_in")
    t = gb.op("Tanh", [gb.op("Mul", [inner, gb.const(np.sqrt(2.0 / np.pi), f32)], f"{p}/gelu/Mul_k")], f"{p}/gelu/Tanh")
    half_x = gb.op("Mul", [x, gb.const(0.5, f32)], f"{p}/gelu/Mul_half")
    return gb.op("Mul", [half_x, gb.op("Add", [t, gb.const(1.0, f32)], f"{p}/gelu/Add_one")], f"{p}/gelu/Mul")
