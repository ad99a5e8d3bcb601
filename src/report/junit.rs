//! JUnit XML for CI: one testsuite per provider, one testcase per case, failing with the
//! scorers' reasons (or erroring with the call's error) when any of its repeats did not pass.

use std::collections::BTreeMap;
use std::io;

use quick_xml::events::BytesText;
use quick_xml::Writer;

use super::{reasons, Report};
use crate::record::Record;

pub fn render(report: &Report) -> io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(quick_xml::events::Event::Decl(
        quick_xml::events::BytesDecl::new("1.0", Some("UTF-8"), None),
    ))?;
    let suites: Vec<Suite> = report
        .summary
        .providers
        .iter()
        .map(|p| Suite::of(&p.id, &report.records))
        .collect();
    let sum = |f: &dyn Fn(&Suite) -> usize| suites.iter().map(f).sum::<usize>().to_string();
    w.create_element("testsuites")
        .with_attribute(("name", xml_text(&report.manifest.suite.name).as_str()))
        .with_attribute(("tests", sum(&|s| s.cases.len()).as_str()))
        .with_attribute(("failures", sum(&|s| s.failures()).as_str()))
        .with_attribute(("errors", sum(&|s| s.errors()).as_str()))
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

/// One provider's records grouped by case (in case id order).
struct Suite<'a> {
    provider: &'a str,
    cases: BTreeMap<&'a str, Vec<&'a Record>>,
}

enum Outcome {
    Passed,
    /// Scorers failed (on at least one repeat).
    Failure,
    /// A call failed (on at least one repeat).
    Error,
}

impl<'a> Suite<'a> {
    fn of(provider: &'a str, records: &'a [Record]) -> Self {
        let mut cases: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
        for r in records.iter().filter(|r| r.provider == provider) {
            cases.entry(&r.case_id).or_default().push(r);
        }
        for runs in cases.values_mut() {
            runs.sort_by_key(|r| r.repeat);
        }
        Self { provider, cases }
    }

    fn outcome(runs: &[&Record]) -> Outcome {
        if runs.iter().any(|r| r.error.is_some()) {
            Outcome::Error
        } else if runs.iter().any(|r| !r.passed) {
            Outcome::Failure
        } else {
            Outcome::Passed
        }
    }

    fn failures(&self) -> usize {
        let failure = |runs: &&Vec<&Record>| matches!(Self::outcome(runs), Outcome::Failure);
        self.cases.values().filter(failure).count()
    }

    fn errors(&self) -> usize {
        let error = |runs: &&Vec<&Record>| matches!(Self::outcome(runs), Outcome::Error);
        self.cases.values().filter(error).count()
    }

    fn write(&self, w: &mut Writer<Vec<u8>>, suite: &str) -> io::Result<()> {
        let seconds = |runs: &[&Record]| {
            let ms: f64 = runs.iter().filter_map(|r| r.timing.total_ms).sum();
            format!("{:.3}", ms / 1e3)
        };
        let all: Vec<&Record> = self.cases.values().flatten().copied().collect();
        w.create_element("testsuite")
            .with_attribute(("name", xml_text(self.provider).as_str()))
            .with_attribute(("tests", self.cases.len().to_string().as_str()))
            .with_attribute(("failures", self.failures().to_string().as_str()))
            .with_attribute(("errors", self.errors().to_string().as_str()))
            .with_attribute(("time", seconds(&all).as_str()))
            .write_inner_content(|w| {
                for (case, runs) in &self.cases {
                    let element = w
                        .create_element("testcase")
                        .with_attribute(("name", xml_text(case).as_str()))
                        .with_attribute((
                            "classname",
                            xml_text(&format!("{suite}.{}", self.provider)).as_str(),
                        ))
                        .with_attribute(("time", seconds(runs).as_str()));
                    let (tag, kind) = match Self::outcome(runs) {
                        Outcome::Passed => {
                            element.write_empty()?;
                            continue;
                        }
                        Outcome::Failure => ("failure", "scorer"),
                        Outcome::Error => ("error", "call"),
                    };
                    let failed: Vec<&&Record> = runs
                        .iter()
                        .filter(|r| r.error.is_some() || !r.passed)
                        .collect();
                    let message = format!(
                        "{} of {} run(s) failed: {}",
                        failed.len(),
                        runs.len(),
                        reasons(failed[0]).join("; ")
                    );
                    let details = failed
                        .iter()
                        .map(|r| {
                            format!(
                                "repeat {}: {}\noutput: {}\n",
                                r.repeat,
                                reasons(r).join("\n  "),
                                r.output.as_deref().unwrap_or("(none)")
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
