//! Integration tests: the binary and the library end to end, on real files and the real model.
//! Model tests need `make setup` (the README's test command runs it first).

mod batching;
mod cassette;
mod common;
mod convert;
mod cost;
mod engine;
mod gguf_parity;
mod hostile;
mod html;
mod layouts;
mod load;
mod lockin;
mod model;
mod non_inferiority;
mod reference;
mod reference_baseline;
mod report;
mod run;
mod scan;
mod scan_clients;
mod scan_corpus;
mod scan_coverage;
mod scan_features;
mod scan_imported;
mod scan_languages;
mod score;
mod secrets;
mod shard;
mod suite_errors;
mod throughput;
// Shared with tests/soak (included by path there); each binary uses a part of it.
#[allow(dead_code)]
mod vendor_server;
mod vendors;
mod vendors_native;
