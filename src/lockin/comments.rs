//! Comments and docstrings out of the way: a file parsed with its language's tree-sitter grammar,
//! and every comment (and, in Python, every bare string statement: docstrings) replaced byte for
//! byte by spaces, line breaks kept, so the rules see only code and every finding keeps its line.
//! A comment saying a model does *not* support logprobs, or a list of models commented out, is
//! not a dependency. Files in a language without a grammar here are left as they are.

use tree_sitter::{Language, Node, Parser};

/// The grammar for a file's extension, when there is one.
fn grammar(extension: &str) -> Option<Language> {
    Some(match extension {
        "py" | "pyi" | "ipynb" => tree_sitter_python::LANGUAGE.into(),
        "js" | "mjs" | "cjs" | "jsx" => tree_sitter_javascript::LANGUAGE.into(),
        "ts" | "mts" | "cts" => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        "tsx" => tree_sitter_typescript::LANGUAGE_TSX.into(),
        "go" => tree_sitter_go::LANGUAGE.into(),
        "java" => tree_sitter_java::LANGUAGE.into(),
        _ => return None,
    })
}

/// `text` with its comments and docstrings blanked; `None` when the extension has no grammar
/// (or the parser gives up).
pub fn blank(extension: &str, text: &[u8]) -> Option<Vec<u8>> {
    let mut parser = Parser::new();
    parser.set_language(&grammar(extension)?).ok()?;
    let tree = parser.parse(text, None)?;
    let mut out = text.to_vec();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if is_comment(node) || is_docstring(node) {
            for b in &mut out[node.start_byte()..node.end_byte()] {
                if *b != b'\n' && *b != b'\r' {
                    *b = b' ';
                }
            }
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    Some(out)
}

fn is_comment(node: Node) -> bool {
    matches!(node.kind(), "comment" | "line_comment" | "block_comment")
}

/// A Python statement that is nothing but a string: a docstring, or a string used as a comment.
fn is_docstring(node: Node) -> bool {
    node.kind() == "expression_statement"
        && node.named_child_count() == 1
        && node.named_child(0).is_some_and(|c| c.kind() == "string")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blanked(ext: &str, text: &str) -> String {
        String::from_utf8(blank(ext, text.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn comments_and_docstrings_become_spaces_and_lines_stay() {
        let py = "\"\"\"Calls gpt-4o.\"\"\"\nimport openai  # was anthropic\nx = \"gpt-4o\"\n";
        let out = blanked("py", py);
        assert_eq!(out.len(), py.len());
        assert_eq!(out.lines().count(), py.lines().count());
        assert!(
            !out.contains("Calls") && !out.contains("anthropic"),
            "{out}"
        );
        assert!(
            out.contains("import openai") && out.contains("x = \"gpt-4o\""),
            "{out}"
        );
        let ts = "// openai.chat\nconst m = 'gpt-4o'; /* logprobs\n unsupported */\n";
        let out = blanked("ts", ts);
        assert!(!out.contains("openai") && !out.contains("logprobs") && out.contains("'gpt-4o'"));
        assert_eq!(out.lines().count(), ts.lines().count());
        let java = "// import com.openai\nclass A { /** gpt-4o */ String m = \"o1\"; }\n";
        assert!(!blanked("java", java).contains("gpt-4o"));
        let go = "// anthropic.NewClient\npackage main\n";
        assert!(!blanked("go", go).contains("anthropic"));
        assert_eq!(blank("rb", b"# openai"), None);
    }
}
