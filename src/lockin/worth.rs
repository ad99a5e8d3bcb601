//! Which files are worth parsing for the clients their calls go through, read from their text
//! alone. Parsing every file with a hit cost a third of the scan's throughput, so `clients`
//! parses only the files this test passes: those with hits and no SDK import of their own, those
//! whose calls' receivers come from another of their imports, and those that may make several
//! clients of one vendor.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use regex::bytes::Regex;

use super::matcher::Hit;
use super::receivers::{constructs, ident_char};
use super::rules::{Feature, Vendor};
use super::syntax::{grammar, Syntax};

/// What a file's text says it is worth parsing for (`clients::read`).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Worth {
    /// Its hits may go through a client another module makes: it imports no vendor's SDK itself
    /// (`import { openai } from "@/lib/openai"`), or a call's receiver comes from another import
    /// (`receiver_imported`).
    pub imported: bool,
    /// It may make several clients of one vendor (`constructions`).
    pub several: bool,
}

impl Worth {
    pub(super) fn any(self) -> bool {
        self.imported || self.several
    }
}

/// What the file `text`, whose rules hit `hits`, is worth parsing for.
pub(super) fn worth_reading(extension: &str, text: &[u8], hits: &[Hit]) -> Worth {
    let sdk_lines: Vec<u32> = (hits.iter())
        .filter(|h| h.pattern.feature == Feature::Sdk)
        .map(|h| h.line)
        .collect();
    let text = std::str::from_utf8(text).ok();
    let Some((_, syntax)) = grammar(extension) else {
        return Worth::default();
    };
    // Clients made in other modules are followed where modules import them by name, and in Go
    // through its package's names, where a call goes through a receiver the file does not make.
    let imports = syntax.imports_clients();
    let package = syntax == Syntax::Go;
    match (hits.is_empty(), sdk_lines.is_empty(), text) {
        (true, _, _) | (false, false, None) => Worth::default(),
        (false, true, text) => Worth {
            imported: imports || (package && text.is_some_and(|t| package_receiver(t, hits))),
            several: false,
        },
        (false, false, Some(text)) => {
            let statements = import_statements(text);
            let made = constructions(text, hits, &statements);
            Worth {
                imported: (imports && receiver_imported(text, hits, (&statements, &sdk_lines)))
                    || (package && made.is_empty() && package_receiver(text, hits)),
                several: made.values().any(|&n| n >= 2),
            }
        }
    }
}

/// Whether, in a file that imports an SDK (on `sdk_lines`), a call's receiver (`client` in
/// `client.messages.create(`, `get_client` in `get_client().messages…`) is a word of its other
/// import statements, or is assigned a call of one (`client = get_anthropic_client()`): the SDK
/// imported for its types or errors, the client from the project. A test on the text, so that
/// only the files it passes are parsed.
fn receiver_imported(
    text: &str,
    hits: &[Hit],
    (statements, sdk_lines): (&[Statement], &[u32]),
) -> bool {
    let words: HashSet<&str> = (statements.iter())
        .filter(|s| !sdk_lines.iter().any(|line| s.lines.contains(line)))
        .flat_map(|s| s.words.iter().copied())
        .collect();
    let receivers = receivers(text, hits);
    let assigned_from_import = |receiver: &str| {
        text.match_indices(receiver).any(|(at, _)| {
            let rest = text[at + receiver.len()..].trim_start();
            let Some(value) = rest.strip_prefix('=').filter(|r| !r.starts_with('=')) else {
                return false;
            };
            let value = value.trim_start();
            let value = value.strip_prefix("await ").unwrap_or(value).trim_start();
            let callee = &value[..value.find(|c: char| !ident_char(c)).unwrap_or(value.len())];
            value[callee.len()..].starts_with('(') && words.contains(callee)
        })
    };
    (receivers.into_iter()).any(|r| words.contains(r) || assigned_from_import(r))
}

/// The first names of the calls the hits are (`client` in `client.messages.create(`,
/// `get_client` in `get_client().messages…`).
fn receivers<'t>(text: &'t str, hits: &[Hit]) -> HashSet<&'t str> {
    (hits.iter())
        .filter(|h| text.get(h.start..).is_some_and(|t| t.starts_with('.')))
        .filter_map(|h| {
            let before = text.get(..h.start)?;
            let chain = before.trim_end_matches(|c: char| ident_char(c) || "().".contains(c));
            let first = &before[chain.len()..];
            let end = first.find(|c: char| !ident_char(c)).unwrap_or(first.len());
            Some(&first[..end]).filter(|f| !f.is_empty())
        })
        .collect()
}

/// Whether a Go file's call goes through a name its text never declares: one its package may
/// declare in another file (`go_package`).
fn package_receiver(text: &str, hits: &[Hit]) -> bool {
    receivers(text, hits)
        .into_iter()
        .any(|name| !declares(text, name))
}

/// Whether Go text declares `name` somewhere: `name :=`, `name =`, `name, err :=`, or `name`
/// before a type (a parameter, receiver, field or `var name T`). A use is followed by `.`, `(`
/// or an operator; a name passed as an argument (`f(name, x)`) reads as declared, which only
/// spares a parse.
fn declares(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = &text[at + name.len()..];
        let bounded =
            !before.is_some_and(|c| ident_char(c) || c == '.') && !after.starts_with(ident_char);
        let rest = after.trim_start_matches([' ', '\t']);
        let spaced = rest.len() < after.len();
        let assigns = rest.starts_with(":=")
            || (rest.starts_with('=') && !rest.starts_with("=="))
            || rest.starts_with(',');
        let typed = spaced && rest.starts_with(|c: char| ident_char(c) || "*[".contains(c));
        bounded && (assigns || typed)
    })
}

/// One import statement (`from … import …`, `import … from "…"`, `import (…)`, `use …;`,
/// `using …;`, `require "…"`, over several lines where brackets stay open).
struct Statement<'t> {
    /// Its lines, 1-based.
    lines: std::ops::RangeInclusive<u32>,
    words: Vec<&'t str>,
}

/// The words of a line.
fn words(line: &str) -> Vec<&str> {
    (line.split(|c: char| !ident_char(c)))
        .filter(|w| !w.is_empty())
        .collect()
}

/// A file's import statements.
fn import_statements(text: &str) -> Vec<Statement<'_>> {
    let mut out: Vec<Statement> = Vec::new();
    let mut open = 0i32;
    // In a Go `import (` block each line is an import of its own (`errors` is no SDK's word).
    let mut go_block = false;
    for (i, line) in text.lines().enumerate() {
        let number = i as u32 + 1;
        if go_block {
            go_block = !line.trim_start().starts_with(')');
            let words = words(line);
            let lines = number..=number;
            out.extend(go_block.then_some(Statement { lines, words }));
            continue;
        }
        if open <= 0 {
            let trimmed = line.trim_start();
            if trimmed.trim_end() == "import (" {
                go_block = true;
                continue;
            }
            let starts = ["from ", "import ", "use ", "using ", "require "];
            if !starts.iter().any(|s| trimmed.starts_with(s)) {
                continue;
            }
            let lines = number..=number;
            out.push(Statement {
                lines,
                words: Vec::new(),
            });
            open = 0;
        }
        open += line.matches(['(', '{']).count() as i32 - line.matches([')', '}']).count() as i32;
        if let Some(statement) = out.last_mut() {
            statement.words.extend(words(line));
            statement.lines = *statement.lines.start()..=number;
        }
    }
    out
}

/// How many clients of each vendor a file that imports an SDK may make (`sync = OpenAI()`,
/// `async_client = AsyncOpenAI()`): the assignments of a call of a name its SDK imports bring
/// in. Where one vendor has two, the file is parsed, and each client is a point of its own.
fn constructions(text: &str, hits: &[Hit], statements: &[Statement]) -> HashMap<Vendor, usize> {
    static ASSIGNED_CALL: OnceLock<Regex> = OnceLock::new();
    let assigned_call = ASSIGNED_CALL.get_or_init(|| {
        Regex::new(r"(?m)(?:^|[^=!<>])=\s*(?:await\s+)?(?:new\s+)?([A-Za-z_$][\w$]*)((?:(?:\.|::)[A-Za-z_$][\w$]*)*)[ \t]*(?:\(|\r?$)")
            .expect("a valid regex")
    });
    let sdk_lines: HashMap<u32, Vendor> = (hits.iter())
        .filter(|h| h.pattern.feature == Feature::Sdk)
        .map(|h| (h.line, h.portability.vendor))
        .collect();
    // Lower case: Ruby's `require "openai"` brings `OpenAI`.
    let mut vendor_of: HashMap<String, Vendor> = HashMap::new();
    for statement in statements {
        let sdk = statement
            .lines
            .clone()
            .find_map(|line| sdk_lines.get(&line));
        if let Some(&vendor) = sdk {
            vendor_of.extend(statement.words.iter().map(|w| (w.to_lowercase(), vendor)));
        }
    }
    if vendor_of.is_empty() {
        return HashMap::new();
    }
    let mut made: HashMap<Vendor, usize> = HashMap::new();
    for caps in assigned_call.captures_iter(text.as_bytes()) {
        let (Some(first), Some(rest)) = (caps.get(1), caps.get(2)) else {
            continue;
        };
        let (Some(first), Some(rest)) = (text.get(first.range()), text.get(rest.range())) else {
            continue;
        };
        if let Some(&vendor) = vendor_of
            .get(&first.to_lowercase())
            .filter(|_| constructs(Syntax::Python, rest, 0))
        {
            *made.entry(vendor).or_default() += 1;
        }
    }
    made
}

#[cfg(test)]
mod tests {
    use super::declares;

    #[test]
    fn go_text_declares_a_name_where_it_is_bound_or_typed_not_where_it_is_used() {
        let declared = [
            "client := x",
            "var client = x",
            "client, err := x",
            "func f(ctx context.Context, client *openai.Client)",
            "\tclient openai.Client\n",
            "func (client *T) M()",
        ];
        for text in declared {
            assert!(declares(text, "client"), "{text}");
        }
        let used = [
            "client.Chat.Completions.New(ctx)",
            "return client\n",
            "if client == nil {",
            "x := client\n",
            "myclient := x",
            "s.client = x",
        ];
        for text in used {
            assert!(!declares(text, "client"), "{text}");
        }
    }
}
