#!/usr/bin/env bash
# Re-records fixtures/cassettes/demo-gpt-4o-mini.jsonl: the demo suite's closed-vendor provider
# run against scripts/synthetic_vendor.py on loopback (no vendor is called), then pointed back at
# the provider's real endpoint so that the suite replays it while OPENAI_API_KEY is unset.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/modelswap}
cassette=fixtures/cassettes/demo-gpt-4o-mini.jsonl
port=18765
python3 scripts/synthetic_vendor.py "$port" &
server=$!
tmp=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$tmp" suites/.demo-record.yaml' EXIT
sleep 1
# The same suite with the provider's base_url on the synthetic server (paths stay relative).
sed "s#^    model: gpt-4o-mini#&\n    base_url: http://127.0.0.1:$port/v1#" suites/demo.yaml > suites/.demo-record.yaml
rm -f "$cassette"
OPENAI_API_KEY=synthetic "$bin" run suites/.demo-record.yaml --providers gpt-4o-mini \
  --out "$tmp/run" --cassette "$cassette" --record
python3 - "$cassette" <<'PY'
import json, sys
path = sys.argv[1]
lines = [json.loads(l) for l in open(path)]
for entry in lines:
    entry["base_url"] = "https://api.openai.com/v1"
lines.sort(key=lambda e: json.dumps(e["request"], sort_keys=True))
with open(path, "w") as f:
    for entry in lines:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
PY
echo "recorded $(wc -l < "$cassette") calls to $cassette"
