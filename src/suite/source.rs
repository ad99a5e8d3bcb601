//! The suite file's text, and pointing at a field in it: every diagnostic names the file, the
//! line and column of the field (found by walking the YAML's events, which serde does not keep),
//! and shows the line.

use std::path::{Path, PathBuf};

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::error::Diagnostic;

/// The suite's text, with what is needed to point at places in it.
pub(super) struct SuiteText<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    tree: Option<Node>,
    structure: Option<(Marker, String)>,
}

impl<'a> SuiteText<'a> {
    pub fn new(path: &'a Path, text: &'a str) -> Self {
        let structure = structure_error(text);
        Self {
            path,
            text,
            tree: structure.is_none().then(|| build_tree(text)).flatten(),
            structure,
        }
    }

    /// Why the text is refused before it is parsed: it nests too deep, or is not YAML.
    pub fn structure_error(&self) -> Option<Diagnostic> {
        let (mark, message) = self.structure.as_ref()?;
        let d = Diagnostic::new(self.path, message.clone());
        Some(d.at(mark.line(), mark.col() + 1).with_source(self.text))
    }

    /// Directory that relative paths in the suite are resolved against.
    pub fn dir(&self) -> PathBuf {
        super::dir_of(self.path)
    }

    /// A diagnostic pointing at `field` (a dotted path such as `providers.x.path` or `cases[2].file`).
    pub fn diag(&self, field: &str, message: impl Into<String>) -> Diagnostic {
        let mut d = Diagnostic::new(self.path, message).field(field);
        if let Some(mark) = self
            .tree
            .as_ref()
            .and_then(|t| t.locate(&parse_path(field)))
        {
            d = d.at(mark.line(), mark.col() + 1).with_source(self.text);
        }
        d
    }
}

#[derive(Debug, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// `providers.x.path` / `cases[2].file` into segments. Keys may contain dots only when the path
/// came from serde (it never produces such keys for our schema), so a plain split is enough.
fn parse_path(path: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                segs.push(Seg::Key(rest[..i].to_string()));
            }
            rest = &rest[i..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(end) = stripped.find(']') else { break };
                if let Ok(n) = stripped[..end].parse() {
                    segs.push(Seg::Index(n));
                }
                rest = &stripped[end + 1..];
            }
        } else {
            segs.push(Seg::Key(rest.to_string()));
        }
    }
    segs
}

#[derive(Debug)]
enum Node {
    Map(Marker, Vec<(String, Marker, Node)>),
    Seq(Marker, Vec<Node>),
    Leaf(Marker),
}

impl Node {
    /// A block mapping's start event is marked after its first key, so a map is placed at its
    /// first key instead.
    fn mark(&self) -> Marker {
        match self {
            Node::Map(_, entries) if !entries.is_empty() => entries[0].1,
            Node::Map(m, _) | Node::Seq(m, _) | Node::Leaf(m) => *m,
        }
    }

    /// The place of the deepest part of `path` that exists: the key itself for a map entry.
    fn locate(&self, path: &[Seg]) -> Option<Marker> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self.mark());
        };
        match (self, first) {
            (Node::Map(_, entries), Seg::Key(k)) => {
                match entries.iter().find(|(name, _, _)| name == k) {
                    Some((_, key_mark, child)) if rest.is_empty() => {
                        Some(*key_mark).or(Some(child.mark()))
                    }
                    Some((_, _, child)) => child.locate(rest),
                    None => Some(self.mark()),
                }
            }
            (Node::Seq(_, items), Seg::Index(i)) => match items.get(*i) {
                Some(child) => child.locate(rest),
                None => Some(self.mark()),
            },
            _ => Some(self.mark()),
        }
    }
}

#[derive(Default)]
struct TreeBuilder {
    /// Open containers; for maps, the key waiting for its value.
    stack: Vec<(Node, Option<(String, Marker)>)>,
    root: Option<Node>,
}

impl TreeBuilder {
    fn push_value(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some((Node::Seq(_, items), _)) => items.push(node),
            Some((Node::Map(_, entries), pending)) => match pending.take() {
                Some((key, mark)) => entries.push((key, mark, node)),
                // A complex (non-scalar) key: the schema has none, so it only needs a place.
                None => *pending = Some((String::from("?"), node.mark())),
            },
            Some((Node::Leaf(_), _)) => unreachable!("leaves are never pushed on the stack"),
        }
    }
}

impl MarkedEventReceiver for TreeBuilder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) => {
                // A scalar in key position names the key.
                if let Some((Node::Map(..), pending @ None)) = self.stack.last_mut() {
                    *pending = Some((value, mark));
                } else {
                    self.push_value(Node::Leaf(mark));
                }
            }
            Event::Alias(_) => self.push_value(Node::Leaf(mark)),
            Event::SequenceStart(..) => self.stack.push((Node::Seq(mark, Vec::new()), None)),
            Event::MappingStart(..) => self.stack.push((Node::Map(mark, Vec::new()), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((node, _)) = self.stack.pop() {
                    self.push_value(node);
                }
            }
            _ => {}
        }
    }
}

fn build_tree(text: &str) -> Option<Node> {
    let mut builder = TreeBuilder::default();
    Parser::new_from_str(text).load(&mut builder, false).ok()?;
    builder.root
}

/// The first place the text nests deeper than `input::YAML_MAX_DEPTH`, or cannot be scanned as
/// YAML at all. YAML parsers recurse once per level (yaml-rust2's on block collections, serde's
/// on every collection) and libyaml slows quadratically on deep flows, so a suite is measured by
/// yaml-rust2's scanner, which reads it once, without recursion, before any parser sees it.
fn structure_error(text: &str) -> Option<(Marker, String)> {
    use yaml_rust2::scanner::{Scanner, Token, TokenType as T};
    let mut scanner = Scanner::new(text.chars());
    let mut depth = 0usize;
    for Token(mark, token) in &mut scanner {
        match token {
            T::FlowSequenceStart
            | T::FlowMappingStart
            | T::BlockSequenceStart
            | T::BlockMappingStart => {
                depth += 1;
                if depth > crate::input::YAML_MAX_DEPTH {
                    let limit = crate::input::YAML_MAX_DEPTH;
                    let why =
                        format!("nested more than {limit} levels deep, the limit for a suite");
                    return Some((mark, why));
                }
            }
            T::FlowSequenceEnd | T::FlowMappingEnd | T::BlockEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let limit = crate::input::YAML_MAX_DEPTH;
    scanner.get_error().map(|e| match e.info() {
        // The scanner's own limit on flow nesting, a few times ours: the same refusal.
        "recursion limit exceeded" => (
            *e.marker(),
            format!("nested more than {limit} levels deep, the limit for a suite"),
        ),
        info => (*e.marker(), format!("not valid YAML: {info}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_keys_and_indices() {
        assert_eq!(
            parse_path("cases[2].vars.ticket"),
            vec![
                Seg::Key("cases".into()),
                Seg::Index(2),
                Seg::Key("vars".into()),
                Seg::Key("ticket".into())
            ]
        );
    }

    #[test]
    fn locates_keys_and_sequence_items() {
        let text = "name: x\nproviders:\n  a:\n    kind: onnx\n    path: m\ncases:\n  - vars: {t: 1}\n  - file: d.jsonl\n";
        let tree = build_tree(text).unwrap();
        let at = |p: &str| {
            let m = tree.locate(&parse_path(p)).unwrap();
            (m.line(), m.col() + 1)
        };
        assert_eq!(at("providers.a.path"), (5, 5));
        assert_eq!(at("cases[1].file"), (8, 5));
        assert_eq!(at("cases[1]"), (8, 5));
        // A missing key points at the map that should hold it.
        assert_eq!(at("providers.a.threads"), (4, 5));
    }
}
