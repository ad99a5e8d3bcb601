//! Whose client a call goes through, read from the syntax tree: in a file that talks to several
//! vendors, `attribute` cannot tell whose a `tool_choice` is; the call it sits in can. Imports
//! bind names to a vendor (`import openai`, `from anthropic import Anthropic as Claude`,
//! `import Anthropic from "@anthropic-ai/sdk"`), assignments of a call or `new` on a bound name
//! bind their target (`client = Claude()`, `self.oa = openai.OpenAI()`,
//! `const claude = new Anthropic()`), and a shared hit inside a call on a bound receiver
//! (`client.messages.create(..., tool_choice=...)`) goes to that receiver's vendor.
//!
//! Python, JavaScript and TypeScript files, and only those `attribute` left ambiguous: most
//! files never get here.

use std::collections::HashMap;

use tree_sitter::{Language, Node, Parser};

use super::attribute::may_move;
use super::matcher::{Hit, Matchers};
use super::rules::{portability, Feature, Lang, Sharing, Vendor};

/// The grammars read here, by file extension, and which family of node kinds they use.
fn grammar(extension: &str) -> Option<(Language, Lang)> {
    Some(match extension {
        "py" | "pyi" => (tree_sitter_python::LANGUAGE.into(), Lang::Python),
        "js" | "mjs" | "cjs" | "jsx" => (tree_sitter_javascript::LANGUAGE.into(), Lang::JavaScript),
        "ts" | "mts" | "cts" => (
            tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::JavaScript,
        ),
        "tsx" => (
            tree_sitter_typescript::LANGUAGE_TSX.into(),
            Lang::JavaScript,
        ),
        _ => return None,
    })
}

/// Moves each shared hit of a file that talks to several vendors to the vendor of the client its
/// call goes through, where the tree says which.
pub(crate) fn attribute_by_receiver(
    extension: &str,
    text: &[u8],
    hits: &mut [Hit],
    matchers: &Matchers,
) {
    let shared = |h: &Hit| h.pattern.shared != Sharing::No;
    if !hits.iter().any(shared) || talks_to(hits) < 2 {
        return;
    }
    let Some((language, lang)) = grammar(extension) else {
        return;
    };
    let mut parser = Parser::new();
    if parser.set_language(&language).is_err() {
        return;
    }
    let Some(tree) = parser.parse(text, None) else {
        return;
    };
    let bindings = bindings(tree.root_node(), text, lang, matchers);
    for hit in hits.iter_mut().filter(|h| shared(h)) {
        let Some(vendor) = receiver_vendor(tree.root_node(), hit.start, text, &bindings) else {
            continue;
        };
        let fits = may_move(hit.pattern.shared, vendor);
        if let Some(row) = portability(vendor, hit.pattern.feature).filter(|_| fits) {
            hit.portability = row;
        }
    }
}

/// How many vendors the file's own (unshared) hits name, model ids aside.
fn talks_to(hits: &[Hit]) -> usize {
    let mut vendors: Vec<Vendor> = (hits.iter())
        .filter(|h| h.pattern.shared == Sharing::No && h.pattern.feature != Feature::ModelId)
        .map(|h| h.portability.vendor)
        .collect();
    vendors.sort();
    vendors.dedup();
    vendors.len()
}

fn node_text<'a>(node: Node, text: &'a [u8]) -> &'a str {
    std::str::from_utf8(&text[node.byte_range()]).unwrap_or_default()
}

/// Names bound to a vendor, in the order the file binds them.
fn bindings(root: Node, text: &[u8], lang: Lang, matchers: &Matchers) -> HashMap<String, Vendor> {
    let mut bound = HashMap::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "import_statement" | "import_from_statement" => {
                let imported = import_vendor(node, text, lang, matchers);
                if let Some(vendor) = imported {
                    for name in imported_names(node, text, lang) {
                        bound.insert(name, vendor);
                    }
                }
                continue;
            }
            // Python `a = f()`; JavaScript `this.a = new F()`.
            "assignment" | "assignment_expression" => bind(node, "left", "right", text, &mut bound),
            "variable_declarator" => bind(node, "name", "value", text, &mut bound),
            _ => {}
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        // Reversed, so that the stack pops them in document order.
        stack.extend(children.into_iter().rev());
    }
    bound
}

/// The vendor whose SDK an import brings in, as the rules see its text.
fn import_vendor(node: Node, text: &[u8], lang: Lang, matchers: &Matchers) -> Option<Vendor> {
    let statement = node_text(node, text);
    // The last: `from openai import AzureOpenAI` is Azure's client.
    let hits = matchers.find(lang, statement.as_bytes());
    (hits.iter().rev())
        .find(|h| h.pattern.feature == Feature::Sdk)
        .map(|h| h.portability.vendor)
}

/// The names an import binds.
fn imported_names(node: Node, text: &[u8], lang: Lang) -> Vec<String> {
    if lang == Lang::JavaScript {
        return js_imported_names(node, text);
    }
    let mut names = Vec::new();
    let from = node.kind() == "import_from_statement";
    let module = node.child_by_field_name("module_name").map(|m| m.id());
    let mut cursor = node.walk();
    for name in node.children_by_field_name("name", &mut cursor) {
        if Some(name.id()) == module {
            continue;
        }
        let bound_name = match name.kind() {
            "aliased_import" => name
                .child_by_field_name("alias")
                .map(|a| node_text(a, text)),
            // `import google.genai` binds `google`; `from x import y` binds `y`.
            _ if from => Some(node_text(name, text)),
            _ => node_text(name, text).split('.').next(),
        };
        names.extend(bound_name.map(str::to_string));
    }
    names
}

/// `import OpenAI from "openai"`, `import { GoogleGenAI as G } from …`, `import * as genai …`.
fn js_imported_names(node: Node, text: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match n.kind() {
            "import_specifier" => {
                let name = n
                    .child_by_field_name("alias")
                    .or(n.child_by_field_name("name"));
                names.extend(name.map(|a| node_text(a, text).to_string()));
                continue;
            }
            "identifier" => names.push(node_text(n, text).to_string()),
            _ => {}
        }
        let mut cursor = n.walk();
        stack.extend(n.children(&mut cursor));
    }
    names
}

/// `target = receiver(...)`, `target = receiver.Client(...)` or `target = new Receiver(...)`
/// (awaited or not), the receiver bound: the target is.
fn bind(node: Node, target: &str, value: &str, text: &[u8], bound: &mut HashMap<String, Vendor>) {
    let (Some(left), Some(mut right)) = (
        node.child_by_field_name(target),
        node.child_by_field_name(value),
    ) else {
        return;
    };
    if right.kind() == "await_expression" {
        let Some(inner) = right.named_child(0) else {
            return;
        };
        right = inner;
    }
    let callee = match right.kind() {
        "call" | "call_expression" => right.child_by_field_name("function"),
        "new_expression" => right.child_by_field_name("constructor"),
        _ => None,
    };
    let plain_target = matches!(
        left.kind(),
        "identifier" | "attribute" | "member_expression"
    );
    let Some(callee) = callee.filter(|_| plain_target) else {
        return;
    };
    if let Some(vendor) = bound_prefix(node_text(callee, text), bound) {
        bound.insert(node_text(left, text).to_string(), vendor);
    }
}

/// The vendor of the longest bound prefix of a dotted name (`self.oa.chat.completions.create`
/// has `self.oa`).
fn bound_prefix(dotted: &str, bound: &HashMap<String, Vendor>) -> Option<Vendor> {
    let mut end = dotted.len();
    loop {
        if let Some(&v) = bound.get(&dotted[..end]) {
            return Some(v);
        }
        end = dotted[..end].rfind('.')?;
    }
}

/// The vendor of the innermost call around `at` whose function starts with a bound name.
fn receiver_vendor(
    root: Node,
    at: usize,
    text: &[u8],
    bound: &HashMap<String, Vendor>,
) -> Option<Vendor> {
    let mut node = root.descendant_for_byte_range(at, at)?;
    loop {
        if matches!(node.kind(), "call" | "call_expression") {
            let function = node.child_by_field_name("function")?;
            if let Some(v) = bound_prefix(node_text(function, text), bound) {
                return Some(v);
            }
        }
        node = node.parent()?;
    }
}
