//! Go's package scope, for `clients`: the files of one directory are one package, and a
//! package-level client (`var client = openai.NewClient()` in `llm/client.go`) is called from
//! the package's other files by its bare name, with no import (`client.Chat.Completions.New(…)`
//! in `llm/ask.go`). The names a file calls through that it neither declares nor imports are
//! looked up, by `clients::resolve`, among the top-level clients of its directory's other files.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::imports::go_package;
use super::matcher::Hit;
use super::receivers::Bindings;
use super::syntax::{node_text, Syntax};

/// The names the calls around `hits` go through that the file (under `root`) neither declares
/// (a variable, parameter, receiver or range value) nor imports, and that no vendor binding of
/// `bound` holds: names another file of the package declares, if any does.
pub(super) fn package_names(
    root: Node,
    text: &[u8],
    hits: &[Hit],
    bound: &Bindings,
) -> Vec<String> {
    let (declared, assigned) = declared_names(root, text);
    let bound: HashSet<&str> = bound.keys().map(|(_, name)| name.as_str()).collect();
    let unknown =
        |name: &str| !name.is_empty() && !declared.contains(name) && !bound.contains(name);
    let mut out: Vec<String> = Vec::new();
    for hit in hits {
        let Some(node) = root.descendant_for_byte_range(hit.start, hit.start) else {
            continue;
        };
        let roots = (std::iter::successors(Some(node), |n| n.parent()))
            .filter_map(|n| Syntax::Go.callee(n, text))
            .map(|callee| first_name(&callee).to_string());
        // The innermost call through a name the file does not know (a package-level client, or
        // a function that returns one: `newClient().Chat…`), or through a local assigned a call
        // of one (`c := newClient()`, then `c.Chat…`).
        let name = roots.into_iter().find_map(|name| match unknown(&name) {
            true => Some(name),
            false => (assigned.get(&name)).filter(|f| unknown(f)).cloned(),
        });
        if let Some(name) = name.filter(|n| !out.contains(n)) {
            out.push(name);
        }
    }
    out
}

/// The identifier a dotted name starts with (`newClient` in `newClient().Chat.Completions.New`).
fn first_name(dotted: &str) -> &str {
    let end = dotted
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(dotted.len());
    &dotted[..end]
}

/// Every name a Go file binds (imports, top-level and local variables and constants,
/// functions, types, parameters, receivers and range values), and the locals assigned a call of
/// a plain name, with that name (`c := newClient()`).
fn declared_names(root: Node, text: &[u8]) -> (HashSet<String>, HashMap<String, String>) {
    const NAMING: &[&str] = &[
        "import_spec",
        "var_spec",
        "const_spec",
        "function_declaration",
        "method_declaration",
        "type_spec",
        "parameter_declaration",
        "variadic_parameter_declaration",
    ];
    let mut out = HashSet::new();
    let mut assigned = HashMap::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let kind = node.kind();
        if NAMING.contains(&kind) {
            let mut cursor = node.walk();
            let names = node.children_by_field_name("name", &mut cursor);
            out.extend(names.map(|n| node_text(n, text).to_string()));
        }
        if kind == "import_spec" && node.child_by_field_name("name").is_none() {
            let path = node
                .child_by_field_name("path")
                .map_or("", |p| node_text(p, text));
            out.insert(go_package(path));
        }
        if matches!(kind, "short_var_declaration" | "range_clause") {
            if let Some(left) = node.child_by_field_name("left") {
                let mut cursor = left.walk();
                let names = left.named_children(&mut cursor);
                out.extend(names.map(|n| node_text(n, text).to_string()));
            }
        }
        if let Some((target, value)) = Syntax::Go.assignment(node) {
            let function = (value.kind() == "call_expression")
                .then(|| value.child_by_field_name("function"))
                .flatten()
                .filter(|f| f.kind() == "identifier");
            if let Some(function) = function {
                let (target, function) = (node_text(target, text), node_text(function, text));
                assigned.insert(target.to_string(), function.to_string());
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    (out, assigned)
}
