//! The rule tables the scan applies: what each vendor feature costs to move (`PORTABILITY`), the
//! patterns that find it in code (`PATTERNS`) and the packages that bring it in (`PACKAGES`).

use std::path::Path;

/// An enum whose every variant has a stable id (JSON, SARIF) and a label (Markdown), written once.
macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $id:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The id written in JSON and SARIF.
            pub fn id(self) -> &'static str {
                match self { $($name::$variant => $id,)+ }
            }

            /// The name a person reads.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.id())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let id = String::deserialize(d)?;
                Self::ALL.iter().copied().find(|v| v.id() == id).ok_or_else(|| {
                    serde::de::Error::custom(format!("unknown {}: `{id}`", stringify!($name)))
                })
            }
        }
    };
}

labelled_enum! {
    /// Whose API a finding ties the code to.
    Vendor {
        OpenAi => "openai", "OpenAI";
        AzureOpenAi => "azure-openai", "Azure OpenAI";
        Anthropic => "anthropic", "Anthropic";
        Google => "google", "Google Gemini API";
        VertexAi => "vertex-ai", "Google Vertex AI";
        AwsBedrock => "aws-bedrock", "AWS Bedrock";
        Cohere => "cohere", "Cohere";
        Mistral => "mistral", "Mistral";
        DeepSeek => "deepseek", "DeepSeek";
        Groq => "groq", "Groq";
        XAi => "xai", "xAI";
        /// A server on the team's own machines (an engine such as Ollama, vLLM or llama.cpp, or
        /// a proxy) reached through an OpenAI-compatible client or Ollama's own: no vendor. Its hits never
        /// become findings (`matcher::one_per_feature`); a file that talks to nothing else is
        /// listed as skipped, with why.
        SelfHosted => "self-hosted", "a self-hosted server";
    }
}

labelled_enum! {
    /// What the code uses. Shared with the workload audit, which finds the same features in suites.
    Feature {
        Sdk => "sdk", "SDK";
        Endpoint => "endpoint", "vendor endpoint";
        RestProtocol => "rest-protocol", "vendor REST protocol";
        ApiKey => "api-key", "API key variable";
        ModelId => "model-id", "hard-coded model id";
        Chat => "chat", "chat completions / messages";
        ResponsesApi => "responses-api", "Responses API";
        Assistants => "assistants", "Assistants / threads";
        ToolCalling => "tool-calling", "function / tool calling";
        JsonMode => "json-mode", "JSON mode";
        StructuredOutputs => "structured-outputs", "strict JSON schema";
        Vision => "vision", "image input";
        Audio => "audio", "audio";
        Embeddings => "embeddings", "embeddings";
        Logprobs => "logprobs", "logprobs";
        Seed => "seed", "seed";
        PromptCaching => "prompt-caching", "prompt caching";
        Batch => "batch", "Batch API";
        FileSearch => "file-search", "file search / vector stores";
        FineTuning => "fine-tuning", "fine-tuning";
        Moderation => "moderation", "moderation";
        Realtime => "realtime", "Realtime API";
        HostedTools => "hosted-tools", "hosted tools";
        Tokenizer => "tokenizer", "vendor tokenizer";
        Thinking => "thinking", "extended thinking / reasoning effort";
        Citations => "citations", "citations";
        Documents => "documents", "PDF / document input";
        FilesApi => "files-api", "Files API";
        TokenCounting => "token-counting", "token counting API";
        AgentSdk => "agent-sdk", "agent SDK";
        ImageGeneration => "image-generation", "image generation";
    }
}

labelled_enum! {
    /// How hard a finding is to move to an open model served by an OpenAI-compatible engine
    /// (vLLM, llama.cpp, Ollama). Ordered from least to most work.
    Rating {
        /// The engines do it as-is.
        Portable => "portable", "portable";
        /// Doable with a known change (the finding's hint says which).
        PortableWithWork => "portable-with-work", "portable with work";
        /// Only this vendor offers it; it has to be rebuilt.
        VendorOnly => "vendor-only", "vendor-only";
    }
}

impl Rating {
    /// Points towards a file's migration effort: a ranking device, not hours.
    pub fn effort(self) -> u32 {
        match self {
            Portable => 0,
            PortableWithWork => 1,
            VendorOnly => 3,
        }
    }
}

labelled_enum! {
    /// The package registry a manifest draws from.
    Ecosystem {
        PyPi => "pypi", "PyPI";
        Npm => "npm", "npm";
        Go => "go", "Go modules";
        Cargo => "cargo", "crates.io";
        Maven => "maven", "Maven";
        NuGet => "nuget", "NuGet";
        RubyGems => "rubygems", "RubyGems";
    }
}

labelled_enum! {
    /// What a file is for, from its path (`lockin::classify`): the migration estimate counts
    /// production code; the rest is reported apart.
    FileClass {
        Production => "production", "production";
        Test => "test", "test";
        Example => "example", "example";
        Docs => "docs", "docs / data";
        Generated => "generated", "generated / vendored";
    }
}

/// The kind of file a pattern applies to, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Python,
    JavaScript,
    Go,
    Jvm,
    CSharp,
    Ruby,
    Rust,
    /// Configuration and scripts: only endpoints, keys, model ids and API vocabulary apply.
    Config,
}

impl Lang {
    pub(crate) const ALL: [Lang; 8] = [
        Lang::Python,
        Lang::JavaScript,
        Lang::Go,
        Lang::Jvm,
        Lang::CSharp,
        Lang::Ruby,
        Lang::Rust,
        Lang::Config,
    ];

    /// The language of a file, from its name; `None` for files the scan does not read.
    pub(crate) fn of(path: &Path) -> Option<Lang> {
        let name = path.file_name()?.to_str()?;
        if name.starts_with(".env") || name == "Dockerfile" {
            return Some(Lang::Config);
        }
        let ext = path.extension()?.to_str()?;
        Some(match ext {
            "py" | "pyi" | "ipynb" => Lang::Python,
            "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" | "vue" | "svelte" => {
                Lang::JavaScript
            }
            "go" => Lang::Go,
            "java" | "kt" | "kts" | "scala" | "groovy" => Lang::Jvm,
            "cs" => Lang::CSharp,
            "rb" | "rake" => Lang::Ruby,
            "rs" => Lang::Rust,
            "yaml" | "yml" | "toml" | "json" | "jsonc" | "ini" | "cfg" | "conf" | "properties"
            | "env" | "sh" | "tf" => Lang::Config,
            _ => return None,
        })
    }
}

/// What moving one vendor's feature takes.
#[derive(Debug)]
pub(crate) struct Portability {
    pub vendor: Vendor,
    pub feature: Feature,
    pub rating: Rating,
    pub reason: &'static str,
    pub hint: Option<&'static str>,
}

/// One pattern: which vendor feature a line of code reveals.
#[derive(Debug)]
pub(crate) struct Pattern {
    pub vendor: Vendor,
    pub feature: Feature,
    pub langs: &'static [Lang],
    /// Looked for only in files where an ungated pattern already matched: on its own the text
    /// is too common (a `seed=`, an `"image_url"`) to mean a vendor call.
    pub gated: bool,
    /// Vocabulary that several vendors' APIs share (`tool_calls`, `json_object`, `logprobs`):
    /// `vendor` is only the default; the finding belongs to the vendor the file talks to
    /// (`lockin::attribute`).
    pub shared: Sharing,
    /// The vendor whose SDK this is a client of (`AzureOpenAI` from the `openai` package,
    /// `AnthropicBedrock`): the file points that SDK at this pattern's vendor (`attribute`).
    pub client_of: Option<Vendor>,
    /// A regular expression over one line (ASCII classes). Every match must start (or end)
    /// with one of a few literals of 3 bytes or more: they are the scan's prefilter. When it
    /// has a capture group, the group is the matched text.
    pub regex: &'static str,
    /// A line the regex must match (the tests check every row).
    #[cfg_attr(not(test), allow(dead_code))]
    pub example: &'static str,
}

/// A package that brings a vendor's SDK (or tokenizer) into a project.
pub(crate) struct Package {
    pub ecosystem: Ecosystem,
    /// As the registry normalises it (see `manifests::normalise`).
    pub name: &'static str,
    pub vendor: Vendor,
    pub feature: Feature,
}

use Ecosystem::*;
use Feature::*;
use Rating::*;
use Vendor::*;

const fn f(
    vendor: Vendor,
    feature: Feature,
    rating: Rating,
    reason: &'static str,
    hint: Option<&'static str>,
) -> Portability {
    Portability {
        vendor,
        feature,
        rating,
        reason,
        hint,
    }
}

const fn p(
    vendor: Vendor,
    feature: Feature,
    langs: &'static [Lang],
    regex: &'static str,
    example: &'static str,
) -> Pattern {
    Pattern {
        vendor,
        feature,
        langs,
        gated: false,
        shared: Sharing::No,
        client_of: None,
        regex,
        example,
    }
}

const fn g(
    vendor: Vendor,
    feature: Feature,
    langs: &'static [Lang],
    regex: &'static str,
    example: &'static str,
) -> Pattern {
    Pattern {
        gated: true,
        ..p(vendor, feature, langs, regex, example)
    }
}

/// Which other vendors a pattern's finding may go to (`lockin::attribute`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sharing {
    /// Only the pattern's own vendor says this.
    No,
    /// Any vendor that has the feature (`tool_choice`, `json_object`).
    Any,
    /// Vendors serving OpenAI's API as it is (`.chat.completions.create` on Azure or DeepSeek).
    OpenAiShaped,
    /// Anthropic's Messages API calls (`.messages.create`), which Bedrock and Vertex AI also serve.
    /// Those platforms take them anyway (`attribute`'s `SERVES`); being shared keeps a call
    /// that other SDKs write too (Twilio's `client.messages.create`) out of the evidence of
    /// whom the file talks to.
    AnthropicShaped,
}

/// `pattern`, as vocabulary several vendors share.
const fn shared(pattern: Pattern) -> Pattern {
    Pattern {
        shared: Sharing::Any,
        ..pattern
    }
}

/// `pattern`, as a call every API shaped like OpenAI's takes.
const fn openai_shaped(pattern: Pattern) -> Pattern {
    Pattern {
        shared: Sharing::OpenAiShaped,
        ..pattern
    }
}

/// `pattern`, a client of `sdk`'s SDK for the pattern's vendor.
const fn client_of(sdk: Vendor, pattern: Pattern) -> Pattern {
    Pattern {
        client_of: Some(sdk),
        ..pattern
    }
}

/// `pattern`, as a call Anthropic's SDK makes on the platforms that serve its models.
const fn anthropic_shaped(pattern: Pattern) -> Pattern {
    Pattern {
        shared: Sharing::AnthropicShaped,
        ..pattern
    }
}

const fn pkg(ecosystem: Ecosystem, name: &'static str, vendor: Vendor) -> Package {
    Package {
        ecosystem,
        name,
        vendor,
        feature: Sdk,
    }
}

/// What moving `vendor`'s `feature` takes; every pattern and package has a row (tests check).
pub(crate) fn portability(vendor: Vendor, feature: Feature) -> Option<&'static Portability> {
    PORTABILITY
        .iter()
        .find(|r| r.vendor == vendor && r.feature == feature)
}

mod packages;
mod patterns;
mod portability;

pub(crate) use packages::PACKAGES;
pub(crate) use patterns::PATTERNS;
pub(crate) use portability::PORTABILITY;

#[cfg(test)]
mod tests;
