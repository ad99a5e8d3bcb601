use super::*;

/// In line order (TOML tables come back sorted by key).
fn declared(mut found: Vec<Declared>) -> Vec<(String, Option<String>, u32)> {
    found.sort_by_key(|d| d.line);
    found
        .into_iter()
        .map(|d| (d.name, d.version, d.line))
        .collect()
}

fn d(name: &str, version: Option<&str>, line: u32) -> (String, Option<String>, u32) {
    (name.to_string(), version.map(str::to_string), line)
}

#[test]
fn requirements_files_with_comments_options_markers_and_continuations() {
    let text = "# app\n-r base.txt\nopenai>=1.40,<2  # pinned\nAnthropic[vertex] == 0.42.0 ; python_version >= \"3.9\"\n\
                tiktoken \\\n  ==0.8.0 --hash=sha256:abc\n-e ./libs/common\nfastapi\n";
    assert_eq!(
        declared(requirements(text)),
        vec![
            d("openai", Some(">=1.40,<2"), 3),
            d("Anthropic", Some("== 0.42.0"), 4),
            d("tiktoken", Some("==0.8.0"), 5),
            d("fastapi", None, 8),
        ]
    );
}

#[test]
fn pyproject_pep621_groups_and_poetry() {
    let text = r#"[project]
name = "svc"
dependencies = [
  "openai>=1.50",
  "httpx",
]
[project.optional-dependencies]
claude = ["anthropic~=0.40"]
[dependency-groups]
dev = ["pytest"]
[tool.poetry.dependencies]
python = "^3.11"
google-genai = { version = "^1.2", extras = ["aio"] }
[tool.poetry.group.ml.dependencies]
tiktoken = "0.8.0"
"#;
    assert_eq!(
        declared(pyproject(text).unwrap()),
        vec![
            d("openai", Some(">=1.50"), 4),
            d("httpx", None, 5),
            d("anthropic", Some("~=0.40"), 8),
            d("pytest", None, 10),
            d("python", Some("^3.11"), 12),
            d("google-genai", Some("^1.2"), 13),
            d("tiktoken", Some("0.8.0"), 15),
        ]
    );
}

#[test]
fn cargo_toml_renames_workspaces_and_targets() {
    let text = r#"[package]
name = "x"
[dependencies]
openai = { package = "async-openai", version = "0.28" }
serde = "1"
[workspace.dependencies]
tiktoken-rs = "0.6"
[target.'cfg(unix)'.dev-dependencies]
aws-sdk-bedrockruntime = { version = "1.70", features = ["behavior-version-latest"] }
"#;
    assert_eq!(
        declared(cargo_toml(text).unwrap()),
        vec![
            d("async-openai", Some("0.28"), 4),
            d("serde", Some("1"), 5),
            d("tiktoken-rs", Some("0.6"), 7),
            d("aws-sdk-bedrockruntime", Some("1.70"), 9),
        ]
    );
}

#[test]
fn pom_dependencies_with_properties() {
    let text = r#"<?xml version="1.0"?>
<project>
  <parent><groupId>org.springframework.boot</groupId><artifactId>parent</artifactId></parent>
  <properties>
<openai.version>0.8.0</openai.version>
  </properties>
  <dependencies>
<dependency>
  <groupId>com.openai</groupId>
  <artifactId>openai-java</artifactId>
  <version>${openai.version}</version>
</dependency>
<dependency><groupId>junit</groupId><artifactId>junit</artifactId></dependency>
  </dependencies>
</project>
"#;
    assert_eq!(
        declared(pom(text).unwrap()),
        vec![
            d("com.openai:openai-java", Some("0.8.0"), 8),
            d("junit:junit", None, 13)
        ]
    );
}

#[test]
fn csproj_references_with_attribute_or_element_versions() {
    let text = r#"<Project Sdk="Microsoft.NET.Sdk">
  <ItemGroup>
<PackageReference Include="Azure.AI.OpenAI" Version="2.1.0" />
<PackageReference Include="OpenAI">
  <Version>2.1.0</Version>
</PackageReference>
  </ItemGroup>
</Project>
"#;
    assert_eq!(
        declared(csproj(text).unwrap()),
        vec![
            d("Azure.AI.OpenAI", Some("2.1.0"), 3),
            d("OpenAI", Some("2.1.0"), 4)
        ]
    );
}

#[test]
fn gradle_gemfile_and_go_mod_lines() {
    let gradle_text = "plugins { id(\"java\") }\ndependencies {\n    implementation(\"com.openai:openai-java:2.2.0\")\n    testImplementation 'junit:junit'\n}\n";
    assert_eq!(
        declared(gradle(gradle_text)),
        vec![
            d("com.openai:openai-java", Some("2.2.0"), 3),
            d("junit:junit", None, 4)
        ]
    );
    let gems = "source \"https://rubygems.org\"\ngem \"ruby-openai\", \"~> 7.3\", \">= 7.3.1\"\ngem 'rails'\n";
    assert_eq!(
        declared(gemfile(gems)),
        vec![
            d("ruby-openai", Some("~> 7.3, >= 7.3.1"), 2),
            d("rails", None, 3)
        ]
    );
    let gomod = "module x\n\ngo 1.23\n\nrequire github.com/openai/openai-go v1.8.2\n\nrequire (\n\tgithub.com/aws/aws-sdk-go-v2 v1.36.3 // indirect\n)\n";
    assert_eq!(
        declared(go_mod(gomod)),
        vec![
            d("github.com/openai/openai-go", Some("v1.8.2"), 5),
            d("github.com/aws/aws-sdk-go-v2", Some("v1.36.3"), 8),
        ]
    );
}

#[test]
fn names_normalise_as_their_registries_compare_them() {
    assert_eq!(normalise(Ecosystem::PyPi, "Google_GenAI"), "google-genai");
    assert_eq!(
        normalise(Ecosystem::PyPi, "llama.index__llms-openai"),
        "llama-index-llms-openai"
    );
    assert_eq!(
        normalise(Ecosystem::Go, "github.com/cohere-ai/cohere-go/v2"),
        "github.com/cohere-ai/cohere-go"
    );
    assert_eq!(normalise(Ecosystem::Cargo, "async_openai"), "async-openai");
}

#[test]
fn a_broken_manifest_is_a_problem_with_its_line() {
    let mut deps = Vec::new();
    let mut problems = Vec::new();
    parse(
        PackageManifest::PackageJson,
        "web/package.json",
        b"{\n  \"dependencies\": {\n    \"openai\": ^4\n  }\n}\n",
        &mut deps,
        &mut problems,
    );
    parse(
        PackageManifest::CargoToml,
        "Cargo.toml",
        b"[dependencies]\nasync-openai = \n",
        &mut deps,
        &mut problems,
    );
    parse(
        PackageManifest::Pom,
        "pom.xml",
        b"<project>\n<dependencies>\n</project>\n",
        &mut deps,
        &mut problems,
    );
    assert!(deps.is_empty());
    let got: Vec<_> = problems
        .iter()
        .map(|p| (p.file.as_deref().unwrap(), p.line))
        .collect();
    assert_eq!(
        got,
        vec![
            ("web/package.json", Some(3)),
            ("Cargo.toml", Some(2)),
            ("pom.xml", Some(3))
        ]
    );
    assert!(
        problems[0].message.starts_with("invalid JSON"),
        "{}",
        problems[0].message
    );
    assert!(
        problems[1].message.starts_with("invalid TOML"),
        "{}",
        problems[1].message
    );
    assert!(
        problems[2].message.starts_with("invalid XML"),
        "{}",
        problems[2].message
    );
}

#[test]
fn only_vendor_packages_become_dependencies() {
    let mut deps = Vec::new();
    let mut problems = Vec::new();
    parse(
        PackageManifest::Requirements,
        "requirements.txt",
        b"fastapi==0.115\nOpenAI==1.59.7\ntiktoken\n",
        &mut deps,
        &mut problems,
    );
    assert!(problems.is_empty());
    let got: Vec<_> = deps
        .iter()
        .map(|d| {
            (
                d.name.as_str(),
                d.line,
                d.vendor.id(),
                d.feature.id(),
                d.rating.id(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("OpenAI", 2, "openai", "sdk", "portable"),
            ("tiktoken", 3, "openai", "tokenizer", "portable-with-work"),
        ]
    );
}
