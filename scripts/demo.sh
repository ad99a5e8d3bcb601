#!/usr/bin/env bash
# The offline demo: gpt-4o-mini (a synthetic sample recording unless OPENAI_API_KEY is set) vs
# SmolLM2 fp32 and int8 and Gemma 3 270M on suites/demo.yaml, reported (HTML, Markdown, JSON, JUnit, CSV) and gated
# in reports/demo/; then suites/support-replay.yaml, synthetic logged traffic with tool calls
# replayed against SmolLM2 and scored against the logged answers, in reports/demo-replay/.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/modelswap}
out=reports/demo

rm -rf "$out"
"$bin" run suites/demo.yaml --out "$out"
"$bin" report "$out" --format html,md,json,junit,csv
echo
cat "$out/report.md"
echo
echo "== gate (suites/demo.yaml: baseline gpt-4o-mini, candidates smollm2-fp32, smollm2-int8 and gemma3-270m) =="
# The verdict is the demo's answer, pass or fail; only an error in the gate itself fails the demo.
status=0
"$bin" gate "$out" || status=$?
if [ "$status" -gt 1 ]; then exit "$status"; fi
echo "(report: $out/report.html and $out/report.md, records: $out/records.jsonl, verdict: $out/verdict.json, JUnit: $out/junit.xml)"

replay=reports/demo-replay
echo
echo "== suites/support-replay.yaml: SYNTHETIC logged traffic with tool calls, scored against the logged answers =="
rm -rf "$replay"
"$bin" run suites/support-replay.yaml --out "$replay"
"$bin" report "$replay" --format html,md,json
status=0
"$bin" gate "$replay" || status=$?
if [ "$status" -gt 1 ]; then exit "$status"; fi
echo "(report: $replay/report.html and $replay/report.md)"
