//! `run --shard I/N` splits a suite's cases; `merge` joins the runs; `init` writes a suite that
//! validates.

use modelswap::record::{read_manifest, read_records};

use crate::common::{modelswap, stderr};
use crate::vendor_server::{openai_json, Reply, VendorServer};

#[test]
fn shards_cover_every_case_once_and_merge_into_one_run() {
    let server = VendorServer::start();
    server.otherwise(Reply::json(openai_json("ok", (3, 1, 0))));
    let tmp = tempfile::tempdir().unwrap();
    let cases: String = (1..=5)
        .map(|i| format!("  - {{id: c{i}, vars: {{q: q{i}}}}}\n"))
        .collect();
    let suite = format!(
        "version: 1\nname: shards\nproviders:\n  engine:\n    kind: openai-compatible\n    model: m\n    base_url: {}/v1\n    stream: false\n\
         prompt:\n  user: \"{{{{ q }}}}\"\ncases:\n{cases}",
        server.base
    );
    std::fs::write(tmp.path().join("suite.yaml"), suite).unwrap();
    for shard in ["1/2", "2/2"] {
        let out = format!("s{}", &shard[..1]);
        let o = modelswap(
            &["run", "suite.yaml", "--out", &out, "--shard", shard],
            tmp.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let ids = |dir: &str| -> Vec<String> {
        read_records(&tmp.path().join(dir).join("records.jsonl"))
            .unwrap()
            .into_iter()
            .map(|r| r.case_id)
            .collect()
    };
    let (mut one, mut two) = (ids("s1"), ids("s2"));
    one.sort();
    two.sort();
    assert_eq!(
        (one, two),
        (
            vec!["c1", "c3", "c5"]
                .into_iter()
                .map(String::from)
                .collect(),
            vec!["c2".to_string(), "c4".into()]
        )
    );
    assert_eq!(
        read_manifest(&tmp.path().join("s2"))
            .unwrap()
            .shard
            .map(|s| (s.index, s.count)),
        Some((2, 2))
    );

    let o = modelswap(&["merge", "s1", "s2", "--out", "all"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let mut all = ids("all");
    all.sort();
    assert_eq!(all, ["c1", "c2", "c3", "c4", "c5"]);
    let manifest = read_manifest(&tmp.path().join("all")).unwrap();
    assert_eq!(
        (manifest.cases, manifest.records_expected, manifest.shard),
        (5, 5, None)
    );
    let o = modelswap(&["report", "all", "--format", "md"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));

    // The same shard twice is refused, naming the duplicate; so is an out-of-range shard.
    let o = modelswap(&["merge", "s1", "s1", "--out", "twice"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("is already in another of the runs"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("twice/run.json").exists());
    let o = modelswap(
        &["run", "suite.yaml", "--out", "x", "--shard", "3/2"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn init_writes_a_suite_that_validates_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let o = modelswap(&["init"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let o = modelswap(&["validate", "suite.yaml"], tmp.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let o = modelswap(&["init"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("never overwrites"), "{}", stderr(&o));
}
