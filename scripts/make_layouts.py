#!/usr/bin/env python3
"""Writes SmolLM2-135M-Instruct in the other ONNX layouts people arrive with, for the tests of
`kind: onnx`'s layouts (make setup runs it; nothing here is downloaded):

  OUT/fp16-external/    optimum-style `model.onnx` in float16 (KV cache and logits float16 too),
                        its weights in external data `model.onnx_data`
  OUT/transformers-js/  an onnx-community / transformers.js repository: `onnx/model.onnx` (fp32)
                        and `onnx/model_fp16.onnx` (+ its data), tokenizer and configs one level up
  OUT/merged/           optimum's older `decoder_model_merged.onnx`, whose `use_cache_branch`
                        input chooses between the graph's two branches

    make_layouts.py SRC_DIR OUT_DIR

SRC_DIR: the optimum-layout fp32 folder (models/smollm2-135m-instruct). The float16 graph is
onnxruntime's own converter's (`onnxruntime.transformers.float16`), all of it in float16, inputs
and outputs included; the merged decoder wraps the logits and each present output in an `If` on
`use_cache_branch` whose branches both return them (the graph already handles an empty past), so
the input is real and consumed. Files are hard-linked where they are the same bytes.
"""

import os
import shutil
import sys

import onnx
from onnx import TensorProto, helper
from onnxruntime.transformers.float16 import convert_float_to_float16

SIDE_FILES = [
    "tokenizer.json",
    "tokenizer_config.json",
    "config.json",
    "generation_config.json",
    "special_tokens_map.json",
]


def link(src: str, dst: str) -> None:
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if os.path.exists(dst):
        os.remove(dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def side_files(src: str, dst: str) -> None:
    for name in SIDE_FILES:
        if os.path.exists(os.path.join(src, name)):
            link(os.path.join(src, name), os.path.join(dst, name))


def save(model: onnx.ModelProto, path: str) -> None:
    """Saves a copy: saving moves a model's tensors into the external file it names."""
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    model = copy
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = os.path.basename(path) + "_data"
    if os.path.exists(path + "_data"):
        os.remove(path + "_data")
    onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True, location=data)


def merged(model: onnx.ModelProto) -> onnx.ModelProto:
    graph = model.graph
    graph.input.append(helper.make_tensor_value_info("use_cache_branch", TensorProto.BOOL, [1]))
    outputs = list(graph.output)
    for out in outputs:
        inner = out.name + "_unmerged"
        for node in graph.node:
            node.output[:] = [inner if o == out.name else o for o in node.output]
        branch = lambda tag: helper.make_graph(
            [helper.make_node("Identity", [inner], [f"{out.name}_{tag}"])],
            f"{out.name}_{tag}_branch",
            [],
            [helper.make_tensor_value_info(f"{out.name}_{tag}", out.type.tensor_type.elem_type, None)],
        )
        graph.node.append(
            helper.make_node(
                "If", ["use_cache_branch"], [out.name],
                then_branch=branch("with_past"), else_branch=branch("without_past"),
            )
        )
    return model


def main() -> None:
    src, out = sys.argv[1], sys.argv[2]
    fp32 = onnx.load(os.path.join(src, "model.onnx"))
    if os.path.isdir(out):
        shutil.rmtree(out)
    fp16 = convert_float_to_float16(onnx.load(os.path.join(src, "model.onnx")), keep_io_types=False,
                                    disable_shape_infer=True)

    d = os.path.join(out, "fp16-external")
    save(fp16, os.path.join(d, "model.onnx"))
    side_files(src, d)

    d = os.path.join(out, "transformers-js")
    link(os.path.join(src, "model.onnx"), os.path.join(d, "onnx", "model.onnx"))
    save(fp16, os.path.join(d, "onnx", "model_fp16.onnx"))
    side_files(src, d)

    d = os.path.join(out, "merged")
    save(merged(fp32), os.path.join(d, "decoder_model_merged.onnx"))
    side_files(src, d)
    print(f"layouts written to {out}")


if __name__ == "__main__":
    main()
