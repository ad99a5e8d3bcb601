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

const fn pkg(ecosystem: Ecosystem, name: &'static str, vendor: Vendor) -> Package {
    Package {
        ecosystem,
        name,
        vendor,
        feature: Sdk,
    }
}

const KEY_IS_CONFIG: &str = "a key variable is configuration: OpenAI-compatible engines ignore \
     the key or check one set with --api-key";
const URL_HINT: Option<&str> = Some(
    "read the base URL from configuration; OpenAI-compatible engines serve the same /v1 paths",
);
const MODEL_HINT: Option<&str> = Some(
    "move the model id into configuration and choose an open model; compare them on your cases \
     with `modelswap run`",
);
const CACHE_HINT: Option<&str> = Some(
    "drop the cache markers and turn on automatic prefix caching (vLLM --enable-prefix-caching, \
     llama.cpp cache_prompt); keep the stable part of the prompt first",
);
const SCHEMA_HINT: Option<&str> = Some(
    "use the engine's guided decoding: vLLM structured outputs (response_format json_schema, \
     guided_json), llama.cpp GBNF grammars or json_schema, Ollama `format`; test the schema \
     on the engine",
);
const VISION_HINT: Option<&str> = Some(
    "serve an open vision-language model (Qwen2.5-VL, Gemma 3, Llama 3.2 Vision) and re-test \
     the image cases",
);
const EMBED_HINT: Option<&str> =
    Some("re-embed the stored corpus with the new model and re-tune similarity thresholds");
const CHAT_SHAPE_HINT: Option<&str> = Some(
    "call the engine with an OpenAI client: system prompt as a message, content parts for \
     non-text input, the vendor's stop reasons mapped to finish_reason",
);

/// Every (vendor, feature) a pattern or package can report, with what moving it takes.
pub(crate) const PORTABILITY: &[Portability] = &[
    // OpenAI: its Chat Completions API is what the open engines implement.
    f(OpenAi, Sdk, Portable,
      "OpenAI's SDKs talk to any OpenAI-compatible server (vLLM, llama.cpp, Ollama) given its base URL",
      Some("set base_url (OPENAI_BASE_URL) to the engine's /v1")),
    f(OpenAi, Endpoint, PortableWithWork, "a hard-coded OpenAI URL pins the traffic to OpenAI", URL_HINT),
    f(OpenAi, ApiKey, Portable, KEY_IS_CONFIG, None),
    f(OpenAi, ModelId, PortableWithWork, "names a model only OpenAI serves", MODEL_HINT),
    f(OpenAi, Chat, Portable, "Chat Completions is the API the OpenAI-compatible engines implement", None),
    f(OpenAi, ResponsesApi, PortableWithWork,
      "the Responses API is OpenAI's own; the engines implement Chat Completions (vLLM's /v1/responses only in part)",
      Some("move the calls to chat.completions and keep conversation state (previous_response_id, store) in your own storage")),
    f(OpenAi, Assistants, VendorOnly,
      "assistants, threads and runs are server-side state that only OpenAI keeps (and has deprecated)",
      Some("keep threads in your own database and send the history with each chat completion")),
    f(OpenAi, ToolCalling, Portable,
      "vLLM (--enable-auto-tool-choice), llama.cpp (--jinja) and Ollama take `tools` and return `tool_calls` in the same shape; how well depends on the model",
      Some("measure tool-call accuracy of the open model on your cases")),
    f(OpenAi, JsonMode, Portable, "response_format json_object works on vLLM, llama.cpp and Ollama", None),
    f(OpenAi, StructuredOutputs, PortableWithWork,
      "strict JSON schema relies on OpenAI's constrained decoding; the engines have their own, with a different subset of JSON Schema",
      SCHEMA_HINT),
    f(OpenAi, Vision, PortableWithWork,
      "image inputs need an open vision-language model; the engines accept the image_url content part as-is",
      VISION_HINT),
    f(OpenAi, Audio, PortableWithWork,
      "audio needs an open speech model: vLLM serves Whisper on /v1/audio/transcriptions; audio chat input only with audio-capable models",
      Some("serve Whisper (vLLM, whisper.cpp) for transcription; use a TTS model for speech")),
    f(OpenAi, Embeddings, PortableWithWork,
      "the engines serve /v1/embeddings, but vectors from another model do not match the stored ones",
      EMBED_HINT),
    f(OpenAi, Logprobs, Portable,
      "vLLM and llama.cpp return logprobs and top_logprobs in OpenAI's shape; the values are model-specific", None),
    f(OpenAi, Seed, Portable, "vLLM and llama.cpp take a per-request seed; determinism is best-effort everywhere", None),
    f(OpenAi, PromptCaching, PortableWithWork,
      "prompt cache keys are OpenAI's; the engines cache shared prefixes by themselves", CACHE_HINT),
    f(OpenAi, Batch, PortableWithWork,
      "the Batch API is a hosted job queue; the engines have none",
      Some("run the same batch JSONL through vLLM's offline `run_batch` entry point, or a concurrent client")),
    f(OpenAi, FileSearch, VendorOnly,
      "file search and vector stores are retrieval hosted by OpenAI",
      Some("build retrieval yourself: embeddings in a vector database (pgvector, Qdrant), results passed in the prompt")),
    f(OpenAi, FineTuning, VendorOnly,
      "fine-tuned weights stay at OpenAI and cannot be exported",
      Some("fine-tune an open model (LoRA) on the same training data and serve the adapter (vLLM --lora-modules)")),
    f(OpenAi, Moderation, PortableWithWork,
      "no engine has a moderation endpoint",
      Some("run an open safety classifier (Llama Guard, ShieldGemma) as a chat model")),
    f(OpenAi, Realtime, VendorOnly,
      "the Realtime API (speech-to-speech over WebSocket or WebRTC) has no open-engine counterpart",
      Some("chain speech-to-text, a chat model and text-to-speech")),
    f(OpenAi, HostedTools, VendorOnly,
      "web search, code interpreter, computer use and image generation run on OpenAI's servers",
      Some("call your own search or sandbox as an ordinary function tool")),
    f(OpenAi, Tokenizer, PortableWithWork,
      "counts tokens with OpenAI's tokenizers; an open model's counts differ",
      Some("count with the open model's tokenizer (Hugging Face tokenizers)")),
    // Azure OpenAI: OpenAI's API addressed by deployment and api-version.
    f(AzureOpenAi, Sdk, PortableWithWork,
      "the Azure client addresses deployments by name with an api-version; an engine needs the plain OpenAI client",
      Some("replace the Azure client by OpenAI(base_url=...) and deployment names by model names")),
    f(AzureOpenAi, Endpoint, PortableWithWork, "a hard-coded Azure OpenAI resource pins the traffic to Azure", URL_HINT),
    f(AzureOpenAi, ApiKey, Portable, KEY_IS_CONFIG, None),
    f(AzureOpenAi, RestProtocol, PortableWithWork,
      "Azure's REST addressing written by hand: the deployment in the path, an api-version in the query (the body is OpenAI's)",
      Some("call the engine's /v1/chat/completions with the model name in the body; drop the deployment path and api-version")),
    // Anthropic: the Messages API, shaped differently from Chat Completions.
    f(Anthropic, Sdk, PortableWithWork,
      "Anthropic's SDK speaks the Messages API; the engines speak Chat Completions", CHAT_SHAPE_HINT),
    f(Anthropic, Endpoint, PortableWithWork, "a hard-coded Anthropic URL pins the traffic to Anthropic", URL_HINT),
    f(Anthropic, ApiKey, Portable, KEY_IS_CONFIG, None),
    f(Anthropic, RestProtocol, PortableWithWork,
      "Anthropic's Messages wire format written by hand (its version header, its paths); the engines speak Chat Completions",
      CHAT_SHAPE_HINT),
    f(Anthropic, ModelId, PortableWithWork, "names a model only Anthropic (or its clouds) serves", MODEL_HINT),
    f(Anthropic, Chat, PortableWithWork,
      "the Messages API puts the system prompt apart, uses content blocks and its own stop reasons", CHAT_SHAPE_HINT),
    f(Anthropic, ToolCalling, PortableWithWork,
      "Anthropic tools take input_schema and answer with tool_use / tool_result content blocks",
      Some("map input_schema to parameters, tool_use blocks to tool_calls and tool_result blocks to role \"tool\" messages")),
    f(Anthropic, Vision, PortableWithWork,
      "Anthropic image blocks carry base64 with a media_type; the engines take image_url parts and need a vision model",
      VISION_HINT),
    f(Anthropic, PromptCaching, PortableWithWork,
      "cache_control marks Anthropic's explicit prompt cache", CACHE_HINT),
    f(Anthropic, Batch, PortableWithWork,
      "Message Batches is a hosted job queue; the engines have none",
      Some("run the requests through vLLM's offline `run_batch` entry point, or a concurrent client")),
    f(Anthropic, HostedTools, VendorOnly,
      "server tools (web search, web fetch, code execution) run on Anthropic's servers",
      Some("call your own search or sandbox as an ordinary function tool")),
    // Google: the Gemini API and Vertex AI share request shapes.
    f(Google, Sdk, PortableWithWork,
      "the Gen AI SDK speaks the Gemini API (generateContent); the engines speak Chat Completions", CHAT_SHAPE_HINT),
    f(Google, Endpoint, PortableWithWork, "a hard-coded Gemini API URL pins the traffic to Google", URL_HINT),
    f(Google, RestProtocol, PortableWithWork,
      "the Gemini API's wire format written by hand (generateContent paths, the x-goog-api-key header); the engines speak Chat Completions",
      CHAT_SHAPE_HINT),
    f(Google, ApiKey, Portable, KEY_IS_CONFIG, None),
    f(Google, ModelId, PortableWithWork, "names a model only Google serves", MODEL_HINT),
    f(Google, Chat, PortableWithWork,
      "generateContent takes contents and parts, a separate system instruction and generation_config", CHAT_SHAPE_HINT),
    f(Google, ToolCalling, PortableWithWork,
      "Gemini declares tools as function_declarations and answers with functionCall parts",
      Some("map function_declarations to OpenAI tools and functionCall parts to tool_calls")),
    f(Google, JsonMode, PortableWithWork,
      "JSON output is asked by response_mime_type, Gemini's own field",
      Some("send response_format {\"type\": \"json_object\"} to the engine")),
    f(Google, StructuredOutputs, PortableWithWork,
      "response_schema is enforced by Gemini's constrained decoding, with an OpenAPI subset of JSON Schema", SCHEMA_HINT),
    f(Google, Vision, PortableWithWork,
      "inline image parts need an open vision-language model and the image_url content part", VISION_HINT),
    f(Google, Audio, PortableWithWork,
      "inline audio parts need an open audio-capable model or a speech-to-text step",
      Some("transcribe with Whisper (vLLM, whisper.cpp) and send the text")),
    f(Google, Embeddings, PortableWithWork,
      "embed_content vectors do not match vectors from another model", EMBED_HINT),
    f(Google, PromptCaching, PortableWithWork,
      "cached contents are stored at Google and referenced by name", CACHE_HINT),
    f(VertexAi, Sdk, PortableWithWork,
      "the Vertex AI SDK speaks Google's generateContent through a Google Cloud project", CHAT_SHAPE_HINT),
    f(VertexAi, Endpoint, PortableWithWork, "a hard-coded Vertex AI URL pins the traffic to Google Cloud", URL_HINT),
    // AWS Bedrock: InvokeModel with per-model bodies, or Converse.
    f(AwsBedrock, Sdk, PortableWithWork,
      "the Bedrock runtime takes per-model request bodies (InvokeModel) or its Converse shape, signed with AWS credentials",
      CHAT_SHAPE_HINT),
    f(AwsBedrock, Endpoint, PortableWithWork, "a hard-coded Bedrock runtime URL pins the traffic to AWS", URL_HINT),
    f(AwsBedrock, ApiKey, Portable, KEY_IS_CONFIG, None),
    f(AwsBedrock, ModelId, PortableWithWork, "a Bedrock model id names a model as AWS hosts it", MODEL_HINT),
    f(AwsBedrock, Chat, PortableWithWork,
      "InvokeModel bodies follow each model family's format; Converse has its own message shape", CHAT_SHAPE_HINT),
    f(AwsBedrock, ToolCalling, PortableWithWork,
      "Converse declares tools as toolSpec entries in a toolConfig",
      Some("map toolSpec (inputSchema.json) to OpenAI tools and toolUse blocks to tool_calls")),
    // Cohere and Mistral: close to OpenAI's shape, not the same.
    f(Cohere, Sdk, PortableWithWork, "Cohere's SDK speaks Cohere's chat and embed APIs", CHAT_SHAPE_HINT),
    f(Cohere, Endpoint, PortableWithWork, "a hard-coded Cohere URL pins the traffic to Cohere", URL_HINT),
    f(Cohere, ApiKey, Portable, KEY_IS_CONFIG, None),
    f(Cohere, ModelId, PortableWithWork, "names a model Cohere serves", MODEL_HINT),
    f(Mistral, Sdk, PortableWithWork,
      "Mistral's SDK and API are close to OpenAI's but not the same", CHAT_SHAPE_HINT),
    f(Mistral, Endpoint, PortableWithWork, "a hard-coded Mistral URL pins the traffic to Mistral", URL_HINT),
    f(Mistral, ApiKey, Portable, KEY_IS_CONFIG, None),
    f(Mistral, ModelId, PortableWithWork,
      "names a model as Mistral's platform serves it (some have open-weight releases)", MODEL_HINT),
    f(Mistral, Chat, PortableWithWork,
      "chat.complete is Mistral's call; the engines take the OpenAI client's chat.completions.create",
      Some("switch to an OpenAI client; several Mistral models are open-weight and run on the engines")),
];

/// What moving `vendor`'s `feature` takes; every pattern and package has a row (tests check).
pub(crate) fn portability(vendor: Vendor, feature: Feature) -> Option<&'static Portability> {
    PORTABILITY
        .iter()
        .find(|r| r.vendor == vendor && r.feature == feature)
}

mod packages;
mod patterns;

pub(crate) use packages::PACKAGES;
pub(crate) use patterns::PATTERNS;

#[cfg(test)]
mod tests;
