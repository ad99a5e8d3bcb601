#!/usr/bin/env bash
# `kind: onnx` against llama.cpp on the same model, prompts and threads, interleaved (A B A B …)
# so that drift in the machine's speed hits both alike (docs/BENCHMARKS.md, "Against llama.cpp").
#
#   LLAMA_PYTHON=/path/to/python [LLAMA_STEPWISE=1] scripts/bench_vs_llamacpp.sh [ROUNDS]
#
# LLAMA_STEPWISE=1 has llama.cpp evaluate the Q4_1 prompt one token at a time (scripts/
# bench_llamacpp.py --stepwise-prefill says why).
# LLAMA_PYTHON has llama-cpp-python built from its PyPI source and jinja2 (scripts/record_parity.sh
# says how). Per round: the Rust provider and the Python onnxruntime loop on the fp32 folder
# (benches/decode.rs), llama.cpp on a float32 copy of SmolLM2's GGUF (the same weights), the Rust
# provider on the GroupQueryAttention layout (models/layouts/genai), on the int8 folder and on the
# int4 one, and llama.cpp on the Q4_1 GGUF itself. Prints the CPU and its flags first.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${LLAMA_PYTHON:?set LLAMA_PYTHON to a Python with llama-cpp-python and jinja2}"
ROUNDS="${1:-3}"
GGUF=.cache/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
F32=.cache/smollm2/SmolLM2-135M-Instruct.F32.gguf
[[ -f "$F32" ]] || .venv/bin/python scripts/dequantize_gguf.py "$GGUF" "$F32"
echo "machine: $(nproc) cores, $(uname -sm), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "cpu: $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "flags: $(grep -m1 -o -w -E 'avx|avx2|fma|f16c|avx512f|avx512_vnni|avx512_bf16|avx_vnni' /proc/cpuinfo | sort -u | tr '\n' ' ')"
cargo build --profile bench --bench decode -q
for round in $(seq "$ROUNDS"); do
  echo "== round $round"
  cargo bench -q --bench decode -- models/smollm2-135m-instruct --repeats 1 | grep -E '^\| [^p-]|median'
  "$LLAMA_PYTHON" scripts/bench_llamacpp.py "$F32" | sed 's/^llama.cpp/llama.cpp F32/'
  cargo bench -q --bench decode -- models/layouts/genai --repeats 1 | grep -E '^\| [^p-]|median'
  cargo bench -q --bench decode -- models/smollm2-135m-instruct-int8 --repeats 1 | grep -E '^\| [^p-]|median'
  cargo bench -q --bench decode -- models/smollm2-135m-instruct-int4 --repeats 1 | grep -E '^\| [^p-]|median'
  "$LLAMA_PYTHON" scripts/bench_llamacpp.py "$GGUF" ${LLAMA_STEPWISE:+--stepwise-prefill} | sed 's/^llama.cpp/llama.cpp Q4_1/'
done
