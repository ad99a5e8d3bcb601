//! Which client object each finding goes through, and where that client is made: the unit of an
//! integration point. `client = OpenAI()` at a module's top level is a client other files import
//! (`from .llm import client`, `import { openai } from "./lib/ai"`), and so is a function there
//! that returns one (`def anthropic_client(): return Anthropic()`); a call through it, in any
//! file, belongs to the place it is made: moving that client is one piece of work, however many
//! files call it (Python, JavaScript and TypeScript, whose modules import clients by name). A
//! file that makes several clients of one vendor, in any language with a grammar, has a point
//! per client. Where the tree does not say, a file and a vendor stand for a client.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use tree_sitter::Node;

use super::attribute::belongs_to;
use super::go_package::package_names;
use super::imports::{import_vendors, imported_names};
use super::matcher::{Hit, Matchers};
use super::modules::{module_files, module_test};
use super::receivers::{
    bindings, constructions, ident_char, own_client, returned_client, unawaited,
};
use super::rules::{portability, Sharing, Vendor};
use super::syntax::{node_text, parse, Syntax};
use super::worth::Worth;
use super::{Client, Finding};

/// A name a file imports from a module of its own project (no vendor's SDK).
#[derive(Debug, Clone)]
pub(super) struct LocalImport {
    /// The importing file.
    pub file: String,
    /// The name it is known by in that file.
    pub name: String,
    /// The module as written: `.llm`, `app.llm`, `./lib/ai`, `@/lib/ai`.
    pub module: String,
    /// The name the module exports it under.
    pub imported: String,
}

/// The sharing (`rules::Sharing`) of the findings through imported clients whose vocabulary other
/// vendors' APIs share, by (file, line, column): the scan keeps it beside the findings, which
/// do not carry it.
pub(super) type Shared = HashMap<(String, u32, u32), Sharing>;

/// What a file that calls through imported clients says about them.
#[derive(Default)]
pub(super) struct FileClients {
    pub imports: Vec<LocalImport>,
    /// For each hit, in order: the local name of the imported client it goes through, if any
    /// (`resolve` looks it up).
    pub via: Vec<Option<String>>,
    /// For each hit, in order: the client the file makes that its call goes through, where the
    /// file makes several of one vendor's (`sync = OpenAI()`, `async_client = AsyncOpenAI()`):
    /// each is an integration point. None everywhere in a file that makes one per vendor.
    pub own: Vec<Option<Client>>,
}

/// Reads `text` (a file at `file` whose rules hit `hits`) for the imported clients its hits go
/// through.
pub(super) fn read(
    file: &str,
    extension: &str,
    text: &[u8],
    (hits, worth): (&[Hit], Worth),
    matchers: &Matchers,
) -> FileClients {
    let Some((tree, syntax)) = parse(extension, text) else {
        return FileClients::default();
    };
    let root = tree.root_node();
    let imports = match syntax {
        Syntax::Go if worth.imported => package_imports(root, (file, text), hits, matchers),
        _ if syntax.imports_clients() => local_imports(root, text, syntax, matchers, file),
        _ => Vec::new(),
    };
    let names: Vec<&str> = imports.iter().map(|i| i.name.as_str()).collect();
    let assigned = made_by_imports(root, (text, syntax), &names);
    let via = (hits.iter())
        .map(|h| via(root, h.start, text, (&names, &assigned)))
        .collect();
    let own = match worth.several {
        true => own_clients(root, (file, text, syntax), hits, matchers),
        false => vec![None; hits.len()],
    };
    FileClients { imports, via, own }
}

/// A Go file's calls through names its package declares in another file (`go_package`): each
/// as if imported from the file's own directory (`.`).
fn package_imports(
    root: Node,
    (file, text): (&str, &[u8]),
    hits: &[Hit],
    matchers: &Matchers,
) -> Vec<LocalImport> {
    let bound = bindings(root, text, Syntax::Go, matchers);
    (package_names(root, text, hits, &bound).into_iter())
        .map(|name| LocalImport {
            file: file.to_string(),
            name: name.clone(),
            module: ".".to_string(),
            imported: name,
        })
        .collect()
}

/// For each hit, the client the file makes that its call goes through (`FileClients::own`).
fn own_clients(
    root: Node,
    (file, text, syntax): (&str, &[u8], Syntax),
    hits: &[Hit],
    matchers: &Matchers,
) -> Vec<Option<Client>> {
    let bound = bindings(root, text, syntax, matchers);
    let made = constructions(&bound);
    let mut own: Vec<Option<Client>> = (hits.iter())
        .map(|h| {
            let (name, line, vendor) = own_client(root, h.start, (text, syntax), (&bound, &made))?;
            let file = file.to_string();
            Some(Client {
                file,
                name,
                line,
                vendor,
            })
        })
        .collect();
    let mut made: Vec<(Vendor, u32)> = own.iter().flatten().map(|c| (c.vendor, c.line)).collect();
    made.sort();
    made.dedup();
    if !made.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        own.fill(None);
    }
    own
}

/// The project's modules that imported clients come from, each read once.
struct Modules<'a> {
    root: &'a Path,
    /// The largest file read (the scan's own limit).
    limit: u64,
    matchers: &'a Matchers,
    read: HashMap<String, Module>,
}

/// What a module gives other modules: the clients it makes, by the name they are imported under
/// (`exports`), and the names it imports from the project's other modules.
type Module = (Vec<(String, Client)>, Vec<LocalImport>);

impl Modules<'_> {
    /// The client `module` exports as `name`: one it makes, or one it imports from another of
    /// the project's modules, which it re-exports (`from .client import client` in a package's
    /// `__init__.py`), followed up to three modules on.
    fn exported(&mut self, module: &str, name: &str, depth: u8) -> Option<Client> {
        let (root, matchers) = (self.root, self.matchers);
        let (made, imports) = (self.read.entry(module.to_string()))
            .or_insert_with(|| exports(root, module, matchers));
        if let Some((_, client)) = made.iter().find(|(n, _)| n == name) {
            return Some(client.clone());
        }
        let from: Vec<LocalImport> = (imports.iter())
            .filter(|i| (i.name == name || i.name == "*") && depth < 3)
            .cloned()
            .collect();
        from.iter().find_map(|import| {
            let module = on_disk(root, import, self.limit)?;
            let imported = if import.name == "*" {
                name
            } else {
                &import.imported
            };
            self.exported(&module, imported, depth + 1)
        })
    }
}

/// The file under `root` the module `import` names, read from the disk (a package's
/// `__init__.py` or a barrel `index.ts` has no finding of its own).
/// Only a plain file under the root, no larger than a scanned file may be (`limit`): a module
/// name is the scanned code's word, and may say `../../..`.
fn on_disk(root: &Path, import: &LocalImport, limit: u64) -> Option<String> {
    let files = module_files(&import.file, &import.module);
    let inside = |f: &str| !f.split('/').any(|part| part == ".." || part.is_empty());
    let plain = |f: &str| {
        let meta = std::fs::symlink_metadata(root.join(f));
        meta.is_ok_and(|m| m.is_file() && m.len() <= limit)
    };
    (files.iter())
        .map(|f| f.trim_start_matches('/'))
        .find(|f| inside(f) && plain(f))
        .map(str::to_string)
}

/// The clients the module at `file` (under `root`) makes at its top level, by the name other
/// files import them under (their own, or `default` for `export default client`), and the names
/// it imports from the project's other modules.
fn exports(root: &Path, file: &str, matchers: &Matchers) -> Module {
    let extension = file.rsplit_once('.').map_or("", |(_, e)| e);
    let Ok(text) = std::fs::read(root.join(file)) else {
        return Default::default();
    };
    let shared = |s: &Syntax| s.imports_clients() || *s == Syntax::Go;
    let Some((tree, syntax)) = parse(extension, &text).filter(|(_, s)| shared(s)) else {
        return Default::default();
    };
    let bound = bindings(tree.root_node(), &text, syntax, matchers);
    // A client is named as first bound, whatever else is bound to it (`fast =
    // client.with_options(...)`): one construction, one point.
    let made = constructions(&bound);
    let mut out = Vec::new();
    for ((_, name), list) in bound.iter().filter(|((scope, _), _)| *scope == 0) {
        for line in list.iter().filter_map(|b| b.made) {
            if let Some((first, vendor)) = made.get(&line) {
                let (file, name_made) = (file.to_string(), first.clone());
                let client = Client {
                    file,
                    name: name_made,
                    line,
                    vendor: *vendor,
                };
                out.push((name.clone(), client));
            }
        }
    }
    for (name, function) in functions(tree.root_node(), &text) {
        let returned = returned_client(function, &text, (syntax, matchers), &bound);
        if let Some((vendor, line)) = returned {
            let client = Client {
                file: file.to_string(),
                name: format!("{name}()"),
                line,
                vendor,
            };
            out.push((name, client));
        }
    }
    if let Some(name) = default_export(tree.root_node(), &text) {
        let own = out.iter().find(|(n, _)| *n == name).map(|(_, c)| c.clone());
        out.extend(own.map(|c| ("default".to_string(), c)));
    }
    out.sort();
    let imports = match syntax.imports_clients() {
        true => local_imports(tree.root_node(), &text, syntax, matchers, file),
        false => Vec::new(),
    };
    (out, imports)
}

/// A module's top-level functions, by name: `def client():` (decorated or not), `function
/// client()`, `const client = () => …` (exported or not).
fn functions<'t>(root: Node<'t>, text: &[u8]) -> Vec<(String, Node<'t>)> {
    let mut out = Vec::new();
    let mut cursor = root.walk();
    let mut stack: Vec<Node> = root.named_children(&mut cursor).collect();
    while let Some(node) = stack.pop() {
        let inner = match node.kind() {
            "decorated_definition" => node.child_by_field_name("definition"),
            "export_statement" => node.child_by_field_name("declaration"),
            _ => None,
        };
        if let Some(inner) = inner {
            stack.push(inner);
            continue;
        }
        let (name, function) = match node.kind() {
            "function_definition" | "function_declaration" => {
                (node.child_by_field_name("name"), Some(node))
            }
            "lexical_declaration" | "variable_declaration" => {
                let mut cursor = node.walk();
                stack.extend(node.named_children(&mut cursor));
                continue;
            }
            "variable_declarator" => (
                node.child_by_field_name("name"),
                node.child_by_field_name("value").filter(|v| {
                    matches!(
                        v.kind(),
                        "arrow_function" | "function_expression" | "function"
                    )
                }),
            ),
            _ => continue,
        };
        if let (Some(name), Some(function)) = (name, function) {
            out.push((node_text(name, text).to_string(), function));
        }
    }
    out
}

/// The name a JavaScript module exports as its default (`export default openai;`).
fn default_export(root: Node, text: &[u8]) -> Option<String> {
    let mut cursor = root.walk();
    let found = root.named_children(&mut cursor).find_map(|n| {
        let value = n
            .child_by_field_name("value")
            .filter(|_| n.kind() == "export_statement")?;
        (value.kind() == "identifier").then(|| node_text(value, text).to_string())
    });
    found
}

/// Names imported from modules no SDK rule hits: the project's own.
fn local_imports(
    root: Node,
    text: &[u8],
    syntax: Syntax,
    matchers: &Matchers,
    file: &str,
) -> Vec<LocalImport> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        // A JavaScript `export { claude } from "./claude"` re-exports as an import imports.
        let re_export =
            node.kind() == "export_statement" && node.child_by_field_name("source").is_some();
        if !(matches!(node.kind(), "import_statement" | "import_from_statement") || re_export) {
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
            continue;
        }
        let module = match syntax {
            Syntax::Python => node.child_by_field_name("module_name"),
            _ => node.child_by_field_name("source"),
        };
        let Some(module) =
            module.filter(|_| import_vendors(node, text, syntax, matchers).is_empty())
        else {
            continue;
        };
        let module = node_text(module, text).trim_matches(['"', '\'', '`']);
        let mut names = imported_names(node, text, syntax);
        if re_export && names.is_empty() {
            names.push(("*".to_string(), Some("*".to_string()))); // `export * from "./claude"`
        }
        for (name, imported) in names {
            // Python's `import app.llm` binds a module, not a client; JavaScript's default
            // import binds what the module exports as `default`.
            let imported = match syntax {
                Syntax::Python if node.kind() == "import_statement" => None,
                Syntax::Python => imported,
                _ => Some(imported.unwrap_or_else(|| "default".to_string())),
            };
            if let Some(imported) = imported {
                out.push(LocalImport {
                    file: file.to_string(),
                    name,
                    module: module.to_string(),
                    imported,
                });
            }
        }
    }
    out
}

/// A name a file assigns, where, and the imported function whose call it is assigned, if any.
type Assigned = (String, usize, Option<String>);

/// Every name a file assigns (`client`, `self.client`, `this.ai`), in the file's order, with the
/// imported function whose call it is assigned, if any (`client = anthropic_client()`, `const ai
/// = await getClient()`): (the name, where it is bound, that function's name).
fn made_by_imports(
    root: Node,
    (text, syntax): (&[u8], Syntax),
    imported: &[&str],
) -> Vec<Assigned> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let sides = syntax.assignment(node);
        let named = |l: &Node| matches!(l.kind(), "identifier" | "attribute" | "member_expression");
        if let Some((left, right)) = sides.filter(|(l, _)| named(l)) {
            let right = unawaited(right);
            let function = (matches!(right.kind(), "call" | "call_expression"))
                .then(|| right.child_by_field_name("function"))
                .flatten()
                .map(|f| node_text(f, text))
                .filter(|f| imported.contains(f));
            let name = node_text(left, text).to_string();
            out.push((name, node.start_byte(), function.map(str::to_string)));
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    out.sort_by_key(|(_, at, _)| *at);
    out
}

/// The imported name of the innermost call around byte `at` made through one
/// (`client.chat.completions.create(...)` after `from .llm import client`), directly or through
/// what it returns (`anthropic_client().messages.create(...)`, or a name last assigned that before
/// the call: `assigned`, from `made_by_imports`).
fn via(
    root: Node,
    at: usize,
    text: &[u8],
    (imported, assigned): (&[&str], &[Assigned]),
) -> Option<String> {
    let mut node = root.descendant_for_byte_range(at, at)?;
    loop {
        if matches!(node.kind(), "call" | "call_expression") {
            let function = node_text(node.child_by_field_name("function")?, text);
            let end = function
                .find(|c: char| !ident_char(c))
                .unwrap_or(function.len());
            let first = &function[..end];
            if imported.contains(&first) {
                return Some(first.to_string());
            }
            // The longest assigned name the call goes through, as last assigned before it.
            let through = |name: &str| {
                function.len() > name.len()
                    && function.starts_with(name)
                    && function[name.len()..].starts_with('.')
            };
            let last = (assigned.iter())
                .filter(|(name, bound_at, _)| *bound_at <= at && through(name))
                .max_by_key(|(name, _, _)| name.len());
            if let Some((_, _, made_by)) = last {
                return made_by.clone();
            }
        }
        node = node.parent()?;
    }
}

/// Gives each finding that goes through an imported client the client its module made, where
/// that module is among `modules` (the files with findings, and those that talk only to a
/// self-hosted server: an SDK's client is made beside its import); the others keep none. Until
/// then, such a finding's client is the local name with an empty `file` (`scan` writes it so).
/// Each such module is parsed once, here. A call through a client made for another service is
/// that service's where it would be in one file (`to_client_vendor`). The findings of `by_call` (files whose only
/// vendor text is such a call, `matcher::Gate::File`) stand only where the client is found. A
/// call through a client made for a self-hosted server is no lock-in: it goes, and each file
/// left with no finding is returned, with that client.
pub(super) fn resolve(
    findings: &mut Vec<Finding>,
    (imports, by_call, shared): (&[LocalImport], &[String], &Shared),
    (root, mut modules, limit): (&Path, Vec<String>, u64),
    matchers: &Matchers,
) -> Vec<(String, Client)> {
    let by_name: HashMap<(&str, &str), &LocalImport> = (imports.iter())
        .map(|i| ((i.file.as_str(), i.name.as_str()), i))
        .collect();
    modules.extend(findings.iter().map(|f| f.file.clone()));
    modules.sort();
    modules.dedup();
    let mut read = Modules {
        root,
        limit,
        matchers,
        read: HashMap::new(),
    };
    for f in findings.iter_mut() {
        let Some(client) = f.client.as_ref().filter(|c| c.file.is_empty()) else {
            continue;
        };
        let Some(import) = by_name.get(&(f.file.as_str(), client.name.as_str())) else {
            f.client = None;
            continue;
        };
        let in_module = module_test(import);
        let mut candidates = modules.iter().filter(|file| in_module(file));
        f.client = candidates
            .find_map(|module| read.exported(module, &import.imported, 0))
            .or_else(|| read.exported(&on_disk(root, import, limit)?, &import.imported, 0));
        let sharing = shared.get(&(f.file.clone(), f.line, f.column));
        to_client_vendor(f, sharing.copied().unwrap_or(Sharing::No));
    }
    let by_call: HashSet<&str> = by_call.iter().map(String::as_str).collect();
    findings.retain(|f| f.client.is_some() || !by_call.contains(f.file.as_str()));
    let local = |f: &Finding| {
        (f.client.as_ref())
            .filter(|c| c.vendor == Vendor::SelfHosted)
            .cloned()
    };
    let dropped: Vec<(String, Client)> = (findings.iter())
        .filter_map(|f| local(f).map(|c| (f.file.clone(), c)))
        .collect();
    findings.retain(|f| local(f).is_none());
    let mut emptied: Vec<(String, Client)> = (dropped.into_iter())
        .filter(|(file, _)| !findings.iter().any(|f| f.file == *file))
        .collect();
    emptied.dedup_by(|a, b| a.0 == b.0);
    emptied
}

/// A finding through a client made for another service than its vendor's goes to that service
/// as it would in the file that makes the client (`attribute::belongs_to`): everything said
/// through `AnthropicBedrock()` or `AzureOpenAI()` is the platform's, and the vocabulary an
/// OpenAI client pointed at Groq shares with Groq's API is Groq's.
fn to_client_vendor(f: &mut Finding, sharing: Sharing) {
    let Some(service) = f.client.as_ref().map(|c| c.vendor) else {
        return;
    };
    if service != f.vendor && belongs_to(sharing, f.vendor, service) {
        if let Some(row) = portability(service, f.feature) {
            f.take_row(row);
        }
    }
}
