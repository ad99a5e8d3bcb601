//! Comments and docstrings out of the way: a file parsed with its language's tree-sitter grammar,
//! and every comment (and, in Python, every bare string statement: docstrings) replaced byte for
//! byte by spaces, line breaks kept, so the rules see only code and every finding keeps its line.
//! A comment saying a model does *not* support logprobs, or a list of models commented out, is
//! not a dependency. Grammars: Python, JavaScript, TypeScript/TSX, Go, Java, Kotlin, C#, Ruby and
//! Rust; files in other languages (configuration, shell) are left as they are.

use tree_sitter::Node;

use super::syntax::{parse, Syntax};

/// Whether a comment or docstring could hold one of the byte `spans` of `text` (a cheap test
/// before parsing): an opener of a line comment before it on its line, or of a block comment or
/// docstring anywhere before it. False means no span is in a comment: nothing to parse.
pub fn may_hide(extension: &str, text: &[u8], spans: &[(usize, usize)]) -> bool {
    let (line, blocks): (&[u8], &[&[u8]]) = match extension {
        "py" | "pyi" | "ipynb" => (b"#", &[b"\"\"\"", b"'''"]),
        "rb" | "rake" => (b"#", &[b"=begin"]),
        _ => (b"//", &[b"/*"]),
    };
    let Some(last) = spans.iter().map(|s| s.0).max() else {
        return false;
    };
    let before = &text[..last.min(text.len())];
    if blocks
        .iter()
        .any(|b| memchr::memmem::find(before, b).is_some())
    {
        return true;
    }
    spans.iter().any(|&(start, _)| {
        let start = start.min(text.len());
        let line_start = memchr::memrchr(b'\n', &text[..start]).map_or(0, |i| i + 1);
        memchr::memmem::find(&text[line_start..start], line).is_some()
    })
}

/// `text` with its comments and docstrings blanked; `None` when the extension has no grammar
/// (or the parser gives up).
pub fn blank(extension: &str, text: &[u8]) -> Option<Vec<u8>> {
    // A notebook's text here is its cells', one after another: Python.
    let extension = if extension == "ipynb" {
        "py"
    } else {
        extension
    };
    let (tree, syntax) = parse(extension, text)?;
    let python = syntax == Syntax::Python;
    let mut out = text.to_vec();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if is_comment(node) || (python && is_docstring(node)) {
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

/// A Python docstring: a statement that is nothing but a string, first in a module, class or
/// function body. (Only there: error recovery in a file that does not parse can make a string
/// stand alone elsewhere, and an import's module name is no comment.)
fn is_docstring(node: Node) -> bool {
    // The cheap tests first: finding a node's parent walks down from the root.
    node.kind() == "expression_statement"
        && node.named_child_count() == 1
        && node.named_child(0).is_some_and(|c| c.kind() == "string")
        && node.parent().is_some_and(|p| {
            matches!(p.kind(), "module" | "block")
                && p.named_child(0)
                    .is_some_and(|first| first.id() == node.id())
        })
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
        let kotlin = "// val m = \"gpt-4o\"\nval client = OpenAIOkHttpClient.fromEnv() /* o1 */\n";
        assert!(!blanked("kt", kotlin).contains("gpt-4o") && !blanked("kt", kotlin).contains("o1"));
        let cs = "// using Anthropic;\nvar c = new ChatClient(\"gpt-4o\"); /* logprobs */\n";
        let out = blanked("cs", cs);
        assert!(
            !out.contains("Anthropic") && !out.contains("logprobs") && out.contains("\"gpt-4o\"")
        );
        let rb = "# require \"anthropic\"\n=begin\nclaude-3-opus\n=end\nm = \"gpt-4o\"\n";
        let out = blanked("rb", rb);
        assert!(
            !out.contains("anthropic") && !out.contains("claude") && out.contains("\"gpt-4o\"")
        );
        let rs = "/// Calls gpt-4o.\nfn f() { let m = \"o3\"; /* claude */ }\n";
        let out = blanked("rs", rs);
        assert!(!out.contains("gpt-4o") && !out.contains("claude") && out.contains("\"o3\""));
        assert_eq!(blank("sh", b"# openai"), None);
        // A file that does not parse: a module name left standing alone is not a comment.
        let broken =
            "return <Tenant metric={m} />;\nimport { GoogleGenAI } from \"@google/genai\";\n";
        assert!(blanked("ts", broken).contains("\"@google/genai\""));
        // In Python, only the string first in a body is a docstring.
        let py = "def f():\n    \"\"\"Uses gpt-4o.\"\"\"\n    x = 1\n    \"gpt-4o-mini\"\n";
        let out = blanked("py", py);
        assert!(
            !out.contains("Uses gpt-4o") && out.contains("\"gpt-4o-mini\""),
            "{out}"
        );
    }

    #[test]
    fn only_a_span_a_comment_could_hold_needs_the_parser() {
        let py = b"import openai\nx = 1  # gpt-4o\n";
        // `import openai` (0..13): nothing before it on its line, no docstring before it.
        assert!(!may_hide("py", py, &[(0, 13)]));
        // `gpt-4o` after a `#` on its line.
        assert!(may_hide("py", py, &[(0, 13), (24, 30)]));
        let js = b"/* header */\nconst m = 'gpt-4o';\n";
        assert!(may_hide("ts", js, &[(24, 30)]));
        assert!(!may_hide("ts", b"const m = 'gpt-4o';\n", &[(11, 17)]));
    }
}
