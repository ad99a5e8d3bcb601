//! The checks serde cannot express: references between sections, value ranges, and fields
//! that do not fit a provider's kind. Each problem is a diagnostic at its field; all are
//! reported at once. Scorers are checked where they are resolved (`scorer`).

use std::time::Duration;

use super::error::{did_you_mean, Diagnostic};
use super::source::SuiteText;
use super::{GateConfig, Price, ProviderConfig, ProviderKind, SuiteSpec};

pub(super) fn check(spec: &SuiteSpec, src: &SuiteText) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if spec.version != 1 {
        out.push(
            src.diag(
                "version",
                format!("unsupported suite version {}", spec.version),
            )
            .help("this modelswap reads version 1"),
        );
    }
    if spec.providers.is_empty() {
        out.push(src.diag("providers", "no providers: name at least one"));
    }
    for (id, p) in &spec.providers {
        let at = ProviderFields { id, p, src };
        at.check_kind(&mut out);
        at.check_values(&mut out);
    }
    let d = &spec.defaults;
    check_sampling(
        src,
        "defaults",
        Some(d.temperature),
        d.top_p,
        Some(d.max_tokens),
        &mut out,
    );
    if d.repeats == 0 {
        out.push(src.diag("defaults.repeats", "must be at least 1"));
    }
    check_prompt(spec, src, &mut out);
    check_cases(spec, src, &mut out);
    if let Some(gate) = &spec.gate {
        check_gate(spec, gate, src, &mut out);
    }
    if let Some(slo) = &spec.slo {
        for (field, bound) in [
            ("ttft_p95_ms", slo.ttft_p95_ms),
            ("itl_p95_ms", slo.itl_p95_ms),
            ("e2e_p95_ms", slo.e2e_p95_ms),
        ] {
            if matches!(bound, Some(ms) if !(ms > 0.0 && ms.is_finite())) {
                out.push(src.diag(
                    &format!("slo.{field}"),
                    "must be a positive number of milliseconds",
                ));
            }
        }
        if *slo == crate::suite::Slo::default() {
            out.push(src.diag(
                "slo",
                "names no bound: give ttft_p95_ms, itl_p95_ms or e2e_p95_ms",
            ));
        }
    }
    out
}

/// Diagnostics at the fields of `providers.<id>`.
struct ProviderFields<'a> {
    id: &'a str,
    p: &'a ProviderConfig,
    src: &'a SuiteText<'a>,
}

impl ProviderFields<'_> {
    fn at(&self, field: &str, message: impl Into<String>) -> Diagnostic {
        self.src
            .diag(&format!("providers.{}.{field}", self.id), message)
    }

    /// Fields its kind does not take are refused, fields it needs asked for.
    fn check_kind(&self, out: &mut Vec<Diagnostic>) {
        let p = self.p;
        let kind = p.kind;
        let local = kind == ProviderKind::Onnx;
        let azure = kind == ProviderKind::AzureOpenai;
        let compatible = kind == ProviderKind::OpenaiCompatible;
        let remote_only = [
            ("base_url", p.base_url.is_some()),
            ("api_key_env", p.api_key_env.is_some()),
            ("rate_limit", p.rate_limit.is_some()),
            ("retries", p.retries.is_some()),
            ("stream", p.stream.is_some()),
            ("timeout_s", p.timeout_s.is_some()),
            ("first_byte_timeout_s", p.first_byte_timeout_s.is_some()),
        ];
        let misplaced = [
            ("path", !local && p.path.is_some()),
            ("threads", !local && p.threads.is_some()),
            ("batch", !local && p.batch.is_some()),
            ("variant", !local && p.variant.is_some()),
            ("deployment", !azure && p.deployment.is_some()),
            ("api_version", !azure && p.api_version.is_some()),
            ("extra_body", !compatible && p.extra_body.is_some()),
            // Hosting prices hardware a team runs itself; a vendor's API has a price per token.
            ("hosting", !(local || compatible) && p.hosting.is_some()),
            ("price", local && p.price.is_some()),
        ];
        // A logged provider makes no call: nothing of the wire applies to it.
        let callless = local || kind == ProviderKind::Logged;
        let remote_only = remote_only.into_iter().map(|(f, set)| (f, callless && set));
        for (field, wrong) in misplaced.into_iter().chain(remote_only) {
            if wrong {
                out.push(self.at(
                    field,
                    format!("`{field}` does not apply to kind `{}`", kind.as_str()),
                ));
            }
        }
        let needs: &[(&str, bool, &str)] = match kind {
            ProviderKind::Logged => &[],
            // What the folder holds is checked where models are opened (`provider::onnx`).
            ProviderKind::Onnx => &[("path", p.path.is_some(), "the model folder as optimum-cli exports it, relative to the suite file")],
            ProviderKind::AzureOpenai => &[
                ("base_url", p.base_url.is_some(), "the resource endpoint, e.g. https://acme.openai.azure.com"),
                ("deployment", p.deployment.is_some(), "the deployment name of the model"),
            ],
            ProviderKind::OpenaiCompatible => &[
                ("base_url", p.base_url.is_some(), "the engine's OpenAI-compatible endpoint, e.g. http://gpu-box:8000/v1"),
                ("model", p.model.is_some(), "the served model's name"),
            ],
            ProviderKind::Openai | ProviderKind::Anthropic | ProviderKind::Gemini => &[(
                "model",
                p.model.is_some(),
                "the vendor's model id, e.g. gpt-4o-mini, claude-3-5-haiku-20241022, gemini-2.0-flash",
            )],
        };
        for &(field, set, why) in needs {
            if !set {
                let d = self.src.diag(
                    &format!("providers.{}", self.id),
                    format!("kind `{}` needs `{field}`", kind.as_str()),
                );
                out.push(d.help(why));
            }
        }
    }

    /// Numbers in range, as the run uses them.
    fn check_values(&self, out: &mut Vec<Diagnostic>) {
        let p = self.p;
        for (field, value) in [
            ("timeout_s", p.timeout_s),
            ("first_byte_timeout_s", p.first_byte_timeout_s),
        ] {
            if matches!(value, Some(t) if !(t > 0.0 && Duration::try_from_secs_f64(t).is_ok())) {
                out.push(self.at(field, "must be a positive number of seconds"));
            }
        }
        if let Some(r) = &p.rate_limit {
            if r.requests_per_minute == Some(0) || r.tokens_per_minute == Some(0) {
                out.push(self.at(
                    "rate_limit",
                    "limits must be at least 1 (leave a limit out for none)",
                ));
            }
        }
        // Each unit of concurrency is a worker, each thread an OS thread: bounded, so a typo
        // cannot start a million of them.
        for (field, value, max) in [
            ("concurrency", p.concurrency, 4096),
            ("threads", p.threads, 256),
            ("batch", p.batch, 256),
        ] {
            if matches!(value, Some(v) if v == 0 || v > max) {
                out.push(self.at(field, format!("must be between 1 and {max}")));
            }
        }
        if let Some(price) = &p.price {
            check_price(
                self.src,
                &format!("providers.{}.price", self.id),
                price,
                out,
            );
            if p.hosting.is_some() {
                out.push(self.at(
                    "price",
                    "give `price` (per token) or `hosting` (per hour), not both",
                ));
            }
        }
        if let Some(h) = &p.hosting {
            if !(h.utilization > 0.0 && h.utilization <= 1.0) {
                out.push(self.at("hosting.utilization", "must be in (0, 1]"));
            }
            if !(h.usd_per_hour >= 0.0 && h.usd_per_hour.is_finite()) {
                out.push(self.at(
                    "hosting.usd_per_hour",
                    "must be a non-negative number of USD",
                ));
            }
        }
        let at = format!("providers.{}", self.id);
        check_sampling(self.src, &at, p.temperature, p.top_p, p.max_tokens, out);
    }
}

fn check_prompt(spec: &SuiteSpec, src: &SuiteText, out: &mut Vec<Diagnostic>) {
    let prompt = &spec.prompt;
    let system_or_user = prompt.system.is_some() || prompt.user.is_some();
    match &prompt.messages {
        Some(_) if system_or_user => {
            out.push(src.diag(
                "prompt",
                "give either `messages`, or `system` and `user`, not both",
            ));
        }
        Some(m) if m.is_empty() => out.push(src.diag("prompt.messages", "is empty")),
        None if prompt.user.is_none() => {
            out.push(src.diag(
                "prompt",
                "needs `user` (and optionally `system`) or `messages`",
            ));
        }
        _ => {}
    }
}

/// Each entry of `cases` is one kind of source.
fn check_cases(spec: &SuiteSpec, src: &SuiteText, out: &mut Vec<Diagnostic>) {
    if spec.cases.is_empty() {
        out.push(src.diag(
            "cases",
            "no cases: add inline cases, a dataset `file` or a traffic file to `replay`",
        ));
    }
    for (i, entry) in spec.cases.iter().enumerate() {
        let inline = entry.vars.is_some()
            || entry.expect.is_some()
            || entry.tags.is_some()
            || entry.id.is_some();
        let sources = usize::from(inline)
            + usize::from(entry.file.is_some())
            + usize::from(entry.replay.is_some());
        let at = format!("cases[{i}]");
        match sources {
            0 => out.push(src.diag(&at, "empty case: give `vars`, a dataset `file` or a traffic file to `replay`")),
            1 => {}
            _ => out.push(src.diag(
                &at,
                "an entry is one of: an inline case (vars, expect, tags, id), a `file`, or a `replay` file",
            )),
        }
    }
}

/// The gate names providers of the suite, and its limits are in range.
fn check_gate(spec: &SuiteSpec, gate: &GateConfig, src: &SuiteText, out: &mut Vec<Diagnostic>) {
    let ids: Vec<&str> = spec.providers.keys().map(String::as_str).collect();
    let mut refs = vec![("gate.baseline".to_string(), &gate.baseline)];
    refs.extend(
        gate.candidates
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("gate.candidates[{i}]"), c)),
    );
    for (field, name) in refs {
        if !spec.providers.contains_key(name) {
            let mut d = src.diag(&field, format!("no provider named `{name}`"));
            if let Some(c) = did_you_mean(name, ids.iter().copied()) {
                d = d.help(format!("did you mean `{c}`?"));
            }
            out.push(d);
        }
    }
    if gate.candidates.is_empty() {
        out.push(src.diag("gate.candidates", "name at least one candidate"));
    }
    if gate.candidates.contains(&gate.baseline) {
        out.push(src.diag("gate.candidates", "the baseline cannot also be a candidate"));
    }
    for (field, value) in [
        ("min_pass_rate", gate.min_pass_rate),
        ("max_pass_rate_drop", gate.max_pass_rate_drop),
    ] {
        if matches!(value, Some(v) if !(0.0..=1.0).contains(&v)) {
            out.push(src.diag(&format!("gate.{field}"), "must be in [0, 1]"));
        }
    }
    if matches!(gate.significance, Some(v) if !(v > 0.0 && v < 1.0)) {
        out.push(src.diag("gate.significance", "must be in (0, 1), e.g. 0.05"));
    }
    for (field, value) in [
        ("non_inferiority_margin", gate.non_inferiority_margin),
        (
            "non_inferiority_score_margin",
            gate.non_inferiority_score_margin,
        ),
    ] {
        if matches!(value, Some(v) if !(v > 0.0 && v < 1.0)) {
            let d = src.diag(&format!("gate.{field}"), "must be in (0, 1), e.g. 0.03");
            out.push(d.help("the largest drop below the baseline still counted as as good"));
        }
    }
    if matches!(gate.confidence, Some(v) if !(0.5..1.0).contains(&v)) {
        out.push(src.diag("gate.confidence", "must be in [0.5, 1), e.g. 0.95"));
    }
    if matches!(gate.max_p95_latency_ms, Some(v) if !(v > 0.0 && v.is_finite())) {
        out.push(src.diag("gate.max_p95_latency_ms", "must be positive"));
    }
    if matches!(gate.max_cost_per_1k_requests_usd, Some(v) if !(v >= 0.0 && v.is_finite())) {
        out.push(src.diag(
            "gate.max_cost_per_1k_requests_usd",
            "must be a non-negative number of USD",
        ));
    }
}

/// Every rate of a `price:` is a finite, non-negative number; a long-context tier starts above 0.
fn check_price(src: &SuiteText, at: &str, price: &Price, out: &mut Vec<Diagnostic>) {
    let mut rates = vec![
        ("input_per_mtok", Some(price.input_per_mtok)),
        ("output_per_mtok", Some(price.output_per_mtok)),
        ("cached_input_per_mtok", price.cached_input_per_mtok),
    ];
    if let Some(b) = &price.batch {
        rates.extend([
            ("batch.input_per_mtok", Some(b.input_per_mtok)),
            ("batch.output_per_mtok", Some(b.output_per_mtok)),
            ("batch.cached_input_per_mtok", b.cached_input_per_mtok),
        ]);
    }
    if let Some(l) = &price.long_context {
        rates.extend([
            ("long_context.input_per_mtok", Some(l.input_per_mtok)),
            ("long_context.output_per_mtok", Some(l.output_per_mtok)),
            (
                "long_context.cached_input_per_mtok",
                l.cached_input_per_mtok,
            ),
        ]);
        if l.above_input_tokens == 0 {
            out.push(src.diag(
                &format!("{at}.long_context.above_input_tokens"),
                "must be at least 1",
            ));
        }
    }
    for (field, value) in rates {
        if matches!(value, Some(v) if !(v >= 0.0 && v.is_finite())) {
            out.push(src.diag(
                &format!("{at}.{field}"),
                "must be a non-negative number of USD per million tokens",
            ));
        }
    }
}

fn check_sampling(
    src: &SuiteText,
    at: &str,
    temperature: Option<f32>,
    top_p: Option<f32>,
    max_tokens: Option<u32>,
    out: &mut Vec<Diagnostic>,
) {
    if matches!(temperature, Some(t) if !(t >= 0.0 && t.is_finite())) {
        out.push(src.diag(&format!("{at}.temperature"), "must be 0 or more"));
    }
    if matches!(top_p, Some(p) if !(p > 0.0 && p <= 1.0)) {
        out.push(src.diag(&format!("{at}.top_p"), "must be in (0, 1]"));
    }
    if max_tokens == Some(0) {
        out.push(src.diag(&format!("{at}.max_tokens"), "must be at least 1"));
    }
}
