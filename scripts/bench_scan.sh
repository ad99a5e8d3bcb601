#!/usr/bin/env bash
# Scan throughput: `modelswap scan` over a generated tree (100,000 files, ~1 GB by default),
# warm page cache, median of several runs. Results go in docs/BENCHMARKS.md with the machine.
#   bash scripts/bench_scan.sh [FILES] [MB] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-100000}
mb=${2:-1000}
runs=${3:-5}
tree=target/scan-tree-$files-$mb
# The binary: the bench build of CARGO_TARGET_DIR when set (as cargo itself does), else target/.
bin=${CARGO_TARGET_DIR:-target}/release/modelswap
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sm); load $(cut -d' ' -f1-3 /proc/loadavg)"
# The bench profile optimises the scan's hot path (see Cargo.toml); its output is release/.
# The same targets as `cargo bench` builds, so that the two share one build.
cargo build --profile bench --bin modelswap --bench harness
if [ ! -d "$tree" ]; then
  python3 scripts/gen_scan_tree.py --out "$tree" --files "$files" --mb "$mb"
fi
echo "tree: $tree, $(du -sb "$tree" | cut -f1) bytes on disk"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The first run warms the page cache and is not counted.
"$bin" scan "$tree" --format json --out "$out/warm.json" 2>/dev/null
for i in $(seq "$runs"); do
  start=$(date +%s.%N)
  "$bin" scan "$tree" --format json --out "$out/run$i.json" 2>/dev/null
  end=$(date +%s.%N)
  echo "$start $end" > "$out/run$i.time"
done
python3 - "$out" "$runs" <<'PY'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
rows = []
for i in range(1, runs + 1):
    start, end = map(float, open(f"{out}/run{i}.time").read().split())
    stats = json.load(open(f"{out}/run{i}.json"))
    rows.append((end - start, stats))
for wall, s in rows:
    st = s["stats"]
    print(f"wall {wall:.3f} s  scanned {st['files_scanned']} files, {st['bytes_scanned'] / 1e6:.1f} MB "
          f"-> {st['bytes_scanned'] / 1e6 / wall:.0f} MB/s  ({len(s['findings'])} findings)")
wall = statistics.median(w for w, _ in rows)
st = rows[0][1]["stats"]
print(f"median wall {wall:.3f} s; {st['bytes_scanned'] / 1e6 / wall:.0f} MB/s scanned "
      f"({st['files_scanned']} files read, {st['files_other']} other, {st['skipped_binary']} binary, "
      f"{st['skipped_large']} too large skipped)")
PY
