//! The compiled form of `rules::PATTERNS`: per language, a literal prefilter over the whole file
//! picks the lines worth a look, and one regex set on each such line says which patterns match.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, Input, MatchKind};
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use super::rules::{self, Feature, Lang, Pattern, Portability, Vendor, PATTERNS};

/// A prefilter literal shorter than this would flag too many lines to be worth having.
const MIN_LITERAL: usize = 3;
/// More literals than this for one pattern are cut to shorter, shared ones.
const MAX_VARIANTS: usize = 32;
/// Aho-Corasick searches up to 128 literals with SIMD (Teddy) and falls back to a byte-at-a-time
/// automaton past that, several times slower; fewer literals per searcher also mean fewer false
/// candidates to verify. So the literals are split into searchers of this size, each a pass
/// (docs/BENCHMARKS.md: 32 beat 16, 64 and 127 on the 1 GB tree).
const PREFILTER_CHUNK: usize = 32;

/// One pattern's match.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub pattern: &'static Pattern,
    pub portability: &'static Portability,
    /// 1-based line, and 1-based column in characters.
    pub line: u32,
    pub column: u32,
    /// Byte span in the file, to compare overlapping hits.
    pub start: usize,
    pub end: usize,
    pub text: String,
}

pub(crate) struct Matchers {
    langs: Vec<LangMatcher>,
}

struct LangMatcher {
    ungated: Stage,
    gated: Stage,
    /// The gated calls a client made in another module may take (`claude.messages.create(`):
    /// in a file, they open the gated patterns too (`Gate::File`).
    calls: Stage,
}

/// The languages whose imports `lockin::clients` follows to the module that makes a client.
const CLIENT_LANGS: [Lang; 2] = [Lang::Python, Lang::JavaScript];

/// What opens a text's gated patterns besides an ungated hit of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    /// A whole file: so does a gated call that may go through a client another module makes
    /// (`claude.messages.create(` after `from .llm import claude`, with no vendor word in the
    /// file; `messages.create` is also Twilio's). Such a file's hits are all gated ones, and
    /// stand only where `clients` finds the call goes through a vendor's client.
    File,
    /// Part of a file (a notebook's cell, a construction's arguments): so does another part
    /// of it having hit (`true`).
    Part(bool),
}

/// A group of patterns searched together.
struct Stage {
    /// Each holds at most `PREFILTER_CHUNK` literals (see there).
    prefilters: Vec<AhoCorasick>,
    set: RegexSet,
    patterns: Vec<Compiled>,
}

struct Compiled {
    pattern: &'static Pattern,
    portability: &'static Portability,
    regex: Regex,
    /// Whether the first capture group, not the whole match, is the matched text.
    grouped: bool,
}

impl Matchers {
    /// The compiled table, built once per process.
    pub(crate) fn get() -> &'static Matchers {
        static MATCHERS: OnceLock<Matchers> = OnceLock::new();
        MATCHERS.get_or_init(|| Matchers {
            langs: Lang::ALL
                .iter()
                .map(|&lang| {
                    let of = |gated: bool| {
                        PATTERNS
                            .iter()
                            .filter(|p| p.gated == gated && p.langs.contains(&lang))
                            .collect::<Vec<_>>()
                    };
                    let mut calls = of(true);
                    calls.retain(|p| p.feature == Feature::Chat && CLIENT_LANGS.contains(&lang));
                    LangMatcher {
                        ungated: Stage::new(of(false)),
                        gated: Stage::new(of(true)),
                        calls: Stage::new(calls),
                    }
                })
                .collect(),
        })
    }

    /// Every hit in `text`, in `lang`, read on its own, gated patterns left out (the tests').
    #[cfg(test)]
    pub(crate) fn find(&self, lang: Lang, text: &[u8]) -> Vec<Hit> {
        self.find_gated(lang, text, Gate::Part(false))
    }

    /// Every hit in `text`, a file or part of one, in order of position; gated patterns run where
    /// `gate` says (a notebook's import sits in its first cell, the `tool_use` blocks in a later
    /// one).
    pub(crate) fn find_gated(&self, lang: Lang, text: &[u8], gate: Gate) -> Vec<Hit> {
        let index = Lang::ALL.iter().position(|&l| l == lang).unwrap_or(0);
        let matcher = &self.langs[index];
        let mut hits = Vec::new();
        let prose = |hits: &mut Vec<Hit>| {
            if lang != Lang::Config {
                hits.retain(|h| !in_prose(text, h));
            }
        };
        matcher.ungated.run(text, &mut hits);
        prose(&mut hits);
        // Gated patterns only mean something next to a vendor call; most files never get here.
        let opened = || match gate {
            Gate::File => {
                let mut calls = Vec::new();
                matcher.calls.run(text, &mut calls);
                !calls.is_empty()
            }
            Gate::Part(vendor_file) => vendor_file,
        };
        if hits.is_empty() && !opened() {
            return hits;
        }
        matcher.gated.run(text, &mut hits);
        prose(&mut hits);
        hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
        resolve_overlaps(hits)
    }
}

/// Whether `hit` is a model id written inside a sentence: a word (or `:`, `,`) and a space
/// before it, a space or a sentence's punctuation after (`println("Warning: gpt-4 may update over time.")`). Code
/// never writes an id bare; configuration does (`model: gpt-4o`), so this is for code only.
fn in_prose(text: &[u8], hit: &Hit) -> bool {
    // Constants (`openai.GPT3Dot5Turbo`, `GPT_4O`) are code wherever they stand.
    let literal = hit.text.contains('-') && !hit.text.bytes().any(|b| b.is_ascii_uppercase());
    if hit.pattern.feature != Feature::ModelId || !literal || hit.start < 2 {
        return false;
    }
    let before = &text[hit.start - 2..hit.start];
    let word_before =
        before[1] == b' ' && (before[0].is_ascii_alphanumeric() || b":,".contains(&before[0]));
    let after = text.get(hit.end).copied();
    let prose_after = match after {
        Some(b' ') => true,
        Some(b'.' | b',' | b';' | b'!' | b'?') => {
            matches!(
                text.get(hit.end + 1),
                None | Some(b' ' | b'"' | b'\'' | b'\n' | b'\r')
            )
        }
        _ => false,
    };
    word_before && prose_after
}

/// Of two hits where one's text contains the other's, the longer stands (the `ft:` id over the
/// base model inside it); of hits on the same text, the most severe rating; and a line counts
/// once per vendor feature (`one_per_feature`).
fn resolve_overlaps(hits: Vec<Hit>) -> Vec<Hit> {
    let covers = |o: &Hit, h: &Hit| {
        o.start <= h.start
            && h.end <= o.end
            && ((o.end - o.start) > (h.end - h.start)
                || ((o.start, o.end) == (h.start, h.end)
                    && o.portability.rating > h.portability.rating))
    };
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    // Sorted by position, so each line's hits sit together.
    for line in hits.chunk_by(|a, b| a.line == b.line) {
        let first = kept.len();
        for h in line {
            let hidden = line.iter().any(|o| !std::ptr::eq(o, h) && covers(o, h));
            // An array's opening (`tools=[`) does not say what the array holds: `one_per_feature`
            // may find it a hosted tool's, and then a function tool beside is tool calling.
            let said = kept[first..].iter().filter(|k| !k.text.ends_with('['));
            if !hidden && !repeats(said, h) {
                kept.push(h.clone());
            }
        }
    }
    kept
}

/// Whether `hit` says again what one of `earlier`, the hits before it on its line, says.
fn repeats<'h>(earlier: impl IntoIterator<Item = &'h Hit>, hit: &Hit) -> bool {
    let said = |h: &Hit| (h.portability.vendor, h.portability.feature);
    earlier.into_iter().any(|k| said(k) == said(hit))
}

/// A line counts once per vendor feature, its first hit standing: `"input_image", image_url:`
/// is one image part, `tools=tools, tool_choice="auto"` one use of tools, and a hosted tool's
/// line (or the one after a `tools=[` opening the array) is that tool's use, not also one of tool
/// calling, unless a function tool stands beside it there. (Run again after `attribute` moves hits to another vendor.) A self-hosted server is no
/// vendor: its hits go. `text` is the one the hits' offsets index.
pub(crate) fn one_per_feature(hits: &mut Vec<Hit>, text: &[u8]) {
    hits.retain(|h| h.portability.vendor != Vendor::SelfHosted);
    // A tools array holding a hosted tool (`tools=[{"type": "file_search"}]`) is that tool's use.
    let hosted: Vec<u32> = (hits.iter())
        .filter(|h| {
            matches!(
                h.pattern.feature,
                Feature::HostedTools | Feature::FileSearch
            )
        })
        .map(|h| h.line)
        .collect();
    // So is one opened on the line above it (`tools=[` then `FileSearchTool(...)`). A function
    // tool beside the hosted one (`{"type": "function", …}`, `function_declarations=`) is
    // tool calling still.
    let holds_hosted = |h: &Hit| {
        let function = h.text.to_ascii_lowercase().contains("function");
        let here = hosted.contains(&h.line) && !function;
        let rest = text.get(h.end..).unwrap_or_default();
        let line_end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let opens = h.text.ends_with('[') && rest[..line_end].trim_ascii().is_empty();
        here || (opens && hosted.contains(&(h.line + 1)))
    };
    hits.retain(|h| h.pattern.feature != Feature::ToolCalling || !holds_hosted(h));
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    for hit in hits.drain(..) {
        let first = kept
            .iter()
            .rposition(|k| k.line != hit.line)
            .map_or(0, |i| i + 1);
        if !repeats(&kept[first..], &hit) {
            kept.push(hit);
        }
    }
    *hits = kept;
}

impl Stage {
    fn new(patterns: Vec<&'static Pattern>) -> Stage {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let compiled: Vec<Compiled> = patterns
            .iter()
            .map(|&pattern| {
                literals.extend(anchors(pattern.regex).unwrap_or_else(|| {
                    panic!(
                        "rule table: {} has no literal of {MIN_LITERAL}+ bytes to prefilter on",
                        pattern.regex
                    )
                }));
                let regex = RegexBuilder::new(pattern.regex)
                    .unicode(false)
                    .build()
                    .unwrap_or_else(|e| panic!("rule table: {}: {e}", pattern.regex));
                Compiled {
                    pattern,
                    portability: rules::portability(pattern.vendor, pattern.feature)
                        .unwrap_or_else(|| {
                            panic!("rule table: no portability for {}", pattern.regex)
                        }),
                    grouped: regex.captures_len() > 1,
                    regex,
                }
            })
            .collect();
        let literals = minimal(literals);
        let prefilters = literals
            .chunks(PREFILTER_CHUNK)
            .map(|chunk| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(chunk)
                    .expect("rule table: prefilter literals build")
            })
            .collect();
        let set = RegexSetBuilder::new(patterns.iter().map(|p| p.regex))
            .unicode(false)
            .build()
            .expect("rule table: every regex compiled above");
        Stage {
            prefilters,
            set,
            patterns: compiled,
        }
    }

    /// Appends the hits of this stage's patterns in `text`.
    fn run(&self, text: &[u8], hits: &mut Vec<Hit>) {
        // The starts of the lines holding a literal, from every searcher.
        let mut starts: Vec<usize> = Vec::new();
        for prefilter in &self.prefilters {
            let mut at = 0;
            while at < text.len() {
                let Some(found) = prefilter.find(Input::new(text).span(at..text.len())) else {
                    break;
                };
                let start =
                    memchr::memrchr(b'\n', &text[at..found.start()]).map_or(at, |i| at + i + 1);
                starts.push(start);
                at = memchr::memchr(b'\n', &text[found.end()..])
                    .map_or(text.len(), |i| found.end() + i + 1);
            }
        }
        if self.prefilters.len() > 1 {
            starts.sort_unstable();
            starts.dedup();
        }
        let (mut line, mut counted) = (1u32, 0);
        for start in starts {
            let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
            line += memchr::memchr_iter(b'\n', &text[counted..start]).count() as u32;
            counted = start;
            let body = &text[start..end];
            for index in self.set.matches(body).iter() {
                let c = &self.patterns[index];
                let spans: Vec<(usize, usize)> = if c.grouped {
                    c.regex
                        .captures_iter(body)
                        .filter_map(|caps| caps.get(1))
                        .map(|m| (m.start(), m.end()))
                        .collect()
                } else {
                    c.regex
                        .find_iter(body)
                        .map(|m| (m.start(), m.end()))
                        .collect()
                };
                for (s, e) in spans {
                    hits.push(Hit {
                        pattern: c.pattern,
                        portability: c.portability,
                        line,
                        column: chars(&body[..s]) + 1,
                        start: start + s,
                        end: start + e,
                        text: String::from_utf8_lossy(&body[s..e]).into_owned(),
                    });
                }
            }
        }
    }
}

/// The fewest literals that still flag every line a pattern can match: quotes and spaces around
/// a literal are trimmed (`"json_object'` and `'json_object'` are both `json_object`), and a
/// literal holding another is dropped, since the shorter one flags the same lines. A
/// searcher less means a pass over every file less (see `PREFILTER_CHUNK`).
fn minimal(literals: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let edge = |b: &u8| matches!(b, b' ' | b'\t' | b'"' | b'\'' | b'`' | b'(');
    let mut cores: Vec<Vec<u8>> = literals
        .into_iter()
        .map(|l| {
            let start = l.iter().position(|b| !edge(b)).unwrap_or(l.len());
            let end = l.iter().rposition(|b| !edge(b)).map_or(start, |i| i + 1);
            if end.saturating_sub(start) >= MIN_LITERAL {
                l[start..end].to_vec()
            } else {
                l
            }
        })
        .collect();
    cores.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    cores.dedup();
    let mut kept: Vec<Vec<u8>> = Vec::new();
    for l in cores {
        if !kept
            .iter()
            .any(|k| l.windows(k.len()).any(|w| w == k.as_slice()))
        {
            kept.push(l);
        }
    }
    kept
}

/// How many characters UTF-8 `bytes` hold (continuation bytes don't start one).
fn chars(bytes: &[u8]) -> u32 {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u32
}

/// Literals, one of which every match of `regex` starts (or else ends) with. The search runs
/// line by line, so a literal is cut at a newline (keeping the part a match starts or ends with).
fn anchors(regex: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(regex)
        .ok()?;
    // Of the literals matches start with and those they end with, the longer ones flag fewer
    // lines (`"type": "json_schema"` is better found by its end); a pattern's variants are
    // cut short when they would run to dozens of literals.
    let kinds = [ExtractKind::Prefix, ExtractKind::Suffix];
    kinds
        .iter()
        .flat_map(|kind| [(kind.clone(), 250), (kind.clone(), MAX_VARIANTS)])
        .filter_map(|(kind, total)| {
            let seq = Extractor::new()
                .kind(kind.clone())
                .limit_class(3)
                .limit_total(total)
                .extract(&hir);
            let mut literals: Vec<Vec<u8>> = seq
                .literals()?
                .iter()
                .map(|l| {
                    let bytes = l.as_bytes();
                    match kind {
                        ExtractKind::Prefix => bytes.split(|&b| b == b'\n').next(),
                        _ => bytes.rsplit(|&b| b == b'\n').next(),
                    }
                    .unwrap_or_default()
                    .to_vec()
                })
                .collect();
            literals.sort();
            literals.dedup();
            let shortest = literals.iter().map(Vec::len).min()?;
            (shortest >= MIN_LITERAL)
                .then_some(((literals.len() <= MAX_VARIANTS, shortest), literals))
        })
        .max_by_key(|(score, _)| *score)
        .map(|(_, literals)| literals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_has_prefilter_literals_that_find_its_example() {
        for p in PATTERNS {
            let literals = anchors(p.regex)
                .unwrap_or_else(|| panic!("{} has no usable prefilter literal", p.regex));
            assert!(
                literals
                    .iter()
                    .any(|l| p.example.as_bytes().windows(l.len()).any(|w| w == l)),
                "no literal of {} occurs in {:?}",
                p.regex,
                p.example
            );
        }
    }

    fn find(lang: Lang, text: &str) -> Vec<(u32, u32, &'static str, String)> {
        Matchers::get()
            .find(lang, text.as_bytes())
            .into_iter()
            .map(|h| (h.line, h.column, h.pattern.feature.id(), h.text))
            .collect()
    }

    #[test]
    fn finds_lines_and_character_columns() {
        let text = "import os\n# é\nfrom openai import OpenAI\nx = \"é gpt-4o\"\n";
        assert_eq!(
            find(Lang::Python, text),
            vec![
                (3, 1, "sdk", "from openai".to_string()),
                (4, 8, "model-id", "gpt-4o".to_string()),
            ]
        );
    }

    #[test]
    fn gated_patterns_need_a_vendor_call_in_the_file() {
        let alone = "rng = np.random.default_rng(seed=42)\nrow = {\"image_url\": url}\n";
        assert!(find(Lang::Python, alone).is_empty());
        let with_call = format!("{alone}r = client.chat.completions.create(model=m)\n");
        let features: Vec<_> = find(Lang::Python, &with_call)
            .into_iter()
            .map(|f| f.2)
            .collect();
        assert_eq!(features, ["seed", "vision", "chat"]);
    }

    #[test]
    fn a_longer_match_hides_the_one_inside_it_and_the_severer_wins_a_tie() {
        let text = "m = \"ft:gpt-4o-mini-2024-07-18:acme::9x\"\nr = \"gpt-4o-realtime-preview\"\nk = AZURE_OPENAI_API_KEY\n";
        // The tie: the same text is an OpenAI SDK import and Azure's (the severer).
        let go = Matchers::get().find(Lang::Go, b"import \"github.com/openai/openai-go/azure\"\n");
        let go: Vec<_> = go.iter().map(|h| h.portability.vendor).collect();
        assert_eq!(go, [Vendor::AzureOpenAi]);
        let found: Vec<_> = find(Lang::Python, text)
            .into_iter()
            .map(|f| (f.0, f.2, f.3))
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    1,
                    "fine-tuning",
                    "ft:gpt-4o-mini-2024-07-18:acme::9x".to_string()
                ),
                (2, "model-id", "gpt-4o-realtime-preview".to_string()),
                (3, "api-key", "AZURE_OPENAI_API_KEY".to_string()),
            ]
        );
    }

    #[test]
    fn a_capture_group_is_the_matched_text_and_crlf_lines_work() {
        let text = "a = 1\r\nmodel = \"o3-mini\"\r\n";
        assert_eq!(
            find(Lang::Python, text),
            vec![(2, 10, "model-id", "o3-mini".to_string())]
        );
    }
}
