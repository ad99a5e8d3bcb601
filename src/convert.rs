//! `modelswap convert MODEL.gguf --out DIR`: a GGUF file, the format open weights are passed around
//! in (Ollama, LM Studio, llama.cpp), made into a model folder `kind: onnx` runs.
//!
//! The conversion is `scripts/convert_gguf.py`, compiled into the binary: reading a GGUF, undoing
//! its quantization and writing an ONNX graph are what the `gguf`, `numpy` and `onnx` Python
//! packages do well, and the script is the one `make setup` converts the bundled models with, so
//! there is one converter, checked token for token against llama.cpp (docs/models.md). It runs in
//! a Python environment holding scripts/requirements.txt: the one `--python` names, or one this
//! module creates once under the user's cache folder (pip, from PyPI). The folder is written
//! beside DIR and renamed into place only once it opens as a model, so a failed conversion
//! leaves nothing half-written.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::provider::onnx::ModelFolder;

const CONVERTER: &str = include_str!("../scripts/convert_gguf.py");
const TOKENIZER: &str = include_str!("../scripts/gguf_tokenizer.py");
const BLOCKS: &str = include_str!("../scripts/gguf_blocks.py");
const CONFIGS: &str = include_str!("../scripts/gguf_configs.py");
const GRAPH: &str = include_str!("../scripts/onnx_graph.py");
const QUANTIZER: &str = include_str!("../scripts/quantize_int8.py");
const REQUIREMENTS: &str = include_str!("../scripts/requirements.txt");
/// The modules the converter imports; a `--python` without one of them is refused up front.
const MODULES: [&str; 5] = ["numpy", "onnx", "gguf", "tokenizers", "onnxruntime"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantize {
    Int8,
    Int4,
}

impl Quantize {
    fn flag(self) -> &'static str {
        match self {
            Self::Int8 => "int8",
            Self::Int4 => "int4",
        }
    }
}

pub struct Request {
    pub gguf: PathBuf,
    pub out: PathBuf,
    pub quantize: Option<Quantize>,
    /// The model's own chat template, for GGUF files that carry none.
    pub chat_template: Option<PathBuf>,
    /// A Python with scripts/requirements.txt installed; None: the managed environment.
    pub python: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The GGUF, the output folder or an option cannot be used; nothing was written.
    #[error("{0}")]
    Input(String),
    /// The Python environment is missing or could not be made.
    #[error("{0}")]
    Python(String),
}

/// What was written.
pub struct Converted {
    /// The converter's own summary (architecture, layers, heads, vocabulary).
    pub summary: String,
    /// With `--quantize int4`: how many weight products kept the GGUF's own blocks, by type.
    pub weights: Option<String>,
    pub graph_sha256: String,
    pub seconds: f64,
}

/// Converts `request.gguf` into `request.out`; `step` hears each stage as it starts.
pub fn convert(request: &Request, step: &dyn Fn(&str)) -> Result<Converted, ConvertError> {
    let started = Instant::now();
    check_inputs(request)?;
    let python = match &request.python {
        Some(p) => checked_python(p)?,
        None => managed_python(step)?,
    };
    let parent = request
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
    let scratch = tempfile::Builder::new()
        .prefix(".modelswap-convert-")
        .tempdir_in(parent)
        .map_err(|e| io_error(parent, e))?;
    for (name, text) in [
        ("convert_gguf.py", CONVERTER),
        ("gguf_tokenizer.py", TOKENIZER),
        ("gguf_blocks.py", BLOCKS),
        ("gguf_configs.py", CONFIGS),
        ("onnx_graph.py", GRAPH),
        ("quantize_int8.py", QUANTIZER),
    ] {
        let path = scratch.path().join(name);
        std::fs::write(&path, text).map_err(|e| io_error(&path, e))?;
    }
    let folder = scratch.path().join("model");
    step(&format!("converting {}", request.gguf.display()));
    let (summary, weights) = run_converter(&python, scratch.path(), &folder, request)?;
    ModelFolder::open(&folder).map_err(|e| {
        ConvertError::Input(format!(
            "the converted folder does not open as a model: {e}"
        ))
    })?;
    let graph = folder.join("model.onnx");
    let graph_sha256 = crate::input::sha256_file(&graph).map_err(|e| io_error(&graph, e))?;
    if request.out.exists() {
        // Only an empty folder gets here (check_inputs); rename cannot replace it.
        std::fs::remove_dir(&request.out).map_err(|e| io_error(&request.out, e))?;
    }
    std::fs::rename(&folder, &request.out).map_err(|e| io_error(&request.out, e))?;
    Ok(Converted {
        summary,
        weights,
        graph_sha256,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn check_inputs(request: &Request) -> Result<(), ConvertError> {
    let gguf = &request.gguf;
    let mut magic = [0u8; 4];
    let read =
        std::fs::File::open(gguf).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic));
    match read {
        Err(e) => {
            return Err(ConvertError::Input(format!(
                "cannot read {}: {e}",
                gguf.display()
            )))
        }
        Ok(()) if &magic != b"GGUF" => {
            return Err(ConvertError::Input(format!(
                "{} is not a GGUF file (it does not start with the bytes `GGUF`)",
                gguf.display()
            )))
        }
        Ok(()) => {}
    }
    if let Some(t) = &request.chat_template {
        if !t.is_file() {
            return Err(ConvertError::Input(format!(
                "chat template {} does not exist",
                t.display()
            )));
        }
    }
    let out = &request.out;
    let occupied =
        out.exists() && std::fs::read_dir(out).map_or(true, |mut entries| entries.next().is_some());
    if occupied {
        return Err(ConvertError::Input(format!(
            "{} already exists and is not an empty folder; choose another --out",
            out.display()
        )));
    }
    Ok(())
}

/// Runs the converter; its one-line summary and what it kept of the weights, or its error (the
/// converter prefixes what it refuses with `convert_gguf:`; anything else is a crash, shown with
/// its last lines).
fn run_converter(
    python: &Path,
    scripts: &Path,
    folder: &Path,
    request: &Request,
) -> Result<(String, Option<String>), ConvertError> {
    let mut cmd = Command::new(python);
    cmd.arg(scripts.join("convert_gguf.py"))
        .arg(&request.gguf)
        .arg(folder);
    if let Some(q) = request.quantize {
        cmd.args(["--quantize", q.flag()]);
    }
    if let Some(t) = &request.chat_template {
        cmd.arg("--chat-template").arg(t);
    }
    let output = cmd
        .output()
        .map_err(|e| ConvertError::Python(format!("cannot run {}: {e}", python.display())))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let own: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("convert_gguf: "))
        .collect();
    if output.status.success() {
        let line = |prefix: &str| own.iter().find_map(|l| l.strip_prefix(prefix));
        let model = line("model: ").unwrap_or_default().to_string();
        return Ok((model, line("weights: ").map(str::to_string)));
    }
    if !own.is_empty() {
        return Err(ConvertError::Input(own.join("\n")));
    }
    Err(ConvertError::Input(format!(
        "the converter failed on {}:\n{}",
        request.gguf.display(),
        last_lines(&stderr, 20)
    )))
}

/// A `--python` that can import what the converter needs.
fn checked_python(python: &Path) -> Result<PathBuf, ConvertError> {
    let probe = format!(
        "import importlib.util, sys; missing = [m for m in {MODULES:?} if importlib.util.find_spec(m) is None]; print(' '.join(missing)); sys.exit(1 if missing else 0)"
    );
    let out = Command::new(python)
        .args(["-c", &probe])
        .output()
        .map_err(|e| ConvertError::Python(format!("cannot run {}: {e}", python.display())))?;
    if out.status.success() {
        return Ok(python.to_path_buf());
    }
    let missing = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Err(ConvertError::Python(format!(
        "{} lacks the Python packages {missing}; install scripts/requirements.txt into it, or leave out --python to let modelswap make its own environment",
        python.display()
    )))
}

/// The environment modelswap keeps for the converter: made once per requirements file, under
/// `$XDG_CACHE_HOME/modelswap` (or `~/.cache/modelswap`), with pip from PyPI.
fn managed_python(step: &dyn Fn(&str)) -> Result<PathBuf, ConvertError> {
    let key = format!("{:x}", Sha256::digest(REQUIREMENTS.as_bytes()));
    let key = &key[..12];
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .ok_or_else(|| {
            ConvertError::Python(
                "neither XDG_CACHE_HOME nor HOME is set; name a Python with --python".into(),
            )
        })?;
    let venv = cache.join("modelswap").join(format!("convert-{key}"));
    let python = venv.join("bin/python");
    if python.is_file() {
        return Ok(python);
    }
    let system = which::which("python3").map_err(|_| {
        ConvertError::Python("modelswap convert needs python3 (3.10 or later) on PATH, or --python naming one with scripts/requirements.txt installed".into())
    })?;
    step(&format!(
        "making the converter's Python environment in {} (once; pip installs numpy, onnx, gguf, tokenizers, onnxruntime from PyPI)",
        venv.display()
    ));
    let staging = venv.with_extension("partial");
    let _ = std::fs::remove_dir_all(&staging);
    let run = |cmd: &mut Command, what: &str| -> Result<(), ConvertError> {
        let out = cmd
            .output()
            .map_err(|e| ConvertError::Python(format!("{what}: {e}")))?;
        if out.status.success() {
            return Ok(());
        }
        Err(ConvertError::Python(format!(
            "{what} failed:\n{}",
            last_lines(&String::from_utf8_lossy(&out.stderr), 10)
        )))
    };
    run(
        Command::new(&system).arg("-m").arg("venv").arg(&staging),
        &format!("{} -m venv", system.display()),
    )?;
    let requirements = staging.join("requirements.txt");
    std::fs::write(&requirements, REQUIREMENTS).map_err(|e| io_error(&requirements, e))?;
    run(
        Command::new(staging.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "-q",
                "-r",
            ])
            .arg(&requirements),
        "pip install -r scripts/requirements.txt",
    )?;
    // Renamed only once it works. Its bin/ scripts keep the staging path in their first line, but
    // only bin/python is used, and it finds its environment by where it lies.
    std::fs::rename(&staging, &venv).map_err(|e| io_error(&venv, e))?;
    Ok(python)
}

/// The last `n` lines of a program's error output: where Python puts the exception.
fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn io_error(path: &Path, e: std::io::Error) -> ConvertError {
    ConvertError::Input(format!("{}: {e}", path.display()))
}
