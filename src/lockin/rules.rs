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
    // Anthropic: the Messages API, shaped differently from Chat Completions.
    f(Anthropic, Sdk, PortableWithWork,
      "Anthropic's SDK speaks the Messages API; the engines speak Chat Completions", CHAT_SHAPE_HINT),
    f(Anthropic, Endpoint, PortableWithWork, "a hard-coded Anthropic URL pins the traffic to Anthropic", URL_HINT),
    f(Anthropic, ApiKey, Portable, KEY_IS_CONFIG, None),
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

const PY: &[Lang] = &[Lang::Python];
const JS: &[Lang] = &[Lang::JavaScript];
const GO: &[Lang] = &[Lang::Go];
const JVM: &[Lang] = &[Lang::Jvm];
const CS: &[Lang] = &[Lang::CSharp];
const RB: &[Lang] = &[Lang::Ruby];
const RS: &[Lang] = &[Lang::Rust];
const PY_JS: &[Lang] = &[Lang::Python, Lang::JavaScript];
const PY_JS_RB: &[Lang] = &[Lang::Python, Lang::JavaScript, Lang::Ruby];
const JS_JVM: &[Lang] = &[Lang::JavaScript, Lang::Jvm];
const CODE: &[Lang] = &[
    Lang::Python,
    Lang::JavaScript,
    Lang::Go,
    Lang::Jvm,
    Lang::CSharp,
    Lang::Ruby,
    Lang::Rust,
];
const ANY: &[Lang] = &Lang::ALL;

/// The patterns. Where two matches on a line overlap, the longer one stands (an `ft:` id hides
/// the base model id inside it); on the same text the more severe rating stands.
#[rustfmt::skip]
pub(crate) const PATTERNS: &[Pattern] = &[
    // SDKs and their wrappers (LangChain, LlamaIndex, the Vercel AI SDK, Spring AI, LangChain4j).
    p(OpenAi, Sdk, PY, r#"^[ \t]*"?((?:from|import) (?:openai|langchain_openai|llama_index\.(?:llms|embeddings)\.openai))\b"#, "from openai import OpenAI"),
    p(OpenAi, Sdk, JS, r#"(?:from |require\(|import\()(["'](?:openai|@langchain/openai|@ai-sdk/openai)(?:/[\w/.-]*)?["'])"#, r#"import OpenAI from "openai";"#),
    p(OpenAi, Sdk, GO, r#""github\.com/(?:openai/openai-go(?:/v\d+)?|sashabaranov/go-openai)""#, r#"	"github.com/openai/openai-go""#),
    p(OpenAi, Sdk, JVM, r"import (?:com\.openai|com\.theokanning\.openai|dev\.langchain4j\.model\.openai|org\.springframework\.ai\.openai)\.", "import com.openai.client.OpenAIClient;"),
    p(OpenAi, Sdk, CS, r"using OpenAI(?:\.\w+)*;|\bAddOpenAIChatCompletion\(", "using OpenAI.Chat;"),
    p(OpenAi, Sdk, RB, r#"require ["']openai["']"#, r#"require "openai""#),
    p(OpenAi, Sdk, RS, r"\b(?:async_openai|openai_api_rs)::", "use async_openai::{Client, config::OpenAIConfig};"),
    p(AzureOpenAi, Sdk, PY_JS, r"\bAzure(?:Chat)?OpenAI\w*", "client = AzureOpenAI(api_version=\"2024-10-21\")"),
    p(AzureOpenAi, Sdk, JS, r#"["']@(?:azure/openai|ai-sdk/azure)["']"#, r#"import { AzureOpenAI } from "@azure/openai";"#),
    p(AzureOpenAi, Sdk, GO, r#""github\.com/(?:openai/openai-go(?:/v\d+)?/azure|Azure/azure-sdk-for-go/sdk/ai/azopenai)""#, r#"	"github.com/openai/openai-go/azure""#),
    p(AzureOpenAi, Sdk, JVM, r"import com\.azure\.ai\.openai\.", "import com.azure.ai.openai.OpenAIClientBuilder;"),
    p(AzureOpenAi, Sdk, CS, r"using Azure\.AI\.OpenAI\b|\bAddAzureOpenAIChatCompletion\(", "using Azure.AI.OpenAI;"),
    p(Anthropic, Sdk, PY, r#"^[ \t]*"?((?:from|import) (?:anthropic|langchain_anthropic))\b"#, "from anthropic import Anthropic"),
    p(Anthropic, Sdk, JS, r#"["']@(?:anthropic-ai/[\w-]+|langchain/anthropic|ai-sdk/anthropic)["']"#, r#"import Anthropic from "@anthropic-ai/sdk";"#),
    p(Anthropic, Sdk, GO, r#""github\.com/anthropics/anthropic-sdk-go""#, r#"	"github.com/anthropics/anthropic-sdk-go""#),
    p(Anthropic, Sdk, JVM, r"import (?:com\.anthropic|dev\.langchain4j\.model\.anthropic)\.", "import com.anthropic.client.AnthropicClient;"),
    p(Anthropic, Sdk, CS, r"using Anthropic\b", "using Anthropic.SDK;"),
    p(Anthropic, Sdk, RB, r#"require ["']anthropic["']"#, r#"require "anthropic""#),
    p(Google, Sdk, PY, r#"^[ \t]*"?((?:(?:from|import) (?:google\.generativeai|google\.genai|langchain_google_genai)|from google import genai))\b"#, "from google import genai"),
    p(Google, Sdk, JS, r#"["']@(?:google/genai|google/generative-ai|langchain/google-genai|ai-sdk/google)["']"#, r#"import { GoogleGenAI } from "@google/genai";"#),
    p(Google, Sdk, GO, r#""(?:google\.golang\.org/genai|github\.com/google/generative-ai-go/genai)""#, r#"	"google.golang.org/genai""#),
    p(Google, Sdk, JVM, r"import com\.google\.genai\.", "import com.google.genai.Client;"),
    p(Google, Sdk, RB, r#"require ["']gemini-ai["']"#, r#"require "gemini-ai""#),
    p(VertexAi, Sdk, PY, r#"^[ \t]*"?((?:(?:from|import) (?:vertexai|google\.cloud\.aiplatform|langchain_google_vertexai)|from google\.cloud import aiplatform))\b"#, "from vertexai.generative_models import GenerativeModel"),
    p(VertexAi, Sdk, JS, r#"["']@(?:google-cloud/vertexai|google-cloud/aiplatform|ai-sdk/google-vertex|langchain/google-vertexai)["']"#, r#"import { VertexAI } from "@google-cloud/vertexai";"#),
    p(VertexAi, Sdk, GO, r#""cloud\.google\.com/go/(?:vertexai/genai|aiplatform/[\w/]+)""#, r#"	"cloud.google.com/go/vertexai/genai""#),
    p(VertexAi, Sdk, JVM, r"import com\.google\.cloud\.vertexai\.", "import com.google.cloud.vertexai.VertexAI;"),
    p(VertexAi, Sdk, CS, r"using Google\.Cloud\.AIPlatform\b", "using Google.Cloud.AIPlatform.V1;"),
    p(AwsBedrock, Sdk, CODE, r#"["']bedrock-runtime["']"#, r#"bedrock = boto3.client("bedrock-runtime", region_name="us-east-1")"#),
    p(AwsBedrock, Sdk, PY, r#"^[ \t]*"?((?:from|import) langchain_aws)\b"#, "from langchain_aws import ChatBedrockConverse"),
    p(AwsBedrock, Sdk, JS, r#"["']@(?:aws-sdk/client-bedrock-runtime|ai-sdk/amazon-bedrock|langchain/aws)["']"#, r#"import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";"#),
    p(AwsBedrock, Sdk, GO, r#""github\.com/aws/aws-sdk-go-v2/service/bedrockruntime""#, r#"	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime""#),
    p(AwsBedrock, Sdk, JVM, r"import software\.amazon\.awssdk\.services\.bedrockruntime\.", "import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;"),
    p(AwsBedrock, Sdk, CS, r"using Amazon\.BedrockRuntime\b", "using Amazon.BedrockRuntime;"),
    p(AwsBedrock, Sdk, RB, r"Aws::BedrockRuntime::", "client = Aws::BedrockRuntime::Client.new(region: \"us-east-1\")"),
    p(AwsBedrock, Sdk, RS, r"\baws_sdk_bedrockruntime::", "use aws_sdk_bedrockruntime::Client;"),
    p(Cohere, Sdk, PY, r#"^[ \t]*"?((?:from|import) (?:cohere|langchain_cohere))\b"#, "import cohere"),
    p(Cohere, Sdk, JS, r#"["']cohere-ai["']"#, r#"import { CohereClientV2 } from "cohere-ai";"#),
    p(Cohere, Sdk, GO, r#""github\.com/cohere-ai/cohere-go/v2(?:/client)?""#, r#"	cohereclient "github.com/cohere-ai/cohere-go/v2/client""#),
    p(Mistral, Sdk, PY, r#"^[ \t]*"?((?:from|import) (?:mistralai|langchain_mistralai))\b"#, "from mistralai import Mistral"),
    p(Mistral, Sdk, JS, r#"["']@(?:mistralai/mistralai|ai-sdk/mistral)["']"#, r#"import { Mistral } from "@mistralai/mistralai";"#),

    // Endpoints.
    p(OpenAi, Endpoint, ANY, r"api\.openai\.com", "OPENAI_URL = \"https://api.openai.com/v1/chat/completions\""),
    p(AzureOpenAi, Endpoint, ANY, r"[\w-]+\.openai\.azure\.com", "endpoint: https://acme-prod.openai.azure.com/"),
    p(Anthropic, Endpoint, ANY, r"api\.anthropic\.com", "curl https://api.anthropic.com/v1/messages"),
    p(Google, Endpoint, ANY, r"generativelanguage\.googleapis\.com", "https://generativelanguage.googleapis.com/v1beta/models"),
    p(VertexAi, Endpoint, ANY, r"[\w-]*aiplatform\.googleapis\.com", "https://us-central1-aiplatform.googleapis.com/v1/projects"),
    p(AwsBedrock, Endpoint, ANY, r"bedrock-runtime\.[\w-]+\.amazonaws\.com", "https://bedrock-runtime.us-east-1.amazonaws.com/model"),
    p(Cohere, Endpoint, ANY, r"api\.cohere\.(?:com|ai)", "https://api.cohere.com/v2/chat"),
    p(Mistral, Endpoint, ANY, r"api\.mistral\.ai", "https://api.mistral.ai/v1/chat/completions"),

    // API key variables (only the name is reported, never a value).
    p(OpenAi, ApiKey, ANY, r"\bOPENAI_API_KEY\b", "api_key=os.environ[\"OPENAI_API_KEY\"]"),
    p(AzureOpenAi, ApiKey, ANY, r"\bAZURE_OPENAI_(?:API_)?KEY\b", "AZURE_OPENAI_API_KEY: ${{ secrets.AZURE_OPENAI_API_KEY }}"),
    p(Anthropic, ApiKey, ANY, r"\bANTHROPIC_API_KEY\b", "process.env.ANTHROPIC_API_KEY"),
    p(Google, ApiKey, ANY, r"\bGEMINI_API_KEY\b", "GEMINI_API_KEY="),
    g(Google, ApiKey, ANY, r"\bGOOGLE_API_KEY\b", "os.getenv(\"GOOGLE_API_KEY\")"),
    p(AwsBedrock, ApiKey, ANY, r"\bAWS_BEARER_TOKEN_BEDROCK\b", "AWS_BEARER_TOKEN_BEDROCK=..."),
    p(Cohere, ApiKey, ANY, r"\b(?:CO|COHERE)_API_KEY\b", "os.environ[\"CO_API_KEY\"]"),
    p(Mistral, ApiKey, ANY, r"\bMISTRAL_API_KEY\b", "MISTRAL_API_KEY"),

    // Model ids, in strings, configuration and SDK constants.
    // Ends on a letter or digit: "gpt-4o-mini." at the end of a sentence names gpt-4o-mini.
    p(OpenAi, ModelId, ANY, r"\b(?:gpt-(?:3\.5|4|5)|chatgpt-4o)(?:[\w.-]*\w)?", "model=\"gpt-4o-mini-2024-07-18\""),
    p(OpenAi, ModelId, ANY, r#"["'](o[134](?:-mini|-pro|-preview)?(?:-\d{4}-\d{2}-\d{2})?)["']"#, r#"model: "o3-mini","#),
    p(OpenAi, ModelId, ANY, r"\b(?:text-embedding-(?:3-small|3-large|ada-002)|whisper-1|tts-1(?:-hd)?|dall-e-[23]|gpt-image-1)\b", "model=\"text-embedding-3-small\""),
    p(OpenAi, ModelId, GO, r"\b(?:ChatModel(?:GPT|O\d)\w*|openai\.GPT\w+)", "Model: openai.ChatModelGPT4oMini,"),
    p(OpenAi, ModelId, JVM, r"\bChatModel\.(?:GPT|O\d)\w*", ".model(ChatModel.GPT_4O_MINI)"),
    p(Anthropic, ModelId, ANY, r"\bclaude-(?:\d|instant|opus|sonnet|haiku)[\w.@-]*", "model=\"claude-3-5-sonnet-20241022\","),
    p(Anthropic, ModelId, GO, r"\bModelClaude\w+", "Model: anthropic.ModelClaude3_7SonnetLatest,"),
    p(Anthropic, ModelId, JVM, r"\bModel\.CLAUDE_\w+", ".model(Model.CLAUDE_3_5_HAIKU_LATEST)"),
    p(Google, ModelId, ANY, r"\b(?:gemini-(?:\d|pro|ultra|exp)[\w.-]*|text-embedding-00\d)", "model=\"gemini-2.0-flash\""),
    p(AwsBedrock, ModelId, ANY, r"\b(?:(?:us|eu|apac|global)\.)?(?:anthropic\.claude|amazon\.(?:titan|nova)|meta\.llama|cohere\.(?:command|embed)|mistral\.(?:mistral|mixtral|pixtral)|ai21\.jamba)[\w.:-]*", "modelId=\"anthropic.claude-3-5-sonnet-20240620-v1:0\""),
    p(Cohere, ModelId, ANY, r"\b(?:command-(?:r(?:-plus)?|a-[\w-]+|light|nightly)(?:-\d{2}-\d{4})?|embed-(?:english|multilingual)(?:-light)?-v3\.0)\b", "model=\"command-r-plus\""),
    p(Mistral, ModelId, ANY, r"\b(?:mistral-(?:large|medium|small|tiny|embed|saba)|codestral|pixtral|ministral|magistral|devstral)(?:-[\w.-]+)?\b", "model=\"mistral-large-latest\""),

    // Chat.
    p(OpenAi, Chat, PY_JS_RB, r"\.chat\.completions\.(?:create|stream)\b", "response = client.chat.completions.create("),
    p(OpenAi, Chat, PY, r"\.ChatCompletion\.a?create\(", "openai.ChatCompletion.create("),
    p(OpenAi, Chat, GO, r"\.(?:Chat\.Completions\.New(?:Streaming)?|CreateChatCompletion(?:Stream)?)\(", "completion, err := client.Chat.Completions.New(ctx, params)"),
    p(OpenAi, Chat, JVM, r"\.chat\(\)\.completions\(\)\.create\(", "client.chat().completions().create(params)"),
    p(OpenAi, Chat, CS, r"\bCompleteChat(?:Streaming)?(?:Async)?\(", "ChatCompletion completion = await chat.CompleteChatAsync(messages);"),
    p(OpenAi, Chat, RB, r"\.chat\(\s*parameters:", "response = client.chat(parameters: {"),
    p(OpenAi, Chat, RS, r"\.chat\(\)\.create\(|\bCreateChatCompletionRequestArgs\b", "let response = client.chat().create(request).await?;"),
    g(Anthropic, Chat, PY_JS_RB, r"\.messages\.(?:create|stream)\b", "message = client.messages.create("),
    p(Anthropic, Chat, GO, r"\.Messages\.New(?:Streaming)?\(", "message, err := client.Messages.New(ctx, anthropic.MessageNewParams{"),
    p(Anthropic, Chat, JVM, r"\.messages\(\)\.create\(", "Message message = client.messages().create(params);"),
    p(Google, Chat, PY, r"\.generate_content(?:_stream)?\(", "response = client.models.generate_content("),
    p(Google, Chat, JS_JVM, r"\.generateContent(?:Stream)?\(", "const response = await ai.models.generateContent({"),
    p(Google, Chat, GO, r"\.GenerateContent(?:Stream)?\(", "resp, err := client.Models.GenerateContent(ctx, model, contents, config)"),
    p(AwsBedrock, Chat, PY, r"\.invoke_model(?:_with_response_stream)?\(", "response = bedrock.invoke_model(modelId=MODEL, body=body)"),
    g(AwsBedrock, Chat, PY, r"\.converse(?:_stream)?\(", "response = bedrock.converse("),
    p(AwsBedrock, Chat, JS, r"\b(?:InvokeModel(?:WithResponseStream)?|Converse(?:Stream)?)Command\b", "new ConverseCommand({"),
    p(AwsBedrock, Chat, GO, r"\.InvokeModel(?:WithResponseStream)?\(", "out, err := client.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{"),
    g(AwsBedrock, Chat, GO, r"\.Converse(?:Stream)?\(", "out, err := client.Converse(ctx, &bedrockruntime.ConverseInput{"),
    p(AwsBedrock, Chat, JVM, r"\.invokeModel\(", "InvokeModelResponse response = client.invokeModel(request);"),
    g(AwsBedrock, Chat, JVM, r"\.converse\(", "ConverseResponse response = client.converse(request);"),
    p(Mistral, Chat, PY_JS, r"\.chat\.(?:complete(?:_async|Async)?|stream)\(", "res = client.chat.complete(model=\"mistral-large-latest\", messages=messages)"),

    // The Responses API and Assistants.
    p(OpenAi, ResponsesApi, PY_JS_RB, r"\.responses\.(?:create|parse|stream|retrieve)\b", "response = client.responses.create("),
    p(OpenAi, ResponsesApi, GO, r"\.Responses\.New(?:Streaming)?\(", "resp, err := client.Responses.New(ctx, params)"),
    p(OpenAi, ResponsesApi, JVM, r"\.responses\(\)\.create\(", "client.responses().create(params)"),
    p(OpenAi, ResponsesApi, CS, r"\bOpenAIResponseClient\b", "OpenAIResponseClient client = new(\"gpt-4o\", key);"),
    p(OpenAi, ResponsesApi, ANY, r"\b(?:previous_response_id|previousResponseId|PreviousResponseID)\b", "previous_response_id=last.id,"),
    p(OpenAi, Assistants, PY_JS_RB, r"\.beta\.(?:assistants|threads)\b", "thread = client.beta.threads.create()"),
    p(OpenAi, Assistants, GO, r"\.Beta\.(?:Assistants|Threads)\.|\.CreateAssistant\(", "run, err := client.Beta.Threads.Runs.New(ctx, threadID, params)"),
    g(OpenAi, Assistants, GO, r"\.Create(?:Thread|Run|ThreadAndRun)\(", "thread, err := client.CreateThread(ctx, openai.ThreadRequest{})"),
    p(OpenAi, Assistants, JVM, r"\.beta\(\)\.(?:assistants|threads)\(\)", "client.beta().threads().create(params)"),
    p(OpenAi, Assistants, CS, r"\bGetAssistantClient\(", "AssistantClient assistants = client.GetAssistantClient();"),
    g(OpenAi, Assistants, ANY, r"\bassistant_id\b", "assistant_id=ASSISTANT_ID,"),

    // Tools.
    p(OpenAi, ToolCalling, ANY, r"\b(?:tool_choice|toolChoice|ToolChoice|tool_calls|toolCalls|ToolCalls)\b", "tool_choice=\"auto\","),
    g(OpenAi, ToolCalling, ANY, r#"["']?\btype["']?\s*:\s*["']function["']"#, r#"{"type": "function", "function": {"#),
    p(OpenAi, ToolCalling, PY, r"\bpydantic_function_tool\(", "tools=[openai.pydantic_function_tool(Lookup)],"),
    p(OpenAi, ToolCalling, GO, r"\b(?:ChatCompletion(?:Function)?ToolParam|ChatCompletionFunctionTool|FunctionDefinitionParam|ToolTypeFunction)\b", "Tools: []openai.ChatCompletionToolParam{"),
    p(OpenAi, ToolCalling, JVM, r"\bChatCompletion(?:Function)?Tool\b", ".addTool(ChatCompletionFunctionTool.builder()"),
    p(OpenAi, ToolCalling, CS, r"\bChatTool\.CreateFunctionTool\(", "ChatTool tool = ChatTool.CreateFunctionTool("),
    p(OpenAi, ToolCalling, RS, r"\bChatCompletionTool(?:Args)?\b", "ChatCompletionToolArgs::default()"),
    p(Anthropic, ToolCalling, ANY, r"\binput_schema\b", "\"input_schema\": {\"type\": \"object\","),
    g(Anthropic, ToolCalling, ANY, r"\btool_use\b", "if block.type == \"tool_use\":"),
    g(Google, ToolCalling, ANY, r"\b(?:function_declarations|functionDeclarations|FunctionDeclarations?)\b", "tools=[types.Tool(function_declarations=[lookup])]"),
    g(AwsBedrock, ToolCalling, ANY, r"\b(?:toolConfig|ToolConfiguration|toolSpec|ToolSpecification)\b", "toolConfig={\"tools\": [{\"toolSpec\": {"),

    // Output formats.
    p(OpenAi, JsonMode, ANY, r#"["']json_object["']"#, r#"response_format={"type": "json_object"},"#),
    p(OpenAi, JsonMode, GO, r"\bResponseFormatJSONObject\w*", "openai.ResponseFormatJSONObjectParam{}"),
    p(OpenAi, JsonMode, JVM, r"\bResponseFormatJsonObject\b", ".responseFormat(ResponseFormatJsonObject.builder().build())"),
    p(OpenAi, JsonMode, CS, r"\bCreateJsonObjectFormat\(", "ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat(),"),
    p(OpenAi, JsonMode, RS, r"\bResponseFormat::JsonObject\b", "response_format(ResponseFormat::JsonObject)"),
    p(OpenAi, StructuredOutputs, ANY, r#"["']?\btype["']?\s*:\s*["']json_schema["']"#, r#""type": "json_schema","#),
    p(OpenAi, StructuredOutputs, PY_JS, r"\.chat\.completions\.parse\(|\b(?:zodResponseFormat|zodTextFormat)\(", "completion = client.beta.chat.completions.parse("),
    g(OpenAi, StructuredOutputs, ANY, r#"(?:["']strict["']|\bstrict)\s*:\s*[Tt]rue\b"#, r#""strict": True,"#),
    g(OpenAi, StructuredOutputs, PY, r"\btext_format\s*=", "text_format=Ticket,"),
    p(OpenAi, StructuredOutputs, GO, r"\bResponseFormatJSONSchema\w*|\bStrict:\s*openai\.Bool\(true\)", "openai.ResponseFormatJSONSchemaParam{"),
    p(OpenAi, StructuredOutputs, JVM, r"\bResponseFormatJsonSchema\b", ".responseFormat(ResponseFormatJsonSchema.builder()"),
    p(OpenAi, StructuredOutputs, CS, r"\bCreateJsonSchemaFormat\(", "ChatResponseFormat.CreateJsonSchemaFormat("),
    p(OpenAi, StructuredOutputs, RS, r"\bResponseFormat::JsonSchema\b", "response_format(ResponseFormat::JsonSchema {"),
    p(Google, JsonMode, ANY, r"\b(?:response_mime_type|responseMimeType|ResponseMIMEType)\b", "response_mime_type=\"application/json\","),
    g(Google, StructuredOutputs, ANY, r"\b(?:response_schema|responseSchema|ResponseSchema)\b", "responseSchema: summarySchema,"),

    // Inputs beyond text.
    g(OpenAi, Vision, ANY, r#"["'](?:image_url|input_image)["']"#, r#"{"type": "image_url", "image_url": {"url": data_url}},"#),
    p(OpenAi, Vision, GO, r"\b(?:ImageContentPart|ChatCompletionContentPartImageParam)\b", "openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{"),
    p(OpenAi, Vision, JVM, r"\bChatCompletionContentPartImage\b", "ChatCompletionContentPartImage.builder()"),
    p(OpenAi, Vision, CS, r"\bCreateImagePart\(", "ChatMessageContentPart.CreateImagePart(imageUri)"),
    g(Anthropic, Vision, ANY, r#"["']?media_type["']?\s*:\s*["']image/"#, r#""media_type": "image/png","#),
    p(Anthropic, Vision, GO, r"\bNewImageBlock(?:Base64)?\(", "anthropic.NewImageBlockBase64(\"image/png\", data)"),
    g(Google, Vision, ANY, r#"\bmime_?[tT]ype["']?\s*[:=]\s*["']image/"#, r#"types.Part.from_bytes(data=image, mime_type="image/jpeg")"#),
    p(OpenAi, Audio, ANY, r"\binput_audio\b", "{\"type\": \"input_audio\", \"input_audio\": {\"data\": b64}}"),
    p(OpenAi, Audio, PY_JS_RB, r"\.audio\.(?:transcriptions|translations|speech)\b", "transcript = client.audio.transcriptions.create("),
    p(OpenAi, Audio, GO, r"\.Audio\.(?:Transcriptions|Translations|Speech)\.New\(|\.CreateTranscription\(", "client.Audio.Transcriptions.New(ctx, params)"),
    g(Google, Audio, ANY, r#"\bmime_?[tT]ype["']?\s*[:=]\s*["']audio/"#, r#"mimeType: "audio/mp3","#),

    // Embeddings, logprobs, seed.
    p(OpenAi, Embeddings, PY_JS_RB, r"\.embeddings\.create\(|\bOpenAIEmbeddings\(", "result = client.embeddings.create(model=EMBED_MODEL, input=texts)"),
    p(OpenAi, Embeddings, GO, r"\.(?:Embeddings\.New|CreateEmbeddings)\(", "resp, err := client.Embeddings.New(ctx, params)"),
    p(OpenAi, Embeddings, JVM, r"\.embeddings\(\)\.create\(", "client.embeddings().create(params)"),
    p(OpenAi, Embeddings, CS, r"\bGetEmbeddingClient\(", "EmbeddingClient embeddings = client.GetEmbeddingClient(\"text-embedding-3-small\");"),
    p(OpenAi, Embeddings, RB, r"\.embeddings\(\s*parameters:", "client.embeddings(parameters: { model: model, input: text })"),
    p(OpenAi, Embeddings, RS, r"\bCreateEmbeddingRequestArgs\b", "CreateEmbeddingRequestArgs::default()"),
    p(Google, Embeddings, ANY, r"\.(?:embed_content|embedContent|EmbedContent)\(", "result = client.models.embed_content("),
    p(OpenAi, Logprobs, ANY, r"\b(?:top_logprobs|logprobs|topLogprobs|TopLogprobs|Logprobs)\b", "logprobs=True, top_logprobs=3,"),
    g(OpenAi, Seed, ANY, r#"\b[sS]eed["']?\s*[:=]\s*(?:\d|openai\.Int\()"#, "seed=7,"),

    // Caching, batches, hosted state.
    g(Anthropic, PromptCaching, ANY, r"\bcache_control\b", "\"cache_control\": {\"type\": \"ephemeral\"},"),
    p(Anthropic, PromptCaching, GO, r"\b(?:NewCacheControlEphemeralParam|CacheControlEphemeral)\b", "CacheControl: anthropic.NewCacheControlEphemeralParam(),"),
    p(Anthropic, PromptCaching, JVM, r"\bCacheControlEphemeral\b", ".cacheControl(CacheControlEphemeral.builder().build())"),
    p(OpenAi, PromptCaching, ANY, r"\b(?:prompt_cache_key|promptCacheKey|PromptCacheKey)\b", "prompt_cache_key=tenant_id,"),
    p(Google, PromptCaching, ANY, r"\.caches\.create\(|\b(?:cached_content|cachedContent|CachedContent)\b", "cache = client.caches.create("),
    p(OpenAi, Batch, PY_JS_RB, r"\.batches\.create\(", "batch = client.batches.create("),
    p(OpenAi, Batch, GO, r"\.Batches\.New\(", "batch, err := client.Batches.New(ctx, params)"),
    p(OpenAi, Batch, ANY, r"\b(?:completion_window|completionWindow|CompletionWindow)\b", "completion_window=\"24h\","),
    p(Anthropic, Batch, PY_JS_RB, r"\.messages\.batches\.\w+\(", "batch = client.messages.batches.create(requests=requests)"),
    p(OpenAi, FileSearch, CODE, r"\.(?:beta\.)?(?:vector_stores|vectorStores|VectorStores)\.(?:create|retrieve|list|update|delete|search|files|file_batches|fileBatches|New|Get|List|Search|Files|FileBatches)\b", "store = client.vector_stores.create(name=\"kb\")"),
    p(OpenAi, FileSearch, ANY, r#"["']file_search["']"#, r#"tools=[{"type": "file_search", "vector_store_ids": [store.id]}],"#),
    p(OpenAi, FileSearch, CS, r"\bGetVectorStoreClient\(", "VectorStoreClient stores = client.GetVectorStoreClient();"),
    p(OpenAi, FineTuning, ANY, r"\bft:(?:gpt-[\w.-]+|davinci-002|babbage-002)(?::[\w.-]*)*", "FINETUNED = \"ft:gpt-4o-mini-2024-07-18:acme::9xYz12Ab\""),
    p(OpenAi, FineTuning, PY_JS_RB, r"\.fine_tuning\.jobs\b|\.fineTuning\.jobs\b", "job = client.fine_tuning.jobs.create("),
    p(OpenAi, FineTuning, GO, r"\.FineTuning\.Jobs\.|\.CreateFineTuningJob\(", "job, err := client.FineTuning.Jobs.New(ctx, params)"),
    p(OpenAi, FineTuning, CS, r"\bGetFineTuningClient\(", "FineTuningClient tuning = client.GetFineTuningClient();"),
    p(OpenAi, Moderation, PY_JS_RB, r"\.moderations\.create\(", "result = client.moderations.create(model=\"omni-moderation-latest\", input=text)"),
    p(OpenAi, Moderation, GO, r"\.(?:Moderations\.New|Moderations)\(", "resp, err := client.Moderations.New(ctx, params)"),
    p(OpenAi, Moderation, ANY, r"\b(?:omni|text)-moderation-[\w.-]+", "model=\"omni-moderation-latest\""),
    p(OpenAi, Realtime, ANY, r"/v1/realtime\b|\bgpt-(?:4o(?:-mini)?-)?realtime[\w.-]*|\.beta\.realtime\b|\.realtime\.connect\(", "wss://api.openai.com/v1/realtime?model=gpt-4o-realtime-preview"),
    p(OpenAi, Realtime, CS, r"\bGetRealtime(?:Conversation)?Client\(", "RealtimeClient realtime = client.GetRealtimeClient();"),
    p(OpenAi, HostedTools, ANY, r#"["'](?:web_search_preview|code_interpreter|computer_use_preview|image_generation)["']"#, r#"tools=[{"type": "web_search_preview"}],"#),
    p(Anthropic, HostedTools, ANY, r#"["'](?:web_search|web_fetch|code_execution)_\d{8}["']"#, r#"{"type": "web_search_20250305", "name": "web_search"}"#),
    p(OpenAi, Tokenizer, PY, r#"^[ \t]*"?((?:from|import) tiktoken)\b"#, "import tiktoken"),
    p(OpenAi, Tokenizer, JS, r#"["'](?:js-)?tiktoken(?:/[\w/]*)?["']"#, r#"import { encoding_for_model } from "tiktoken";"#),
    p(OpenAi, Tokenizer, GO, r#""github\.com/pkoukk/tiktoken-go""#, r#"	"github.com/pkoukk/tiktoken-go""#),
    p(OpenAi, Tokenizer, RS, r"\btiktoken_rs::", "let bpe = tiktoken_rs::o200k_base()?;"),
];

/// Packages of the vendors' SDKs, their wrappers and tokenizers, by registry.
#[rustfmt::skip]
pub(crate) const PACKAGES: &[Package] = &[
    pkg(PyPi, "openai", OpenAi), pkg(PyPi, "langchain-openai", OpenAi),
    pkg(PyPi, "llama-index-llms-openai", OpenAi), pkg(PyPi, "llama-index-embeddings-openai", OpenAi),
    Package { feature: Tokenizer, ..pkg(PyPi, "tiktoken", OpenAi) },
    pkg(PyPi, "anthropic", Anthropic), pkg(PyPi, "langchain-anthropic", Anthropic),
    pkg(PyPi, "google-genai", Google), pkg(PyPi, "google-generativeai", Google),
    pkg(PyPi, "langchain-google-genai", Google),
    pkg(PyPi, "google-cloud-aiplatform", VertexAi), pkg(PyPi, "vertexai", VertexAi),
    pkg(PyPi, "langchain-google-vertexai", VertexAi),
    pkg(PyPi, "langchain-aws", AwsBedrock),
    pkg(PyPi, "cohere", Cohere), pkg(PyPi, "langchain-cohere", Cohere),
    pkg(PyPi, "mistralai", Mistral), pkg(PyPi, "langchain-mistralai", Mistral),

    pkg(Npm, "openai", OpenAi), pkg(Npm, "@langchain/openai", OpenAi), pkg(Npm, "@ai-sdk/openai", OpenAi),
    Package { feature: Tokenizer, ..pkg(Npm, "tiktoken", OpenAi) },
    Package { feature: Tokenizer, ..pkg(Npm, "js-tiktoken", OpenAi) },
    pkg(Npm, "@azure/openai", AzureOpenAi), pkg(Npm, "@ai-sdk/azure", AzureOpenAi),
    pkg(Npm, "@anthropic-ai/sdk", Anthropic), pkg(Npm, "@anthropic-ai/bedrock-sdk", Anthropic),
    pkg(Npm, "@anthropic-ai/vertex-sdk", Anthropic), pkg(Npm, "@langchain/anthropic", Anthropic),
    pkg(Npm, "@ai-sdk/anthropic", Anthropic),
    pkg(Npm, "@google/genai", Google), pkg(Npm, "@google/generative-ai", Google),
    pkg(Npm, "@langchain/google-genai", Google), pkg(Npm, "@ai-sdk/google", Google),
    pkg(Npm, "@google-cloud/vertexai", VertexAi), pkg(Npm, "@google-cloud/aiplatform", VertexAi),
    pkg(Npm, "@ai-sdk/google-vertex", VertexAi), pkg(Npm, "@langchain/google-vertexai", VertexAi),
    pkg(Npm, "@aws-sdk/client-bedrock-runtime", AwsBedrock), pkg(Npm, "@ai-sdk/amazon-bedrock", AwsBedrock),
    pkg(Npm, "@langchain/aws", AwsBedrock),
    pkg(Npm, "cohere-ai", Cohere), pkg(Npm, "@mistralai/mistralai", Mistral), pkg(Npm, "@ai-sdk/mistral", Mistral),

    pkg(Go, "github.com/openai/openai-go", OpenAi), pkg(Go, "github.com/sashabaranov/go-openai", OpenAi),
    Package { feature: Tokenizer, ..pkg(Go, "github.com/pkoukk/tiktoken-go", OpenAi) },
    pkg(Go, "github.com/azure/azure-sdk-for-go/sdk/ai/azopenai", AzureOpenAi),
    pkg(Go, "github.com/anthropics/anthropic-sdk-go", Anthropic),
    pkg(Go, "google.golang.org/genai", Google), pkg(Go, "github.com/google/generative-ai-go", Google),
    pkg(Go, "cloud.google.com/go/vertexai", VertexAi), pkg(Go, "cloud.google.com/go/aiplatform", VertexAi),
    pkg(Go, "github.com/aws/aws-sdk-go-v2/service/bedrockruntime", AwsBedrock),
    pkg(Go, "github.com/cohere-ai/cohere-go", Cohere),

    pkg(Cargo, "async-openai", OpenAi), pkg(Cargo, "openai-api-rs", OpenAi),
    Package { feature: Tokenizer, ..pkg(Cargo, "tiktoken-rs", OpenAi) },
    pkg(Cargo, "aws-sdk-bedrockruntime", AwsBedrock),

    pkg(Maven, "com.openai:openai-java", OpenAi), pkg(Maven, "com.theokanning.openai-gpt3-java:service", OpenAi),
    pkg(Maven, "dev.langchain4j:langchain4j-open-ai", OpenAi),
    pkg(Maven, "org.springframework.ai:spring-ai-openai", OpenAi),
    pkg(Maven, "org.springframework.ai:spring-ai-starter-model-openai", OpenAi),
    pkg(Maven, "com.azure:azure-ai-openai", AzureOpenAi),
    pkg(Maven, "com.anthropic:anthropic-java", Anthropic), pkg(Maven, "dev.langchain4j:langchain4j-anthropic", Anthropic),
    pkg(Maven, "com.google.genai:google-genai", Google),
    pkg(Maven, "com.google.cloud:google-cloud-vertexai", VertexAi),
    pkg(Maven, "com.google.cloud:google-cloud-aiplatform", VertexAi),
    pkg(Maven, "software.amazon.awssdk:bedrockruntime", AwsBedrock),

    pkg(NuGet, "openai", OpenAi), pkg(NuGet, "microsoft.semantickernel.connectors.openai", OpenAi),
    pkg(NuGet, "microsoft.extensions.ai.openai", OpenAi),
    pkg(NuGet, "azure.ai.openai", AzureOpenAi),
    pkg(NuGet, "anthropic", Anthropic), pkg(NuGet, "anthropic.sdk", Anthropic),
    pkg(NuGet, "google.cloud.aiplatform.v1", VertexAi),
    pkg(NuGet, "awssdk.bedrockruntime", AwsBedrock),

    pkg(RubyGems, "ruby-openai", OpenAi), pkg(RubyGems, "openai", OpenAi),
    pkg(RubyGems, "anthropic", Anthropic), pkg(RubyGems, "gemini-ai", Google),
    pkg(RubyGems, "aws-sdk-bedrockruntime", AwsBedrock), pkg(RubyGems, "cohere-ruby", Cohere),
];

/// What moving `vendor`'s `feature` takes; every pattern and package has a row (tests check).
pub(crate) fn portability(vendor: Vendor, feature: Feature) -> Option<&'static Portability> {
    PORTABILITY
        .iter()
        .find(|r| r.vendor == vendor && r.feature == feature)
}

#[cfg(test)]
mod tests;
