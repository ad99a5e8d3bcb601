#!/usr/bin/env bash
# `make fuzz`: every target of src/fuzzing.rs under AFL++, coverage guided, FUZZ_SECONDS each
# (default 300), starting from its seeds in fixtures/fuzz/<target>/. Findings stay in
# .cache/fuzz/<target>/default/{crashes,hangs}/; the script ends 1 when there are any.
#
# Runs on stable Rust: cargo-afl instruments with LLVM's sanitizer-coverage passes, no nightly
# needed. The first run installs cargo-afl and builds AFL++ (a few minutes), then builds every
# dependency instrumented in fuzz/target (as long as a debug build).
#   FUZZ_SECONDS=60 make fuzz            all targets, a minute each
#   FUZZ_TARGETS="suite sse-openai" make fuzz
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-300}
# A single input that runs past this (milliseconds) is a hang; past this memory (MB), a crash.
timeout_ms=${FUZZ_TIMEOUT_MS:-5000}
memory_mb=${FUZZ_MEMORY_MB:-4096}

if ! cargo afl --version >/dev/null 2>&1; then
    cargo install cargo-afl --locked
fi
# AFL++ itself, built once per toolchain (cargo-afl keeps it under ~/.local/share/afl.rs).
if ! compgen -G "${XDG_DATA_HOME:-$HOME/.local/share}/afl.rs/rustc-$(rustc -V | cut -d' ' -f2)-*/afl.rs-*/afl/bin/afl-fuzz" >/dev/null; then
    cargo afl config --build
fi

(cd fuzz && cargo afl build)
bin=fuzz/target/debug/modelswap-fuzz
targets=${FUZZ_TARGETS:-$(ls fixtures/fuzz)}

# AFL++ refuses to start on machines tuned for other work unless told it may.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export AFL_NO_AFFINITY=1 AFL_SKIP_CRASHES=1

printf '%-14s %8s %8s %8s %7s %7s\n' target execs paths coverage crashes hangs
for target in $targets; do
    out=.cache/fuzz/$target
    mkdir -p "$out"
    # Resume a corpus kept from an earlier run (`-i -`), else start from the seeds.
    input=fixtures/fuzz/$target
    [ -f "$out/default/fuzzer_stats" ] && input=-
    cargo afl fuzz -i "$input" -o "$out" -V "$seconds" -t "$timeout_ms" -m "$memory_mb" \
        "$bin" "$target" >"$out/afl.log" 2>&1 || {
        echo "afl-fuzz failed on $target; see $out/afl.log" >&2
        tail -20 "$out/afl.log" >&2
        exit 2
    }
    stat() { sed -n "s/^$1 *: *//p" "$out/default/fuzzer_stats"; }
    crashes=$(find "$out/default/crashes" -type f -name 'id:*' | wc -l)
    hangs=$(find "$out/default/hangs" -type f -name 'id:*' | wc -l)
    printf '%-14s %8s %8s %8s %7s %7s\n' "$target" "$(stat execs_done)" "$(stat corpus_count)" \
        "$(stat bitmap_cvg)" "$crashes" "$hangs"
    if [ $((crashes + hangs)) -gt 0 ]; then
        replay="${replay}  MODELSWAP_FUZZ_INPUT=FILE cargo test --test fuzz ${target//-/_}   (FILE in $out/default/{crashes,hangs}/)\n"
    fi
done

if [ -n "${replay:-}" ]; then
    printf 'findings: replay one with\n%b' "$replay"
    exit 1
fi
