//! What each tree-sitter grammar calls the parts of a program the scan reads: which grammar a
//! file's extension takes, which nodes open a scope or a class, what a call's callee is
//! (`client.messages().create` in Java, `OpenAI::Client.new` in Ruby, both read as dotted names),
//! which nodes bind a name to a value and which declare a name's type. One table, so that
//! `comments`, `receivers` and `clients` agree on which files have a tree and how to read it.

use tree_sitter::{Language, Node, Parser, Tree};

use super::rules::Lang;

/// A grammar's family of node kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Syntax {
    Python,
    /// JavaScript, TypeScript and TSX.
    JavaScript,
    Go,
    Java,
    Kotlin,
    CSharp,
    Ruby,
    Rust,
}

/// The grammar of a file's extension, where there is one (a notebook's cells are Python, but the
/// notebook itself is JSON: `comments` maps it).
pub(super) fn grammar(extension: &str) -> Option<(Language, Syntax)> {
    use Syntax::*;
    Some(match extension {
        "py" | "pyi" => (tree_sitter_python::LANGUAGE.into(), Python),
        "js" | "mjs" | "cjs" | "jsx" => (tree_sitter_javascript::LANGUAGE.into(), JavaScript),
        "ts" | "mts" | "cts" => (
            tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            JavaScript,
        ),
        "tsx" => (tree_sitter_typescript::LANGUAGE_TSX.into(), JavaScript),
        "go" => (tree_sitter_go::LANGUAGE.into(), Go),
        "java" => (tree_sitter_java::LANGUAGE.into(), Java),
        "kt" | "kts" => (tree_sitter_kotlin_ng::LANGUAGE.into(), Kotlin),
        "cs" => (tree_sitter_c_sharp::LANGUAGE.into(), CSharp),
        "rb" | "rake" => (tree_sitter_ruby::LANGUAGE.into(), Ruby),
        "rs" => (tree_sitter_rust::LANGUAGE.into(), Rust),
        _ => return None,
    })
}

/// `text`'s syntax tree, where `extension` has a grammar.
pub(super) fn parse(extension: &str, text: &[u8]) -> Option<(Tree, Syntax)> {
    let (language, syntax) = grammar(extension)?;
    let mut parser = Parser::new();
    parser.set_language(&language).ok()?;
    Some((parser.parse(text, None)?, syntax))
}

/// The node kinds that open a scope of their own: functions, methods, lambdas.
const SCOPES: &[&str] = &[
    "function_definition",
    "function_declaration",
    "function_expression",
    "arrow_function",
    "method_definition",
    "generator_function_declaration",
    "method_declaration",
    "constructor_declaration",
    "func_literal",
    "lambda_expression",
    "local_function_statement",
    "anonymous_function",
    "function_item",
    "closure_expression",
    "method",
    "singleton_method",
];

/// The node kinds whose methods share fields (`self.x`, `this.x`, `@x`, or a Java field's bare
/// name). (Not Ruby's `module`: Python's root node has that kind.)
const CLASSES: &[&str] = &[
    "class_definition",
    "class_declaration",
    "class",
    "object_declaration",
    "record_declaration",
    "struct_declaration",
];

pub(super) fn is_scope(kind: &str) -> bool {
    SCOPES.contains(&kind)
}

pub(super) fn is_class(kind: &str) -> bool {
    CLASSES.contains(&kind)
}

pub(super) fn node_text<'a>(node: Node, text: &'a [u8]) -> &'a str {
    std::str::from_utf8(&text[node.byte_range()]).unwrap_or_default()
}

/// Where a name is bound: the innermost scope (`Local`), the class around (`Field`: `self.x`,
/// `@x`, a Java field), or any value of a Go or Rust struct type (`Member`: `s.client` is
/// `.client`, whatever `s` is, since the receiver's type is not followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    Local,
    Field,
    Member,
}

impl Syntax {
    /// The rules' language for this grammar.
    pub(super) fn lang(self) -> Lang {
        match self {
            Syntax::Python => Lang::Python,
            Syntax::JavaScript => Lang::JavaScript,
            Syntax::Go => Lang::Go,
            Syntax::Java | Syntax::Kotlin => Lang::Jvm,
            Syntax::CSharp => Lang::CSharp,
            Syntax::Ruby => Lang::Ruby,
            Syntax::Rust => Lang::Rust,
        }
    }

    /// Whether modules in this language import clients from one another by name (`from .llm
    /// import client`), which `clients` follows: Python and JavaScript.
    pub(super) fn imports_clients(self) -> bool {
        matches!(self, Syntax::Python | Syntax::JavaScript)
    }

    /// The callee of a call-like node, as a dotted name (`dotted`): a call's function, a `new`
    /// expression's class, a struct literal's type (Go's `anthropic.MessageNewParams{…}`, whose
    /// fields are that vendor's). None for other nodes.
    pub(super) fn callee(self, node: Node, text: &[u8]) -> Option<String> {
        use Syntax::*;
        let field = |name| node.child_by_field_name(name);
        let part = match (self, node.kind()) {
            (Python, "call")
            | (JavaScript | Go | Rust, "call_expression")
            | (CSharp, "invocation_expression") => field("function")?,
            (JavaScript, "new_expression") => field("constructor")?,
            (Go, "composite_literal") | (Java | CSharp, "object_creation_expression") => {
                field("type")?
            }
            (Rust, "struct_expression") => field("name")?,
            (Kotlin, "call_expression") => node.named_child(0)?,
            // The receiver and the method: the arguments follow.
            (Java, "method_invocation") | (Ruby, "call") => {
                let end = field(if self == Java { "name" } else { "method" })?.end_byte();
                let raw = std::str::from_utf8(&text[node.start_byte()..end]).ok()?;
                return Some(self.dotted(raw));
            }
            _ => return None,
        };
        Some(self.dotted(node_text(part, text)))
    }

    /// A chain of member accesses as dots, without spaces (`::`, `?.` and `!!` read as `.`, and
    /// `this.` dropped where a field's bare name means the same: Java, Kotlin, C#).
    pub(super) fn dotted(self, raw: &str) -> String {
        let mut out: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        for (from, to) in [("::", "."), ("?.", "."), ("!!", "")] {
            if out.contains(from) {
                out = out.replace(from, to);
            }
        }
        let implicit = matches!(self, Syntax::Java | Syntax::Kotlin | Syntax::CSharp);
        match out.strip_prefix("this.") {
            Some(rest) if implicit => rest.to_string(),
            _ => out,
        }
    }

    /// The target and value of a node that binds a name to a value (`client = OpenAI()`, `val c =
    /// …`, `c := openai.NewClient()`, `let c = Client::new();`); for several targets
    /// (`c, err := …`), the first.
    pub(super) fn assignment<'t>(self, node: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
        use Syntax::*;
        let field = |name| node.child_by_field_name(name);
        let first = |list: Node<'t>| match list.kind() {
            "expression_list" => list.named_child(0),
            _ => Some(list),
        };
        match (self, node.kind()) {
            (_, "assignment" | "assignment_expression") if self != Kotlin => {
                Some((field("left")?, field("right")?))
            }
            // `@client ||= OpenAI::Client.new`
            (Ruby, "operator_assignment") => Some((field("left")?, field("right")?)),
            (Go, "short_var_declaration" | "assignment_statement") => {
                Some((first(field("left")?)?, first(field("right")?)?))
            }
            (Go, "var_spec") => Some((field("name")?, first(field("value")?)?)),
            (Rust, "let_declaration") => Some((field("pattern")?, field("value")?)),
            (JavaScript | Java, "variable_declarator")
            | (JavaScript, "public_field_definition") => Some((field("name")?, field("value")?)),
            (JavaScript, "field_definition") => Some((field("property")?, field("value")?)),
            // C#'s declarator names its value by position, after `=`.
            (CSharp, "variable_declarator") => {
                let value = node.named_child(node.named_child_count().checked_sub(1)?)?;
                let name = field("name")?;
                (name.id() != value.id()).then_some((name, value))
            }
            (Kotlin, "property_declaration") => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                let declared = children
                    .iter()
                    .position(|c| c.kind() == "variable_declaration")?;
                let name = children[declared].named_child(0)?;
                Some((name, *children.get(declared + 1)?))
            }
            (Kotlin, "assignment") => Some((node.named_child(0)?, node.named_child(1)?)),
            _ => None,
        }
    }

    /// The name a binding's target binds and where (`Place`); None for a target that is no
    /// plain name (a subscript, a destructuring).
    pub(super) fn target(self, target: Node, text: &[u8]) -> Option<(String, Place)> {
        use Syntax::*;
        let raw = node_text(target, text);
        let word =
            |w: &str| !w.is_empty() && w.chars().all(|c| c.is_alphanumeric() || "_$@#".contains(c));
        let named = word(raw);
        match (self, target.kind()) {
            (Ruby, "instance_variable") if named => Some((raw.to_string(), Place::Field)),
            (JavaScript, "property_identifier") => Some((format!("this.{raw}"), Place::Field)),
            (_, "identifier" | "field_identifier") | (Ruby, "constant") if named => {
                Some((raw.to_string(), Place::Local))
            }
            (Go | Rust, "selector_expression" | "field_expression") => {
                let (_, field) = raw.rsplit_once('.')?;
                word(field).then(|| (format!(".{field}"), Place::Member))
            }
            (
                Python | JavaScript | Java | Kotlin | CSharp,
                "attribute"
                | "member_expression"
                | "field_access"
                | "member_access_expression"
                | "directly_assignable_expression"
                | "navigation_expression",
            ) => {
                let name = self.dotted(raw);
                let plain = name.split('.').all(word);
                // `self.client`, `this.client` (`this.#client`), or a Java field's bare name
                // (`this.` dropped).
                plain.then_some((name, Place::Field))
            }
            _ => None,
        }
    }

    /// The type and the names of a declaration that gives names a type (`client *openai.Client`,
    /// `private final OpenAIClient client;`, `oa: OpenAI`, `br: bedrock::Client`), with where
    /// they are bound. None for other nodes.
    pub(super) fn declared<'t>(self, node: Node<'t>) -> Option<(Node<'t>, Vec<Node<'t>>, Place)> {
        use Syntax::*;
        let mut cursor = node.walk();
        let kind = node.kind();
        let (ty, names) = match (self, kind) {
            (Go, "field_declaration" | "parameter_declaration" | "var_spec")
            | (Rust, "field_declaration") => {
                let names = node.children_by_field_name("name", &mut cursor).collect();
                (node.child_by_field_name("type")?, names)
            }
            (Rust, "parameter" | "let_declaration") => {
                let name = node.child_by_field_name("pattern")?;
                (node.child_by_field_name("type")?, vec![name])
            }
            (Java, "field_declaration" | "local_variable_declaration")
            | (CSharp, "variable_declaration") => {
                let declarators: Vec<Node> = match self {
                    Java => node
                        .children_by_field_name("declarator", &mut cursor)
                        .collect(),
                    _ => (node.named_children(&mut cursor))
                        .filter(|c| c.kind() == "variable_declarator")
                        .collect(),
                };
                let names = (declarators.iter())
                    .filter_map(|d| d.child_by_field_name("name"))
                    .collect();
                (node.child_by_field_name("type")?, names)
            }
            (Java, "formal_parameter") | (CSharp, "parameter" | "property_declaration") => {
                let name = node.child_by_field_name("name")?;
                (node.child_by_field_name("type")?, vec![name])
            }
            (Kotlin, "class_parameter" | "parameter" | "variable_declaration") => {
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                let name = children.iter().find(|c| c.kind() == "identifier")?;
                let ty = (children.iter())
                    .find(|c| matches!(c.kind(), "user_type" | "nullable_type"))?;
                (*ty, vec![*name])
            }
            _ => return None,
        };
        let place = match (self, kind) {
            (Go | Rust, "field_declaration") => Place::Member,
            _ => Place::Local,
        };
        Some((ty, names, place))
    }

    /// The dotted name a type starts with (`*openai.Client` is `openai.Client`,
    /// `OaClient<OpenAIConfig>` is `OaClient`, `&bedrock::Client` is `bedrock.Client`).
    pub(super) fn type_name(self, ty: Node, text: &[u8]) -> String {
        let raw = node_text(ty, text);
        let raw = raw.trim_start_matches(['*', '&', ' ']);
        let raw = raw.strip_prefix("mut ").unwrap_or(raw);
        let end = raw
            .find(|c: char| !(c.is_alphanumeric() || "_.:".contains(c)))
            .unwrap_or(raw.len());
        self.dotted(&raw[..end])
    }
}
