//! The walk: every file under the root that git would not ignore, read once, in parallel;
//! symlinks are never followed, so nothing outside the root is read and no loop is entered.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState};

use super::attribute::{attribute, foreign, names_a_vendor};
use super::clients;
use super::manifests::{self, PackageManifest};
use super::matcher::{one_per_feature, Gate, Hit, Matchers};
use super::rules::{Lang, Sharing, Vendor};
use super::{comments, estimate, notebook, receivers, worth, Client};
use super::{Dependency, Finding, Problem, Scan, ScanError, ScanOptions, ScanStats, Skipped};

/// Notebooks are read up to this size whatever `--max-file-size` says: their outputs make them
/// large, and the code in them is what counts.
const NOTEBOOK_MAX_BYTES: u64 = 256 << 20;

/// The rules' hits in `text`, its comments and docstrings left out where the language has a
/// grammar (`comments`). Most files hit nothing, and most hits sit where no comment can be: such
/// files are never parsed. `gate` says what else opens the gated patterns (`Gate`).
fn code_hits(
    matchers: &Matchers,
    lang: Lang,
    extension: &str,
    text: &[u8],
    gate: Gate,
) -> Vec<Hit> {
    let hits = matchers.find_gated(lang, text, gate);
    let spans: Vec<(usize, usize)> = hits.iter().map(|h| (h.start, h.end)).collect();
    if !comments::may_hide(extension, text, &spans) {
        return hits;
    }
    match comments::blank(extension, text) {
        Some(code) => matchers.find_gated(lang, &code, gate),
        None => hits,
    }
}

/// `hit` moved `lines` and `bytes` further into its text (`forward`), or back.
fn shifted(mut hit: Hit, lines: u32, bytes: usize, forward: bool) -> Hit {
    if forward {
        (hit.line, hit.start, hit.end) = (hit.line + lines, hit.start + bytes, hit.end + bytes);
    } else {
        (hit.line, hit.start, hit.end) = (hit.line - lines, hit.start - bytes, hit.end - bytes);
    }
    hit
}

/// A finding of `hit` in `file` (in a notebook, in cell `cell`).
fn finding(file: &str, hit: Hit, cell: Option<u32>) -> Finding {
    let p = hit.portability;
    let mut f = Finding {
        file: file.to_string(),
        line: hit.line,
        column: hit.column,
        cell,
        file_line: None,
        vendor: p.vendor,
        feature: p.feature,
        rating: p.rating,
        matched: hit.text,
        reason: String::new(),
        hint: None,
        client: None,
    };
    f.take_row(p);
    f
}

/// The imported client a finding goes through, by its local name and an empty file, for
/// `clients::resolve`.
fn client_of(via: Option<String>, vendor: Vendor) -> Option<Client> {
    let (file, line) = (String::new(), 0);
    via.map(|name| Client {
        file,
        name,
        line,
        vendor,
    })
}

/// Directories of other people's code: the SDKs themselves, not the team's use of them.
const THIRD_PARTY_DIRS: &[&str] = &["node_modules", "site-packages"];

/// Scans `root` (a directory, or one file).
pub fn scan(root: &Path, options: &ScanOptions) -> Result<Scan, ScanError> {
    let started = Instant::now();
    let meta = std::fs::metadata(root).map_err(|source| ScanError::Root {
        path: root.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() && !meta.is_file() {
        return Err(ScanError::NotScannable {
            path: root.to_path_buf(),
        });
    }

    let mut walk = WalkBuilder::new(root);
    walk.hidden(!options.hidden)
        .require_git(false)
        .git_global(false)
        .follow_links(false)
        .threads(options.threads)
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            let name = entry.file_name();
            !(is_dir && (name == ".git" || THIRD_PARTY_DIRS.iter().any(|d| name == *d)))
        });
    let shared = Mutex::new(Collected::default());
    walk.build_parallel().visit(&mut Visitors {
        shared: &shared,
        root,
        root_is_file: meta.is_file(),
        max_bytes: options.max_file_bytes,
    });
    let mut all = shared
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());

    let local_modules = (
        root,
        std::mem::take(&mut all.self_hosted),
        options.max_file_bytes,
    );
    for (file, client) in clients::resolve(
        &mut all.findings,
        (&all.imports, &all.by_call, &all.shared),
        local_modules,
        Matchers::get(),
    ) {
        let reason = format!(
            "calls only `{}`, the client {}:{} makes for a self-hosted server: no vendor lock-in",
            client.name, client.file, client.line
        );
        all.skipped.push(Skipped { file, reason });
    }
    all.findings.sort_by(|a, b| {
        (&a.file, a.cell, a.line, a.column, a.vendor, a.feature)
            .cmp(&(&b.file, b.cell, b.line, b.column, b.vendor, b.feature))
    });
    all.dependencies
        .sort_by(|a, b| (&a.file, a.line, &a.name).cmp(&(&b.file, b.line, &b.name)));
    all.problems
        .sort_by(|a, b| (&a.file, a.line, &a.message).cmp(&(&b.file, b.line, &b.message)));
    all.skipped.sort_by(|a, b| a.file.cmp(&b.file));
    all.stats.duration_ms = started.elapsed().as_millis() as u64;
    tracing::debug!(stats = ?all.stats, "scan done");
    Ok(Scan {
        root: root.display().to_string(),
        repository_path: repository_path(root, meta.is_file()),
        files: estimate::efforts(&all.findings),
        integration_points: estimate::integration_points(&all.findings),
        findings: all.findings,
        dependencies: all.dependencies,
        problems: all.problems,
        skipped: all.skipped,
        stats: all.stats,
    })
}

/// The root's directory relative to the top of its git repository, if it is in one.
fn repository_path(root: &Path, root_is_file: bool) -> Option<String> {
    let dir = std::fs::canonicalize(root).ok()?;
    let dir = if root_is_file {
        dir.parent()?.to_path_buf()
    } else {
        dir
    };
    let top = dir.ancestors().find(|a| a.join(".git").exists())?;
    Some(slashed(dir.strip_prefix(top).ok()?))
}

fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[derive(Default)]
struct Collected {
    findings: Vec<Finding>,
    /// Names imported from the project's modules by files that call through them: what
    /// `clients::resolve` looks up once every file is read.
    imports: Vec<clients::LocalImport>,
    /// Files that talk only to a self-hosted server (`self_hosted`): a client one of them makes
    /// takes its callers' findings with it.
    self_hosted: Vec<String>,
    /// Files whose findings all come from a call through an imported client (`Gate::File`):
    /// they stand only where `clients::resolve` finds that client is a vendor's.
    by_call: Vec<String>,
    /// The vocabulary findings through an imported client share with other vendors' APIs, by
    /// (file, line, column): `clients::resolve` gives it to the service the client was made for.
    shared: clients::Shared,
    dependencies: Vec<Dependency>,
    problems: Vec<Problem>,
    skipped: Vec<Skipped>,
    stats: ScanStats,
}

impl Collected {
    fn absorb(&mut self, other: Collected) {
        self.findings.extend(other.findings);
        self.imports.extend(other.imports);
        self.self_hosted.extend(other.self_hosted);
        self.by_call.extend(other.by_call);
        self.shared.extend(other.shared);
        self.skipped.extend(other.skipped);
        self.dependencies.extend(other.dependencies);
        self.problems.extend(other.problems);
        let (s, o) = (&mut self.stats, other.stats);
        s.files_scanned += o.files_scanned;
        s.bytes_scanned += o.bytes_scanned;
        s.files_other += o.files_other;
        s.skipped_binary += o.skipped_binary;
        s.skipped_large += o.skipped_large;
        s.skipped_symlinks += o.skipped_symlinks;
    }
}

struct Visitors<'a> {
    shared: &'a Mutex<Collected>,
    root: &'a Path,
    root_is_file: bool,
    max_bytes: u64,
}

impl<'a> ParallelVisitorBuilder<'a> for Visitors<'a> {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 'a> {
        Box::new(Visitor {
            shared: self.shared,
            root: self.root,
            root_is_file: self.root_is_file,
            max_bytes: self.max_bytes,
            matchers: Matchers::get(),
            local: Collected::default(),
            buf: Vec::new(),
        })
    }
}

/// One walker thread: collects locally, hands everything over when the walk drops it.
struct Visitor<'a> {
    shared: &'a Mutex<Collected>,
    root: &'a Path,
    root_is_file: bool,
    max_bytes: u64,
    matchers: &'static Matchers,
    local: Collected,
    /// Reused for every file this thread reads.
    buf: Vec<u8>,
}

impl Drop for Visitor<'_> {
    fn drop(&mut self) {
        let local = std::mem::take(&mut self.local);
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .absorb(local);
    }
}

impl ParallelVisitor for Visitor<'_> {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        match entry {
            Ok(entry) => self.visit_entry(&entry),
            Err(err) => {
                tracing::warn!("{err}");
                self.local.problems.push(Problem {
                    file: None,
                    line: None,
                    message: err.to_string(),
                });
            }
        }
        WalkState::Continue
    }
}

impl Visitor<'_> {
    fn visit_entry(&mut self, entry: &DirEntry) {
        let Some(kind) = entry.file_type() else {
            return;
        };
        if kind.is_symlink() {
            self.local.stats.skipped_symlinks += 1;
            self.skip(entry.path(), "a symbolic link (never followed)".into());
            return;
        }
        if !kind.is_file() {
            return;
        }
        let path = entry.path();
        let rel = self.relative(path);
        let lang = Lang::of(path);
        let manifest = PackageManifest::of(Path::new(&rel));
        if lang.is_none() && manifest.is_none() {
            self.local.stats.files_other += 1;
            return;
        }
        let notebook = path.extension().is_some_and(|e| e == "ipynb");
        let limit = if notebook {
            // Outputs make notebooks large; their code is what is scanned.
            NOTEBOOK_MAX_BYTES.max(self.max_bytes)
        } else {
            self.max_bytes
        };
        match self.read(path, limit) {
            Ok(true) => {}
            Ok(false) => return,
            Err(err) => {
                tracing::warn!("cannot read {}: {err}", path.display());
                self.local.problems.push(Problem {
                    file: Some(rel),
                    line: None,
                    message: format!("cannot read: {err}"),
                });
                return;
            }
        }
        self.local.stats.files_scanned += 1;
        self.local.stats.bytes_scanned += self.buf.len() as u64;
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        match lang {
            Some(_) if notebook => self.notebook(&rel),
            Some(lang) => self.code(&rel, lang, extension),
            None => {}
        }
        if let Some(manifest) = manifest {
            manifests::parse(
                manifest,
                &rel,
                &self.buf,
                &mut self.local.dependencies,
                &mut self.local.problems,
            );
        }
    }

    /// The findings of the code file in `buf`.
    fn code(&mut self, rel: &str, lang: Lang, extension: &str) {
        let mut hits = code_hits(self.matchers, lang, extension, &self.buf, Gate::File);
        // Only gated hits: a call opened them (`Gate::File`), which stands only through a client
        // another module makes for a vendor.
        let by_call = hits.iter().all(|h| h.pattern.gated);
        let vendor = attribute(&mut hits);
        let foreign = foreign(&hits, vendor);
        hits = (hits.into_iter().zip(foreign))
            .filter_map(|(h, foreign)| (!foreign).then_some(h))
            .collect();
        if vendor.is_none() {
            receivers::attribute_by_receiver(extension, &self.buf, &mut hits, self.matchers);
        }
        self.self_hosted(rel, vendor, &mut hits);
        one_per_feature(&mut hits, &self.buf);
        let worth = worth::worth_reading(extension, &self.buf, &hits);
        let facts = match worth.any() {
            true => clients::read(rel, extension, &self.buf, (&hits, worth), self.matchers),
            false => clients::FileClients::default(),
        };
        let (mut via, mut own) = (facts.via.into_iter(), facts.own.into_iter());
        let before = self.local.findings.len();
        let named = names_a_vendor(&hits);
        for hit in hits {
            let (via, own) = (via.next().flatten(), own.next().flatten());
            let unnamed = !named && hit.pattern.shared != Sharing::No;
            if (by_call || unnamed) && via.is_none() {
                continue;
            }
            let shared = hit.pattern.shared;
            let mut f = finding(rel, hit, None);
            if via.is_some() && shared != Sharing::No {
                let at = (f.file.clone(), f.line, f.column);
                self.local.shared.insert(at, shared);
            }
            f.client = client_of(via, f.vendor).or(own);
            self.local.findings.push(f);
        }
        if by_call && self.local.findings.len() > before {
            self.local.by_call.push(rel.to_string());
        }
        self.local.imports.extend(facts.imports);
    }

    /// The code cells of the notebook in `buf`, scanned as Python, each finding pointing at its
    /// cell; a file that is not a notebook is a problem named with the reason.
    fn notebook(&mut self, rel: &str) {
        let cells = match notebook::code_cells(&self.buf) {
            Ok(cells) => cells,
            Err(e) => {
                self.local.problems.push(Problem {
                    file: Some(rel.to_string()),
                    line: None,
                    message: format!("not a Jupyter notebook: {e}"),
                });
                return;
            }
        };
        // The notebook is one file (to gate patterns, to attribute): its cells share imports. A
        // cell that hit ran its gated patterns already; one that did not runs again with them
        // open when another cell hit.
        let code = |source: &str, vendor_file| {
            code_hits(
                self.matchers,
                Lang::Python,
                "py",
                source.as_bytes(),
                Gate::Part(vendor_file),
            )
        };
        let mut per_cell: Vec<Vec<Hit>> = cells.iter().map(|c| code(&c.source, false)).collect();
        if per_cell.iter().any(|h| !h.is_empty()) {
            for (cell, hits) in cells.iter().zip(per_cell.iter_mut()) {
                if hits.is_empty() {
                    *hits = code(&cell.source, true);
                }
            }
        }
        // Attributed as one text, the cells one after another: a line or byte of one cell must
        // not meet another cell's (`attribute` pairs a client with the import on its line).
        let mut hits = Vec::new();
        let mut cell_of = Vec::new();
        let mut offsets = Vec::with_capacity(cells.len());
        let (mut lines, mut bytes) = (0u32, 0usize);
        for (i, (cell, cell_hits)) in cells.iter().zip(per_cell).enumerate() {
            manifests::notebook_installs(
                rel,
                &cell.source,
                &cell.file_lines,
                &mut self.local.dependencies,
            );
            cell_of.extend(std::iter::repeat_n(i, cell_hits.len()));
            hits.extend(
                cell_hits
                    .into_iter()
                    .map(|h| shifted(h, lines, bytes, true)),
            );
            offsets.push((lines, bytes));
            lines += cell.source.lines().count() as u32 + 1;
            bytes += cell.source.len() + 1;
        }
        let vendor = attribute(&mut hits);
        let foreign = foreign(&hits, vendor);
        let (mut hits, cell_of): (Vec<Hit>, Vec<usize>) = (hits.into_iter().zip(cell_of))
            .zip(foreign)
            .filter_map(|(kept, foreign)| (!foreign).then_some(kept))
            .unzip();
        self.self_hosted(rel, vendor, &mut hits);
        if !names_a_vendor(&hits) {
            hits.clear();
        }
        let mut by_cell: Vec<Vec<Hit>> = vec![Vec::new(); cells.len()];
        for (hit, i) in hits.into_iter().zip(cell_of) {
            let (lines, bytes) = offsets[i];
            by_cell[i].push(shifted(hit, lines, bytes, false));
        }
        for (cell, mut hits) in cells.iter().zip(by_cell) {
            one_per_feature(&mut hits, cell.source.as_bytes());
            for hit in hits {
                let at = (hit.line as usize).checked_sub(1);
                let file_line = at.and_then(|i| cell.file_lines.get(i).copied().flatten());
                let mut f = finding(rel, hit, Some(cell.index));
                f.file_line = file_line;
                self.local.findings.push(f);
            }
        }
    }

    /// Reads the file into `buf`; false when it is skipped as larger than `limit` or binary.
    fn read(&mut self, path: &Path, limit: u64) -> std::io::Result<bool> {
        let file = File::open(path)?;
        let too_large = |len: u64| {
            format!("larger than the {limit}-byte limit ({len} bytes; --max-file-size raises it)")
        };
        let len = file.metadata()?.len();
        if len > limit {
            self.local.stats.skipped_large += 1;
            self.skip(path, too_large(len));
            return Ok(false);
        }
        self.buf.clear();
        // The file may have grown since; never read past the limit.
        file.take(limit + 1).read_to_end(&mut self.buf)?;
        if self.buf.len() as u64 > limit {
            self.local.stats.skipped_large += 1;
            self.skip(path, too_large(self.buf.len() as u64));
            return Ok(false);
        }
        // Git's and ripgrep's test: text files hold no NUL byte.
        if memchr::memchr(0, &self.buf).is_some() {
            self.local.stats.skipped_binary += 1;
            self.skip(path, "binary (it holds a NUL byte)".into());
            return Ok(false);
        }
        Ok(true)
    }

    /// A file whose one service is a self-hosted server has no vendor lock-in: its hits are
    /// dropped, and where it used a vendor's SDK or vocabulary to get there, it is listed as
    /// skipped, naming the server.
    fn self_hosted(&mut self, rel: &str, vendor: Option<Vendor>, hits: &mut Vec<Hit>) {
        if vendor != Some(Vendor::SelfHosted) {
            return;
        }
        let server = hits
            .iter()
            .find(|h| h.portability.vendor == Vendor::SelfHosted);
        let vendor_hits = hits
            .iter()
            .any(|h| h.portability.vendor != Vendor::SelfHosted);
        if let Some(server) = server.filter(|_| vendor_hits) {
            let reason = format!(
                "talks only to a self-hosted server (`{}`): no vendor lock-in",
                server.text
            );
            let file = rel.to_string();
            self.local.skipped.push(Skipped { file, reason });
            self.local.self_hosted.push(rel.to_string());
        }
        hits.clear();
    }

    fn skip(&mut self, path: &Path, reason: String) {
        tracing::debug!("skipped {}: {reason}", path.display());
        let file = self.relative(path);
        self.local.skipped.push(Skipped { file, reason });
    }

    /// `path` relative to the root, `/`-separated; a root that is a file is named by itself.
    fn relative(&self, path: &Path) -> String {
        if self.root_is_file {
            return path
                .file_name()
                .map_or_else(|| slashed(path), |n| n.to_string_lossy().into_owned());
        }
        slashed(path.strip_prefix(self.root).unwrap_or(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_root_is_an_error_naming_it() {
        let err = scan(Path::new("/no/such/dir"), &ScanOptions::default()).unwrap_err();
        assert!(
            err.to_string().starts_with("cannot scan /no/such/dir:"),
            "{err}"
        );
    }

    #[test]
    fn repository_path_is_the_root_inside_its_repository() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("repo/.git")).unwrap();
        std::fs::create_dir_all(tmp.path().join("repo/svc/api")).unwrap();
        let at = |p: &str| repository_path(&tmp.path().join(p), false);
        assert_eq!(at("repo/svc/api").as_deref(), Some("svc/api"));
        assert_eq!(at("repo").as_deref(), Some(""));
    }
}
