//! JUnit XML for CI: one testsuite per provider, one testcase per case, failing with the
//! scorers' reasons (or erroring with the call's error) when any of its repeats did not pass.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use quick_xml::events::BytesText;
use quick_xml::Writer;

use super::{reasons, Report};
use crate::record::{self, Record};

pub fn render(report: &Report, records: &Path) -> anyhow::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(quick_xml::events::Event::Decl(
        quick_xml::events::BytesDecl::new("1.0", Some("UTF-8"), None),
    ))?;
    let mut suites: Vec<Suite> = report
        .summary
        .providers
        .iter()
        .map(|p| Suite {
            provider: &p.id,
            cases: BTreeMap::new(),
        })
        .collect();
    record::for_each_record(records, |_, r| {
        if let Some(s) = suites.iter_mut().find(|s| s.provider == r.provider) {
            s.cases.entry(r.case_id.clone()).or_default().add(r);
        }
        Ok(())
    })?;
    let sum = |f: &dyn Fn(&Suite) -> usize| suites.iter().map(f).sum::<usize>().to_string();
    w.create_element("testsuites")
        .with_attribute(("name", xml_text(&report.manifest.suite.name).as_str()))
        .with_attribute(("tests", sum(&|s| s.cases.len()).as_str()))
        .with_attribute(("failures", sum(&|s| s.count(Outcome::Failure)).as_str()))
        .with_attribute(("errors", sum(&|s| s.count(Outcome::Error)).as_str()))
        .with_attribute(("skipped", sum(&|s| s.count(Outcome::Skipped)).as_str()))
        .write_inner_content(|w| {
            for s in &suites {
                s.write(w, &report.manifest.suite.name)?;
            }
            Ok(())
        })?;
    let mut out = w.into_inner();
    out.push(b'\n');
    Ok(out)
}

/// One provider's cases, in case id order.
struct Suite<'a> {
    provider: &'a str,
    cases: BTreeMap<String, Runs>,
}

/// A case's repeats: how many, how long, and the ones that did not pass in full.
#[derive(Default)]
struct Runs {
    runs: usize,
    ms: f64,
    /// By repeat: (repeat, why, output).
    failed: Vec<(u32, Vec<String>, Option<String>)>,
    error: bool,
    /// Runs a scorer could not score for want of a reference answer, and the first reason.
    unscored: usize,
    why_unscored: Option<String>,
}

impl Runs {
    fn add(&mut self, r: Record) {
        self.runs += 1;
        self.ms += r.timing.total_ms.unwrap_or(0.0);
        if let Some(s) = r.scores.iter().find(|s| s.no_reference) {
            self.unscored += 1;
            self.why_unscored.get_or_insert_with(|| s.reason.clone());
            return;
        }
        if r.error.is_some() || !r.passed {
            self.error |= r.error.is_some();
            let why = reasons(&r);
            let at = self.failed.partition_point(|f| f.0 <= r.repeat);
            self.failed.insert(at, (r.repeat, why, r.output));
        }
    }

    fn outcome(&self) -> Outcome {
        if self.error {
            Outcome::Error
        } else if !self.failed.is_empty() {
            Outcome::Failure
        } else if self.unscored == self.runs {
            Outcome::Skipped
        } else {
            Outcome::Passed
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passed,
    /// Scorers failed (on at least one repeat).
    Failure,
    /// A call failed (on at least one repeat).
    Error,
    /// No run could be scored: their reference answers do not exist.
    Skipped,
}

impl Suite<'_> {
    fn count(&self, outcome: Outcome) -> usize {
        self.cases
            .values()
            .filter(|c| c.outcome() == outcome)
            .count()
    }

    fn write(&self, w: &mut Writer<Vec<u8>>, suite: &str) -> io::Result<()> {
        let seconds = |ms: f64| format!("{:.3}", ms / 1e3);
        let all: f64 = self.cases.values().map(|c| c.ms).sum();
        w.create_element("testsuite")
            .with_attribute(("name", xml_text(self.provider).as_str()))
            .with_attribute(("tests", self.cases.len().to_string().as_str()))
            .with_attribute((
                "failures",
                self.count(Outcome::Failure).to_string().as_str(),
            ))
            .with_attribute(("errors", self.count(Outcome::Error).to_string().as_str()))
            .with_attribute(("skipped", self.count(Outcome::Skipped).to_string().as_str()))
            .with_attribute(("time", seconds(all).as_str()))
            .write_inner_content(|w| {
                for (case, runs) in &self.cases {
                    let element = w
                        .create_element("testcase")
                        .with_attribute(("name", xml_text(case).as_str()))
                        .with_attribute((
                            "classname",
                            xml_text(&format!("{suite}.{}", self.provider)).as_str(),
                        ))
                        .with_attribute(("time", seconds(runs.ms).as_str()));
                    let (tag, kind) = match runs.outcome() {
                        Outcome::Passed => {
                            element.write_empty()?;
                            continue;
                        }
                        Outcome::Skipped => {
                            let why = runs.why_unscored.as_deref().unwrap_or_default();
                            element.write_inner_content(|w| {
                                w.create_element("skipped")
                                    .with_attribute(("message", xml_text(why).as_str()))
                                    .write_empty()?;
                                Ok(())
                            })?;
                            continue;
                        }
                        Outcome::Failure => ("failure", "scorer"),
                        Outcome::Error => ("error", "call"),
                    };
                    let message = format!(
                        "{} of {} run(s) failed: {}",
                        runs.failed.len(),
                        runs.runs,
                        runs.failed[0].1.join("; ")
                    );
                    let details = runs
                        .failed
                        .iter()
                        .map(|(repeat, why, output)| {
                            format!(
                                "repeat {repeat}: {}\noutput: {}\n",
                                why.join("\n  "),
                                output.as_deref().unwrap_or("(none)")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n");
                    element.write_inner_content(|w| {
                        w.create_element(tag)
                            .with_attribute(("message", xml_text(&message).as_str()))
                            .with_attribute(("type", kind))
                            .write_text_content(BytesText::new(&xml_text(&details)))?;
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
        Ok(())
    }
}

/// `s` with the characters XML 1.0 cannot carry even escaped (most C0 controls, U+FFFE/FFFF)
/// replaced by U+FFFD; quick-xml escapes the rest.
pub fn xml_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
            _ => c,
        })
        .collect()
}
