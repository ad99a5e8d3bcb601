//! `modelswap report` in every format on a run whose model outputs try to break out of their
//! markup, and the HTML report in a real browser (headless Chromium).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;

use polars::prelude::*;
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{json, Value};

use crate::common::{modelswap, stderr};

/// Outputs that would end a script, an SVG, a CDATA section, an attribute or an entity early.
const HOSTILE: [&str; 5] = [
    "<script>alert(1)</script>",
    "</svg><script>alert(2)</script>",
    "]]><x/>",
    "Tom & Jerry said \"hi\" and 'bye' <b onload=\"alert(3)\">",
    "bell \u{7} and <!-- comment --> <![CDATA[ x ]]>",
];

/// A run directory as `modelswap run` leaves it: three providers (a priced vendor, a local model
/// with hosting costs, a provider whose label is hostile too) × 5 cases × 2 repeats.
fn hostile_run(dir: &Path) -> PathBuf {
    let run = dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    let provider = |id: &str, config: Value| json!({"id": id, "config": config, "sampling": {"temperature": 0.0, "max_tokens": 16}});
    let manifest = json!({
        "run_id": "r-1", "status": "completed", "modelswap_version": "0.1.0",
        "started_at": "2026-11-22T00:00:00.000Z", "finished_at": "2026-11-22T00:01:00.000Z",
        "suite": {"path": "suites/x.yaml", "sha256": "00", "name": "hostile <script>alert(0)</script>",
                  "description": "a </title><script>alert(4)</script> description"},
        "providers": [
            provider("vendor", json!({"kind": "openai", "model": "gpt-4o-mini"})),
            provider("local", json!({"kind": "onnx", "path": "models/m",
                                     "hosting": {"usd_per_hour": 0.5, "utilization": 0.5}})),
            provider("other", json!({"kind": "openai-compatible", "base_url": "http://h/v1", "model": "m",
                                     "label": "<script>alert(5)</script>"})),
        ],
        "cases": 5, "repeats": 2, "records_expected": 30,
        "host": {"os": "linux", "arch": "x86_64", "cpus": 2},
        "workload": {"requests_per_month": 100000},
        "gate": {"baseline": "vendor", "candidates": ["local", "other"], "min_pass_rate": 0.2,
                 "max_pass_rate_drop": 0.5}
    });
    std::fs::write(run.join("run.json"), manifest.to_string()).unwrap();
    let mut lines = Vec::new();
    for (p, provider) in ["vendor", "local", "other"].into_iter().enumerate() {
        for (c, hostile) in HOSTILE.iter().enumerate() {
            for repeat in 0..2u32 {
                // The vendor passes everything; the others fail the hostile cases on some
                // repeats, and `other` has a call that failed outright.
                let failed_call = provider == "other" && c == 0 && repeat == 1;
                let passed = provider == "vendor" || (c + repeat as usize) % 2 == 0;
                let ms = 100.0 * (1 + p * 10 + c) as f64 + f64::from(repeat);
                let cost = match provider {
                    "vendor" => json!(0.0002),
                    "local" => json!(0.5 * ms / 3.6e6 / 0.5),
                    _ => json!(null),
                };
                let scores = if failed_call {
                    json!([])
                } else {
                    json!([{"scorer": "equals", "score": f64::from(u8::from(passed)), "passed": passed,
                            "reason": format!("output {hostile:?} does not equal \"x\"")}])
                };
                lines.push(json!({
                    "run_id": "r-1", "case_id": format!("case-{c} <i>"), "provider": provider,
                    "repeat": repeat, "request_hash": "sha256:00", "replayed": false,
                    "output": if failed_call { json!(null) } else { json!(hostile) },
                    "finish_reason": "stop",
                    "error": if failed_call { json!({"kind": "server", "message": "500 <script>alert(6)</script>"}) } else { json!(null) },
                    "usage": {"input_tokens": 20, "output_tokens": 8, "cached_input_tokens": 0},
                    "timing": {"started_at": "2026-11-22T00:00:00.000Z", "ttft_ms": ms / 4.0,
                               "total_ms": ms, "tokens_per_s": 50.0, "attempts": 1, "retry_wait_ms": 0.0},
                    "cost_usd": if failed_call { json!(null) } else { cost },
                    "scores": scores, "passed": passed && !failed_call
                }).to_string());
            }
        }
    }
    std::fs::write(run.join("records.jsonl"), lines.join("\n") + "\n").unwrap();
    run
}

fn report(run: &Path, formats: &str) {
    let out = modelswap(
        &["report", run.to_str().unwrap(), "--format", formats],
        run.parent().unwrap(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

/// An element's name and attributes (values unescaped).
type Element = (String, BTreeMap<String, String>);

/// Parses `xml` to its end, failing on any malformed markup; returns every element, and the
/// text content with entities resolved.
fn parse_xml(xml: &str) -> (Vec<Element>, String) {
    let mut reader = Reader::from_str(xml);
    let mut elements = Vec::new();
    let mut text = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("well-formed attribute");
                        let value = a
                            .decode_and_unescape_value(reader.decoder())
                            .expect("attribute value escaped correctly");
                        (
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                            value.into_owned(),
                        )
                    })
                    .collect();
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                elements.push((name, attrs));
            }
            Ok(Event::Text(t)) => text.push_str(&t.decode().unwrap()),
            Ok(Event::GeneralRef(r)) => {
                let resolved = match r.resolve_char_ref().expect("valid character reference") {
                    Some(c) => c.to_string(),
                    None => match &*r.decode().unwrap() {
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "amp" => "&".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => panic!("entity &{other}; is not XML"),
                    },
                };
                text.push_str(&resolved);
            }
            Ok(Event::CData(_)) => panic!("no CDATA section is written"),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!(
                "malformed at byte {}: {e}\n{}",
                reader.buffer_position(),
                &xml[reader.buffer_position().saturating_sub(200) as usize..]
                    [..400.min(xml.len() - reader.buffer_position().saturating_sub(200) as usize)]
            ),
        }
    }
    (elements, text)
}

#[test]
fn hostile_outputs_leave_html_svg_and_junit_well_formed_and_inert() {
    let tmp = tempfile::tempdir().unwrap();
    let run = hostile_run(tmp.path());
    report(&run, "html,junit,md,json");

    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(
        !html.to_lowercase().contains("<script"),
        "the page has no script at all"
    );
    let (elements, text) = parse_xml(&html);
    let names: Vec<&str> = elements.iter().map(|(n, _)| n.as_str()).collect();
    assert!(!names.contains(&"script") && !names.contains(&"b") && !names.contains(&"x"));
    for (name, attrs) in &elements {
        for (key, value) in attrs {
            assert!(!key.starts_with("on"), "<{name} {key}> is an event handler");
            if key == "href" || key == "src" {
                assert!(
                    value.starts_with('#'),
                    "<{name} {key}={value}> leaves the page"
                );
            }
        }
    }
    // Three charts: latency CDF, monthly cost, quality vs cost.
    assert_eq!(
        names.iter().filter(|n| **n == "svg").count(),
        3,
        "{names:?}"
    );
    // Every hostile output is shown, as text (the bell character replaced: XML cannot carry it).
    for h in HOSTILE {
        let shown = h.replace('\u{7}', "\u{fffd}");
        assert!(text.contains(&shown), "{shown:?} is not shown as text");
    }
    assert!(
        text.contains("hostile <script>alert(0)</script>"),
        "the suite name, as text"
    );
    assert!(
        text.contains("500 <script>alert(6)</script>"),
        "the error message, as text"
    );
    // Every SVG on its own is an XML document with text elements (titles, axes, legend).
    let mut rest = html.as_str();
    let mut svgs = 0;
    while let Some(start) = rest.find("<svg") {
        let end = start + rest[start..].find("</svg>").unwrap() + "</svg>".len();
        let (svg_elements, _) = parse_xml(&rest[start..end]);
        assert!(svg_elements.iter().any(|(n, _)| n == "text"));
        svgs += 1;
        rest = &rest[end..];
    }
    assert_eq!(svgs, 3);

    let junit = std::fs::read_to_string(run.join("junit.xml")).unwrap();
    let (elements, text) = parse_xml(&junit);
    let count = |name: &str| elements.iter().filter(|(n, _)| n == name).count();
    assert_eq!(count("testsuite"), 3);
    assert_eq!(count("testcase"), 15, "one per case × provider");
    // local and other fail every case on one of its two repeats; other's case-0 call failed
    // outright, which makes that case an error rather than a failure.
    assert_eq!((count("failure"), count("error")), (9, 1));
    let root = &elements[0].1;
    assert_eq!(
        (
            &root["tests"][..],
            &root["failures"][..],
            &root["errors"][..]
        ),
        ("15", "9", "1")
    );
    let messages: Vec<&str> = elements
        .iter()
        .filter(|(n, _)| n == "failure" || n == "error")
        .map(|(_, a)| a["message"].as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("500 <script>alert(6)</script>")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("1 of 2 run(s) failed")),
        "{messages:?}"
    );
    assert!(text.contains("output: ]]><x/>"), "the output, as text");
    assert!(text.contains("\u{fffd}"), "the bell replaced");

    // Markdown shows outputs in code spans, where markup is literal text; outside them it is
    // escaped.
    let md = std::fs::read_to_string(run.join("report.md")).unwrap();
    for line in md.lines() {
        let outside_code = line.split('`').step_by(2).collect::<String>();
        assert!(!outside_code.contains('<'), "{line}");
    }
}

#[test]
fn tables_hold_every_record_and_one_aggregate_row_per_provider() {
    let tmp = tempfile::tempdir().unwrap();
    let run = hostile_run(tmp.path());
    report(&run, "csv,parquet,json");

    let records = ParquetReader::new(File::open(run.join("records.parquet")).unwrap())
        .finish()
        .unwrap();
    assert_eq!(records.height(), 30);
    let output = records.column("output").unwrap().str().unwrap().clone();
    assert_eq!(output.get(0), Some(HOSTILE[0]));
    assert_eq!(records.column("cost_usd").unwrap().null_count(), 10);
    let csv = CsvReadOptions::default()
        .try_into_reader_with_file_path(Some(run.join("records.csv")))
        .unwrap()
        .finish()
        .unwrap();
    assert_eq!(
        csv.height(),
        30,
        "a quoted output with newlines or commas is one row"
    );
    assert_eq!(
        csv.column("output").unwrap().str().unwrap().get(3),
        Some(HOSTILE[1])
    );

    let agg = CsvReadOptions::default()
        .try_into_reader_with_file_path(Some(run.join("aggregates.csv")))
        .unwrap()
        .finish()
        .unwrap();
    let providers: Vec<_> = agg
        .column("provider")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|x| x.unwrap().to_string())
        .collect();
    assert_eq!(providers, ["vendor", "local", "other"]);
    let per_1k = agg
        .column("usd_per_1k_requests")
        .unwrap()
        .f64()
        .unwrap()
        .clone();
    assert!((per_1k.get(0).unwrap() - 0.2).abs() < 1e-12);
    assert_eq!(per_1k.get(2), None, "an unknown cost stays unknown");
    let pricing = agg.column("pricing").unwrap().str().unwrap().clone();
    assert_eq!(
        pricing.iter().map(Option::unwrap).collect::<Vec<_>>(),
        ["per-token", "self-hosted", "unknown"]
    );
    let parquet = ParquetReader::new(File::open(run.join("aggregates.parquet")).unwrap())
        .finish()
        .unwrap();
    assert!(parquet.equals_missing(&agg), "{parquet}\n{agg}");

    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap()).unwrap();
    let other = &json["cost"]["providers"][2];
    assert_eq!(
        (other["unpriced"].as_u64(), &other["projection"]),
        (Some(10), &Value::Null)
    );
    assert_eq!(other["pricing"]["basis"], "unknown");
    let local = &json["cost"]["providers"][1]["self_hosting"];
    assert_eq!(local["sensitivity"].as_array().unwrap().len(), 10);
    assert_eq!(local["break_even"][0]["baseline"], "vendor");
    let decisions: Vec<_> = json["executive"]["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["decision"].as_str().unwrap())
        .collect();
    assert_eq!(decisions.len(), 2);
    assert!(json["latency"][0]["total_ms"]["p99"].as_f64().is_some());
}

/// The browser: `MODELSWAP_CHROMIUM` or `chromium` on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MODELSWAP_CHROMIUM") {
        return Some(path.into());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|p| p.is_file())
    })
}

fn headless(browser: &Path, args: &[&str], page: &Path) -> std::process::Output {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--hide-scrollbars",
        ])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn the_html_report_loads_in_chromium_with_its_charts_visible_and_prints() {
    let Some(browser) = chromium() else {
        if std::env::var("MODELSWAP_SKIP_CHROMIUM").as_deref() == Ok("1") {
            eprintln!("skipped: MODELSWAP_SKIP_CHROMIUM=1");
            return;
        }
        panic!(
            "chromium is not installed: `make test` installs it as root (scripts/test_deps.sh), \
             else `sudo apt-get install -y chromium`; or set MODELSWAP_CHROMIUM to a Chromium \
             binary, or MODELSWAP_SKIP_CHROMIUM=1 to skip"
        );
    };
    let tmp = tempfile::tempdir().unwrap();
    let run = hostile_run(tmp.path());
    report(&run, "html");
    let page = run.join("report.html");

    // The DOM after load: the sections and the three charts are there, and nothing ran.
    let dom = headless(&browser, &["--dump-dom"], &page);
    let dom = String::from_utf8_lossy(&dom.stdout);
    for id in [
        "summary",
        "methodology",
        "quality",
        "latency",
        "cost",
        "failures",
    ] {
        assert!(
            dom.contains(&format!("<section id=\"{id}\">")),
            "section {id}"
        );
    }
    assert_eq!(dom.matches("<svg ").count(), 3);
    assert!(!dom.to_lowercase().contains("<script"));

    // A screenshot of the whole page: each provider's chart colour is painted (bars, lines,
    // points). The page's own CSS uses none of these colours.
    let png = tmp.path().join("page.png");
    headless(
        &browser,
        &[
            "--window-size=1200,12000",
            &format!("--screenshot={}", png.display()),
        ],
        &page,
    );
    let decoder = png::Decoder::new(BufReader::new(File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(channels >= 3, "{:?}", info.color_type);
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let painted = |rgb: [u8; 3]| pixels.iter().filter(|p| p[..3] == rgb).count();
    for (i, rgb) in [[0, 114, 178], [230, 159, 0], [0, 158, 115]]
        .into_iter()
        .enumerate()
    {
        let n = painted(rgb);
        assert!(
            n > 150,
            "provider {i}'s colour {rgb:?} covers only {n} pixels"
        );
    }
    let white = painted([255, 255, 255]);
    assert!(white < pixels.len() * 98 / 100, "the page is not blank");

    // Printed to PDF: a real document of several pages.
    let pdf = tmp.path().join("report.pdf");
    headless(
        &browser,
        &[
            &format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer",
        ],
        &page,
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let pages = bytes.windows(10).filter(|w| w == b"/Type /Pag").count();
    assert!(pages > 2, "{pages} page objects");
}
