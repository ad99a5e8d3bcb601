//! What moving each vendor's feature to an open model takes: one row per (vendor, feature), with
//! the reason and, where there is something to do, how.

use super::*;

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

const THINKING_HINT: Option<&str> = Some(
    "serve an open reasoning model (DeepSeek-R1, Qwen3) with the engine's reasoning parser (vLLM \
     --reasoning-parser); bound the thinking with max_tokens and keep its text out of the history",
);
const DOCUMENT_HINT: Option<&str> = Some(
    "extract the PDF's text (and page images for a vision model) yourself and send them as \
     ordinary content",
);
const FILES_HINT: Option<&str> =
    Some("keep the files in your own storage and send their content with each request");
const COUNT_HINT: Option<&str> =
    Some("count with the open model's tokenizer (Hugging Face tokenizers; vLLM's /tokenize)");
const IMAGE_GEN_HINT: Option<&str> = Some(
    "serve an open image model (FLUX.1, Stable Diffusion) behind its own API; the LLM engines \
     do not generate images",
);
const SAME_SHAPE: &str =
    "asked in OpenAI's request shape, which the OpenAI-compatible engines take \
     too (how well depends on the model)";
const COMPATIBLE_HINT: Option<&str> = Some(
    "point the OpenAI client's base_url at the engine instead; nothing else in the calls changes",
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
    // Reasoning, documents, files, counting, agents, images: newer vendor features.
    f(OpenAi, Thinking, PortableWithWork,
      "reasoning_effort tunes OpenAI's reasoning models; open reasoning models take it only on some engines and models",
      THINKING_HINT),
    f(Anthropic, Thinking, PortableWithWork,
      "extended thinking (a budget_tokens budget, thinking blocks returned and sent back) is Anthropic's shape",
      THINKING_HINT),
    f(Google, Thinking, PortableWithWork,
      "thinking_config (a thinking budget, thought summaries) is Gemini's shape", THINKING_HINT),
    f(Anthropic, Citations, VendorOnly,
      "citations point into the documents sent, located by Anthropic's servers; no engine returns them",
      Some("ask the model to quote its sources and check the quotes against the documents yourself")),
    f(OpenAi, Documents, PortableWithWork,
      "file content parts (PDF input) are read by OpenAI's servers; the engines take text and images only",
      DOCUMENT_HINT),
    f(Anthropic, Documents, PortableWithWork,
      "document blocks (PDF, plain text) are read by Anthropic's servers; the engines take text and images only",
      DOCUMENT_HINT),
    f(Google, Documents, PortableWithWork,
      "application/pdf parts are read by Google's servers; the engines take text and images only",
      DOCUMENT_HINT),
    f(OpenAi, FilesApi, PortableWithWork,
      "files uploaded to OpenAI are referenced by id; the engines keep no files", FILES_HINT),
    f(Anthropic, FilesApi, PortableWithWork,
      "files uploaded to Anthropic (beta Files API) are referenced by id; the engines keep no files", FILES_HINT),
    f(Google, FilesApi, PortableWithWork,
      "files uploaded to the Gemini API are referenced by URI and expire; the engines keep no files", FILES_HINT),
    f(Anthropic, TokenCounting, PortableWithWork,
      "counts tokens with Anthropic's count_tokens endpoint; an open model's counts differ", COUNT_HINT),
    f(Google, TokenCounting, PortableWithWork,
      "counts tokens with Gemini's count_tokens; an open model's counts differ", COUNT_HINT),
    f(Anthropic, AgentSdk, VendorOnly,
      "the Claude Agent SDK drives Claude Code's agent loop and tools, built for Claude models",
      Some("rebuild the loop on a model-neutral agent framework (OpenAI Agents SDK with a LiteLLM model, LangGraph) and an open tool-calling model")),
    f(OpenAi, AgentSdk, PortableWithWork,
      "the OpenAI Agents SDK runs other models through its LiteLLM or Chat Completions model classes",
      Some("give the agents an OpenAIChatCompletionsModel pointed at the engine, and test their tool calls")),
    f(OpenAi, ImageGeneration, PortableWithWork,
      "images.generate runs OpenAI's image models (DALL-E, gpt-image-1)", IMAGE_GEN_HINT),
    f(Google, ImageGeneration, PortableWithWork,
      "Imagen and Gemini's image output run on Google's servers", IMAGE_GEN_HINT),
    // OpenAI-compatible vendors: the wire is OpenAI's; the base URL and the model are theirs.
    f(DeepSeek, Sdk, PortableWithWork,
      "a framework's DeepSeek provider; DeepSeek's API is OpenAI's shape",
      Some("use the framework's OpenAI-compatible provider pointed at the engine")),
    f(DeepSeek, Endpoint, PortableWithWork,
      "DeepSeek's API is OpenAI-compatible; a hard-coded URL pins the traffic to DeepSeek", COMPATIBLE_HINT),
    f(DeepSeek, ApiKey, Portable, KEY_IS_CONFIG, None),
    f(DeepSeek, ModelId, Portable,
      "deepseek-chat and deepseek-reasoner are DeepSeek's open-weight V3 and R1, which the engines serve (with the hardware they need)",
      MODEL_HINT),
    f(Groq, Sdk, PortableWithWork,
      "Groq's SDK mirrors OpenAI's; the engines are called with the OpenAI client",
      Some("replace the Groq client by OpenAI(base_url=...); the calls keep their shape")),
    f(Groq, Endpoint, PortableWithWork,
      "Groq's API is OpenAI-compatible; a hard-coded URL pins the traffic to Groq", COMPATIBLE_HINT),
    f(Groq, ApiKey, Portable, KEY_IS_CONFIG, None),
    f(XAi, Sdk, PortableWithWork,
      "xAI's SDK speaks its own gRPC API; the engines are called with the OpenAI client",
      Some("call the engine with an OpenAI client")),
    f(XAi, Endpoint, PortableWithWork,
      "xAI's API is OpenAI-compatible; a hard-coded URL pins the traffic to xAI", COMPATIBLE_HINT),
    f(XAi, ApiKey, Portable, KEY_IS_CONFIG, None),
    f(XAi, ModelId, PortableWithWork, "names a model only xAI serves", MODEL_HINT),
    // What they share with OpenAI's API: rated as OpenAI's is.
    f(DeepSeek, ToolCalling, Portable, SAME_SHAPE, None),
    f(DeepSeek, JsonMode, Portable, SAME_SHAPE, None),
    f(DeepSeek, StructuredOutputs, PortableWithWork, SAME_SHAPE, SCHEMA_HINT),
    f(DeepSeek, Logprobs, Portable, SAME_SHAPE, None),
    f(DeepSeek, Seed, Portable, SAME_SHAPE, None),
    f(Groq, ToolCalling, Portable, SAME_SHAPE, None),
    f(Groq, JsonMode, Portable, SAME_SHAPE, None),
    f(Groq, StructuredOutputs, PortableWithWork, SAME_SHAPE, SCHEMA_HINT),
    f(Groq, Logprobs, Portable, SAME_SHAPE, None),
    f(Groq, Seed, Portable, SAME_SHAPE, None),
    f(XAi, ToolCalling, Portable, SAME_SHAPE, None),
    f(XAi, JsonMode, Portable, SAME_SHAPE, None),
    f(XAi, StructuredOutputs, PortableWithWork, SAME_SHAPE, SCHEMA_HINT),
    f(XAi, Logprobs, Portable, SAME_SHAPE, None),
    f(XAi, Seed, Portable, SAME_SHAPE, None),
];
