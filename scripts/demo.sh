#!/usr/bin/env bash
# The offline demo: SmolLM2 fp32 vs int8 on suites/demo.yaml, reported and gated in reports/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/modelswap}
out=reports/demo

rm -rf "$out"
"$bin" run suites/demo.yaml --out "$out"
"$bin" report "$out" --format md,json
echo
cat "$out/report.md"
echo
echo "== gate (suites/demo.yaml: baseline smollm2-fp32, candidate smollm2-int8) =="
# The verdict is the demo's answer, pass or fail; only an error in the gate itself fails the demo.
status=0
"$bin" gate "$out" || status=$?
if [ "$status" -gt 1 ]; then exit "$status"; fi
echo "(report: $out/report.md, records: $out/records.jsonl, verdict: $out/verdict.json)"
