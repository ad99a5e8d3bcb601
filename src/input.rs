//! Reading what users hand modelswap — suites, datasets, traffic files, cassettes, schemas,
//! records — within the limits docs/design.md states: regular files only (a FIFO, a device or a
//! directory is refused by name rather than read forever), a suite or a schema no larger than a
//! few megabytes, and no line longer than `LINE_MAX_BYTES`, so an endless or hostile file costs a
//! bounded amount of memory. A leaf.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The largest suite file (YAML) read.
pub const SUITE_MAX_BYTES: u64 = 16 << 20;
/// The largest JSON Schema file read.
pub const SCHEMA_MAX_BYTES: u64 = 16 << 20;
/// The longest line of a dataset, traffic file, cassette or records file (a logged request with
/// a long context fits many times over).
pub const LINE_MAX_BYTES: usize = 64 << 20;
/// How deeply a suite's YAML may nest (a suite needs about 8 levels; a tool schema in a case's
/// vars a few more).
pub const YAML_MAX_DEPTH: usize = 64;
/// The work one template rendering may do, in minijinja's fuel units (about one per instruction):
/// a prompt over a long case uses thousands; nested `range` loops that would never finish run out.
pub const TEMPLATE_FUEL: u64 = 10_000_000;

/// Opens `path` for reading if it is a regular file (symlinks followed).
pub fn open(path: &Path) -> io::Result<File> {
    let kind = std::fs::metadata(path)?.file_type();
    if !kind.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            not_regular(kind),
        ));
    }
    File::open(path)
}

/// The whole of a regular file of at most `max` bytes.
pub fn read(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let file = open(path)?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "larger than {} MiB, the limit for this kind of file",
                max >> 20
            ),
        ));
    }
    Ok(bytes)
}

/// Appends the next line of `reader` (with its `\n`, if any) to `buf`, as `BufRead::read_until`
/// does, but fails on a line longer than `LINE_MAX_BYTES` instead of growing without bound.
pub fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<usize> {
    let start = buf.len();
    let read = reader
        .take(LINE_MAX_BYTES as u64 + 1)
        .read_until(b'\n', buf)?;
    if buf.len() - start > LINE_MAX_BYTES {
        buf.truncate(start);
        return Err(line_too_long());
    }
    Ok(read)
}

/// A reader that fails on a line longer than `LINE_MAX_BYTES`: for parsers that read lines
/// themselves (CSV).
pub struct LineLimit<R> {
    inner: R,
    /// Bytes since the last `\n`.
    run: usize,
}

impl<R: Read> LineLimit<R> {
    pub fn new(inner: R) -> Self {
        Self { inner, run: 0 }
    }
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        for &b in &out[..n] {
            self.run = if b == b'\n' { 0 } else { self.run + 1 };
            if self.run > LINE_MAX_BYTES {
                return Err(line_too_long());
            }
        }
        Ok(n)
    }
}

fn line_too_long() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "a line is longer than {} MiB, the limit",
            LINE_MAX_BYTES >> 20
        ),
    )
}

fn not_regular(kind: std::fs::FileType) -> String {
    use std::os::unix::fs::FileTypeExt;
    let what = if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    format!("{what}, not a regular file")
}

/// Calls into a library that may panic on malformed input now in progress (see `contain`).
static CONTAINING: AtomicUsize = AtomicUsize::new(0);

/// Runs `read`, a call into a library that asserts rather than checks some invariants of the file
/// it reads (polars on a corrupt Parquet file: found by fuzzing, docs/security.md), and turns a
/// panic inside it into an error message for the caller to name the file with.
pub fn contain<T>(read: impl FnOnce() -> T) -> Result<T, String> {
    CONTAINING.fetch_add(1, Ordering::SeqCst);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    CONTAINING.fetch_sub(1, Ordering::SeqCst);
    outcome.map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned());
        format!(
            "the reader failed on it ({})",
            message.as_deref().unwrap_or("no message")
        )
    })
}

/// Whether a panic raised at `file` (a source location) is one `contain` is catching: raised
/// outside modelswap's own code while a contained call runs. The binary's panic hook keeps such
/// panics off the terminal, since the error that follows says what happened.
pub fn contained(file: &str) -> bool {
    CONTAINING.load(Ordering::SeqCst) > 0 && !file.starts_with("src/")
}

/// The sha256 of a file, in lowercase hex, read in 1 MiB pieces (model files run to gigabytes).
pub fn sha256_file(path: &Path) -> io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_directories_and_fifos_are_refused_by_name() {
        let err = open(Path::new("/dev/zero")).unwrap_err().to_string();
        assert_eq!(err, "a character device, not a regular file");
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            open(dir.path()).unwrap_err().to_string(),
            "a directory, not a regular file"
        );
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert_eq!(
                open(&fifo).unwrap_err().to_string(),
                "a FIFO, not a regular file"
            );
        }
    }

    #[test]
    fn a_file_over_its_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, vec![b'x'; (1 << 20) + 1]).unwrap();
        assert!(read(&path, 1 << 20).is_err());
        assert_eq!(read(&path, 2 << 20).unwrap().len(), (1 << 20) + 1);
    }

    #[test]
    fn lines_are_read_whole_up_to_the_limit() {
        let text = b"short\nsecond";
        let mut reader = &text[..];
        let mut buf = Vec::new();
        assert_eq!(read_line(&mut reader, &mut buf).unwrap(), 6);
        assert_eq!(buf, b"short\n");
        let long = vec![b'x'; LINE_MAX_BYTES + 10];
        let mut reader = &long[..];
        assert!(read_line(&mut reader, &mut Vec::new()).is_err());
        let mut limited = LineLimit::new(&long[..]);
        assert!(io::copy(&mut limited, &mut io::sink()).is_err());
    }
}
