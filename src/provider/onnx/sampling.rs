//! How the next token is picked from a row's logits: greedy at temperature 0, otherwise
//! temperature and nucleus (top-p) sampling, seeded per case.

use rand::rngs::StdRng;
use rand::Rng;

/// How to pick tokens and when to stop.
#[derive(Debug, Clone)]
pub struct DecodeParams {
    pub max_tokens: usize,
    pub temperature: f32,
    pub top_p: Option<f32>,
    pub seed: Option<u64>,
    pub stop: Vec<String>,
}

impl DecodeParams {
    /// Greedy decoding of up to `max_tokens` tokens, no stop strings: how the parity checks and
    /// benchmarks decode.
    pub fn greedy(max_tokens: usize) -> DecodeParams {
        DecodeParams {
            max_tokens,
            temperature: 0.0,
            top_p: None,
            seed: None,
            stop: Vec::new(),
        }
    }
}

/// Greedy at temperature 0 (the first maximum, as numpy's argmax); otherwise temperature and
/// nucleus (top-p) sampling.
pub(super) fn pick(logits: &[f32], params: &DecodeParams, rng: &mut StdRng) -> u32 {
    if params.temperature <= 0.0 {
        return argmax(logits) as u32;
    }
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut probs: Vec<(usize, f32)> = logits
        .iter()
        .enumerate()
        .map(|(i, &l)| (i, ((l - max) / params.temperature).exp()))
        .collect();
    let sum: f32 = probs.iter().map(|p| p.1).sum();
    probs.iter_mut().for_each(|p| p.1 /= sum);
    let top_p = params.top_p.unwrap_or(1.0);
    if top_p < 1.0 {
        probs.sort_unstable_by(|a, b| b.1.total_cmp(&a.1));
        let mut cumulative = 0.0;
        let keep = probs
            .iter()
            .position(|p| {
                cumulative += p.1;
                cumulative >= top_p
            })
            .map_or(probs.len(), |i| i + 1);
        probs.truncate(keep);
    }
    let total: f32 = probs.iter().map(|p| p.1).sum();
    let mut target = rng.random::<f32>() * total;
    for &(i, p) in &probs {
        if target < p {
            return i as u32;
        }
        target -= p;
    }
    probs.last().map_or(0, |p| p.0 as u32)
}

fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn params(temperature: f32, top_p: Option<f32>) -> DecodeParams {
        DecodeParams {
            max_tokens: 1,
            temperature,
            top_p,
            seed: Some(1),
            stop: Vec::new(),
        }
    }

    #[test]
    fn greedy_takes_the_first_maximum() {
        let mut rng = StdRng::seed_from_u64(0);
        assert_eq!(
            pick(&[0.1, 3.0, 3.0, -1.0], &params(0.0, None), &mut rng),
            1
        );
    }

    #[test]
    fn tiny_top_p_keeps_only_the_most_likely_token() {
        let mut rng = StdRng::seed_from_u64(0);
        for _ in 0..50 {
            assert_eq!(
                pick(&[0.0, 5.0, 1.0], &params(1.0, Some(0.01)), &mut rng),
                1
            );
        }
    }

    #[test]
    fn sampling_is_reproducible_with_a_seed_and_spreads_without_top_p() {
        let logits = [1.0, 1.0, 1.0, 1.0];
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..64)
                .map(|_| pick(&logits, &params(1.0, None), &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        let seen: std::collections::HashSet<_> = draw(7).into_iter().collect();
        assert_eq!(seen.len(), 4);
    }
}
