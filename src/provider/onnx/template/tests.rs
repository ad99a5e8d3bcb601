//! Each chat template of tests/fixtures/templates/ (the models' own, as llama.cpp's repository
//! carries them in the llama-cpp-python source package on PyPI) renders each conversation exactly
//! as transformers does: expected.json was written by scripts/reference_templates.py.

use std::path::PathBuf;

use serde_json::Value as Json;

use super::*;
use crate::chat::Role;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/templates")
}

fn messages(conversation: &Json) -> Vec<Message> {
    let role = |r: &str| match r {
        "system" => Role::System,
        "user" => Role::User,
        "assistant" => Role::Assistant,
        other => panic!("role {other}"),
    };
    (conversation["messages"].as_array().unwrap().iter())
        .map(|m| {
            Message::new(
                role(m["role"].as_str().unwrap()),
                m["content"].as_str().unwrap(),
            )
        })
        .collect()
}

fn tools(conversation: &Json) -> Vec<Tool> {
    (conversation["tools"].as_array().into_iter().flatten())
        .map(|t| Tool {
            name: t["function"]["name"].as_str().unwrap().into(),
            description: t["function"]["description"].as_str().map(str::to_owned),
            parameters: t["function"]["parameters"].clone(),
        })
        .collect()
}

#[test]
fn every_template_renders_what_transformers_renders() {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    let expected: Json = serde_json::from_str(&text).unwrap();
    let date = minijinja::context! { date_string => expected["date_string"].as_str().unwrap() };
    let mut compared = 0;
    for (name, t) in expected["templates"].as_object().unwrap() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(t["path"].as_str().unwrap());
        let source = std::fs::read_to_string(path).unwrap();
        let bos = t["bos_token"].as_str().unwrap().to_string();
        let eos = t["eos_token"].as_str().unwrap().to_string();
        let template =
            ChatTemplate::new(source, bos, eos).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (case, want) in t["renders"].as_object().unwrap() {
            let conversation = &expected["conversations"][case];
            let got = template.render(
                &messages(conversation),
                &tools(conversation),
                Some(date.clone()),
            );
            match (want.get("text").and_then(Json::as_str), got) {
                (Some(text), Ok(ours)) => assert_eq!(ours, text, "{name} / {case}"),
                (None, Err(e)) => {
                    // The template's own words reach the user.
                    let message = want["error"].as_str().unwrap();
                    assert!(
                        e.to_string().contains(message),
                        "{name} / {case}: {e} (transformers: {message})"
                    );
                }
                (Some(_), Err(e)) => {
                    panic!("{name} / {case}: transformers renders it; we fail: {e:#}")
                }
                (None, Ok(ours)) => {
                    panic!("{name} / {case}: transformers fails; we render {ours:?}")
                }
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 11 * 5);
}

#[test]
fn tojson_writes_what_pythons_json_dumps_writes() {
    let t = ChatTemplate::new(
        "{{ x | tojson }}|{{ x | tojson(indent=2) }}|{{ x | tojson(sort_keys=true) }}".into(),
        String::new(),
        String::new(),
    )
    .unwrap();
    let extra = minijinja::context! {
        x => ordered(&serde_json::json!({"b": [1, 2.5, "é<&>"], "a": {}, "c": []}))
    };
    let out = t.render(&[], &[], Some(extra)).unwrap();
    // json.dumps({"b": [1, 2.5, "é<&>"], "a": {}, "c": []}, ensure_ascii=False, indent=…)
    assert_eq!(
        out,
        "{\"b\": [1, 2.5, \"é<&>\"], \"a\": {}, \"c\": []}|{\n  \"b\": [\n    1,\n    2.5,\n    \"é<&>\"\n  ],\n  \"a\": {},\n  \"c\": []\n}|{\"a\": {}, \"b\": [1, 2.5, \"é<&>\"], \"c\": []}"
    );
}
