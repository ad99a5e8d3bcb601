//! Which client object each finding goes through, and where that client is made: the unit of an
//! integration point. `client = OpenAI()` at a module's top level is a client other files import
//! (`from .llm import client`, `import { openai } from "./lib/ai"`), and a call through it, in
//! any file, belongs to the place it is made: moving that client is one piece of work, however
//! many files call it. Python, JavaScript and TypeScript, whose syntax trees `receivers` reads;
//! in other languages, and where the tree does not say, a file and a vendor stand for a client.

use std::collections::HashMap;

use tree_sitter::{Node, Parser};

use super::matcher::{Hit, Matchers};
use super::receivers::{
    bindings, bound_prefix, grammar, import_vendors, imported_names, node_text, scopes, Bindings,
};
use super::rules::Lang;
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

/// What one file says about clients.
#[derive(Default)]
pub(super) struct FileClients {
    /// Clients made at the top level of the module, by the name other files import them under
    /// (their own, or `default` for JavaScript's `export default client`).
    pub exports: Vec<(String, Client)>,
    pub imports: Vec<LocalImport>,
    /// For each hit, in order: the client it goes through, where the tree says.
    pub via: Vec<Option<Via>>,
}

pub(super) enum Via {
    /// A client made in this file.
    Made(Client),
    /// A name imported from another module of the project (`resolve` looks it up).
    Imported(String),
}

/// Reads `text` (a file at `file` whose rules hit `hits`) for its clients.
pub(super) fn read(
    file: &str,
    extension: &str,
    text: &[u8],
    hits: &[Hit],
    matchers: &Matchers,
) -> FileClients {
    let mut out = FileClients::default();
    let Some((language, lang)) = grammar(extension) else {
        return out;
    };
    let mut parser = Parser::new();
    let tree = parser
        .set_language(&language)
        .ok()
        .and_then(|_| parser.parse(text, None));
    let Some(tree) = tree else {
        return out;
    };
    let root = tree.root_node();
    let bound = bindings(root, text, lang, matchers);
    out.imports = local_imports(root, text, lang, matchers, file);
    for ((scope, name), list) in &bound {
        for b in list.iter().filter(|_| *scope == 0) {
            if let Some(line) = b.made {
                let (file, vendor) = (file.to_string(), b.vendor);
                let client = Client {
                    file,
                    name: name.clone(),
                    line,
                    vendor,
                };
                out.exports.push((name.clone(), client));
            }
        }
    }
    if let Some(name) = default_export(root, text) {
        let own = out
            .exports
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| c.clone());
        out.exports.extend(own.map(|c| ("default".to_string(), c)));
    }
    out.exports.sort();
    let imported: Vec<&str> = out.imports.iter().map(|i| i.name.as_str()).collect();
    out.via = (hits.iter())
        .map(|h| via(root, h.start, text, (&bound, &imported), file))
        .collect();
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
    lang: Lang,
    matchers: &Matchers,
    file: &str,
) -> Vec<LocalImport> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if !matches!(node.kind(), "import_statement" | "import_from_statement") {
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
            continue;
        }
        let module = match lang {
            Lang::Python => node.child_by_field_name("module_name"),
            _ => node.child_by_field_name("source"),
        };
        let Some(module) = module.filter(|_| import_vendors(node, text, lang, matchers).is_empty())
        else {
            continue;
        };
        let module = node_text(module, text).trim_matches(['"', '\'', '`']);
        for (name, imported) in imported_names(node, text, lang) {
            // Python's `import app.llm` binds a module, not a client; JavaScript's default
            // import binds what the module exports as `default`.
            let imported = match lang {
                Lang::Python if node.kind() == "import_statement" => None,
                Lang::Python => imported,
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

/// The client the hit at byte `at` goes through: the innermost call on a client made in this
/// file or imported by name, or the construction it sits in (`OpenAI(base_url=...)`).
fn via(
    root: Node,
    at: usize,
    text: &[u8],
    (bound, imported): (&Bindings, &[&str]),
    file: &str,
) -> Option<Via> {
    let mut node = root.descendant_for_byte_range(at, at)?;
    let chain = scopes(node);
    loop {
        let dotted = match node.kind() {
            "call" | "call_expression" => node.child_by_field_name("function"),
            "assignment" | "assignment_expression" => node.child_by_field_name("left"),
            "variable_declarator" | "public_field_definition" => node.child_by_field_name("name"),
            "field_definition" => node.child_by_field_name("property"),
            _ => None,
        };
        if let Some(dotted) = dotted.map(|d| node_text(d, text)) {
            let dotted = match node.kind() {
                "public_field_definition" | "field_definition" => format!("this.{dotted}"),
                _ => dotted.to_string(),
            };
            if let Some((len, b)) = bound_prefix(&dotted, &chain, bound, node.start_byte()) {
                if let Some(line) = b.made {
                    let (file, name) = (file.to_string(), dotted[..len].to_string());
                    return Some(Via::Made(Client {
                        file,
                        name,
                        line,
                        vendor: b.vendor,
                    }));
                }
            }
            let first = dotted.split('.').next().unwrap_or_default();
            if imported.contains(&first) && node.kind().contains("call") {
                return Some(Via::Imported(first.to_string()));
            }
        }
        node = node.parent()?;
    }
}

/// Gives each finding that goes through an imported client the client its module made, where
/// the module is in the scan; the others keep none. Until then, such a finding's client is the
/// local name with an empty `file` (`scan` writes it so).
pub(super) fn resolve(
    findings: &mut [Finding],
    exports: &[(String, Client)],
    imports: &[LocalImport],
) {
    let by_name: HashMap<(&str, &str), &LocalImport> = (imports.iter())
        .map(|i| ((i.file.as_str(), i.name.as_str()), i))
        .collect();
    for f in findings.iter_mut() {
        let Some(client) = f.client.as_ref().filter(|c| c.file.is_empty()) else {
            continue;
        };
        let import = by_name.get(&(f.file.as_str(), client.name.as_str()));
        f.client = import.and_then(|i| {
            let candidates = module_files(&i.file, &i.module);
            (exports.iter())
                .filter(|(name, _)| *name == i.imported)
                .find(|(_, c)| candidates.iter().any(|m| is_module(&c.file, m)))
                .map(|(_, c)| c.clone())
        });
    }
}

/// Whether `file` is the module `candidate` names: the same path, or (for a module named from
/// the project's root or a path alias, which the scan's root may sit above) one ending in it.
fn is_module(file: &str, candidate: &str) -> bool {
    match candidate.strip_prefix('/') {
        Some(exact) => file == exact,
        None => file == candidate || file.ends_with(&format!("/{candidate}")),
    }
}

/// The files a module name may be, relative to the scan's root: exact paths start with `/`.
fn module_files(importer: &str, module: &str) -> Vec<String> {
    let dir = importer.rsplit_once('/').map_or("", |(d, _)| d);
    let python = importer.ends_with(".py") || importer.ends_with(".pyi");
    let (base, exact) = if python {
        let dots = module.chars().take_while(|&c| c == '.').count();
        let path = module[dots..].replace('.', "/");
        if dots == 0 {
            (path, false)
        } else {
            let up: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
            let keep = up.len().saturating_sub(dots - 1);
            let mut parts: Vec<&str> = up[..keep].to_vec();
            parts.extend(path.split('/').filter(|s| !s.is_empty()));
            (parts.join("/"), true)
        }
    } else if module.starts_with('.') {
        (joined(dir, module), true)
    } else {
        let alias = module.trim_start_matches("@/").trim_start_matches("~/");
        (alias.to_string(), false)
    };
    let endings: &[&str] = if python {
        &[".py", "/__init__.py"]
    } else {
        &[
            "",
            ".ts",
            ".tsx",
            ".js",
            ".jsx",
            ".mjs",
            ".cjs",
            "/index.ts",
            "/index.js",
        ]
    };
    // TypeScript's ESM imports name the compiled file: `./llm.js` is `llm.ts`.
    let base = (!python)
        .then(|| base.strip_suffix(".js"))
        .flatten()
        .map_or(base.clone(), str::to_string);
    let prefix = if exact { "/" } else { "" };
    (endings.iter())
        .map(|e| format!("{prefix}{base}{e}"))
        .collect()
}

/// `dir` joined with a relative module path, `.` and `..` resolved.
fn joined(dir: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_become_the_files_they_may_be() {
        let py = module_files("app/api/routes.py", "..llm");
        assert_eq!(py, ["/app/llm.py", "/app/llm/__init__.py"]);
        let py = module_files("app/api/routes.py", ".llm");
        assert_eq!(py[0], "/app/api/llm.py");
        assert_eq!(module_files("main.py", "app.llm")[0], "app/llm.py");
        let ts = module_files("src/pages/chat.ts", "../lib/ai.js");
        assert_eq!(&ts[..2], ["/src/lib/ai", "/src/lib/ai.ts"]);
        assert_eq!(module_files("src/x.ts", "@/lib/ai")[1], "lib/ai.ts");
        assert!(is_module("src/lib/ai.ts", "lib/ai.ts"));
        assert!(!is_module("src/lib/ai.ts", "/lib/ai.ts"));
    }
}
