//! The gate's non-inferiority margin through the binary, against loopback engines: a small
//! suite with a drop inside the margin is inconclusive — the gate fails, says how many more
//! cases would settle it, and the report and recommendation say the same.

use serde_json::Value;

use crate::common::{modelswap, stderr, stdout};
use crate::vendor_server::{openai_json, Reply, VendorServer};

#[test]
fn a_small_suite_is_inconclusive_not_a_pass_and_says_how_many_cases_would_settle_it() {
    let (base, cand) = (VendorServer::start(), VendorServer::start());
    base.otherwise(Reply::json(openai_json("yes", (5, 1, 0))));
    // The candidate fails one case of twenty: a 5-point drop, inside a 10-point margin.
    cand.respond(|r| {
        let text = if r.body.contains("\"q0\"") {
            "no"
        } else {
            "yes"
        };
        Reply::json(openai_json(text, (5, 1, 0)))
    });
    let tmp = tempfile::tempdir().unwrap();
    let provider = |s: &VendorServer| {
        format!(
            "    kind: openai-compatible\n    model: m\n    base_url: {}/v1\n    stream: false\n",
            s.base
        )
    };
    let cases: String = (0..20)
        .map(|i| format!("  - {{id: c{i:02}, vars: {{q: q{i}}}}}\n"))
        .collect();
    let text = format!(
        "version: 1\nname: ni\nproviders:\n  base:\n{}  cand:\n{}prompt:\n  user: \"{{{{ q }}}}\"\ncases:\n{cases}\
         scorers:\n  - type: equals\n    value: \"yes\"\n\
         gate:\n  baseline: base\n  candidates: [cand]\n  non_inferiority_margin: 0.10\n  max_pass_rate_drop: 0.10\n  significance: 0.05\n",
        provider(&base),
        provider(&cand)
    );
    std::fs::write(tmp.path().join("suite.yaml"), text).unwrap();
    let out = modelswap(&["run", "suite.yaml", "--out", "run"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let gate = modelswap(&["gate", "run"], tmp.path());
    // The old test passes it (a 5-point drop is within 10); the margin does not: not shown.
    assert_eq!(gate.status.code(), Some(1), "{}", stdout(&gate));
    let printed = stdout(&gate);
    let needed = modelswap::stats::paired::nam_pairs(0.05, 0.0, 0.10, 0.05, 0.8)
        .unwrap()
        .ceil() as usize;
    assert!(
        printed.contains("non_inferiority_margin: inconclusive: baseline − candidate pass rate +5.0 pt, one-sided 95% bounds"),
        "{printed}"
    );
    assert!(
        printed.contains(&format!(
            "; {} more paired cases ({needed} in all) would settle it",
            needed - 20
        )),
        "{printed}"
    );
    assert!(
        printed.contains("PASS  cand  max_pass_rate_drop"),
        "{printed}"
    );
    let verdict: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("run/verdict.json")).unwrap())
            .unwrap();
    let t = &verdict["non_inferiority"][0]["pass_rate"];
    assert_eq!(
        (t["outcome"].as_str(), t["method"].as_str()),
        (Some("inconclusive"), Some("tango-score"))
    );
    assert_eq!(t["cases_needed"].as_u64(), Some(needed as u64));

    let out = modelswap(&["report", "run", "--format", "md,html"], tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let md = std::fs::read_to_string(tmp.path().join("run/report.md")).unwrap();
    assert!(
        md.contains("**cand instead of base: SWITCH WITH CAVEATS**"),
        "{md}"
    );
    assert!(md.contains("not enough cases to show it as good"), "{md}");
    assert!(md.contains("## Non-inferiority"), "{md}");
    assert!(
        md.contains(&format!("| {needed} ({} more) |", needed - 20)),
        "{md}"
    );
    let html = std::fs::read_to_string(tmp.path().join("run/report.html")).unwrap();
    assert!(
        html.contains("<h2>Non-inferiority</h2>") && html.contains("Tango"),
        "html"
    );
}
