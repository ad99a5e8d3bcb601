# The two commands the README opens with: `make demo` and `make test`.
# Everything else is a step they depend on.

CARGO ?= cargo
BIN := target/debug/modelswap

.PHONY: setup build demo test lint bench bench-scan

# ONNX Runtime's shared library and the open models, from PyPI; idempotent.
setup:
	bash scripts/setup.sh

build:
	$(CARGO) build

demo: setup build
	bash scripts/demo.sh $(BIN)

test: setup
	$(CARGO) test

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

bench: setup
	bash scripts/bench_decode.sh

# `modelswap scan` throughput on a generated 100,000-file tree (needs no models).
bench-scan:
	bash scripts/bench_scan.sh
