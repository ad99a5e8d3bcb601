use super::*;

#[test]
fn every_pattern_and_package_has_a_portability_row_and_rows_are_unique() {
    for p in PATTERNS {
        assert!(
            portability(p.vendor, p.feature).is_some(),
            "no row for {}",
            p.regex
        );
    }
    for p in PACKAGES {
        assert!(
            portability(p.vendor, p.feature).is_some(),
            "no row for {}",
            p.name
        );
    }
    for (i, a) in PORTABILITY.iter().enumerate() {
        for b in &PORTABILITY[i + 1..] {
            assert!(
                (a.vendor, a.feature) != (b.vendor, b.feature),
                "{:?} {:?} twice",
                a.vendor,
                a.feature
            );
        }
    }
}

#[test]
fn every_pattern_matches_its_example() {
    for p in PATTERNS {
        let re = regex::bytes::RegexBuilder::new(p.regex)
            .unicode(false)
            .build()
            .unwrap_or_else(|e| panic!("{}: {e}", p.regex));
        assert!(
            re.is_match(p.example.as_bytes()),
            "{} does not match {:?}",
            p.regex,
            p.example
        );
    }
}

#[test]
fn labelled_enums_round_trip_through_json() {
    for v in Vendor::ALL {
        let json = serde_json::to_string(v).unwrap();
        assert_eq!(serde_json::from_str::<Vendor>(&json).unwrap(), *v);
    }
    for f in Feature::ALL {
        let json = serde_json::to_string(f).unwrap();
        assert_eq!(serde_json::from_str::<Feature>(&json).unwrap(), *f);
    }
    assert_eq!(
        serde_json::to_string(&PortableWithWork).unwrap(),
        "\"portable-with-work\""
    );
    let err = serde_json::from_str::<Rating>("\"easy\"").unwrap_err();
    assert!(err.to_string().contains("unknown Rating: `easy`"), "{err}");
}

#[test]
fn a_model_id_ends_on_a_letter_or_digit() {
    let hits = crate::lockin::matcher::Matchers::get().find(
        Lang::Python,
        b"import openai\nx = \"gpt-4o-mini\"\nz = [\"gpt-3.5-turbo.\"]\ny = 'gpt-4.'\n",
    );
    let ids: Vec<&str> = (hits.iter())
        .filter(|h| h.pattern.feature == ModelId)
        .map(|h| h.text.as_str())
        .collect();
    assert_eq!(ids, ["gpt-4o-mini", "gpt-3.5-turbo", "gpt-4"]);
}

#[test]
fn a_tool_choice_by_name_is_not_another_use_of_the_tool() {
    let hits = crate::lockin::matcher::Matchers::get().find(
        Lang::JavaScript,
        b"tools: { file_search: openai.tools.fileSearch({}) },\n\
          toolChoice: { type: 'tool', toolName: 'file_search' },\n\
          tools: [{ type: 'file_search' }],\n",
    );
    let lines: Vec<u32> = (hits.iter())
        .filter(|h| h.pattern.feature == FileSearch)
        .map(|h| h.line)
        .collect();
    assert_eq!(lines, [1, 3]);
}

#[test]
fn a_model_id_in_a_sentence_is_prose_in_code_and_a_value_in_configuration() {
    let ids = |lang, text: &[u8]| -> Vec<String> {
        let hits = crate::lockin::matcher::Matchers::get().find(lang, text);
        (hits.iter())
            .filter(|h| h.pattern.feature == ModelId)
            .map(|h| h.text.clone())
            .collect()
    };
    let code = b"fmt.Println(\"Warning: gpt-4 may update. Assuming gpt-4-0613.\")\n\
                 m := \"gpt-4o\"\nModel: openai.GPT3Dot5Turbo,\n";
    assert_eq!(ids(Lang::Go, code), ["gpt-4o", "openai.GPT3Dot5Turbo"]);
    assert_eq!(ids(Lang::Config, b"model: gpt-4o\n"), ["gpt-4o"]);
}
