#!/usr/bin/env bash
# Decode speed: the Rust ONNX provider vs the Python onnxruntime KV-cache loop, same files and
# prompts, one run. Results go in docs/BENCHMARKS.md with the machine they were measured on.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sm)"
cargo bench --bench decode -- "$@"
