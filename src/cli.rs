//! Command-line definitions (clap), and nothing else: the library's types carry no clap derives,
//! so the enums the options take are mirrored here. `commands` does the work.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

use modelswap::{lockin, report};

#[derive(Debug, Parser)]
#[command(
    name = "modelswap",
    version,
    about = "Can this workload leave its closed AI vendor? Replay it against open models and find out."
)]
pub struct Cli {
    /// More log output (-v: info, -vv: debug). RUST_LOG overrides it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a suite: every case against every provider; records stream to DIR/records.jsonl.
    ///
    /// Exits 0 when the run completed (whatever the scores: `gate` judges them), 2 on invalid
    /// input, 1 when the run could not complete, 130 when interrupted.
    Run(RunArgs),
    /// Measure a self-hosted engine's capacity: the suite's requests at a series of load levels
    /// (concurrency, or Poisson request rates), with throughput, latency percentiles and the
    /// goodput at the suite's `slo:`; writes capacity.json and capacity.csv.
    ///
    /// Exits 0 when the sweep ended (a stop rule included), 2 on invalid input, 130 when
    /// interrupted (the finished levels are kept).
    Load(LoadArgs),
    /// Join sharded runs of one suite (`run --shard I/N`) into one run directory.
    Merge {
        /// The runs to join.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// The new run directory.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a starter suite to edit (never overwrites a file).
    Init {
        #[arg(default_value = "suite.yaml")]
        path: PathBuf,
    },
    /// Render a run's report from its records alone (no model calls).
    Report {
        /// The run directory.
        dir: PathBuf,
        /// Formats to write (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "md,json")]
        format: Vec<ReportFormat>,
        /// Also scan this codebase for closed-vendor dependencies (the report's lock-in section).
        #[arg(long, value_name = "PATH")]
        scan: Option<PathBuf>,
        /// A load sweep's capacity.json (`modelswap load`) to price a self-hosted provider at
        /// its goodput (repeatable; DIR/capacity.json is read without it).
        #[arg(long, value_name = "FILE")]
        capacity: Vec<PathBuf>,
        /// Take the gate baseline's records from this earlier run (and score `reference:
        /// baseline` scorers against its answers).
        #[arg(long, value_name = "DIR")]
        against: Option<PathBuf>,
    },
    /// Apply the suite's gate to a run: exit 0 pass, 1 failed, 2 usage or input error.
    Gate {
        /// The run directory.
        dir: PathBuf,
        /// Take the baseline's records from this earlier run instead (and score `reference:
        /// baseline` scorers against its answers).
        #[arg(long, value_name = "DIR")]
        against: Option<PathBuf>,
    },
    /// Find where a codebase depends on a closed AI vendor: SDKs, endpoints, key variables,
    /// model ids and vendor features, each rated for how portable it is.
    ///
    /// Honours .gitignore; skips binary and large files; never follows symlinks. Exits 0 when
    /// the scan completed (findings are data), 2 on a bad path or format.
    Scan(ScanArgs),
    /// Check a suite without running it.
    Validate { suite: PathBuf },
    /// The workload's lock-in audit without running it: which features the suite's requests use
    /// and how many need something each provider lacks (what `run` writes to lockin.json).
    Audit {
        suite: PathBuf,
        #[arg(long, value_enum, default_value_t = AuditFormat::Md)]
        format: AuditFormat,
    },
    /// Make a GGUF file (Ollama's, LM Studio's, llama.cpp's) into a model folder `kind: onnx` runs:
    /// Llama and Mistral, Qwen2, Qwen3, Gemma 2, Gemma 3 and Phi-3, with the tokenizer and chat
    /// template rebuilt from the GGUF's metadata.
    ///
    /// Runs scripts/convert_gguf.py (compiled in) in a Python environment it makes once under
    /// ~/.cache/modelswap, unless --python names one. Exits 0 when the folder is written, 2 when
    /// the file or an option cannot be used (nothing is written).
    Convert(ConvertArgs),
    /// Print the JSON Schema of suite files.
    Schema,
    /// List the built-in price table, each entry with its source and the date it was read.
    Prices {
        /// Only models whose id contains this (case-insensitive).
        #[arg(long)]
        model: Option<String>,
        #[arg(long, value_enum, default_value_t = PricesFormat::Table)]
        format: PricesFormat,
    },
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The GGUF file.
    pub gguf: PathBuf,
    /// The model folder to write (must not exist, or be empty).
    #[arg(long)]
    pub out: PathBuf,
    /// Quantized weights as ONNX Runtime's MatMulNBits (blocks of 32): int8 re-quantizes them and is
    /// about 2x faster than fp32 with near-identical answers; int4 keeps the GGUF's own Q4_0, Q4_1
    /// and Q8_0 blocks (weights of other types are quantized to 4 bits afresh).
    #[arg(long, value_enum)]
    pub quantize: Option<QuantizeArg>,
    /// The model's own chat template (a Jinja file), for GGUF files that carry none.
    #[arg(long, value_name = "FILE")]
    pub chat_template: Option<PathBuf>,
    /// A Python with scripts/requirements.txt installed, instead of modelswap's own environment.
    #[arg(long, env = "MODELSWAP_PYTHON", value_name = "PATH")]
    pub python: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum QuantizeArg {
    Int8,
    Int4,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The suite file.
    pub suite: PathBuf,
    /// Where the run's files go (default: reports/<suite name>-<time>).
    #[arg(long, conflicts_with = "resume")]
    pub out: Option<PathBuf>,
    /// Finish an interrupted run in DIR: finished records are kept, the rest is run.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Only these providers (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    pub providers: Option<Vec<String>>,
    /// Only the first N cases.
    #[arg(long)]
    pub limit: Option<usize>,
    /// A cassette file (JSONL) to record every call into, or to answer every call from.
    #[arg(long, value_name = "FILE", requires = "cassette_mode")]
    pub cassette: Option<PathBuf>,
    /// Store each call's request and response in the cassette (appending).
    #[arg(long, requires = "cassette", group = "cassette_mode")]
    pub record: bool,
    /// Answer every call from the cassette, with no network; a call it lacks is an error.
    #[arg(long, requires = "cassette", group = "cassette_mode")]
    pub replay: bool,
    /// Run only shard I of N (every N-th case from the I-th); join the runs with `merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<modelswap::record::Shard>,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The suite file.
    pub suite: PathBuf,
    /// The provider to load (kind openai-compatible or onnx).
    #[arg(long)]
    pub provider: String,
    /// Closed-loop levels: requests kept in flight (comma-separated; default 1,2,4,…,512
    /// until a stop rule ends the sweep).
    #[arg(long, value_delimiter = ',', conflicts_with = "rate")]
    pub concurrency: Vec<usize>,
    /// Open-loop levels: mean requests per second, Poisson arrivals (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub rate: Vec<f64>,
    /// Seconds each level is measured for, after its warm-up.
    #[arg(long, default_value_t = 30.0, conflicts_with = "requests")]
    pub duration: f64,
    /// Measure each level over this many requests instead of a duration.
    #[arg(long)]
    pub requests: Option<usize>,
    /// Seconds at the start of each level that are not counted.
    #[arg(long, default_value_t = 5.0)]
    pub warmup: f64,
    /// End the sweep after a level where more than this share of requests failed.
    #[arg(long, default_value_t = 0.1)]
    pub max_error_rate: f64,
    /// Where capacity.json and capacity.csv go (default: reports/<suite name>-load-<time>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seeds the open loop's arrival times.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The directory (or file) to scan.
    pub path: PathBuf,
    /// Output formats (comma-separated); several need --out.
    #[arg(long, value_delimiter = ',', default_value = "md")]
    pub format: Vec<ScanFormat>,
    /// Write to FILE instead of stdout; with several formats, FILE with each format's
    /// extension (.md, .json, .sarif).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also scan hidden files and directories (.env.example, .github/); never .git.
    #[arg(long)]
    pub hidden: bool,
    /// Skip files larger than this (bytes, or with a K, M or G suffix).
    #[arg(long, value_name = "SIZE", default_value = "2M", value_parser = parse_size)]
    pub max_file_size: u64,
}

/// `report --format`: a `modelswap::report::Format`, named and described by the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportFormat(pub report::Format);

impl ValueEnum for ReportFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Self(report::Format::Html),
            Self(report::Format::Md),
            Self(report::Format::Json),
            Self(report::Format::Csv),
            Self(report::Format::Parquet),
            Self(report::Format::Junit),
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.name()).help(self.0.describe()))
    }
}

/// `scan --format`: a `modelswap::lockin::Format`, named and described by the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanFormat(pub lockin::Format);

impl ValueEnum for ScanFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Self(lockin::Format::Md),
            Self(lockin::Format::Json),
            Self(lockin::Format::Sarif),
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.extension()).help(self.0.describe()))
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AuditFormat {
    Md,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PricesFormat {
    Table,
    Json,
}

/// `512K`, `2M`, `1G` (binary units) or a plain number of bytes.
fn parse_size(text: &str) -> Result<u64, String> {
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_uppercase()),
        _ => (text, 'B'),
    };
    let shift = match unit {
        'B' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        _ => return Err(format!("unknown unit `{unit}` (use K, M or G)")),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a size"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}
