//! Text comparison scorers: equals, contains, icontains, regex, starts-with, with normalisation.

use regex::Regex;

use crate::suite::{Normalize, ScorerType};

/// Applies the suite's normalisations, in the order written.
pub fn normalize(text: &str, steps: &[Normalize]) -> String {
    let mut out = text.to_string();
    for step in steps {
        out = match step {
            Normalize::Trim => out.trim().to_string(),
            Normalize::Lowercase => out.to_lowercase(),
            Normalize::CollapseWhitespace => out.split_whitespace().collect::<Vec<_>>().join(" "),
            Normalize::StripPunctuation => {
                out.chars().filter(|c| !c.is_ascii_punctuation()).collect()
            }
        };
    }
    out
}

/// Compares `output` with `expected` (both already normalised); `regex` is the compiled pattern
/// for `ScorerType::Regex`.
pub fn compare(
    kind: ScorerType,
    output: &str,
    expected: &str,
    regex: Option<&Regex>,
) -> (bool, String) {
    let shown = |s: &str| {
        const MAX: usize = 80;
        let mut cut: String = s.chars().take(MAX).collect();
        if s.chars().count() > MAX {
            cut.push('…');
        }
        format!("{cut:?}")
    };
    let (passed, relation) = match kind {
        ScorerType::Equals => (output == expected, "equal"),
        ScorerType::Contains => (output.contains(expected), "contain"),
        ScorerType::Icontains => (
            output.to_lowercase().contains(&expected.to_lowercase()),
            "contain (any case)",
        ),
        ScorerType::StartsWith => (output.starts_with(expected), "start with"),
        ScorerType::Regex => (regex.is_some_and(|r| r.is_match(output)), "match"),
    };
    let verdict = if passed { "does" } else { "does not" };
    (
        passed,
        format!(
            "output {} {verdict} {relation} {}",
            shown(output),
            shown(expected)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisations_apply_in_order() {
        let steps = [
            Normalize::Trim,
            Normalize::Lowercase,
            Normalize::StripPunctuation,
        ];
        assert_eq!(normalize("  Billing.\n", &steps), "billing");
        assert_eq!(
            normalize("a \n\t b", &[Normalize::CollapseWhitespace]),
            "a b"
        );
    }

    #[test]
    fn each_comparison() {
        assert!(compare(ScorerType::Equals, "billing", "billing", None).0);
        assert!(!compare(ScorerType::Equals, "billing!", "billing", None).0);
        assert!(compare(ScorerType::Contains, "the billing queue", "billing", None).0);
        assert!(!compare(ScorerType::Contains, "Billing", "billing", None).0);
        assert!(compare(ScorerType::Icontains, "BILLING", "billing", None).0);
        assert!(compare(ScorerType::StartsWith, "billing: yes", "billing", None).0);
        let re = Regex::new(r"^\d+$").unwrap();
        assert!(compare(ScorerType::Regex, "42", r"^\d+$", Some(&re)).0);
        assert!(!compare(ScorerType::Regex, "42a", r"^\d+$", Some(&re)).0);
    }

    #[test]
    fn reasons_say_what_was_compared() {
        let (_, reason) = compare(ScorerType::Equals, "tech", "billing", None);
        assert_eq!(reason, "output \"tech\" does not equal \"billing\"");
    }
}
