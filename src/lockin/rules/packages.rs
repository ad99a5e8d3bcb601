//! The packages, by registry, that bring a vendor's SDK, wrapper or tokenizer into a project.

use super::*;

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
