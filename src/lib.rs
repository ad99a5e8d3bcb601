//! modelswap: replay a workload against closed vendor APIs and open models, score quality,
//! latency and cost on the same cases, and say whether the workload can switch.
//!
//! The data flow runs one way: `suite` (parse, validate; cases read and rendered as they are
//! taken) → `runner` (calls providers, appends `record`s, scored by `score`) → `analysis` →
//! `report` / `gate`; `load` sweeps one provider's capacity for the cost figures. Beside it, `lockin` audits a codebase for its dependence on closed vendors
//! (`modelswap scan`). docs/architecture.md says what each module owns and where each rule lives.

// The library reports through return values, `tracing` and the runner's events; only the binary
// writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod against;
pub mod analysis;
pub mod chat;
pub mod convert;
pub mod cost;
pub mod error;
pub mod format;
pub mod fuzzing;
pub mod gate;
pub mod host;
pub mod input;
pub mod installed;
pub mod load;
pub mod lockin;
pub mod provider;
pub mod record;
pub mod report;
pub mod runner;
pub mod score;
pub mod secrets;
pub mod stats;
pub mod suite;
