//! Word-overlap scorers against a reference text: ROUGE-L F-measure and sentence BLEU.

use std::collections::HashMap;

use bleuscore::tokenizer::{Tokenizer, Tokenizer13a};

/// ROUGE-L F-measure: the longest common subsequence of words over the output's length
/// (precision) and the reference's (recall), combined as their harmonic mean.
///
/// Words are runs of letters and digits, lowercased, without stemming: for ASCII text the
/// tokens of Google's `rouge-score` with its defaults (`use_stemmer=False`), whose tokenizer
/// would drop non-ASCII letters altogether.
pub fn rouge_l(reference: &str, output: &str) -> f64 {
    let reference = words(reference);
    let output = words(output);
    let lcs = lcs_len(&reference, &output);
    if lcs == 0 {
        return 0.0;
    }
    let precision = lcs as f64 / output.len() as f64;
    let recall = lcs as f64 / reference.len() as f64;
    2.0 * precision * recall / (precision + recall)
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Length of the longest common subsequence, in O(len(a) × len(b)) time and O(len(b)) memory.
fn lcs_len(a: &[String], b: &[String]) -> usize {
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        let mut diagonal = 0;
        for (j, y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y {
                diagonal + 1
            } else {
                above.max(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Sentence BLEU-4 as sacreBLEU's `sentence_bleu` computes it with its defaults, on a 0–1 scale:
/// the `13a` tokenizer, case kept, one reference, effective order (n-gram orders the output is
/// too short to have are left out), and `exp` smoothing — Chen & Cherry (2014) method 3, the
/// NIST mteval-v13a smoothing: the k-th order with no match counts 1 / (2^k × its n-grams).
/// An output sharing no word with the reference scores 0.
pub fn bleu(reference: &str, output: &str) -> f64 {
    const MAX_ORDER: usize = 4;
    let tokenizer = Tokenizer13a::new();
    let reference = tokenizer.tokenize(reference);
    let output = tokenizer.tokenize(output);
    let mut log_sum = 0.0;
    let mut orders = 0;
    let mut halvings = 0;
    for n in 1..=MAX_ORDER {
        let total = output.len().saturating_sub(n - 1);
        if total == 0 {
            break;
        }
        let available = ngrams(&reference, n);
        let matched: usize = ngrams(&output, n)
            .into_iter()
            .map(|(gram, count)| count.min(available.get(gram).copied().unwrap_or(0)))
            .sum();
        if n == 1 && matched == 0 {
            return 0.0;
        }
        let precision = if matched == 0 {
            halvings += 1;
            1.0 / (f64::from(1u32 << halvings) * total as f64)
        } else {
            matched as f64 / total as f64
        };
        log_sum += precision.ln();
        orders = n;
    }
    if orders == 0 {
        return 0.0;
    }
    let brevity = if output.len() < reference.len() {
        (1.0 - reference.len() as f64 / output.len() as f64).exp()
    } else {
        1.0
    };
    brevity * (log_sum / orders as f64).exp()
}

fn ngrams(tokens: &[String], n: usize) -> HashMap<&[String], usize> {
    let mut counts = HashMap::new();
    for gram in tokens.windows(n) {
        *counts.entry(gram).or_insert(0) += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Expected values from `rouge-score==0.1.2` (PyPI), `RougeScorer(["rougeL"],
    /// use_stemmer=False).score(reference, output)["rougeL"].fmeasure`, run once on 2026-11-22.
    #[test]
    fn rouge_l_matches_rouge_score() {
        let cases = [
            (
                "the cat sat on the mat",
                "the cat lay on the mat",
                0.8333333333333334,
            ),
            (
                "The quick brown fox jumps over the lazy dog",
                "The quick brown dog jumps on the log.",
                0.5882352941176471,
            ),
            (
                "Paris is the capital of France.",
                "The capital of France is Paris.",
                0.6666666666666666,
            ),
            ("billing", "technical", 0.0),
        ];
        for (reference, output, expected) in cases {
            let got = rouge_l(reference, output);
            assert!(close(got, expected), "{reference:?} / {output:?}: {got}");
        }
        assert_eq!(rouge_l("", "anything"), 0.0);
        assert_eq!(rouge_l("Grüße aus Köln", "grüße aus köln"), 1.0);
    }

    /// Expected values from `sacrebleu==2.6.0` (PyPI),
    /// `sacrebleu.sentence_bleu(output, [reference]).score / 100`, run once on 2026-11-22.
    #[test]
    fn bleu_matches_sacrebleu_sentence_bleu() {
        let cases = [
            (
                "the cat sat on the mat",
                "the cat sat on a mat",
                0.537284965911771,
            ),
            ("Hello, World!", "Yellow, World!", 0.5946035575013604),
            (
                "The capital of France is Paris.",
                "Paris is the capital of France.",
                0.29071536848410967,
            ),
            ("the cat sat on the mat", "the cat", 0.13533528323661276),
            (
                "The order A-10293 was shipped on 3 May.",
                "Order A-10293 shipped 3 May",
                0.11415938068117505,
            ),
            ("billing", "technical", 0.0),
            ("billing", "billing", 1.0),
        ];
        for (reference, output, expected) in cases {
            let got = bleu(reference, output);
            assert!(close(got, expected), "{reference:?} / {output:?}: {got}");
        }
        assert_eq!(bleu("a reference", ""), 0.0);
        assert_eq!(bleu("", "x"), 0.0);
    }
}
