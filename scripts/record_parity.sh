#!/usr/bin/env bash
# Records llama.cpp's greedy tokens on the GGUF files `make setup` converts, as the fixtures
# tests/it/gguf_parity.rs checks modelswap's own decoding against (tests/fixtures/parity/): the tiny
# random GGUFs of every architecture, Gemma 3 270M and SmolLM2.
#
#   LLAMA_PYTHON=/path/to/python scripts/record_parity.sh
#
# LLAMA_PYTHON is a Python with llama-cpp-python built from its PyPI source
# (CMAKE_ARGS="-DGGML_NATIVE=ON" pip install llama-cpp-python==0.3.36 numpy gguf==0.19.0; about 20
# minutes on 2 cores); the tests themselves need no llama.cpp. Gemma 3 270M is recorded twice: on
# its Q4_K_M file (llama.cpp's quantized arithmetic) and on a float32 copy of the same weights
# (scripts/dequantize_gguf.py), where only float rounding can tell the two decoders apart; so is
# SmolLM2 (Q4_1).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
: "${LLAMA_PYTHON:?set LLAMA_PYTHON to a Python with llama-cpp-python}"
OUT="tests/fixtures/parity"
REF="scripts/reference_llamacpp.py"
mkdir -p "$OUT"

TINY_TEXTS=(" the cat sat on the mat and the dog ran to the red mat" "a blue cat is in it"
  $'<|user|>\n the cat<|end|>\n<|assistant|>\na dog')
tiny_args=()
for t in "${TINY_TEXTS[@]}"; do tiny_args+=(--text "$t"); done
{
  printf '{\n'
  first=1
  for gguf in models/tiny/*.gguf; do
    name="$(basename "$gguf" .gguf)"
    [[ $first -eq 1 ]] || printf ',\n'
    first=0
    printf '"%s": ' "$name"
    "$LLAMA_PYTHON" "$REF" "$gguf" "${tiny_args[@]}" --max-tokens 40 2>/dev/null
  done
  printf '}\n'
} >"$OUT/tiny.json.tmp"
mv "$OUT/tiny.json.tmp" "$OUT/tiny.json"

GEMMA_TEXTS=("<bos>The capital of France is" "<bos>def fibonacci(n):"
  $'<bos><start_of_turn>user\nWhat is 12 plus 30?<end_of_turn>\n<start_of_turn>model\n'
  "<bos>Water boils at" "<bos>Once upon a time, in a small village,"
  $'<bos><start_of_turn>user\nReply with one word: is the sky blue?<end_of_turn>\n<start_of_turn>model\n')
gemma_args=()
for t in "${GEMMA_TEXTS[@]}"; do gemma_args+=(--text "$t"); done
F32="$(mktemp -d)/gemma-3-270m-f32.gguf"
"$ROOT/.venv/bin/python" scripts/dequantize_gguf.py .cache/gemma3/gemma-3-270m-q4_k_m.gguf "$F32"
{
  printf '{\n"q4_k_m": '
  "$LLAMA_PYTHON" "$REF" .cache/gemma3/gemma-3-270m-q4_k_m.gguf "${gemma_args[@]}" --max-tokens 32 2>/dev/null
  printf ',\n"f32": '
  "$LLAMA_PYTHON" "$REF" "$F32" "${gemma_args[@]}" --max-tokens 32 2>/dev/null
  printf '}\n'
} >"$OUT/gemma3-270m.json.tmp"
rm -rf "$(dirname "$F32")"
mv "$OUT/gemma3-270m.json.tmp" "$OUT/gemma3-270m.json"
SMOL_TEXTS=()
for q in "What is the capital of France?" "What is 12 plus 30?" "Name three colours." \
  "Write a haiku about the sea." "Is the sky blue? Answer yes or no."; do
  SMOL_TEXTS+=(--text $'<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\n'"$q"$'<|im_end|>\n<|im_start|>assistant\n')
done
F32="$(mktemp -d)/smollm2-f32.gguf"
"$ROOT/.venv/bin/python" scripts/dequantize_gguf.py .cache/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf "$F32"
{
  printf '{\n"q4_1": '
  "$LLAMA_PYTHON" "$REF" .cache/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf "${SMOL_TEXTS[@]}" --max-tokens 32 2>/dev/null
  printf ',\n"f32": '
  "$LLAMA_PYTHON" "$REF" "$F32" "${SMOL_TEXTS[@]}" --max-tokens 32 2>/dev/null
  printf '}\n'
} >"$OUT/smollm2.json.tmp"
rm -rf "$(dirname "$F32")"
mv "$OUT/smollm2.json.tmp" "$OUT/smollm2.json"
echo "record_parity: wrote $OUT/tiny.json, $OUT/gemma3-270m.json and $OUT/smollm2.json"
