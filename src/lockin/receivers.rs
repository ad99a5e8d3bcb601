//! Whose client a call goes through, read from the syntax tree: in a file that talks to several
//! vendors, `attribute` cannot tell whose a `tool_choice` is; the call it sits in can. Imports
//! bind names to a vendor (`import openai`, `from anthropic import Anthropic as Claude`,
//! `import Anthropic from "@anthropic-ai/sdk"`), assignments of a call or `new` on a bound name
//! bind their target (`client = Claude()`, `self.oa = openai.OpenAI()`,
//! `const claude = new Anthropic()`), and a shared hit inside a call on a bound receiver
//! (`client.messages.create(..., tool_choice=...)`) goes to that receiver's vendor. A client
//! constructed for a platform (`new GoogleGenAI({vertexai: true})`) is the platform's, and so is
//! everything said through it. Names are bound per function, so two functions may each have
//! their own `client`.
//!
//! Python, JavaScript and TypeScript files: those `attribute` left ambiguous (no one vendor), and
//! for `clients` the few whose text says a call may go through a client made elsewhere or one of
//! several: most files never get here.

use std::collections::HashMap;

use tree_sitter::{Language, Node, Parser};

use super::attribute::{hosts, may_move, serves};
use super::matcher::{Gate, Hit, Matchers};
use super::rules::{portability, Feature, Lang, Sharing, Vendor};

/// The grammars read here, by file extension, and which family of node kinds they use.
pub(super) fn grammar(extension: &str) -> Option<(Language, Lang)> {
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

/// `text`'s syntax tree, where `extension` has a grammar here.
pub(super) fn parse(extension: &str, text: &[u8]) -> Option<(tree_sitter::Tree, Lang)> {
    let (language, lang) = grammar(extension)?;
    let mut parser = Parser::new();
    parser.set_language(&language).ok()?;
    Some((parser.parse(text, None)?, lang))
}

/// Moves each hit of a file that talks to several vendors to the vendor of the client its call
/// goes through, where the tree says which and the hit may go there: shared vocabulary, or an
/// SDK's call through a client built for a platform that hosts it.
pub(crate) fn attribute_by_receiver(
    extension: &str,
    text: &[u8],
    hits: &mut [Hit],
    matchers: &Matchers,
) {
    // Only shared words, and an SDK's calls where a platform hosting it is named, can move.
    let shared = hits.iter().any(|h| h.pattern.shared != Sharing::No);
    let hosted = || {
        let mut vendors: Vec<Vendor> = hits.iter().map(|h| h.portability.vendor).collect();
        vendors.sort();
        vendors.dedup();
        (vendors.iter()).any(|&p| vendors.iter().any(|&v| hosts(p, v)))
    };
    if talks_to(hits) < 2 || !(shared || hosted()) {
        return;
    }
    let Some((tree, lang)) = parse(extension, text) else {
        return;
    };
    let bindings = bindings(tree.root_node(), text, lang, matchers);
    for hit in hits.iter_mut() {
        let Some(vendor) = receiver_vendor(tree.root_node(), hit.start, text, &bindings) else {
            continue;
        };
        let fits = may_move(hit.pattern.shared, vendor) || hosts(vendor, hit.pattern.vendor);
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

pub(super) fn node_text<'a>(node: Node, text: &'a [u8]) -> &'a str {
    std::str::from_utf8(&text[node.byte_range()]).unwrap_or_default()
}

/// What binds a name to a vendor: an import of its SDK, or a client constructed from one.
#[derive(Debug, Clone, Copy)]
pub(super) struct Binding {
    /// Where the binding statement starts (a name may be bound again: `client = OpenAI()`,
    /// later `client = Anthropic()`).
    pub at: usize,
    pub vendor: Vendor,
    /// The 1-based line of the construction of the client bound; None for an import. A client
    /// derived from another (`fast = client.with_options(timeout=5)`) has the other's.
    pub made: Option<u32>,
}

/// Names bound to a vendor, with the function they are bound in: (scope, name) → its bindings in
/// the file's order.
pub(super) type Bindings = HashMap<(usize, String), Vec<Binding>>;

fn bind_name(bound: &mut Bindings, (scope, name): (usize, String), binding: Binding) {
    bound.entry((scope, name)).or_default().push(binding);
}

/// The binding in force at byte `at`: the last one before it, or else the first (a method may
/// use `self.client` above the method that sets it).
fn binding_at(bindings: &[Binding], at: usize) -> Option<Binding> {
    (bindings.iter().rev())
        .find(|b| b.at <= at)
        .or(bindings.first())
        .copied()
}

/// The node kinds that open a scope of their own.
const SCOPES: &[&str] = &[
    "function_definition",
    "function_declaration",
    "function_expression",
    "arrow_function",
    "method_definition",
    "generator_function_declaration",
];

/// The node kinds whose methods share `self.x` / `this.x`.
const CLASSES: &[&str] = &["class_definition", "class_declaration", "class"];

/// The scopes around `node`, innermost first, the module (0) last: functions, and classes for
/// the attributes their methods set.
fn scopes(node: Node) -> Vec<usize> {
    let mut chain = Vec::new();
    let mut at = node.parent();
    while let Some(n) = at {
        if SCOPES.contains(&n.kind()) || CLASSES.contains(&n.kind()) {
            chain.push(n.id());
        }
        at = n.parent();
    }
    chain.push(0);
    chain
}

/// The class around `node` (0 outside one): where `self.client` is bound.
fn class_of(node: Node) -> usize {
    let mut at = node.parent();
    while let Some(n) = at {
        if CLASSES.contains(&n.kind()) {
            return n.id();
        }
        at = n.parent();
    }
    0
}

/// Names bound to a vendor, in the order the file binds them.
pub(super) fn bindings(root: Node, text: &[u8], lang: Lang, matchers: &Matchers) -> Bindings {
    let mut bound = HashMap::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "import_statement" | "import_from_statement" => {
                let sdks = import_vendors(node, text, lang, matchers);
                let scope = scopes(node)[0];
                for (name, imported) in imported_names(node, text, lang) {
                    if let Some(vendor) = name_vendor(&sdks, imported.as_deref()) {
                        let at = node.start_byte();
                        let b = Binding {
                            at,
                            vendor,
                            made: None,
                        };
                        bind_name(&mut bound, (scope, name), b);
                    }
                }
                continue;
            }
            // Python `a = f()`; JavaScript `this.a = new F()`.
            "assignment" | "assignment_expression" => {
                bind(node, ("left", "right"), text, (lang, matchers), &mut bound);
            }
            "variable_declarator" if required(node, text).is_some() => {
                bind_required(node, text, (lang, matchers), &mut bound);
            }
            "variable_declarator" => {
                bind(node, ("name", "value"), text, (lang, matchers), &mut bound);
            }
            // TypeScript `private client = new OpenAI();` in a class body: `this.client`.
            "public_field_definition" => {
                bind(node, ("name", "value"), text, (lang, matchers), &mut bound);
            }
            "field_definition" => {
                bind(
                    node,
                    ("property", "value"),
                    text,
                    (lang, matchers),
                    &mut bound,
                );
            }
            _ => {}
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        // Reversed, so that the stack pops them in document order.
        stack.extend(children.into_iter().rev());
    }
    bound
}

/// The SDK hits of an import (or a `require(...)`), as the rules see its text.
pub(super) fn import_vendors(node: Node, text: &[u8], lang: Lang, matchers: &Matchers) -> Vec<Hit> {
    let statement = node_text(node, text);
    (matchers.find(lang, statement.as_bytes()).into_iter())
        .filter(|h| h.pattern.feature == Feature::Sdk)
        .collect()
}

/// The vendor of an imported name: the client a rule names (`AzureOpenAI`, `AnthropicBedrock`
/// in `from anthropic import Anthropic, AnthropicBedrock`), else the module's: its most specific
/// hit, the platform client's package over the vendor's scope (`import { AnthropicBedrock } from
/// "@anthropic-ai/bedrock-sdk"`), leaving out the clients that name other imported names. A
/// default or namespace import (`imported` None) is the module's too.
fn name_vendor(sdks: &[Hit], imported: Option<&str>) -> Option<Vendor> {
    if let Some(named) = sdks.iter().find(|h| Some(h.text.as_str()) == imported) {
        return Some(named.pattern.vendor);
    }
    let names_another = |h: &&Hit| {
        imported.is_some()
            && h.pattern.client_of.is_some()
            && h.text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    (sdks.iter())
        .filter(|h| !names_another(h))
        .max_by_key(|h| (h.end - h.start, h.pattern.client_of.is_some()))
        .map(|h| h.pattern.vendor)
}

/// The names an import binds, each with the name it imports (`as` renames); None for a
/// JavaScript default or namespace import, which binds the module itself.
pub(super) fn imported_names(node: Node, text: &[u8], lang: Lang) -> Vec<(String, Option<String>)> {
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
        let imported = match name.kind() {
            "aliased_import" => name.child_by_field_name("name"),
            _ => Some(name),
        };
        if let (Some(bound_name), Some(imported)) = (bound_name, imported) {
            let imported = node_text(imported, text).to_string();
            names.push((bound_name.to_string(), Some(imported)));
        }
    }
    names
}

/// `import OpenAI from "openai"`, `import { GoogleGenAI as G } from …`, `import * as genai …`.
fn js_imported_names(node: Node, text: &[u8]) -> Vec<(String, Option<String>)> {
    let mut names = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match n.kind() {
            "import_specifier" => {
                let imported = n.child_by_field_name("name");
                let name = n.child_by_field_name("alias").or(imported);
                if let (Some(name), Some(imported)) = (name, imported) {
                    let imported = node_text(imported, text).to_string();
                    names.push((node_text(name, text).to_string(), Some(imported)));
                }
                continue;
            }
            "identifier" => names.push((node_text(n, text).to_string(), None)),
            _ => {}
        }
        let mut cursor = n.walk();
        stack.extend(n.children(&mut cursor));
    }
    names
}

/// `target = receiver(...)`, `target = receiver.Client(...)` or `target = new Receiver(...)`
/// (awaited or not), the receiver bound: the target is, in the function it is bound in; to the
/// platform the arguments name, where the receiver's vendor is hosted there.
fn bind(
    node: Node,
    (target, value): (&str, &str),
    text: &[u8],
    (lang, matchers): (Lang, &Matchers),
    bound: &mut Bindings,
) {
    let (Some(left), Some(right)) = (
        node.child_by_field_name(target),
        node.child_by_field_name(value),
    ) else {
        return;
    };
    let plain_target = matches!(
        left.kind(),
        "identifier" | "attribute" | "member_expression" | "property_identifier"
    );
    let chain = scopes(node);
    let at = node.start_byte();
    let client = plain_target
        .then(|| made_client(right, &chain, at, text, (lang, matchers), bound))
        .flatten();
    let Some((vendor, derived_from)) = client else {
        return;
    };
    // `self.client` / `this.client` outlive the method that sets them: they are the class's,
    // as a class field (`private client = …`) is.
    let scope = if left.kind() == "identifier" {
        chain[0]
    } else {
        class_of(node)
    };
    let name = match left.kind() {
        "property_identifier" => format!("this.{}", node_text(left, text)),
        _ => node_text(left, text).to_string(),
    };
    // The construction's line is its call's (`const c =` may stand on the line above).
    let line = unawaited(right).start_position().row as u32 + 1;
    let made = Some(derived_from.unwrap_or(line));
    bind_name(bound, (scope, name), Binding { at, vendor, made });
}

/// The vendor of the client `value` makes (a call or `new`, awaited or not, on a name bound to a
/// vendor in the scopes of `chain` at byte `at`): a platform's where its arguments point the SDK
/// at one. With it, where the value is derived from a client (`client.with_options(...)`, and a
/// response, whose calls are that client's too), the line that client was made on.
fn made_client(
    value: Node,
    chain: &[usize],
    at: usize,
    text: &[u8],
    (lang, matchers): (Lang, &Matchers),
    bound: &Bindings,
) -> Option<(Vendor, Option<u32>)> {
    let value = unawaited(value);
    let callee = match value.kind() {
        "call" | "call_expression" => value.child_by_field_name("function"),
        "new_expression" => value.child_by_field_name("constructor"),
        _ => None,
    }?;
    let callee = node_text(callee, text);
    let (binding, prefix) = bound_prefix_len(callee, chain, bound, at)?;
    if binding.made.is_some() {
        return Some((binding.vendor, binding.made));
    }
    if !constructs(&callee[prefix..]) {
        return None;
    }
    // A construction of a vendor's client: its arguments are a vendor file's text, gated
    // patterns included (a self-hosted server's URL is one).
    let arguments = matchers.find_gated(lang, node_text(value, text).as_bytes(), Gate::Part(true));
    // `OpenAI(base_url="https://api.groq.com/openai/v1")`, `GoogleGenAI({vertexai: true})`.
    let platform = (arguments.iter())
        .map(|h| h.portability.vendor)
        .find(|&p| p != binding.vendor && serves(binding.vendor, p));
    Some((platform.unwrap_or(binding.vendor), None))
}

/// Whether a call of an SDK's import followed by `rest` (`.Anthropic` in `anthropic.Anthropic(`)
/// constructs a client. An API call on the module (`openai.chat.completions.create(...)`)
/// returns a response: a construction names a class (`anthropic.Anthropic`,
/// `google.genai.Client`) or a factory (`createOpenAI`) at most one name past the import.
pub(super) fn constructs(rest: &str) -> bool {
    let class = (rest.rsplit('.').next()).is_some_and(|last| last.starts_with(char::is_uppercase));
    class || rest.matches('.').count() <= 1
}

/// A character of an identifier in the languages read here (`$` is JavaScript's).
pub(super) fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// `await x` is `x`.
pub(super) fn unawaited(node: Node) -> Node {
    match node.kind() {
        "await_expression" | "await" => node.named_child(0).unwrap_or(node),
        _ => node,
    }
}

/// The client the function `function` returns, if it makes one (`def claude(): return
/// Anthropic()`, `() => new OpenAI()`, or a client it binds and then returns): its vendor and
/// the line it is made on. `bound` holds the file's bindings.
pub(super) fn returned_client(
    function: Node,
    text: &[u8],
    (lang, matchers): (Lang, &Matchers),
    bound: &Bindings,
) -> Option<(Vendor, u32)> {
    let body = function.child_by_field_name("body")?;
    let mut values = Vec::new();
    if !matches!(body.kind(), "block" | "statement_block") {
        values.push(body); // an arrow function's expression
    }
    // Its own returns, not those of the functions it defines.
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "return_statement" {
            values.extend(node.named_child(0));
        }
        let mut cursor = node.walk();
        stack.extend((node.named_children(&mut cursor)).filter(|n| !SCOPES.contains(&n.kind())));
    }
    values.into_iter().find_map(|value| {
        let value = unawaited(value);
        let (chain, at) = (scopes(value), value.start_byte());
        let line = value.start_position().row as u32 + 1;
        let made = made_client(value, &chain, at, text, (lang, matchers), bound);
        if let Some((vendor, derived_from)) = made {
            return Some((vendor, derived_from.unwrap_or(line)));
        }
        // A client bound before (`return client`, `return self._client`), not something read
        // from one (`return response.content[0].text`).
        let name = node_text(value, text);
        let (named, prefix) = bound_prefix_len(name, &chain, bound, at)?;
        named
            .made
            .filter(|_| prefix == name.len())
            .map(|made| (named.vendor, made))
    })
}

/// The `require("…")` call a declarator's value is, if it is one (CommonJS).
fn required<'t>(declarator: Node<'t>, text: &[u8]) -> Option<Node<'t>> {
    let value = declarator.child_by_field_name("value")?;
    let function = value.child_by_field_name("function")?;
    (value.kind() == "call_expression" && node_text(function, text) == "require").then_some(value)
}

/// `const OpenAI = require("openai")` binds the module, as a default import does;
/// `const { AzureOpenAI: Az } = require("openai")` binds each name it takes out.
fn bind_required(
    declarator: Node,
    text: &[u8],
    (lang, matchers): (Lang, &Matchers),
    bound: &mut Bindings,
) {
    let (Some(call), Some(target)) = (
        required(declarator, text),
        declarator.child_by_field_name("name"),
    ) else {
        return;
    };
    let sdks = import_vendors(call, text, lang, matchers);
    let mut names = Vec::new();
    if target.kind() == "identifier" {
        names.push((target, None));
    }
    let mut cursor = target.walk();
    for part in target.named_children(&mut cursor) {
        match part.kind() {
            "shorthand_property_identifier_pattern" => names.push((part, Some(part))),
            "pair_pattern" => {
                if let (Some(key), Some(value)) = (
                    part.child_by_field_name("key"),
                    part.child_by_field_name("value"),
                ) {
                    names.push((value, Some(key)));
                }
            }
            _ => {}
        }
    }
    let scope = scopes(declarator)[0];
    for (name, imported) in names {
        let imported = imported.map(|n| node_text(n, text));
        if let Some(vendor) = name_vendor(&sdks, imported) {
            let name = node_text(name, text).to_string();
            let b = Binding {
                at: declarator.start_byte(),
                vendor,
                made: None,
            };
            bind_name(bound, (scope, name), b);
        }
    }
}

/// The binding of the longest bound prefix of a dotted name (`self.oa.chat.completions.create`
/// has `self.oa`) at byte `at`, looked up from the innermost scope of `chain` out.
fn bound_prefix(dotted: &str, chain: &[usize], bound: &Bindings, at: usize) -> Option<Binding> {
    bound_prefix_len(dotted, chain, bound, at).map(|(b, _)| b)
}

/// `bound_prefix`, with the length of the prefix.
fn bound_prefix_len(
    dotted: &str,
    chain: &[usize],
    bound: &Bindings,
    at: usize,
) -> Option<(Binding, usize)> {
    chain.iter().find_map(|&scope| {
        let mut end = dotted.len();
        loop {
            if let Some(bindings) = bound.get(&(scope, dotted[..end].to_string())) {
                return binding_at(bindings, at).map(|b| (b, end));
            }
            end = dotted[..end].rfind('.')?;
        }
    })
}

/// Each construction's line, with the name it is first bound to and its vendor: a client's name,
/// whatever else is later bound to it (`fast = client.with_options(...)`).
pub(super) fn constructions(bound: &Bindings) -> HashMap<u32, (String, Vendor)> {
    let mut first: HashMap<u32, (usize, String, Vendor)> = HashMap::new();
    for ((_, name), list) in bound {
        for b in list {
            let Some(line) = b.made else { continue };
            let earlier = first.get(&line).is_some_and(|(at, _, _)| *at <= b.at);
            if !earlier {
                first.insert(line, (b.at, name.clone(), b.vendor));
            }
        }
    }
    (first.into_iter())
        .map(|(line, (_, name, vendor))| (line, (name, vendor)))
        .collect()
}

/// The client the innermost call around `at` goes through, where the file makes it, or that the
/// call makes (a construction's arguments are its client's): its line and, from `made`
/// (`constructions`), its name and vendor.
pub(super) fn own_client(
    root: Node,
    at: usize,
    text: &[u8],
    (bound, made): (&Bindings, &HashMap<u32, (String, Vendor)>),
) -> Option<(String, u32, Vendor)> {
    let mut node = root.descendant_for_byte_range(at, at)?;
    let chain = scopes(node);
    let line = loop {
        if matches!(node.kind(), "call" | "call_expression" | "new_expression") {
            let function = (node.child_by_field_name("function"))
                .or(node.child_by_field_name("constructor"))?;
            if let Some(b) = bound_prefix(node_text(function, text), &chain, bound, at) {
                break b.made.unwrap_or(node.start_position().row as u32 + 1);
            }
        }
        node = node.parent()?;
    };
    let (name, vendor) = made.get(&line)?;
    Some((name.clone(), line, *vendor))
}

/// The vendor of the innermost call around `at` whose function starts with a bound name.
fn receiver_vendor(root: Node, at: usize, text: &[u8], bound: &Bindings) -> Option<Vendor> {
    let mut node = root.descendant_for_byte_range(at, at)?;
    let chain = scopes(node);
    loop {
        if matches!(node.kind(), "call" | "call_expression") {
            let function = node.child_by_field_name("function")?;
            if let Some(b) = bound_prefix(node_text(function, text), &chain, bound, at) {
                return Some(b.vendor);
            }
        }
        node = node.parent()?;
    }
}
