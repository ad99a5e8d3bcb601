//! Whose client a call goes through, read from the Python syntax tree: in a file that talks to
//! several vendors, `attribute` cannot tell whose a `tool_choice` is; the call it sits in can.
//! Imports bind names to a vendor (`import openai`, `from anthropic import Anthropic as Claude`),
//! assignments of a call on a bound name bind their target (`client = Claude()`,
//! `self.oa = openai.OpenAI()`), and a shared hit inside a call on a bound receiver
//! (`client.messages.create(..., tool_choice=...)`) goes to that receiver's vendor.
//!
//! Only Python files, and only those `attribute` left ambiguous: most files never get here.

use std::collections::HashMap;

use tree_sitter::{Node, Parser};

use super::matcher::{Hit, Matchers};
use super::rules::{portability, Feature, Lang, Sharing, Vendor};

/// Moves each shared hit of a Python file that talks to several vendors to the vendor of the
/// client its call goes through, where the tree says which.
pub(crate) fn attribute_by_receiver(text: &[u8], hits: &mut [Hit], matchers: &Matchers) {
    let shared = |h: &Hit| h.pattern.shared != Sharing::No;
    if !hits.iter().any(shared) || talks_to(hits) < 2 {
        return;
    }
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .is_err()
    {
        return;
    }
    let Some(tree) = parser.parse(text, None) else {
        return;
    };
    let bindings = bindings(tree.root_node(), text, matchers);
    for hit in hits.iter_mut().filter(|h| shared(h)) {
        let Some(vendor) = receiver_vendor(tree.root_node(), hit.start, text, &bindings) else {
            continue;
        };
        let fits = match hit.pattern.shared {
            Sharing::OpenAiShaped => vendor == Vendor::OpenAi || vendor == Vendor::AzureOpenAi,
            _ => true,
        };
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
fn bindings(root: Node, text: &[u8], matchers: &Matchers) -> HashMap<String, Vendor> {
    let mut bound = HashMap::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "import_statement" | "import_from_statement" => {
                bind_import(node, text, matchers, &mut bound);
                continue;
            }
            "assignment" => bind_assignment(node, text, &mut bound),
            _ => {}
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        // Reversed, so that the stack pops them in document order.
        stack.extend(children.into_iter().rev());
    }
    bound
}

/// An import of a vendor's SDK (as the rules see its line) binds each name it brings in.
fn bind_import(node: Node, text: &[u8], matchers: &Matchers, bound: &mut HashMap<String, Vendor>) {
    let statement = node_text(node, text);
    // The last: `from openai import AzureOpenAI` is Azure's client.
    let hits = matchers.find(Lang::Python, statement.as_bytes());
    let sdk = (hits.iter().rev())
        .find(|h| h.pattern.feature == Feature::Sdk)
        .map(|h| h.portability.vendor);
    let Some(vendor) = sdk else {
        return;
    };
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
        if let Some(n) = bound_name {
            bound.insert(n.to_string(), vendor);
        }
    }
}

/// `target = receiver(...)` or `target = receiver.Client(...)`, the receiver bound: the target is.
fn bind_assignment(node: Node, text: &[u8], bound: &mut HashMap<String, Vendor>) {
    let (Some(left), Some(right)) = (
        node.child_by_field_name("left"),
        node.child_by_field_name("right"),
    ) else {
        return;
    };
    if right.kind() != "call" || !matches!(left.kind(), "identifier" | "attribute") {
        return;
    }
    let Some(function) = right.child_by_field_name("function") else {
        return;
    };
    if let Some(vendor) = bound_prefix(node_text(function, text), bound) {
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
        if node.kind() == "call" {
            let function = node.child_by_field_name("function")?;
            if let Some(v) = bound_prefix(node_text(function, text), bound) {
                return Some(v);
            }
        }
        node = node.parent()?;
    }
}
