use super::*;

#[test]
fn every_pass_reads_the_same_cases_in_order_from_every_source() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("d.jsonl"),
        "{\"q\": \"from jsonl\", \"expect.a\": \"x\"}\n\n{\"id\": \"j2\", \"q\": \"again\"}\n",
    )
    .unwrap();
    std::fs::write(d.join("d.csv"), "q,tags,expect.a\nfrom csv,\"t1,t2\",y\n").unwrap();
    let image = r#"{"messages": [{"role": "user", "content": [{"type": "text", "text": "what?"}, {"type": "image_url", "image_url": {"url": "x"}}]}]}"#;
    let text = r#"{"model": "m", "messages": [{"role": "user", "content": "logged"}]}"#;
    std::fs::write(d.join("t.jsonl"), format!("{text}\n{image}\n")).unwrap();
    std::fs::write(
        d.join("s.yaml"),
        "version: 1\nname: t\nproviders:\n  p:\n    kind: openai-compatible\n    base_url: http://127.0.0.1:9/v1\n    model: m\n\
         prompt:\n  system: Be brief.\n  user: \"Q: {{ q }}\"\ncases:\n  - id: inline\n    vars: {q: written}\n\
         \x20 - file: d.jsonl\n  - file: d.csv\n  - replay: t.jsonl\n\
         scorers:\n  - type: equals\n    value: \"{{ expect.a }}\"\n    tags: [t1]\n  - type: contains\n    value: fixed\n",
    )
    .unwrap();
    let suite = super::super::load(&d.join("s.yaml")).unwrap();
    let cases = &suite.cases;
    assert_eq!(cases.len(), 6);
    assert_eq!(cases.with_media(), [5]);
    assert_eq!(cases.fixed_value(1), Some("fixed"));
    assert_eq!(cases.fixed_value(0), None);
    let pass = || -> Vec<Case> { cases.iter().map(Result::unwrap).collect() };
    let first = pass();
    let ids: Vec<&str> = first.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["inline", "case-0002", "j2", "case-0004", "t-1", "t-2"]
    );
    let origins: Vec<String> = first
        .iter()
        .map(|c| {
            let file = c.origin.file.file_name().unwrap().to_string_lossy();
            format!("{file}:{}", c.origin.line.unwrap())
        })
        .collect();
    assert_eq!(
        origins,
        [
            "s.yaml:12",
            "d.jsonl:1",
            "d.jsonl:3",
            "d.csv:2",
            "t.jsonl:1",
            "t.jsonl:2"
        ]
    );
    assert_eq!(first[1].messages[1].content, "Q: from jsonl");
    assert_eq!(first[0].messages[0].content, "Be brief.");
    assert_eq!(first[4].messages[0].content, "logged");
    // The tagged scorer applies to the csv case only; the untagged one to all.
    let value = |c: &Case, i: usize| c.checks[i].as_ref().map(|c| c.value.clone());
    assert_eq!(value(&first[3], 0), Some(Some("y".to_string())));
    assert_eq!(value(&first[1], 0), None);
    assert!(first.iter().all(|c| c.checks[1].is_some()));
    // A second pass reads the files again and gives the same cases.
    let second = pass();
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(
            (&a.id, &a.messages, &a.checks),
            (&b.id, &b.messages, &b.checks)
        );
    }
}

#[test]
fn a_file_changed_during_a_pass_ends_it_with_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows = "{\"q\": 1}\n{\"q\": 2}\n";
    std::fs::write(d.join("d.jsonl"), rows).unwrap();
    std::fs::write(
        d.join("s.yaml"),
        "version: 1\nname: t\nproviders:\n  p:\n    kind: openai-compatible\n    base_url: http://127.0.0.1:9/v1\n    model: m\n\
         prompt:\n  user: \"{{ q }}\"\ncases:\n  - file: d.jsonl\n",
    )
    .unwrap();
    let suite = super::super::load(&d.join("s.yaml")).unwrap();
    let changed = |pass: Vec<Result<Case, SuiteError>>| {
        let last = pass.last().unwrap().as_ref().err().map(ToString::to_string);
        last.is_some_and(|e| e.contains("d.jsonl: changed since the suite was loaded"))
    };
    // While the pass reads it.
    let mut pass = suite.cases.iter();
    assert!(pass.next().unwrap().is_ok());
    std::fs::write(d.join("d.jsonl"), format!("{rows}{{\"q\": 3}}\n")).unwrap();
    assert!(changed(pass.collect()));
    // Before the pass opens it.
    assert!(changed(suite.cases.iter().collect()));
    assert_eq!(suite.cases.iter().filter(Result::is_ok).count(), 0);
}
