#!/usr/bin/env bash
# `modelswap report` and `gate` on a synthetic run of 2 providers × CASES cases (1,000,000 records
# by default): wall time and peak RSS of each, warm page cache, several runs. Results go in
# docs/BENCHMARKS.md with the machine.
#   bash scripts/bench_report.sh [CASES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-500000}
runs=${2:-3}
dir=target/bench-report-$cases
bin=${CARGO_TARGET_DIR:-target}/release/modelswap
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sm); load $(cut -d' ' -f1-3 /proc/loadavg)"
cargo build --profile bench --bin modelswap --bench harness
if [ ! -f "$dir/records.jsonl" ]; then
  python3 scripts/bench_report.py --cases "$cases" --out "$dir"
fi
echo "run: $dir, $(wc -l < "$dir/records.jsonl") records, $(du -sb "$dir/records.jsonl" | cut -f1) bytes"
cat "$dir/records.jsonl" > /dev/null   # warm the page cache
for what in "report --format md,json" "report --format html,md,json" "gate"; do
  for i in $(seq "$runs"); do
    # shellcheck disable=SC2086
    /usr/bin/time -f "$what: %e s wall, %U s user, %M KB peak RSS" "$bin" $what "$dir" > /dev/null 2> "$dir/time.txt" || true
    tail -1 "$dir/time.txt"
  done
done
