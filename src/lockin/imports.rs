//! What an import binds: the names a statement brings into a file (`from anthropic import
//! Anthropic as Claude`, `import OpenAI from "openai"`, `const { AzureOpenAI } =
//! require("openai")`, `ant "github.com/anthropics/anthropic-sdk-go"`, `import
//! com.openai.client.OpenAIClient;`, `use async_openai::{Client as Oa};`, `using OpenAI.Chat;`,
//! `require "openai"`), and the vendor of each, from the SDK rules the statement's text hits.

use tree_sitter::Node;

use super::matcher::{Gate, Hit, Matchers};
use super::rules::{Feature, Vendor};
use super::syntax::{node_text, Syntax};

/// The names the import `node` binds, each with its vendor (none where it imports no SDK); None
/// where `node` is no import. `root` is the file's (Ruby's `require` names no constant: the
/// file's constants that match the required name are bound).
pub(super) fn import_bindings(
    node: Node,
    root: Node,
    text: &[u8],
    syntax: Syntax,
    matchers: &Matchers,
) -> Option<Vec<(String, Vendor)>> {
    let (statement, names) = match (syntax, node.kind()) {
        (Syntax::Python, "import_statement" | "import_from_statement")
        | (Syntax::JavaScript, "import_statement")
        | (Syntax::Go, "import_spec")
        | (Syntax::Java, "import_declaration")
        | (Syntax::Kotlin, "import")
        | (Syntax::CSharp, "using_directive")
        | (Syntax::Rust, "use_declaration") => (node, imported_names(node, text, syntax)),
        (Syntax::JavaScript, "variable_declarator") => {
            (required(node, text)?, required_names(node, text)?)
        }
        (Syntax::Ruby, "call") => {
            let method = node.child_by_field_name("method")?;
            let argument = node.child_by_field_name("arguments")?.named_child(0)?;
            if node_text(method, text) != "require"
                || node.child_by_field_name("receiver").is_some()
            {
                return None;
            }
            // The file's constants are walked for an SDK's `require` only (a file may have
            // thousands of others).
            if import_vendors(node, text, syntax, matchers).is_empty() {
                return Some(Vec::new());
            }
            (node, ruby_constants(root, text, node_text(argument, text)))
        }
        _ => return None,
    };
    let sdks = import_vendors(statement, text, syntax, matchers);
    if sdks.is_empty() {
        return Some(Vec::new());
    }
    let bound = (names.into_iter())
        .filter_map(|(name, imported)| Some((name, name_vendor(&sdks, imported.as_deref())?)))
        .collect();
    Some(bound)
}

/// The SDK hits of an import (or a `require(...)`), as the rules see its text.
pub(super) fn import_vendors(
    node: Node,
    text: &[u8],
    syntax: Syntax,
    matchers: &Matchers,
) -> Vec<Hit> {
    let statement = node_text(node, text).as_bytes();
    // Gated SDK patterns too (Ollama's client): an import is read for what it imports.
    let hits = matchers.find_gated(syntax.lang(), statement, Gate::Part(true));
    (hits.into_iter())
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
pub(super) fn imported_names(
    node: Node,
    text: &[u8],
    syntax: Syntax,
) -> Vec<(String, Option<String>)> {
    match syntax {
        Syntax::Python => python_imported_names(node, text),
        Syntax::JavaScript => js_imported_names(node, text),
        Syntax::Go => go_imported_names(node, text),
        Syntax::Java | Syntax::Kotlin => jvm_imported_names(node, text),
        Syntax::CSharp => csharp_imported_names(node, text),
        Syntax::Rust => rust_imported_names(node, text),
        Syntax::Ruby => Vec::new(),
    }
}

/// `import openai`, `from anthropic import Anthropic as Claude`.
fn python_imported_names(node: Node, text: &[u8]) -> Vec<(String, Option<String>)> {
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
            "import_specifier" | "export_specifier" => {
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

/// The `require("…")` call a declarator's value is, if it is one (CommonJS).
fn required<'t>(declarator: Node<'t>, text: &[u8]) -> Option<Node<'t>> {
    let value = declarator.child_by_field_name("value")?;
    let function = value.child_by_field_name("function")?;
    (value.kind() == "call_expression" && node_text(function, text) == "require").then_some(value)
}

/// The names a `require` declarator takes out: `const OpenAI = require("openai")` binds the
/// module, as a default import does; `const { AzureOpenAI: Az } = require("openai")` binds each
/// name it takes out.
fn required_names(declarator: Node, text: &[u8]) -> Option<Vec<(String, Option<String>)>> {
    let target = declarator.child_by_field_name("name")?;
    let mut names = Vec::new();
    if target.kind() == "identifier" {
        names.push((node_text(target, text).to_string(), None));
    }
    let mut cursor = target.walk();
    for part in target.named_children(&mut cursor) {
        let (name, imported) = match part.kind() {
            "shorthand_property_identifier_pattern" => (Some(part), part),
            "pair_pattern" => match part.child_by_field_name("key") {
                Some(key) => (part.child_by_field_name("value"), key),
                None => continue,
            },
            _ => continue,
        };
        if let Some(name) = name {
            let imported = Some(node_text(imported, text).to_string());
            names.push((node_text(name, text).to_string(), imported));
        }
    }
    Some(names)
}

/// `openai "github.com/openai/openai-go"` binds `openai`; without a name, the package's own
/// (`go_package`: `anthropic-sdk-go` is `anthropic`).
fn go_imported_names(node: Node, text: &[u8]) -> Vec<(String, Option<String>)> {
    let path = (node.child_by_field_name("path")).map_or("", |p| node_text(p, text));
    let path = path.trim_matches(['"', '`']);
    let name = match node.child_by_field_name("name") {
        Some(name) if name.kind() == "package_identifier" => node_text(name, text).to_string(),
        Some(_) => return Vec::new(), // `_` and `.`
        None => go_package(path),
    };
    vec![(name, Some(path.to_string()))]
}

/// The name a Go import path binds when the import names none: the path's last element, past a
/// `/v2`, without the `go-`, `-go` and `-sdk` of repository names.
pub(super) fn go_package(path: &str) -> String {
    let mut parts = path.trim_matches(['"', '`']).rsplit('/');
    let mut last = parts.next().unwrap_or_default();
    let versioned = last
        .strip_prefix('v')
        .is_some_and(|n| n.parse::<u32>().is_ok());
    if versioned {
        last = parts.next().unwrap_or_default();
    }
    let last = last.strip_prefix("go-").unwrap_or(last);
    let last = last.strip_suffix("-go").unwrap_or(last);
    let last = last.strip_suffix("-sdk").unwrap_or(last);
    last.replace(['-', '.'], "")
}

/// `import com.openai.client.OpenAIClient;` binds `OpenAIClient`, `import static …Names.GPT_4_O`
/// binds `GPT_4_O`, and Kotlin's `import … as Oa` binds `Oa`; a wildcard binds nothing.
fn jvm_imported_names(node: Node, text: &[u8]) -> Vec<(String, Option<String>)> {
    let mut cursor = node.walk();
    let children: Vec<Node> = node.named_children(&mut cursor).collect();
    let Some(path) = (children.iter())
        .find(|c| matches!(c.kind(), "scoped_identifier" | "qualified_identifier"))
    else {
        return Vec::new();
    };
    if children.iter().any(|c| c.kind() == "asterisk") || node_text(node, text).contains(".*") {
        return Vec::new();
    }
    let path = node_text(*path, text);
    let last = path.rsplit('.').next().unwrap_or(path).trim().to_string();
    let alias = (children.iter())
        .rfind(|c| c.kind() == "identifier")
        .map(|a| node_text(*a, text).to_string());
    vec![(alias.unwrap_or_else(|| last.clone()), Some(last))]
}

/// `using OpenAI.Chat;` binds the namespace's root (`OpenAI.Chat.ChatClient`), and `using Oa =
/// OpenAI;` its alias. (The types it brings in unqualified are `csharp_types`'.)
fn csharp_imported_names(node: Node, text: &[u8]) -> Vec<(String, Option<String>)> {
    let mut cursor = node.walk();
    let namespace = (node.named_children(&mut cursor)).find(|c| {
        matches!(c.kind(), "qualified_name" | "identifier")
            && Some(c.id()) != node.child_by_field_name("name").map(|n| n.id())
    });
    let Some(namespace) = namespace else {
        return Vec::new();
    };
    let namespace = node_text(namespace, text);
    let root = namespace.split('.').next().unwrap_or(namespace).to_string();
    let mut names = vec![(root, Some(namespace.to_string()))];
    if let Some(alias) = node.child_by_field_name("name") {
        names.push((
            node_text(alias, text).to_string(),
            Some(namespace.to_string()),
        ));
    }
    names
}

/// The types a C# file names that start with the root of a namespace an SDK's `using` brings in
/// (`AnthropicClient` after `using Anthropic.SDK;`, `AzureOpenAIClient` after `using
/// Azure.AI.OpenAI;`): C# imports namespaces, not names, and an SDK's client types carry its
/// name. `roots`: the roots bound, with their vendors; the longest a type starts with wins.
pub(super) fn csharp_types(
    root: Node,
    text: &[u8],
    roots: &[(String, Vendor)],
) -> Vec<(String, Vendor)> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "identifier" {
            let name = node_text(node, text);
            let vendor = (roots.iter())
                .filter(|(r, _)| {
                    name.strip_prefix(r.as_str())
                        .is_some_and(|rest| rest.starts_with(char::is_uppercase))
                })
                .max_by_key(|(r, _)| r.len());
            if let Some((_, vendor)) = vendor {
                out.push((name.to_string(), *vendor));
            }
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    out.sort();
    out.dedup();
    out
}

/// `use async_openai::{Client as Oa, config::OpenAIConfig};` binds `Oa`, `OpenAIConfig` and the
/// crate's own name (for paths written out: `async_openai::Client::new()`); `use
/// aws_sdk_bedrockruntime as bedrock;` binds `bedrock`.
fn rust_imported_names(node: Node, text: &[u8]) -> Vec<(String, Option<String>)> {
    let Some(argument) = node.child_by_field_name("argument") else {
        return Vec::new();
    };
    let whole = node_text(argument, text);
    let krate = whole.split("::").next().unwrap_or(whole).trim();
    let krate = krate.split_whitespace().next().unwrap_or(krate);
    let mut names = vec![(krate.to_string(), Some(krate.to_string()))];
    let mut stack = vec![argument];
    while let Some(n) = stack.pop() {
        let last = |n: Node| {
            let path = node_text(n, text);
            path.rsplit("::").next().unwrap_or(path).to_string()
        };
        match n.kind() {
            "use_as_clause" => {
                let (path, alias) = (
                    n.child_by_field_name("path"),
                    n.child_by_field_name("alias"),
                );
                if let (Some(path), Some(alias)) = (path, alias) {
                    names.push((node_text(alias, text).to_string(), Some(last(path))));
                }
            }
            "identifier" | "scoped_identifier"
                if n.id() != argument.id() || n.kind() == "scoped_identifier" =>
            {
                names.push((last(n), Some(last(n))));
            }
            "scoped_use_list" => stack.extend(n.child_by_field_name("list")),
            "use_list" => {
                let mut cursor = n.walk();
                stack.extend(n.named_children(&mut cursor));
            }
            _ => {}
        }
    }
    names
}

/// The constants of a Ruby file that a `require` of `required` brings: those (the roots of
/// constant paths, `OpenAI` in `OpenAI::Client.new`, and receivers of `.new`) whose name, in
/// lower case, starts the required name (`require "openai"` brings `OpenAI`, `"gemini-ai"`
/// `Gemini`, `"aws-sdk-bedrockruntime"` `Aws`).
fn ruby_constants(root: Node, text: &[u8], required: &str) -> Vec<(String, Option<String>)> {
    let squash = |s: &str| -> String {
        (s.chars())
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let required = squash(required);
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.kind() == "constant" {
            let name = node_text(node, text);
            let brought = !required.is_empty() && required.starts_with(&squash(name));
            if brought
                && !out
                    .iter()
                    .any(|(n, _): &(String, Option<String>)| n == name)
            {
                out.push((name.to_string(), None));
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    out
}
