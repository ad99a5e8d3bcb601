//! The patterns that find each vendor feature in code and configuration, by language.

use super::*;

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
/// Rust writes a content part as a typed enum variant (`ContentPart::ImageUrl(…)`), whose
/// struct fields (`image_url:`) are the same part again: there only quoted JSON keys count.
const NOT_RS: &[Lang] = &[
    Lang::Python,
    Lang::JavaScript,
    Lang::Go,
    Lang::Jvm,
    Lang::CSharp,
    Lang::Ruby,
    Lang::Config,
];
const NOT_JS: &[Lang] = &[
    Lang::Python,
    Lang::Go,
    Lang::Jvm,
    Lang::CSharp,
    Lang::Ruby,
    Lang::Rust,
    Lang::Config,
];

/// The patterns. Where two matches on a line overlap, the longer one stands (an `ft:` id hides
/// the base model id inside it); on the same text the more severe rating stands.
#[rustfmt::skip]
pub(crate) const PATTERNS: &[Pattern] = &[
    // SDKs and their wrappers (LangChain, LlamaIndex, the Vercel AI SDK, Spring AI, LangChain4j).
    p(OpenAi, Sdk, PY, r#"^[ \t]*"?((?:from|import) (?:openai|langchain_openai|llama_index\.(?:llms|embeddings)\.openai|semantic_kernel\.connectors\.ai\.open_ai))\b"#, "from openai import OpenAI"),
    p(OpenAi, Sdk, JS, r#"(?:from |require\(|import\()(["'](?:openai|@langchain/openai|@ai-sdk/openai)(?:/[\w/.-]*)?["'])"#, r#"import OpenAI from "openai";"#),
    p(OpenAi, Sdk, GO, r#""github\.com/(?:openai/openai-go(?:/v\d+)?|sashabaranov/go-openai)(?:/[\w/.-]+)?""#, r#"	"github.com/openai/openai-go""#),
    p(OpenAi, Sdk, JVM, r"import (?:static )?(?:com\.openai|com\.theokanning\.openai|com\.aallam\.openai|dev\.langchain4j\.model\.openai(?:official)?|org\.springframework\.ai\.openai)\.", "import com.openai.client.OpenAIClient;"),
    p(OpenAi, Sdk, CS, r"using OpenAI(?:\.\w+)*;|\bAddOpenAIChatCompletion\(", "using OpenAI.Chat;"),
    p(OpenAi, Sdk, RB, r#"require ["']openai["']"#, r#"require "openai""#),
    p(OpenAi, Sdk, RS, r"\buse (?:async_openai|openai_api_rs)::", "use async_openai::{Client, config::OpenAIConfig};"),
    client_of(OpenAi, p(AzureOpenAi, Sdk, PY_JS, r"^[ \t]*(?:from\b|import\b).*?\b((?:Async)?Azure(?:Chat)?OpenAI(?:Embeddings|LLM)?)\b", "from openai import AzureOpenAI")),
    client_of(OpenAi, p(AzureOpenAi, Sdk, PY, r"\bAzure(?:Chat|Text)(?:Completion|Embedding)\b", "kernel.add_service(AzureChatCompletion(deployment_name=DEPLOYMENT))")),
    p(AzureOpenAi, Sdk, JS, r#"["']@(?:azure/openai|ai-sdk/azure)["']"#, r#"import { AzureOpenAI } from "@azure/openai";"#),
    p(AzureOpenAi, Sdk, GO, r#""github\.com/(?:openai/openai-go(?:/v\d+)?/azure|Azure/azure-sdk-for-go/sdk/ai/azopenai)""#, r#"	"github.com/openai/openai-go/azure""#),
    p(AzureOpenAi, Sdk, JVM, r"import (?:static )?(?:com\.azure\.ai\.openai|dev\.langchain4j\.model\.azure|org\.springframework\.ai\.azure\.openai)\.", "import com.azure.ai.openai.OpenAIClientBuilder;"),
    p(AzureOpenAi, Sdk, CS, r"using Azure\.AI\.OpenAI\b|\bAddAzureOpenAIChatCompletion\(", "using Azure.AI.OpenAI;"),
    p(Anthropic, Sdk, PY, r#"^[ \t]*"?((?:from|import) (?:anthropic|langchain_anthropic|llama_index\.llms\.anthropic|semantic_kernel\.connectors\.ai\.anthropic))\b"#, "from anthropic import Anthropic"),
    p(Anthropic, Sdk, JS, r#"["']@(?:anthropic-ai/[\w-]+(?:/[\w/.-]*)?|langchain/anthropic|ai-sdk/anthropic)["']"#, r#"import Anthropic from "@anthropic-ai/sdk";"#),
    p(Anthropic, Sdk, GO, r#""github\.com/anthropics/anthropic-sdk-go""#, r#"	"github.com/anthropics/anthropic-sdk-go""#),
    p(Anthropic, Sdk, JVM, r"import (?:static )?(?:com\.anthropic|dev\.langchain4j\.model\.anthropic|org\.springframework\.ai\.anthropic)\.", "import com.anthropic.client.AnthropicClient;"),
    p(Anthropic, Sdk, CS, r"using Anthropic\b", "using Anthropic.SDK;"),
    p(Anthropic, Sdk, RB, r#"require ["']anthropic["']"#, r#"require "anthropic""#),
    p(Google, Sdk, PY, r#"^[ \t]*"?((?:(?:from|import) (?:google\.generativeai|google\.genai|langchain_google_genai|llama_index\.(?:llms|embeddings)\.(?:gemini|google_genai)|semantic_kernel\.connectors\.ai\.google\.google_ai)|from google import genai))\b"#, "from google import genai"),
    p(Google, Sdk, JS, r#"["']@(?:google/genai|google/generative-ai|langchain/google-genai|ai-sdk/google)["']"#, r#"import { GoogleGenAI } from "@google/genai";"#),
    p(Google, Sdk, GO, r#""(?:google\.golang\.org/genai|github\.com/google/generative-ai-go/genai)""#, r#"	"google.golang.org/genai""#),
    p(Google, Sdk, JVM, r"import (?:static )?(?:com\.google\.genai|dev\.langchain4j\.model\.googleai|org\.springframework\.ai\.google\.genai)\.", "import com.google.genai.Client;"),
    p(Google, Sdk, RB, r#"require ["']gemini-ai["']"#, r#"require "gemini-ai""#),
    p(VertexAi, Sdk, PY, r#"^[ \t]*"?((?:(?:from|import) (?:vertexai|google\.cloud\.aiplatform|langchain_google_vertexai|llama_index\.(?:llms|embeddings)\.vertex|semantic_kernel\.connectors\.ai\.google\.vertex_ai)|from google\.cloud import aiplatform))\b"#, "from vertexai.generative_models import GenerativeModel"),
    p(VertexAi, Sdk, JS, r#"["']@(?:google-cloud/vertexai|google-cloud/aiplatform|ai-sdk/google-vertex|langchain/google-vertexai)["']"#, r#"import { VertexAI } from "@google-cloud/vertexai";"#),
    p(VertexAi, Sdk, GO, r#""cloud\.google\.com/go/(?:vertexai/genai|aiplatform/[\w/]+)""#, r#"	"cloud.google.com/go/vertexai/genai""#),
    p(VertexAi, Sdk, JVM, r"import (?:static )?(?:com\.google\.cloud\.vertexai|dev\.langchain4j\.model\.vertexai|org\.springframework\.ai\.vertexai)\.", "import com.google.cloud.vertexai.VertexAI;"),
    p(VertexAi, Sdk, CS, r"using Google\.Cloud\.AIPlatform\b", "using Google.Cloud.AIPlatform.V1;"),
    p(AwsBedrock, Sdk, CODE, r#"["']bedrock-runtime["']"#, r#"bedrock = boto3.client("bedrock-runtime", region_name="us-east-1")"#),
    p(AwsBedrock, Sdk, PY, r#"^[ \t]*"?((?:from|import) (?:langchain_aws|llama_index\.llms\.bedrock(?:_converse)?|semantic_kernel\.connectors\.ai\.bedrock))\b"#, "from langchain_aws import ChatBedrockConverse"),
    p(AwsBedrock, Sdk, JS, r#"["']@(?:aws-sdk/client-bedrock-runtime|ai-sdk/amazon-bedrock|langchain/aws)["']"#, r#"import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";"#),
    p(AwsBedrock, Sdk, GO, r#""github\.com/aws/aws-sdk-go-v2/service/bedrockruntime""#, r#"	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime""#),
    p(AwsBedrock, Sdk, JVM, r"import (?:static )?(?:software\.amazon\.awssdk\.services\.bedrockruntime|dev\.langchain4j\.model\.bedrock|org\.springframework\.ai\.bedrock)\.", "import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;"),
    p(AwsBedrock, Sdk, CS, r"using Amazon\.BedrockRuntime\b", "using Amazon.BedrockRuntime;"),
    p(AwsBedrock, Sdk, RB, r"Aws::BedrockRuntime::", "client = Aws::BedrockRuntime::Client.new(region: \"us-east-1\")"),
    p(AwsBedrock, Sdk, RS, r"\buse aws_sdk_bedrockruntime(?:::| as )", "use aws_sdk_bedrockruntime::Client;"),
    p(Cohere, Sdk, PY, r#"^[ \t]*"?((?:from|import) (?:cohere|langchain_cohere|llama_index\.(?:llms|embeddings)\.cohere))\b"#, "import cohere"),
    p(Cohere, Sdk, JS, r#"["']cohere-ai["']"#, r#"import { CohereClientV2 } from "cohere-ai";"#),
    p(Cohere, Sdk, GO, r#""github\.com/cohere-ai/cohere-go/v2(?:/client)?""#, r#"	cohereclient "github.com/cohere-ai/cohere-go/v2/client""#),
    // Anthropic's clients for Bedrock and Vertex (`attribute` makes the line's Anthropic hit theirs).
    client_of(Anthropic, p(AwsBedrock, Sdk, PY, r"^[ \t]*from anthropic import .*\b((?:Async)?AnthropicBedrock)\b", "from anthropic import AnthropicBedrock")),
    client_of(Anthropic, p(AwsBedrock, Sdk, JVM, r"import com\.anthropic\.(bedrock)\.", "import com.anthropic.bedrock.backends.BedrockBackend;")),
    client_of(Anthropic, p(VertexAi, Sdk, JVM, r"import com\.anthropic\.(vertex)\.", "import com.anthropic.vertex.backends.VertexBackend;")),
    // OpenAI's Node SDK on Bedrock's OpenAI-compatible endpoint.
    client_of(OpenAi, p(AwsBedrock, Sdk, JS, r#"["']openai/providers/bedrock(?:/[\w/.-]*)?["']"#, "import { bedrock } from 'openai/providers/bedrock/aws';")),
    // Ruby constructs them from the one `anthropic` gem: the construction names the service.
    client_of(Anthropic, p(AwsBedrock, Sdk, RB, r"\bAnthropic::BedrockClient\b", "anthropic = Anthropic::BedrockClient.new(aws_region: \"us-east-1\")")),
    client_of(Anthropic, p(VertexAi, Sdk, RB, r"\bAnthropic::VertexClient\b", "anthropic = Anthropic::VertexClient.new(region: \"us-east5\", project_id: id)")),
    client_of(Anthropic, p(AwsBedrock, Sdk, JS, r#"["']@anthropic-ai/bedrock-sdk(?:/[\w/.-]*)?["']"#, "import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';")),
    client_of(Anthropic, p(VertexAi, Sdk, PY, r"^[ \t]*from anthropic import .*\b((?:Async)?AnthropicVertex)\b", "from anthropic import AnthropicVertex")),
    // A platform client ending its line: one name of a parenthesised `from openai import (` or
    // `from anthropic import (` that spans lines (gated: only beside the SDK's import).
    client_of(OpenAi, g(AzureOpenAi, Sdk, PY, r"\b((?:Async)?AzureOpenAI)[ \t]*,?[ \t\r]*$", "    AzureOpenAI,")),
    client_of(Anthropic, g(AwsBedrock, Sdk, PY, r"\b((?:Async)?AnthropicBedrock)[ \t]*,?[ \t\r]*$", "    AnthropicBedrock,")),
    client_of(Anthropic, g(VertexAi, Sdk, PY, r"\b((?:Async)?AnthropicVertex)[ \t]*,?[ \t\r]*$", "    AnthropicVertex,")),
    client_of(Anthropic, p(VertexAi, Sdk, JS, r#"["']@anthropic-ai/vertex-sdk(?:/[\w/.-]*)?["']"#, "import { AnthropicVertex } from '@anthropic-ai/vertex-sdk';")),
    p(Mistral, Sdk, PY, r#"^[ \t]*"?((?:from|import) (?:mistralai|langchain_mistralai|llama_index\.(?:llms|embeddings)\.mistralai|semantic_kernel\.connectors\.ai\.mistral_ai))\b"#, "from mistralai import Mistral"),
    p(Mistral, Sdk, JS, r#"["']@(?:mistralai/mistralai|ai-sdk/mistral|langchain/mistralai)["']"#, r#"import { Mistral } from "@mistralai/mistralai";"#),
    p(Mistral, Sdk, JVM, r"import (?:static )?(?:dev\.langchain4j\.model\.mistralai|org\.springframework\.ai\.mistralai)\.", "import dev.langchain4j.model.mistralai.MistralAiChatModel;"),
    p(DeepSeek, Sdk, PY, r#"^[ \t]*"?((?:from|import) (?:langchain_deepseek|llama_index\.llms\.deepseek))\b"#, "from langchain_deepseek import ChatDeepSeek"),
    p(DeepSeek, Sdk, JS, r#"["']@(?:ai-sdk/deepseek|langchain/deepseek)["']"#, r#"import { deepseek } from "@ai-sdk/deepseek";"#),
    p(Groq, Sdk, PY, r#"^[ \t]*"?((?:from|import) (?:groq|langchain_groq|llama_index\.llms\.groq))\b"#, "from groq import Groq"),
    p(Groq, Sdk, JS, r#"["'](?:groq-sdk|@ai-sdk/groq|@langchain/groq)["']"#, r#"import Groq from "groq-sdk";"#),
    p(XAi, Sdk, PY, r#"^[ \t]*"?((?:from|import) (?:xai_sdk|langchain_xai))\b"#, "from xai_sdk import Client"),
    p(XAi, Sdk, JS, r#"["']@ai-sdk/xai["']"#, r#"import { xai } from "@ai-sdk/xai";"#),

    // Endpoints.
    p(OpenAi, Endpoint, ANY, r"api\.openai\.com", "OPENAI_URL = \"https://api.openai.com/v1/chat/completions\""),
    p(AzureOpenAi, Endpoint, ANY, r"[\w-]+\.openai\.azure\.com", "endpoint: https://acme-prod.openai.azure.com/"),
    p(Anthropic, Endpoint, ANY, r"api\.anthropic\.com", "curl https://api.anthropic.com/v1/messages"),
    p(Google, Endpoint, ANY, r"generativelanguage\.googleapis\.com", "https://generativelanguage.googleapis.com/v1beta/models"),
    p(VertexAi, Endpoint, ANY, r"[\w-]*aiplatform\.googleapis\.com", "https://us-central1-aiplatform.googleapis.com/v1/projects"),
    p(AwsBedrock, Endpoint, ANY, r"bedrock-runtime\.[\w-]+\.amazonaws\.com", "https://bedrock-runtime.us-east-1.amazonaws.com/model"),
    p(Cohere, Endpoint, ANY, r"api\.cohere\.(?:com|ai)", "https://api.cohere.com/v2/chat"),
    p(AzureOpenAi, Endpoint, ANY, r"\b(AZURE_OPENAI_ENDPOINT)(?:$|[^ \w]| [^a-z])", "const endpoint = requireEnv('AZURE_OPENAI_ENDPOINT');"),
    // The Gemini SDK switched to Vertex AI (`vertexai: true`).
    p(VertexAi, Endpoint, PY_JS, r"\bvertexai\s*[:=]\s*(?:true|True)\b", "client = genai.Client(vertexai=True, project=PROJECT, location=\"us-central1\")"),
    g(AzureOpenAi, ApiKey, PY_JS, r"\bgetBearerTokenProvider\(|\bget_bearer_token_provider\(", "const tokenProvider = getBearerTokenProvider(new DefaultAzureCredential(), scope);"),
    p(AzureOpenAi, RestProtocol, ANY, r"(?:openai\.azure\.com|\})/openai/v1/", "baseURL: `${endpoint}/openai/v1/`,"),
    p(AzureOpenAi, Endpoint, RS, r"\bAzureConfig::new\(", "let config = AzureConfig::new().with_api_base(base)"),
    p(Mistral, Endpoint, ANY, r"api\.mistral\.ai", "https://api.mistral.ai/v1/chat/completions"),
    p(DeepSeek, Endpoint, ANY, r"api\.deepseek\.com", "base_url=\"https://api.deepseek.com\""),
    p(Groq, Endpoint, ANY, r"api\.groq\.com", "baseURL: \"https://api.groq.com/openai/v1\","),
    // Groq's names for the open models it serves carry its context length or tier.
    p(Groq, ModelId, ANY, r"\b(?:mixtral-8x7b-32768|llama3-(?:8b|70b)-8192|llama-3\.\d+-\w+-(?:versatile|instant|specdec))\b", "model=\"llama-3.3-70b-versatile\","),
    p(XAi, Endpoint, ANY, r"api\.x\.ai\b", "base_url=\"https://api.x.ai/v1\""),
    // An OpenAI-compatible server on the team's own machine: Ollama's port, or a local /v1 URL.
    // Gated, in code: the URL matters only beside a vendor's SDK or words (a file that names a
    // server and no vendor has no finding either way), and ungated its literals cost every file
    // of the 1 GB benchmark tree a prefilter pass (9% of the scan's time).
    g(SelfHosted, Endpoint, CODE, r"\b(?:localhost|127\.0\.0\.1|host\.docker\.internal)(?::\d{2,5})?/v1\b|:11434\b", "client = OpenAI(base_url=\"http://localhost:11434/v1\", api_key=\"ollama\")"),
    // Ollama's own client libraries: the same, and gated for the same reason (a file that
    // imports one and uses `tool_calls` talks to no vendor).
    g(SelfHosted, Sdk, PY, r"\b(?:import|from) ollama\b", "from ollama import chat"),
    g(SelfHosted, Sdk, JS, r#"\bfrom ["']ollama(?:/browser)?["']|\brequire\(["']ollama["']\)"#, "import ollama from 'ollama'"),
    g(SelfHosted, Sdk, GO, r#""github\.com/ollama/ollama/api""#, "\t\"github.com/ollama/ollama/api\""),
    g(SelfHosted, Sdk, JVM, r"\bimport io\.github\.ollama4j\.", "import io.github.ollama4j.OllamaAPI;"),
    g(SelfHosted, Sdk, RB, r#"require ["']ollama-ai["']"#, "require \"ollama-ai\""),
    g(SelfHosted, Sdk, RS, r"\buse ollama_rs::", "use ollama_rs::Ollama;"),

    // Raw REST: a vendor's wire protocol written by hand (headers, paths, versions), in any language.
    p(Anthropic, RestProtocol, ANY, r"\banthropic-(?:version|beta)\b", r#"headers: { "anthropic-version": "2023-06-01" },"#),
    p(Anthropic, RestProtocol, ANY, r#"["'`}]/v1/messages\b"#, r#"fetch(base + "/v1/messages", {"#),
    p(Google, RestProtocol, ANY, r"\bx-goog-api-key\b", r#"headers={"x-goog-api-key": key}"#),
    p(Google, RestProtocol, ANY, r":(?:stream)?[gG]enerateContent\b", r#"url = f"{base}/models/{model}:streamGenerateContent?alt=sse""#),
    p(AwsBedrock, RestProtocol, ANY, r"\bbedrock-20\d{2}-\d{2}-\d{2}\b", r#""anthropic_version": "bedrock-2023-05-31","#),
    p(AzureOpenAi, RestProtocol, ANY, r"/openai/deployments/", "`${endpoint}/openai/deployments/${deployment}/chat/completions`"),
    p(AzureOpenAi, RestProtocol, ANY, r"\bapi-version=\d{4}-\d{2}-\d{2}", "?api-version=2024-10-21"),
    // Azure's key header; on its own too common a name to mean Azure.
    g(AzureOpenAi, RestProtocol, ANY, r#"["']api-key["']"#, r#"headers = {"api-key": key, "Content-Type": "application/json"}"#),

    // API key variables (only the name is reported, never a value).
    p(OpenAi, ApiKey, ANY, r"\b(OPENAI_API_KEY)(?:$|[^ \w]| [^a-z])", "api_key=os.environ[\"OPENAI_API_KEY\"]"),
    p(AzureOpenAi, ApiKey, ANY, r"\b(AZURE_OPENAI_(?:API_)?KEY)(?:$|[^ \w]| [^a-z])", "AZURE_OPENAI_API_KEY: ${{ secrets.AZURE_OPENAI_API_KEY }}"),
    p(Anthropic, ApiKey, ANY, r"\b(ANTHROPIC_API_KEY)(?:$|[^ \w]| [^a-z])", "process.env.ANTHROPIC_API_KEY"),
    p(Google, ApiKey, ANY, r"\b(GEMINI_API_KEY)(?:$|[^ \w]| [^a-z])", "GEMINI_API_KEY="),
    g(Google, ApiKey, ANY, r"\b(GOOGLE_API_KEY)(?:$|[^ \w]| [^a-z])", "os.getenv(\"GOOGLE_API_KEY\")"),
    p(AwsBedrock, ApiKey, ANY, r"\b(AWS_BEARER_TOKEN_BEDROCK)(?:$|[^ \w]| [^a-z])", "AWS_BEARER_TOKEN_BEDROCK=..."),
    p(Cohere, ApiKey, ANY, r"\b((?:CO|COHERE)_API_KEY)(?:$|[^ \w]| [^a-z])", "os.environ[\"CO_API_KEY\"]"),
    p(Mistral, ApiKey, ANY, r"\b(MISTRAL_API_KEY)(?:$|[^ \w]| [^a-z])", "MISTRAL_API_KEY"),
    p(DeepSeek, ApiKey, ANY, r"\b(DEEPSEEK_API_KEY)(?:$|[^ \w]| [^a-z])", "api_key=os.environ[\"DEEPSEEK_API_KEY\"]"),
    p(Groq, ApiKey, ANY, r"\b(GROQ_API_KEY)(?:$|[^ \w]| [^a-z])", "GROQ_API_KEY="),
    p(XAi, ApiKey, ANY, r"\b(XAI_API_KEY)(?:$|[^ \w]| [^a-z])", "process.env.XAI_API_KEY"),

    // Model ids, in strings, configuration and SDK constants.
    // Ends on a letter or digit: "gpt-4o-mini." at the end of a sentence names gpt-4o-mini.
    p(OpenAi, ModelId, ANY, r"\b(?:gpt-(?:3\.5|4|5)|chatgpt-4o)(?:[\w.-]*\w)?", "model=\"gpt-4o-mini-2024-07-18\""),
    p(OpenAi, ModelId, ANY, r#"["'](o[134](?:-mini|-pro|-preview)?(?:-\d{4}-\d{2}-\d{2})?)["']"#, r#"model: "o3-mini","#),
    p(OpenAi, ModelId, ANY, r"\b(?:text-embedding-(?:3-small|3-large|ada-002)|whisper-1|tts-1(?:-hd)?|dall-e-[23]|gpt-image-1)\b", "model=\"text-embedding-3-small\""),
    p(OpenAi, ModelId, GO, r"\b(?:ChatModel(?:GPT|O\d)\w*|openai\.(?:GPT|O\d|Whisper|DallE|TTS|(?:Chat|Audio|Image|Embedding)Model)\w+)", "Model: openai.ChatModelGPT4oMini,"),
    p(OpenAi, ModelId, JVM, r"\bChatModel\.(?:GPT|O\d)\w*", ".model(ChatModel.GPT_4O_MINI)"),
    p(Anthropic, ModelId, ANY, r"\bclaude-(?:\d|instant|opus|sonnet|haiku)[\w.@-]*", "model=\"claude-3-5-sonnet-20241022\","),
    p(Anthropic, ModelId, GO, r"\bModelClaude\w+", "Model: anthropic.ModelClaude3_7SonnetLatest,"),
    p(Anthropic, ModelId, JVM, r"\bModel\.CLAUDE_\w+", ".model(Model.CLAUDE_3_5_HAIKU_LATEST)"),
    // LangChain4j's model-name enums, and their constants imported statically.
    p(OpenAi, ModelId, JVM, r"\bOpenAi(?:Chat|Embedding|Image)ModelName\.\w+|\bGPT_(?:3_5|4|5)\w*", ".modelName(GPT_4_O_MINI)"),
    p(Anthropic, ModelId, JVM, r"\bAnthropicChatModelName\.\w+|\bCLAUDE_(?:\d|OPUS|SONNET|HAIKU|INSTANT)\w*", ".modelName(AnthropicChatModelName.CLAUDE_3_5_SONNET_20240620)"),
    p(Google, ModelId, ANY, r"\b(?:gemini-(?:\d|pro|ultra|exp)[\w.-]*|text-embedding-00\d|imagen-\d(?:[\w.-]*\w)?)", "model=\"gemini-2.0-flash\""),
    p(AwsBedrock, ModelId, ANY, r"\b(?:(?:us|eu|apac|global)\.)?(?:anthropic\.claude|amazon\.(?:titan|nova)|meta\.llama|cohere\.(?:command|embed)|mistral\.(?:mistral|mixtral|pixtral)|ai21\.jamba|openai\.gpt-)[\w.:-]*", "modelId=\"anthropic.claude-3-5-sonnet-20240620-v1:0\""),
    p(Cohere, ModelId, ANY, r"\b(?:command-(?:r(?:-plus)?|a-[\w-]+|light|nightly)(?:-\d{2}-\d{4})?|embed-(?:english|multilingual)(?:-light)?-v3\.0)\b", "model=\"command-r-plus\""),
    p(DeepSeek, ModelId, ANY, r"\bdeepseek-(?:chat|reasoner)\b", "model=\"deepseek-reasoner\""),
    p(XAi, ModelId, ANY, r"\bgrok-(?:\d|beta|vision)(?:[\w.-]*\w)?", "model: \"grok-4-fast\","),
    p(Mistral, ModelId, ANY, r"\b(?:mistral-(?:large|medium|small|tiny|embed|saba|ocr)|codestral|pixtral|ministral|magistral|devstral)(?:-[\w.-]+)?\b", "model=\"mistral-large-latest\""),

    // Chat.
    openai_shaped(p(OpenAi, Chat, PY_JS_RB, r"\.chat\.completions\.(?:with_raw_response\.|with_streaming_response\.)?(?:create|stream|parse)\b", "response = client.chat.completions.with_raw_response.create(")),
    // A call chained over lines: `openai.chat.completions` then `.stream({` on the next.
    openai_shaped(p(OpenAi, Chat, JS, r"\.chat\.completions[ \t\r]*$", "const stream = await openai.chat.completions")),
    p(OpenAi, Chat, PY, r"\.ChatCompletion\.a?create\(", "openai.ChatCompletion.create("),
    p(OpenAi, Chat, GO, r"\.(?:Chat\.Completions\.New(?:Streaming)?|CreateChatCompletion(?:Stream)?)\(", "completion, err := client.Chat.Completions.New(ctx, params)"),
    p(OpenAi, Chat, JVM, r"\.chat\(\)\.completions\(\)\.create\(", "client.chat().completions().create(params)"),
    p(OpenAi, Chat, CS, r"\bCompleteChat(?:Streaming)?(?:Async)?\(", "ChatCompletion completion = await chat.CompleteChatAsync(messages);"),
    p(OpenAi, Chat, RB, r"\.chat\(\s*parameters:", "response = client.chat(parameters: {"),
    openai_shaped(g(OpenAi, Chat, RS, r"\.chat\(\)", "let response = client.chat().create(request).await?;")),
    // Not `threads.messages.create`: OpenAI's Assistants.
    anthropic_shaped(g(Anthropic, Chat, PY_JS_RB, r"(?:^|[^s])(\.messages\.(?:create|stream|parse|toolRunner|tool_runner))\b", "message = client.messages.create(")),
    p(Anthropic, Chat, GO, r"\.Messages\.New(?:Streaming)?\(", "message, err := client.Messages.New(ctx, anthropic.MessageNewParams{"),
    p(Anthropic, Chat, JVM, r"\.messages\(\)\.create\(", "Message message = client.messages().create(params);"),
    p(Google, Chat, PY, r"\.generate_content(?:_stream)?\(", "response = client.models.generate_content("),
    // A Gemini chat session; `send_message` alone is too common a name.
    g(Google, Chat, PY_JS, r"\.chats\.create\(|\bchat\.send_message(?:_stream)?\(", "chat = client.chats.create(model=MODEL)"),
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
    p(OpenAi, ResponsesApi, PY_JS_RB, r"\.responses\.(?:create|parse|stream|retrieve|input_tokens)\b", "response = client.responses.create("),
    // The AI SDK's provider functions: `azure.responses('deployment')`.
    p(OpenAi, ResponsesApi, JS, r"\bopenai\.responses\(", "model: openai.responses('gpt-4.1'),"),
    p(AzureOpenAi, ResponsesApi, JS, r"\bazure\.responses\(", "model: azure.responses('gpt-4.1-mini'),"),
    p(XAi, ResponsesApi, JS, r"\bxai\.responses\(", "model: xai.responses('grok-4'),"),
    p(OpenAi, ResponsesApi, GO, r"\.Responses\.New(?:Streaming)?\(|\.CreateResponse\(", "resp, err := client.Responses.New(ctx, params)"),
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
    shared(p(OpenAi, ToolCalling, ANY, r"\b(?:tool_choice|ToolChoice|tool_calls|ToolCalls|tool_call_id)\b", "tool_choice=\"auto\",")),
    // camelCase is the Java SDKs' builders; in JavaScript the vendor SDKs keep the wire's
    // snake_case, and `toolCalls` / `toolChoice` are the AI SDK's and LangChain.js's own,
    // vendor-neutral API.
    shared(p(OpenAi, ToolCalling, NOT_JS, r"\b(?:toolChoice|toolCalls)\b", ".toolChoice(ChatCompletionToolChoiceOption.Auto.AUTO)")),
    shared(g(OpenAi, ToolCalling, ANY, r#"["']?\btype["']?\s*:\s*["']function["']"#, r#"{"type": "function", "function": {"#)),
    p(OpenAi, ToolCalling, PY, r"\bpydantic_function_tool\(", "tools=[openai.pydantic_function_tool(Lookup)],"),
    p(OpenAi, ToolCalling, GO, r"\bChatCompletion\w*Tool\w*Param\b|\b(?:ChatCompletionFunctionTool|FunctionDefinitionParam|ToolTypeFunction)\b|\bopenai\.(?:FunctionDefinition|Tool|ChatMessageRoleTool|ToolMessage)\b", "Tools: []openai.ChatCompletionToolParam{"),
    // A tools argument (no spaces around `=`: a keyword, not an assignment) or a JSON body's.
    shared(g(OpenAi, ToolCalling, ANY, r#"\btools=[\w\[]|["']tools["']\s*:\s*\["#, "tools=tools,")),
    // A builder's `.addTool(` (OpenAI's and Anthropic's Java SDKs).
    shared(g(OpenAi, ToolCalling, JVM, r"\.addTool\(\w+\.class\)", ".addTool(GetWeather.class)")),
    // A Ruby keyword argument (in JavaScript, `tools: [` is as often a framework's own, neutral).
    shared(g(OpenAi, ToolCalling, RB, r"\btools:\s*\[", "tools: [GetWeatherInput],")),
    p(OpenAi, ToolCalling, JVM, r"\bChatCompletion(?:Function)?Tool\b", ".addTool(ChatCompletionFunctionTool.builder()"),
    p(OpenAi, ToolCalling, CS, r"\bChatTool\.CreateFunctionTool\(", "ChatTool tool = ChatTool.CreateFunctionTool("),
    p(OpenAi, ToolCalling, RS, r"\bChatCompletionTool(?:Args)?\b", "ChatCompletionToolArgs::default()"),
    p(Anthropic, ToolCalling, ANY, r"\binput_schema\b", "\"input_schema\": {\"type\": \"object\","),
    // The content-block vocabulary as written on the wire (quoted, or an object key): a
    // `tool_result` variable is not it.
    g(Anthropic, ToolCalling, ANY, r#"(?:["']|\b)(tool_(?:use|result)(?:_id)?)(?:["']|\s*:)"#, "if block.type == \"tool_use\":"),
    // (Not `tool_config` in Rust: Bedrock's SDK method, below.)
    g(Google, ToolCalling, NOT_RS, r"\b(?:function_declarations|functionDeclarations|FunctionDeclarations?|function_calling_config|functionCallingConfig|allowed_function_names|allowedFunctionNames|tool_config)\b", "tools=[types.Tool(function_declarations=[lookup])]"),
    g(Google, ToolCalling, RS, r"\b(?:function_declarations|FunctionDeclarations?|function_calling_config|allowed_function_names)\b", "function_declarations: vec![lookup],"),
    g(AwsBedrock, ToolCalling, RS, r"\.tool_config\(", ".converse().model_id(MODEL).tool_config(config)"),
    // Bedrock Converse's words; Gemini's REST and JavaScript SDK say `toolConfig` too.
    shared(g(AwsBedrock, ToolCalling, ANY, r"\b(?:toolConfig|ToolConfiguration|toolSpec)\b", "toolConfig={\"tools\": [{\"toolSpec\": {")),
    // Bedrock's Go SDK (LangChain4j's Java class of that name is vendor-neutral).
    g(AwsBedrock, ToolCalling, GO, r"\bToolSpecification\b", "ToolConfig: &types.ToolConfiguration{Tools: []types.Tool{&types.ToolMemberToolSpec{Value: types.ToolSpecification{"),
    g(Anthropic, ToolCalling, RB, r"(?:^|[^:\w]):tool_use\b|\bToolUseBlock\b", "raise unless message.stop_reason == :tool_use"),
    p(Anthropic, ToolCalling, GO, r"\banthropic\.(?:ToolParam|ToolUnionParam|ToolInputSchemaParam|ToolUseBlock|NewToolResultBlock)\b", "Tools: []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{"),

    // Output formats.
    shared(p(OpenAi, JsonMode, ANY, r#"["']json_object["']"#, r#"response_format={"type": "json_object"},"#)),
    p(OpenAi, JsonMode, GO, r"\bResponseFormatJSONObject\w*", "openai.ResponseFormatJSONObjectParam{}"),
    p(OpenAi, JsonMode, JVM, r"\bResponseFormatJsonObject\b", ".responseFormat(ResponseFormatJsonObject.builder().build())"),
    p(OpenAi, JsonMode, CS, r"\bCreateJsonObjectFormat\(", "ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat(),"),
    p(OpenAi, JsonMode, RS, r"\bResponseFormat::JsonObject\b", "response_format(ResponseFormat::JsonObject)"),
    shared(p(OpenAi, StructuredOutputs, ANY, r#"["']?\btype["']?\s*:\s*["']json_schema["']"#, r#""type": "json_schema","#)),
    p(OpenAi, StructuredOutputs, PY_JS, r"\bcompletions\.parse\(|\b(?:zodResponseFormat|zodTextFormat)\(", "completion = client.beta.chat.completions.parse("),
    shared(g(OpenAi, StructuredOutputs, ANY, r#"(?:["']strict["']|\bstrict)\s*:\s*[Tt]rue\b"#, r#""strict": True,"#)),
    g(OpenAi, StructuredOutputs, PY, r"\btext_format\s*=", "text_format=Ticket,"),
    p(OpenAi, StructuredOutputs, GO, r"\bResponseFormat\w*JSONSchema\w*|\bStrict:\s*openai\.Bool\(true\)", "openai.ResponseFormatJSONSchemaParam{"),
    p(OpenAi, StructuredOutputs, JVM, r"\bResponseFormatJsonSchema\b", ".responseFormat(ResponseFormatJsonSchema.builder()"),
    g(OpenAi, StructuredOutputs, JVM, r"\.strict(?:Tools|JsonSchema)\(true\)", ".strictTools(true)"),
    p(OpenAi, StructuredOutputs, CS, r"\bCreateJsonSchemaFormat\(", "ChatResponseFormat.CreateJsonSchemaFormat("),
    openai_shaped(p(OpenAi, Vision, RS, r"ContentPart::ImageUrl\b", "ChatCompletionRequestUserMessageContentPart::ImageUrl(")),
    openai_shaped(p(OpenAi, StructuredOutputs, RS, r"\bResponseFormat::JsonSchema\b", "response_format(ResponseFormat::JsonSchema {")),
    p(Google, JsonMode, ANY, r"\b(?:response_mime_type|responseMimeType|ResponseMIMEType)\b", "response_mime_type=\"application/json\","),
    g(Google, StructuredOutputs, ANY, r"\b(?:response_schema|responseSchema|ResponseSchema)\b", "responseSchema: summarySchema,"),

    // Inputs beyond text.
    // Quoted, or an object key unquoted (TypeScript): `image_url: { url }`.
    shared(g(OpenAi, Vision, NOT_RS, r#"(?:["']|\b)(image_url|input_image)(?:["']|\s*:)"#, r#"{ type: "image_url", image_url: { url: dataUrl } },"#)),
    shared(g(OpenAi, Vision, RS, r#"["'](image_url|input_image)["']"#, r#"json!({"type": "image_url", "image_url": {"url": url}})"#)),
    p(OpenAi, Vision, GO, r"\b(?:ImageContentPart|ChatCompletionContentPartImageParam)\b", "openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{"),
    p(OpenAi, Vision, JVM, r"\bChatCompletionContentPartImage\b", "ChatCompletionContentPartImage.builder()"),
    p(OpenAi, Vision, CS, r"\bCreateImagePart\(", "ChatMessageContentPart.CreateImagePart(imageUri)"),
    g(Anthropic, Vision, ANY, r#"["']?media_type["']?\s*:\s*["']image/"#, r#""media_type": "image/png","#),
    p(Anthropic, Vision, GO, r"\bNewImageBlock(?:Base64)?\(", "anthropic.NewImageBlockBase64(\"image/png\", data)"),
    g(Google, Vision, ANY, r#"\bmime_?[tT]ype["']?\s*[:=]\s*["']image/"#, r#"types.Part.from_bytes(data=image, mime_type="image/jpeg")"#),
    openai_shaped(p(OpenAi, Audio, NOT_RS, r"\binput_audio\b", "{\"type\": \"input_audio\", \"input_audio\": {\"data\": b64}}")),
    openai_shaped(p(OpenAi, Audio, RS, r#""input_audio"|ContentPart::InputAudio\b"#, "ChatCompletionRequestUserMessageContentPart::InputAudio(")),
    p(OpenAi, Audio, PY_JS_RB, r"\.audio\.(?:transcriptions|translations|speech)\b", "transcript = client.audio.transcriptions.create("),
    p(OpenAi, Audio, GO, r"\.Audio\.(?:Transcriptions|Translations|Speech)\.New\(|\.CreateTranscription\(", "client.Audio.Transcriptions.New(ctx, params)"),
    g(Google, Audio, ANY, r#"\bmime_?[tT]ype["']?\s*[:=]\s*["']audio/"#, r#"mimeType: "audio/mp3","#),

    // Embeddings, logprobs, seed.
    p(OpenAi, Embeddings, PY_JS_RB, r"\.embeddings\.create\(|\bOpenAIEmbeddings\(", "result = client.embeddings.create(model=EMBED_MODEL, input=texts)"),
    p(OpenAi, Embeddings, GO, r"\.(?:Embeddings\.New|CreateEmbeddings)\(", "resp, err := client.Embeddings.New(ctx, params)"),
    p(OpenAi, Embeddings, JVM, r"\.embeddings\(\)\.create\(", "client.embeddings().create(params)"),
    p(OpenAi, Embeddings, CS, r"\bGetEmbeddingClient\(", "EmbeddingClient embeddings = client.GetEmbeddingClient(\"text-embedding-3-small\");"),
    p(OpenAi, Embeddings, RB, r"\.embeddings\(\s*parameters:", "client.embeddings(parameters: { model: model, input: text })"),
    openai_shaped(g(OpenAi, Embeddings, RS, r"\.embeddings\(\)", "let response = client.embeddings().create(request).await?;")),
    p(Google, Embeddings, ANY, r"\.(?:embed_content|embedContent|EmbedContent)\(", "result = client.models.embed_content("),
    shared(p(OpenAi, Logprobs, ANY, r"\b(?:top_logprobs|logprobs|topLogprobs|TopLogprobs|Logprobs)\b", "logprobs=True, top_logprobs=3,")),
    shared(g(OpenAi, Seed, ANY, r#"\b[sS]eed["']?\s*[:=]\s*(?:\d|openai\.Int\()|\.seed\(\d"#, "seed=7,")),

    // Reasoning, citations, documents.
    p(OpenAi, Thinking, ANY, r"\b(?:reasoning_effort|reasoningEffort|ReasoningEffort)\b", "reasoning_effort=\"high\","),
    p(Anthropic, Thinking, ANY, r"\b(?:budget_tokens|budgetTokens|BudgetTokens)\b", r#"thinking={"type": "enabled", "budget_tokens": 2048},"#),
    g(Anthropic, Thinking, ANY, r#"["']redacted_thinking["']|\btype\s*==+\s*["']thinking["']"#, r#"if block.type == "thinking":"#),
    shared(g(AwsBedrock, Thinking, JVM, r"\.enableReasoning\(", ".enableReasoning(1024)")),
    p(Google, Thinking, ANY, r"\b(?:thinking_config|thinkingConfig|ThinkingConfig|thinking_budget|thinkingBudget|ThinkingBudget|include_thoughts|includeThoughts)\b", "config=types.GenerateContentConfig(thinking_config=types.ThinkingConfig(thinking_budget=1024))"),
    p(Anthropic, Citations, ANY, r#"["']?\bcitations["']?\s*[:=]\s*\{"#, r#""citations": {"enabled": True},"#),
    g(Anthropic, Documents, ANY, r#"["']?\btype["']?\s*:\s*["']document["']"#, r#"{"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": pdf}},"#),
    p(Anthropic, Documents, ANY, r"\bpdfs-20\d{2}-\d{2}-\d{2}\b", r#""anthropic-beta": "pdfs-2024-09-25""#),
    g(Google, Documents, ANY, r#"\bmime_?[tT]ype["']?\s*[:=]\s*["']application/pdf"#, r#"types.Part.from_bytes(data=pdf, mime_type="application/pdf")"#),
    g(OpenAi, Documents, ANY, r#"["']input_file["']|\bfile_data["']?\s*:"#, r#"{"type": "input_file", "file_id": uploaded.id}"#),

    // Files, token counting, agents, images.
    p(OpenAi, FilesApi, PY_JS_RB, r"\.files\.create\(", "f = client.files.create(file=open(\"train.jsonl\", \"rb\"), purpose=\"batch\")"),
    p(OpenAi, FilesApi, GO, r"\.Files\.New\(", "file, err := client.Files.New(ctx, params)"),
    p(Anthropic, FilesApi, PY_JS_RB, r"\.beta\.files\.\w+\(", "uploaded = client.beta.files.upload(file=path)"),
    shared(p(Google, FilesApi, PY_JS, r"\.files\.upload\(", "audio = client.files.upload(file=\"sample.mp3\")")),
    p(Google, FilesApi, PY, r"\bgenai\.upload_file\(", "f = genai.upload_file(path)"),
    shared(g(Google, FilesApi, PY_JS, r"\.files\.(?:get|delete|list|download)\(", "f = client.files.get(name=uploaded.name)")),
    p(Anthropic, TokenCounting, PY_JS_RB, r"\.messages\.(?:count_tokens|countTokens)\(", "count = client.messages.count_tokens(model=MODEL, messages=messages)"),
    p(OpenAi, TokenCounting, PY_JS_RB, r"\.input_tokens\.count\(", "n = client.responses.input_tokens.count(model=MODEL, input=prompt)"),
    p(Google, TokenCounting, CODE, r"\.[mM]odels\.(?:count_tokens|countTokens|CountTokens)\(", "total = client.models.count_tokens(model=MODEL, contents=prompt)"),
    p(Anthropic, AgentSdk, PY, r#"^[ \t]*"?((?:from|import) (?:claude_agent_sdk|claude_code_sdk))\b"#, "from claude_agent_sdk import query, ClaudeAgentOptions"),
    p(Anthropic, AgentSdk, JS, r#"["']@anthropic-ai/claude-(?:agent-sdk|code)["']"#, r#"import { query } from "@anthropic-ai/claude-agent-sdk";"#),
    p(OpenAi, AgentSdk, JS, r#"["']@openai/agents(?:-[\w-]+)?["']"#, r#"import { Agent, run } from "@openai/agents";"#),
    // `agents` is the Agents SDK's module name, and a common one: only beside a vendor call.
    g(OpenAi, AgentSdk, PY, r#"^[ \t]*(from agents(?:\.\w+)* import)\b"#, "from agents import Agent, Runner"),
    // Names only the OpenAI Agents SDK exports: enough on their own (an `agents` package of one's own is common).
    p(OpenAi, AgentSdk, PY, r#"^[ \t]*(from agents(?:\.\w+)* import) .*\b(?:Runner|function_tool|WebSearchTool|FileSearchTool|CodeInterpreterTool|ModelSettings)\b"#, "from agents import Agent, Runner, WebSearchTool"),
    g(OpenAi, AgentSdk, PY, r"\bRunner\.run(?:_sync|_streamed)?\(", "result = await Runner.run(agent, \"Hello\")"),
    g(OpenAi, HostedTools, PY, r"\b(?:WebSearchTool|CodeInterpreterTool|ImageGenerationTool|ComputerTool)\(", "tools=[WebSearchTool()],"),
    g(OpenAi, FileSearch, PY, r"\bFileSearchTool\(|\bvector_store_ids=", "FileSearchTool(vector_store_ids=[store_id]),"),
    g(OpenAi, Thinking, PY, r"\bReasoning\(effort=", "model_settings=ModelSettings(reasoning=Reasoning(effort=\"low\")),"),
    p(OpenAi, ImageGeneration, PY_JS_RB, r"\.images\.(?:generate|edit|create_variation)\(", "img = client.images.generate(model=\"gpt-image-1\", prompt=prompt)"),
    p(OpenAi, ImageGeneration, GO, r"\.Images\.(?:Generate|Edit)\(|\.CreateImage\(", "img, err := client.Images.Generate(ctx, params)"),
    p(Google, ImageGeneration, ANY, r"\.(?:generate_images|generateImages|GenerateImages)\(", "result = client.models.generate_images(model=\"imagen-4.0-generate-001\", prompt=prompt)"),
    g(Google, Audio, ANY, r"\b(?:speech_config|speechConfig)\s*[=:]", "speech_config=types.SpeechConfig(voice_config=voice),"),

    // Caching, batches, hosted state.
    g(Anthropic, PromptCaching, ANY, r"\bcache_control\b", "\"cache_control\": {\"type\": \"ephemeral\"},"),
    p(Anthropic, PromptCaching, GO, r"\b(?:NewCacheControlEphemeralParam|CacheControlEphemeral)\b", "CacheControl: anthropic.NewCacheControlEphemeralParam(),"),
    p(Anthropic, PromptCaching, JVM, r"\bCacheControlEphemeral\b", ".cacheControl(CacheControlEphemeral.builder().build())"),
    p(OpenAi, PromptCaching, ANY, r"\b(?:prompt_cache_key|promptCacheKey|PromptCacheKey)\b", "prompt_cache_key=tenant_id,"),
    p(Google, PromptCaching, ANY, r"\.caches\.(?:create|update|get|delete|list)\(|\b(?:cached_content|cachedContent)\b|CachedContent", "config=types.UpdateCachedContentConfig(ttl=\"7200s\")"),
    p(Anthropic, PromptCaching, ANY, r"\bprompt-caching-20\d{2}-\d{2}-\d{2}\b", r#"extra_headers={"anthropic-beta": "prompt-caching-2024-07-31"}"#),
    g(Anthropic, PromptCaching, JVM, r"\.cache(?:SystemMessages|Tools)\(", ".cacheSystemMessages(true)"),
    p(OpenAi, Batch, PY_JS_RB, r"\.batches\.create\(", "batch = client.batches.create("),
    p(OpenAi, Batch, GO, r"\.Batches\.New\(", "batch, err := client.Batches.New(ctx, params)"),
    p(OpenAi, Batch, ANY, r"\b(?:completion_window|completionWindow|CompletionWindow)\b", "completion_window=\"24h\","),
    p(Anthropic, Batch, PY_JS_RB, r"\.messages\.batches\.\w+\(", "batch = client.messages.batches.create(requests=requests)"),
    p(OpenAi, FileSearch, CODE, r"\.(?:beta\.)?(?:vector_stores|vectorStores|VectorStores)\.(?:create|retrieve|list|update|delete|search|files|file_batches|fileBatches|New|Get|List|Search|Files|FileBatches)\b", "store = client.vector_stores.create(name=\"kb\")"),
    // `toolName: 'file_search'` names a tool the code registered under that key (the Vercel AI
    // SDK's tool choice); the use is where the tool is defined, so the first branch eats it.
    shared(p(OpenAi, FileSearch, ANY, r#"\btoolName\s*:\s*["']file_search["']|(["']file_search["'])"#, r#"tools=[{"type": "file_search", "vector_store_ids": [store.id]}],"#)),
    openai_shaped(p(OpenAi, FileSearch, JS, r"\.tools\.fileSearch\(|\bvectorStoreIds\b", "file_search: openai.tools.fileSearch({")),
    p(OpenAi, FileSearch, CS, r"\bGetVectorStoreClient\(", "VectorStoreClient stores = client.GetVectorStoreClient();"),
    p(OpenAi, FineTuning, ANY, r"\bft:(?:gpt-[\w.-]+|davinci-002|babbage-002)(?::[\w.-]*)*", "FINETUNED = \"ft:gpt-4o-mini-2024-07-18:acme::9xYz12Ab\""),
    // Mistral's SDK has the same fine-tuning jobs.
    shared(p(OpenAi, FineTuning, PY_JS_RB, r"\.fine_tuning\.jobs\b|\.fineTuning\.jobs\b", "job = client.fine_tuning.jobs.create(")),
    p(OpenAi, FineTuning, GO, r"\.FineTuning\.Jobs\.|\.CreateFineTuningJob\(", "job, err := client.FineTuning.Jobs.New(ctx, params)"),
    p(AwsBedrock, FineTuning, PY, r"\.(?:create|get|list|stop)_model_customization_jobs?\(", "bedrock.create_model_customization_job("),
    // Mistral OCR reads documents (PDFs, images) into text.
    g(Mistral, Documents, PY_JS, r"\.ocr\.process(?:_async|Async)?\(", "ocr = client.ocr.process(model=\"mistral-ocr-latest\", document=doc)"),
    g(Mistral, Documents, ANY, r#"["']type["']\s*:\s*["']document_url["']"#, r#"document={"type": "document_url", "document_url": url},"#),
    // The .NET SDK's calls, the Kotlin client's and async-openai's that name no client type.
    g(OpenAi, Embeddings, CS, r"\bGenerateEmbeddings?(?:Async)?\(", "OpenAIEmbedding embedding = client.GenerateEmbedding(text);"),
    g(OpenAi, ImageGeneration, CS, r"\bGenerateImages?(?:Async)?\(", "GeneratedImage image = client.GenerateImage(prompt, options);"),
    openai_shaped(g(OpenAi, ImageGeneration, RS, r"\.images\(\)", "let response = client.images().generate(request).await?;")),
    g(OpenAi, ResponsesApi, CS, r"\bCreateResponse(?:Streaming)?(?:Async)?\([a-z\[]", "ResponseResult response = client.CreateResponse(options);"),
    g(OpenAi, ResponsesApi, RS, r"\.responses\(\)", "let response = client.responses().create(request).await?;"),
    g(OpenAi, ToolCalling, CS, r"\bnew ToolChatMessage\(|\bChatFinishReason\.(?:ToolCalls|FunctionCall)\b", "messages.Add(new ToolChatMessage(toolCall.Id, result));"),
    g(OpenAi, StructuredOutputs, CS, r"\bjsonSchemaIsStrict:", "jsonSchemaIsStrict: true)"),
    g(OpenAi, HostedTools, CS, r"\bCodeInterpreterTool\w*|\bDownloadContainerFile(?:Async)?\(", "CodeInterpreterTool tool = new(container);"),
    g(OpenAi, HostedTools, RS, r"\bWebSearch\w*Args::default\(|\bTool::WebSearch\b", "let web_search = WebSearchToolArgs::default()"),
    g(OpenAi, Chat, JVM, r"\.chatCompletions?\(", "val completion = openAI.chatCompletion(request)"),
    g(OpenAi, Assistants, JVM, r"\bopenAI\.(?:assistants?|thread|createRun|getRun|runSteps|messages?)\(", "val run = openAI.createRun(threadId = thread.id, request = runRequest)"),
    g(OpenAi, FileSearch, JVM, r"\bAssistantTool\.FileSearch\b", "tools = listOf(AssistantTool.FileSearch),"),
    g(OpenAi, FilesApi, JVM, r"\bopenAI\.(?:file|files)\(|\bopenAI\.delete\(fileId\b", "val file = openAI.file(request = fileUpload)"),
    shared(g(OpenAi, ToolCalling, JVM, r"\bToolCall\.Function\b|\bChatRole\.Tool\b|\btoolCallId\b", "toolCallId = toolCall.id,")),
    p(OpenAi, Tokenizer, JVM, r"import com\.aallam\.ktoken\.", "import com.aallam.ktoken.Tokenizer"),
    // Anthropic's structured outputs and its beta tool helpers.
    g(Anthropic, StructuredOutputs, PY_JS_RB, r#"\bmessages\.parse\(|\boutput_config(?:\s*=|: |["']\s*:)|\b(?:zod|beta)OutputFormat\("#, "output_config: { format: zodOutputFormat(Schema) },"),
    // Anthropic's Java SDK: tool blocks, batches, token counting, a beta header's feature.
    g(Anthropic, ToolCalling, JVM, r"\b(?:Beta)?Tool(?:Use|Result)Block(?:Param)?\b|\.toolUseId\(|\.toolUse\(\)", "BetaToolUseBlock toolUse = block.toolUse().get();"),
    shared(g(Anthropic, Batch, JVM, r"\.batches\(\)", "client.messages().batches().create(params)")),
    g(Anthropic, TokenCounting, JVM, r"\.messages\(\)\.countTokens\(", "client.messages().countTokens(params).inputTokens()"),
    p(Anthropic, StructuredOutputs, ANY, r"\bstructured-outputs-20\d\d-\d\d-\d\d\b", ".putAdditionalHeader(\"anthropic-beta\", \"structured-outputs-2025-11-13\")"),
    g(Anthropic, ToolCalling, JS, r"\.toolRunner\(|\bbeta(?:Zod)?Tool\(", "betaZodTool({ name: 'getWeather', inputSchema: z.object({}) }),"),
    p(OpenAi, FineTuning, CS, r"\bGetFineTuningClient\(", "FineTuningClient tuning = client.GetFineTuningClient();"),
    p(OpenAi, Moderation, PY_JS_RB, r"\.moderations\.create\(", "result = client.moderations.create(model=\"omni-moderation-latest\", input=text)"),
    p(OpenAi, Moderation, GO, r"\.(?:Moderations\.New|Moderations)\(", "resp, err := client.Moderations.New(ctx, params)"),
    p(OpenAi, Moderation, ANY, r"\b(?:omni|text)-moderation-[\w.-]+", "model=\"omni-moderation-latest\""),
    p(OpenAi, Realtime, ANY, r"/v1/realtime\b|\.beta\.realtime\b|\.realtime\.connect\(", "wss://api.openai.com/v1/realtime?model=gpt-4o-realtime-preview"),
    p(OpenAi, ModelId, ANY, r"\bgpt-(?:4o(?:-mini)?-)?realtime[\w.-]*", "model=\"gpt-realtime\","),
    g(OpenAi, Realtime, ANY, r#"\.conversation\.item\.create\(|\.input_audio_buffer\.\w+\(|["']type["']\s*:\s*["']realtime["']"#, "await connection.conversation.item.create("),
    p(OpenAi, Realtime, CS, r"\bGetRealtime(?:Conversation)?Client\(", "RealtimeClient realtime = client.GetRealtimeClient();"),
    p(OpenAi, HostedTools, ANY, r#"["'](?:web_search_preview|code_interpreter|computer_use_preview|image_generation)["']"#, r#"tools=[{"type": "web_search_preview"}],"#),
    g(Google, HostedTools, ANY, r"\b(?:google_search|google_search_retrieval|code_execution|url_context)\s*=|\b(?:GoogleSearch|GoogleSearchRetrieval|ToolCodeExecution|UrlContext)\(|\b(?:googleSearch|googleSearchRetrieval|codeExecution|urlContext):\s*\{|\.tools\.googleSearch\(", "tools: [{googleSearch: {}}],"),
    p(Anthropic, HostedTools, ANY, r#"["'](?:web_search|web_fetch|code_execution)_\d{8}["']"#, r#"{"type": "web_search_20250305", "name": "web_search"}"#),
    p(OpenAi, Tokenizer, PY, r#"^[ \t]*"?((?:from|import) tiktoken)\b"#, "import tiktoken"),
    p(OpenAi, Tokenizer, JS, r#"["'](?:js-)?tiktoken(?:/[\w/]*)?["']"#, r#"import { encoding_for_model } from "tiktoken";"#),
    p(OpenAi, Tokenizer, GO, r#""github\.com/pkoukk/tiktoken-go""#, r#"	"github.com/pkoukk/tiktoken-go""#),
    p(OpenAi, Tokenizer, JVM, r"\bOpenAiToken(?:CountEstimator|izer)\b", "return new OpenAiTokenCountEstimator(GPT_4_O_MINI);"),
    p(OpenAi, Tokenizer, RS, r"\btiktoken_rs::", "let bpe = tiktoken_rs::o200k_base()?;"),
];
