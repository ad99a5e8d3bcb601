//! Lock-in audit of a codebase (`modelswap scan`): where the code depends on a closed AI vendor,
//! how portable each use is, and which files take the most work to move.
//!
//! `scan` walks the tree; `rules` holds the tables it applies, `matcher` runs them and
//! `attribute` gives shared vocabulary to the vendor a file talks to (in Python, `receivers` to
//! the vendor of the client a call goes through; `clients` to the client itself, across files,
//! parsing only the files `worth` picks from their text);
//! `estimate` groups findings into integration points; `render` writes a `Scan` as
//! Markdown, JSON or SARIF 2.1.0. `workload` audits a suite's requests against each provider's
//! capabilities.

mod attribute;
mod classify;
mod clients;
mod comments;
mod estimate;
mod go_package;
mod imports;
mod manifests;
mod markdown;
mod matcher;
mod modules;
mod notebook;
mod receivers;
mod rules;
mod sarif;
mod scan;
mod syntax;
pub mod workload;
mod worth;

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

pub use estimate::{Estimate, IntegrationPoint};
pub use rules::{Ecosystem, Feature, FileClass, Rating, Vendor};
pub use scan::scan;

/// How to walk. The defaults are ripgrep's, except that `.gitignore` counts outside a git
/// repository too and the user's global ignore file does not (results must not depend on
/// whose machine runs the scan).
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files larger than this are skipped: generated or minified, not code a team maintains.
    pub max_file_bytes: u64,
    /// Also read hidden files and directories (`.env.example`, `.github/`); `.git` never.
    pub hidden: bool,
    /// Walker threads; 0 picks from the available cores.
    pub threads: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            max_file_bytes: 2 * 1024 * 1024,
            hidden: false,
            threads: 0,
        }
    }
}

/// Everything a scan found, in a stable order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scan {
    /// The path scanned, as given.
    pub root: String,
    /// Where `file` paths start inside the enclosing git repository ("" at its top), when
    /// there is one: SARIF locations are written from the repository's top, as GitHub code
    /// scanning expects.
    pub repository_path: Option<String>,
    /// Ordered by file, line and column.
    pub findings: Vec<Finding>,
    /// Vendor packages declared in manifests, ordered by file and line.
    pub dependencies: Vec<Dependency>,
    /// Files with findings, most migration effort first.
    pub files: Vec<FileEffort>,
    /// The findings grouped by file and vendor, production code and the least portable first:
    /// what the estimate counts (`Estimate`).
    #[serde(default)]
    pub integration_points: Vec<IntegrationPoint>,
    /// Files that could not be read or parsed; the scan went on without them.
    pub problems: Vec<Problem>,
    /// Files passed over on purpose (too large, binary, symbolic links), by name, with why; a
    /// vendor call in a skipped file is not in the findings, so the reader must be able to see
    /// which files those are.
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    pub stats: ScanStats,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// One place where the code uses a vendor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Relative to the scanned root, `/`-separated.
    pub file: String,
    /// 1-based; the column counts characters. In a notebook, the line within its cell.
    pub line: u32,
    pub column: u32,
    /// In a notebook (`.ipynb`): the cell (1-based, as Jupyter shows them), and the line of the
    /// file itself (the JSON), for tools that open it as a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_line: Option<u32>,
    pub vendor: Vendor,
    pub feature: Feature,
    pub rating: Rating,
    /// The text that matched (names only: never a key's value).
    pub matched: String,
    pub reason: String,
    /// How to move it, where there is something to do.
    pub hint: Option<String>,
    /// The client object the call goes through when another module of the project makes it and
    /// this file imports it (Python, JavaScript, TypeScript): where it is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<Client>,
}

impl Finding {
    /// Gives the finding `row`'s vendor, feature, rating and advice: the row of the vendor the
    /// finding belongs to.
    fn take_row(&mut self, row: &rules::Portability) {
        self.vendor = row.vendor;
        self.feature = row.feature;
        self.rating = row.rating;
        self.reason = row.reason.to_string();
        self.hint = row.hint.map(str::to_string);
    }
}

/// A client object: where it is constructed (`client = OpenAI()`, `export const claude = new
/// Anthropic()`), and the vendor it was made for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Client {
    pub file: String,
    /// The name it is bound to there (`client`, `self.client`, `this.openai`).
    pub name: String,
    pub line: u32,
    pub vendor: Vendor,
}

/// A vendor package declared in a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dependency {
    pub file: String,
    pub line: u32,
    pub ecosystem: Ecosystem,
    /// As written in the manifest.
    pub name: String,
    /// The requirement as written (`>=1.40,<2`, `^4.77.0`, `v1.36.0`); none when unpinned.
    pub version: Option<String>,
    pub vendor: Vendor,
    /// `sdk`, or `tokenizer` for a vendor's tokenizer library.
    pub feature: Feature,
    pub rating: Rating,
    pub reason: String,
}

/// A file's share of the migration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEffort {
    pub file: String,
    /// What the file is for, from its path; only production files count toward the estimate.
    #[serde(default)]
    pub class: FileClass,
    /// The sum of its findings' `Rating::effort` points: a ranking device, not hours.
    pub effort: u32,
    pub vendor_only: u32,
    pub portable_with_work: u32,
    pub portable: u32,
    pub vendors: Vec<Vendor>,
    pub features: Vec<Feature>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub file: Option<String>,
    pub line: Option<u32>,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanStats {
    /// Files read and searched (source, configuration, manifests).
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    /// Files of other types, passed over without reading.
    pub files_other: u64,
    pub skipped_binary: u64,
    pub skipped_large: u64,
    pub skipped_symlinks: u64,
    pub duration_ms: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot scan {}: {source}", path.display())]
    Root {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot scan {}: not a file or directory", path.display())]
    NotScannable { path: PathBuf },
}

/// A codebase that cannot be scanned is the user's input to fix.
impl From<ScanError> for crate::error::Error {
    fn from(e: ScanError) -> Self {
        Self::input(e)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Md,
    Json,
    Sarif,
}

impl Format {
    /// What it writes.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Md => "Markdown, sized for a pull-request comment",
            Self::Json => "every finding, dependency and problem, machine-readable",
            Self::Sarif => "SARIF 2.1.0, for GitHub code scanning",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Json => "json",
            Format::Sarif => "sarif",
        }
    }
}

/// The migration effort in one sentence: the estimate, the findings behind it, and the file
/// to start with.
pub fn effort_summary(scan: &Scan) -> String {
    let count = |r: Rating| scan.findings.iter().filter(|f| f.rating == r).count();
    format!(
        "Migration effort: {} {} file(s) depend on a closed vendor ({} finding(s): {} vendor-only, {} portable with work, {} portable; {} declared package(s)); the top file {}.",
        Estimate::of(&scan.integration_points).sentence(),
        scan.files.len(),
        scan.findings.len(),
        count(Rating::VendorOnly),
        count(Rating::PortableWithWork),
        count(Rating::Portable),
        scan.dependencies.len(),
        scan.files
            .first()
            .map(|f| format!("`{}` ({})", f.file, f.class.label()))
            .unwrap_or_else(|| "—".into())
    )
}

/// The scan in one format.
pub fn render(scan: &Scan, format: Format) -> String {
    match format {
        Format::Md => markdown::render(scan),
        Format::Json => serde_json::to_string_pretty(scan).expect("a Scan serialises") + "\n",
        Format::Sarif => {
            serde_json::to_string_pretty(&sarif::render(scan)).expect("JSON values serialise")
                + "\n"
        }
    }
}

/// Writes each format to `out`, or, with several, to `out` with each format's extension.
/// Each file is written whole or not at all. Returns the files written.
pub fn write(scan: &Scan, formats: &[Format], out: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for &format in formats {
        let path = if formats.len() == 1 {
            out.to_path_buf()
        } else {
            out.with_extension(format.extension())
        };
        let name = path
            .file_name()
            .with_context(|| format!("{} names no file", path.display()))?;
        let tmp = path.with_file_name(format!(".{}.tmp", name.to_string_lossy()));
        std::fs::write(&tmp, render(scan, format))
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
