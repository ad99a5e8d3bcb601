//! How figures and text are written in every report, verdict and table: one home for each rule,
//! so the Markdown, HTML and gate outputs say the same number the same way. A leaf.

/// A share as a percentage with one decimal: `0.4567` → `45.7%`.
pub fn pct1(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A share as a whole percentage: `0.95` → `95%`.
pub fn pct0(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// A difference of proportions in percentage points, signed: `0.0213` → `+2.1 pt`.
pub fn pts(x: f64) -> String {
    format!("{:+.1} pt", x * 100.0)
}

/// Milliseconds, rounded; `—` when there is none.
pub fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.0} ms"))
}

/// A number with `decimals` places; `—` when there is none.
pub fn num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.decimals$}"))
}

/// An interval's bounds, each written by `f`: `[a, b]`; empty when there is none.
pub fn interval<I: Into<(f64, f64)>>(bounds: Option<I>, f: impl Fn(f64) -> String) -> String {
    bounds.map_or_else(String::new, |b| {
        let (low, high) = b.into();
        format!("[{}, {}]", f(low), f(high))
    })
}

/// USD with as many decimals as a small amount needs.
pub fn usd(v: f64) -> String {
    match v.abs() {
        a if a >= 100.0 => format!("${v:.0}"),
        a if a >= 1.0 => format!("${v:.2}"),
        a if a >= 0.01 => format!("${v:.3}"),
        0.0 => "$0".into(),
        _ => format!("${v:.2e}"),
    }
}

/// A p-value: four decimals, and no "0.0000" for a tiny one.
pub fn p_value(p: f64) -> String {
    if p < 1e-4 {
        "< 0.0001".into()
    } else {
        format!("{p:.4}")
    }
}

/// At most `max` characters, with `…` when some were cut.
pub fn truncate(s: &str, max: usize) -> String {
    let mut t: String = s.chars().take(max).collect();
    if s.chars().nth(max).is_some() {
        t.push('…');
    }
    t
}

/// Text safe inside a Markdown table cell: no pipes, newlines, HTML or code spans.
pub fn md_cell(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('`', "\\`")
        .replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_written_one_way() {
        assert_eq!(pct1(0.4567), "45.7%");
        assert_eq!(pct0(0.95), "95%");
        assert_eq!(ms(Some(12.6)), "13 ms");
        assert_eq!(ms(None), "—");
        assert_eq!(interval(Some((0.1, 0.2)), pct1), "[10.0%, 20.0%]");
        assert_eq!(interval(None::<(f64, f64)>, pct1), "");
        assert_eq!(usd(1234.4), "$1234");
        assert_eq!(usd(12.345), "$12.35");
        assert_eq!(usd(0.0421), "$0.042");
        assert_eq!(usd(0.000_123), "$1.23e-4");
        assert_eq!(usd(0.0), "$0");
        assert_eq!(p_value(0.0625), "0.0625");
        assert_eq!(p_value(1e-9), "< 0.0001");
        assert_eq!(truncate("abcdef", 3), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
    }

    #[test]
    fn cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(md_cell("a|b\n<script>`"), "a\\|b &lt;script&gt;\\`");
    }
}
