#!/usr/bin/env bash
# Decode speed: the Rust ONNX provider vs the Python onnxruntime KV-cache loop, same files and
# prompts, one run, for the fp32 model and its int8 quantization; then the int8 model's agreement
# with fp32 (scripts/check_model.py). Every section prints the CPU and its instruction sets.
# Results go in docs/BENCHMARKS.md with the machine they were measured on.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sm), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
for model in models/smollm2-135m-instruct models/smollm2-135m-instruct-int8; do
  cargo bench --bench decode -- "$model" "$@"
  echo
done
.venv/bin/python scripts/check_model.py --reference models/smollm2-135m-instruct models/smollm2-135m-instruct-int8
