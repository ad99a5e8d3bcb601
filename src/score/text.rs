//! Text comparison scorers (equals, contains, icontains, regex, starts-with, with normalisation)
//! and `number`, which compares the first number in the output.

use std::sync::LazyLock;

use regex::Regex;

use crate::suite::{Normalize, TextTest as Comparison};

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
/// for `Comparison::Regex`.
pub fn compare(
    kind: Comparison,
    output: &str,
    expected: &str,
    regex: Option<&Regex>,
) -> (bool, String) {
    let (passed, relation) = match kind {
        Comparison::Equals => (output == expected, "equal"),
        Comparison::Contains => (output.contains(expected), "contain"),
        Comparison::Icontains => (
            output.to_lowercase().contains(&expected.to_lowercase()),
            "contain (any case)",
        ),
        Comparison::StartsWith => (output.starts_with(expected), "start with"),
        Comparison::Regex => (regex.is_some_and(|r| r.is_match(output)), "match"),
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

/// A text quoted for a reason, cut to 80 characters.
pub fn shown(s: &str) -> String {
    format!("{:?}", crate::format::truncate(s, 80))
}

/// A decimal number, with optional sign, thousands separators (`1,200`), fraction and exponent.
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+]?\.\d+")
        .expect("a fixed pattern")
});

/// The first number in `text`. A sign glued to a word is a hyphen, not a sign: `A-10` is 10.
pub fn first_number(text: &str) -> Option<f64> {
    let m = NUMBER.find(text)?;
    let mut digits = m.as_str();
    let after_word = text[..m.start()]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric);
    if after_word {
        digits = digits.trim_start_matches(['-', '+']);
    }
    digits.replace(',', "").parse().ok()
}

/// `number`: the first number of `output` is `expected` within `tolerance`.
pub fn number(output: &str, expected: f64, tolerance: f64) -> (bool, String) {
    match first_number(output) {
        None => (false, format!("no number in the output {}", shown(output))),
        Some(found) => {
            let passed = (found - expected).abs() <= tolerance;
            let relation = if passed { "is" } else { "is not" };
            let within = if tolerance > 0.0 {
                format!(" within {tolerance}")
            } else {
                String::new()
            };
            (
                passed,
                format!("the first number, {found}, {relation} {expected}{within}"),
            )
        }
    }
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
        assert!(compare(Comparison::Equals, "billing", "billing", None).0);
        assert!(!compare(Comparison::Equals, "billing!", "billing", None).0);
        assert!(compare(Comparison::Contains, "the billing queue", "billing", None).0);
        assert!(!compare(Comparison::Contains, "Billing", "billing", None).0);
        assert!(compare(Comparison::Icontains, "BILLING", "billing", None).0);
        assert!(compare(Comparison::StartsWith, "billing: yes", "billing", None).0);
        let re = Regex::new(r"^\d+$").unwrap();
        assert!(compare(Comparison::Regex, "42", r"^\d+$", Some(&re)).0);
        assert!(!compare(Comparison::Regex, "42a", r"^\d+$", Some(&re)).0);
    }

    #[test]
    fn first_numbers() {
        assert_eq!(first_number("The answer is 42."), Some(42.0));
        assert_eq!(first_number("-3.5 degrees"), Some(-3.5));
        assert_eq!(first_number("about 1,200,000 users"), Some(1_200_000.0));
        assert_eq!(first_number("1,2,3"), Some(1.0));
        assert_eq!(first_number("order A-10293"), Some(10293.0));
        assert_eq!(first_number("x = 2.5e3"), Some(2500.0));
        assert_eq!(first_number("worth .5"), Some(0.5));
        assert_eq!(first_number("none"), None);
    }

    #[test]
    fn number_compares_within_tolerance() {
        assert!(number("12 + 30 = 42", 12.0, 0.0).0);
        assert!(!number("12 + 30 = 42", 42.0, 0.0).0);
        assert!(number("2.71828", 2.72, 0.01).0);
        let (passed, reason) = number("It is 41", 42.0, 0.5);
        assert!(!passed);
        assert_eq!(reason, "the first number, 41, is not 42 within 0.5");
        assert_eq!(
            number("no idea", 1.0, 0.0).1,
            "no number in the output \"no idea\""
        );
    }

    #[test]
    fn reasons_say_what_was_compared() {
        let (_, reason) = compare(Comparison::Equals, "tech", "billing", None);
        assert_eq!(reason, "output \"tech\" does not equal \"billing\"");
    }
}
