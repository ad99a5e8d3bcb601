//! Suite errors: every problem names the file, line, column and field, and shows the line.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why a suite (or one of the files it names) cannot be used. Nothing runs when a suite has any.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", render_all(.0))]
    Invalid(Vec<Diagnostic>),
}

/// One problem at one place.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// 1-based line and column, when the place is known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Dotted path of the field (`providers.smollm2.path`), or a dataset row's column.
    pub field: Option<String>,
    pub message: String,
    pub help: Option<String>,
    /// The offending source line, shown under the message.
    pub source_line: Option<String>,
}

impl Diagnostic {
    pub fn new(file: &Path, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line: None,
            column: None,
            field: None,
            message: message.into(),
            help: None,
            source_line: None,
        }
    }

    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        let field = field.into();
        if !field.is_empty() {
            self.field = Some(field);
        }
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Attaches the source line the diagnostic points at, taken from the file's text.
    pub fn with_source(mut self, text: &str) -> Self {
        if let Some(line) = self.line {
            self.source_line = text.lines().nth(line - 1).map(str::to_owned);
        }
        self
    }

    /// Attaches the text of the line the diagnostic points at (a file read line by line).
    pub fn with_line(mut self, text: &str) -> Self {
        self.source_line = Some(text.to_owned());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let (Some(line), Some(text)) = (self.line, &self.source_line) {
            let gutter = line.to_string().len();
            let (text, col) = window(text, self.column.unwrap_or(1).max(1));
            write!(
                f,
                "\n{:gutter$} |\n{line} | {text}\n{:gutter$} | {:>col$}",
                "", "", "^"
            )?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// At most `SHOWN` characters of a source line, around `column` (1-based): a long line (a
/// minified JSON row, a hostile file) is cut with `…` on the sides cut; the caret's column in
/// what is shown.
fn window(line: &str, column: usize) -> (String, usize) {
    const SHOWN: usize = 120;
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= SHOWN {
        return (line.to_string(), column);
    }
    let start = column.saturating_sub(SHOWN / 2).min(chars.len() - SHOWN);
    let mut shown: String = chars[start..start + SHOWN].iter().collect();
    let mut col = column - start;
    if start > 0 {
        shown.insert(0, '…');
        col += 1;
    }
    if start + SHOWN < chars.len() {
        shown.push('…');
    }
    (shown, col)
}

fn render_all(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, d) in diags.iter().enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        out.push_str(&d.to_string());
    }
    if diags.len() > 1 {
        out.push_str(&format!("\n\n{} problems in the suite", diags.len()));
    }
    out
}

/// The closest candidate to a misspelt name, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let keys = ["concurrency", "base_url", "model"];
        assert_eq!(did_you_mean("concurency", keys), Some("concurrency"));
        assert_eq!(did_you_mean("base-url", keys), Some("base_url"));
        assert_eq!(did_you_mean("temperature", keys), None);
    }

    #[test]
    fn a_long_line_is_shown_around_its_column() {
        let line = format!("{}X{}", "a".repeat(500), "b".repeat(500));
        let (shown, col) = window(&line, 501);
        assert_eq!(shown.chars().nth(col - 1), Some('X'));
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert_eq!(shown.chars().count(), 122);
    }

    #[test]
    fn renders_location_field_and_caret() {
        let d = Diagnostic::new(Path::new("s.yaml"), "unknown field `concurency`")
            .at(2, 5)
            .field("providers.x")
            .help("did you mean `concurrency`?")
            .with_source("a:\n    concurency: 2\n");
        assert_eq!(
            d.to_string(),
            "s.yaml:2:5: providers.x: unknown field `concurency`\n  |\n2 |     concurency: 2\n  |     ^\n  help: did you mean `concurrency`?"
        );
    }
}
