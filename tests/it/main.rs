//! Integration tests: the binary and the library end to end, on real files and the real model.
//! Model tests need `make setup` (the README's test command runs it first).

mod common;
mod model;
mod run;
mod scan;
mod suite_errors;
mod vendor_server;
mod vendors;
