//! `modelswap scan`: shared vocabulary attributed to the vendor a file talks to, SDKs on the
//! platforms that host their models, the newer vendor
//! features, wrapper libraries (LangChain4j, Spring AI, LlamaIndex), OpenAI-shaped vendors, and
//! Maven versions managed by a BOM.

use modelswap::lockin::{self, Scan, ScanOptions};

use crate::common::write;

/// Scans one file holding `text`.
pub(crate) fn scan_one(name: &str, text: &str) -> Scan {
    let scan = crate::scan_imported::scan_files(&[(name, text)]);
    assert!(scan.problems.is_empty(), "{:?}", scan.problems);
    scan
}

/// An nbformat 4 notebook whose code cells hold `sources`, as JSON text.
pub(crate) fn notebook(sources: &[&str]) -> String {
    let cells: Vec<_> = (sources.iter())
        .map(|s| serde_json::json!({"cell_type": "code", "metadata": {}, "outputs": [], "source": s}))
        .collect();
    serde_json::json!({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
        .to_string()
}

/// (line, vendor, feature, rating) of every finding.
pub(crate) fn found(scan: &Scan) -> Vec<(u32, &str, &str, &str)> {
    (scan.findings.iter())
        .map(|f| (f.line, f.vendor.id(), f.feature.id(), f.rating.id()))
        .collect()
}

#[test]
fn shared_vocabulary_goes_to_the_vendor_the_file_talks_to() {
    // Anthropic's tool_choice is Anthropic tool calling, not OpenAI's and not portable as-is.
    let anthropic = scan_one(
        "agent.py",
        "import anthropic\nclient = anthropic.Anthropic()\nr = client.messages.create(tools=tools, tool_choice={\"type\": \"any\"})\n",
    );
    assert_eq!(
        found(&anthropic),
        [
            (1, "anthropic", "sdk", "portable-with-work"),
            (3, "anthropic", "chat", "portable-with-work"),
            (3, "anthropic", "tool-calling", "portable-with-work"),
        ]
    );
    // The OpenAI SDK pointed at DeepSeek: DeepSeek's tool calls.
    let deepseek = scan_one(
        "deepseek.ts",
        "import OpenAI from \"openai\";\nconst client = new OpenAI({ baseURL: \"https://api.deepseek.com\" });\nconst calls = res.choices[0].message.tool_calls;\n",
    );
    assert_eq!(
        found(&deepseek),
        [
            (1, "openai", "sdk", "portable"),
            (2, "deepseek", "endpoint", "portable-with-work"),
            (3, "deepseek", "tool-calling", "portable"),
        ]
    );
    // Two vendors in one file, and nothing says whose the words are: they stay with the
    // pattern's own vendor.
    let both = scan_one(
        "router.py",
        "import openai\nimport anthropic\nargs = {\"tool_choice\": \"auto\"}\n",
    );
    assert_eq!(found(&both)[2], (3, "openai", "tool-calling", "portable"));
}

#[test]
fn the_client_a_call_goes_through_names_the_vendor_in_python_and_typescript() {
    let scan = scan_one(
        "router.py",
        "import openai\n\
         from anthropic import Anthropic as Claude\n\
         class Router:\n\
         \x20   def __init__(self):\n\
         \x20       self.oa = openai.OpenAI()\n\
         \x20       self.claude = Claude()\n\
         \x20   def ask(self, m):\n\
         \x20       a = self.oa.chat.completions.create(model=m, tools=TOOLS, tool_choice=\"auto\")\n\
         \x20       b = self.claude.messages.create(\n\
         \x20           model=m,\n\
         \x20           tool_choice={\"type\": \"any\"},\n\
         \x20       )\n",
    );
    let tools: Vec<(u32, &str)> = (scan.findings.iter())
        .filter(|f| f.feature.id() == "tool-calling")
        .map(|f| (f.line, f.vendor.id()))
        .collect();
    assert_eq!(tools, [(8, "openai"), (11, "anthropic")]);
    let ts = scan_one(
        "router.ts",
        "import OpenAI from \"openai\";\n\
         import * as sdk from \"@anthropic-ai/sdk\";\n\
         const oa = new OpenAI();\n\
         const claude = new sdk.Anthropic();\n\
         const a = await oa.chat.completions.create({ model, tools, tool_choice: \"auto\" });\n\
         const b = await claude.messages.create({\n\
         \x20 model,\n\
         \x20 tool_choice: { type: \"any\" },\n\
         });\n",
    );
    let tools: Vec<(u32, &str)> = (ts.findings.iter())
        .filter(|f| f.feature.id() == "tool-calling")
        .map(|f| (f.line, f.vendor.id()))
        .collect();
    assert_eq!(tools, [(5, "openai"), (8, "anthropic")]);
}

#[test]
fn a_client_built_for_a_platform_is_the_platforms_in_its_own_function() {
    // Two functions, each with its own `ai`: the Gemini API's, and one built for Vertex AI.
    let scan = scan_one(
        "count.ts",
        "import {GoogleGenAI} from '@google/genai';\n\
         async function fromGeminiApi() {\n\
         \x20 const ai = new GoogleGenAI({apiKey: process.env.GEMINI_API_KEY});\n\
         \x20 return ai.models.countTokens({model, contents});\n\
         }\n\
         async function fromVertexAi() {\n\
         \x20 const ai = new GoogleGenAI({vertexai: true, project, location});\n\
         \x20 return ai.models.countTokens({model, contents});\n\
         }\n",
    );
    let counts: Vec<(u32, &str)> = (scan.findings.iter())
        .filter(|f| f.feature.id() == "token-counting")
        .map(|f| (f.line, f.vendor.id()))
        .collect();
    assert_eq!(counts, [(4, "google"), (8, "vertex-ai")]);
}

#[test]
fn an_sdk_on_a_platform_that_hosts_its_models_is_the_platforms() {
    // Anthropic's SDK on Bedrock: its import, calls and model ids are Bedrock's.
    let bedrock = scan_one(
        "claude.py",
        "from anthropic import AnthropicBedrock\n\
         client = AnthropicBedrock(aws_region=\"us-east-1\")\n\
         m = client.messages.create(model=\"claude-3-5-sonnet-20241022\", max_tokens=64, messages=msgs)\n",
    );
    assert_eq!(
        found(&bedrock),
        [
            (1, "aws-bedrock", "sdk", "portable-with-work"),
            (3, "aws-bedrock", "chat", "portable-with-work"),
            (3, "aws-bedrock", "model-id", "portable-with-work"),
        ]
    );
    // Anthropic's SDK beside Bedrock's own (another API): nothing says Anthropic's client is
    // pointed at Bedrock, so its calls stay Anthropic's.
    let beside = scan_one(
        "router.py",
        "import anthropic\nimport boto3\n\
         claude = anthropic.Anthropic()\n\
         runtime = boto3.client(\"bedrock-runtime\")\n\
         m = claude.messages.create(model=\"claude-3-5-sonnet-20241022\", max_tokens=64, messages=msgs)\n",
    );
    let chat: Vec<_> = (found(&beside).into_iter())
        .filter(|f| f.2 == "chat")
        .collect();
    assert_eq!(chat, [(5, "anthropic", "chat", "portable-with-work")]);
    // A file that also reaches Anthropic directly talks to both: nothing moves.
    let both = scan_one(
        "both.py",
        "from anthropic import Anthropic, AnthropicBedrock\n\
         direct = Anthropic(api_key=os.environ[\"ANTHROPIC_API_KEY\"])\n\
         m = direct.messages.create(model=M, max_tokens=64, messages=msgs)\n",
    );
    assert_eq!(
        found(&both)[2],
        (3, "anthropic", "chat", "portable-with-work")
    );
}

#[test]
fn each_class_has_its_own_self_client_and_a_compatible_base_url_names_the_api() {
    let scan = scan_one(
        "providers.py",
        "from openai import OpenAI\n\
         from anthropic import Anthropic\n\
         class OpenAIProvider:\n\
         \x20   def __init__(self):\n\
         \x20       self.client = OpenAI()\n\
         \x20   def ask(self, m):\n\
         \x20       return self.client.chat.completions.create(model=m, tools=T, tool_choice=\"auto\")\n\
         class AnthropicProvider:\n\
         \x20   def __init__(self):\n\
         \x20       self.client = Anthropic()\n\
         \x20   def ask(self, m):\n\
         \x20       return self.client.messages.create(model=m, tools=T, tool_choice={\"type\": \"any\"})\n\
         groq = OpenAI(base_url=\"https://api.groq.com/openai/v1\")\n\
         r = groq.chat.completions.create(model=m, tools=T, tool_choice=\"auto\")\n",
    );
    let tools: Vec<(u32, &str)> = (scan.findings.iter())
        .filter(|f| f.feature.id() == "tool-calling")
        .map(|f| (f.line, f.vendor.id()))
        .collect();
    assert_eq!(tools, [(7, "openai"), (12, "anthropic"), (14, "groq")]);
}

#[test]
fn a_file_with_one_vendor_is_not_reread_by_receiver() {
    // The client's arguments do not name Groq, the file does: its tool choice is Groq's.
    let groq = scan_one(
        "groq.py",
        "from openai import OpenAI\n\
         GROQ_URL = \"https://api.groq.com/openai/v1\"\n\
         client = OpenAI(base_url=GROQ_URL)\n\
         r = client.chat.completions.create(model=m, tool_choice=\"auto\")\n",
    );
    let tools: Vec<_> = (found(&groq).into_iter())
        .filter(|f| f.2 == "tool-calling")
        .collect();
    assert_eq!(tools, [(4, "groq", "tool-calling", "portable")]);
    // The async Azure client is Azure's too.
    let azure = scan_one("az.py", "from openai import AsyncAzureOpenAI\n");
    assert_eq!(
        found(&azure),
        [(1, "azure-openai", "sdk", "portable-with-work")]
    );
}

#[test]
fn a_notebook_is_gated_and_attributed_as_one_file() {
    let cells = [
        "import anthropic\nclient = anthropic.Anthropic()",
        "kwargs = {\"tool_choice\": {\"type\": \"auto\"}}\nif block.type == \"tool_use\": pass",
    ];
    let scan = scan_one("tools.ipynb", &notebook(&cells));
    let tools: Vec<_> = (scan.findings.iter())
        .filter(|f| f.feature.id() == "tool-calling")
        .map(|f| (f.cell, f.vendor.id()))
        .collect();
    // The second line's pattern is gated (only beside vendor code): the import in the first cell
    // opens it for the whole notebook.
    assert_eq!(tools, [(Some(2), "anthropic"), (Some(2), "anthropic")]);
}

#[test]
fn langchain4j_code_is_found_by_its_modules_and_static_imports() {
    // LangChain4j's ToolSpecification is vendor-neutral (no finding); the static import of an
    // OpenAI model-name constant names the SDK module and the model, and so does the constant.
    let scan = scan_one(
        "Assistant.java",
        "import dev.langchain4j.agent.tool.ToolSpecification;\n\
         import static dev.langchain4j.model.openai.OpenAiChatModelName.GPT_4_O_MINI;\n\
         class Assistant {\n\
           ToolSpecification spec = ToolSpecification.builder().name(\"lookup\").build();\n\
           Object model = OpenAiChatModel.builder().modelName(GPT_4_O_MINI).seed(42).build();\n\
         }\n",
    );
    assert_eq!(
        found(&scan),
        [
            (2, "openai", "sdk", "portable"),
            (2, "openai", "model-id", "portable-with-work"),
            (5, "openai", "model-id", "portable-with-work"),
            (5, "openai", "seed", "portable"),
        ]
    );
}

#[test]
fn newer_vendor_features_are_found() {
    let anthropic = scan_one(
        "claude.py",
        "import anthropic\n\
         r = client.messages.create(thinking={\"type\": \"enabled\", \"budget_tokens\": 2048},\n\
           messages=[{\"role\": \"user\", \"content\": [{\"type\": \"document\", \"source\": {\"type\": \"base64\", \"media_type\": \"application/pdf\", \"data\": pdf}, \"citations\": {\"enabled\": True}}]}])\n\
         f = client.beta.files.upload(file=path)\n\
         n = client.messages.count_tokens(model=MODEL, messages=messages)\n\
         from claude_agent_sdk import query\n",
    );
    let features: Vec<(&str, &str, &str)> = (anthropic.findings.iter())
        .map(|f| (f.vendor.id(), f.feature.id(), f.rating.id()))
        .collect();
    for expected in [
        ("anthropic", "thinking", "portable-with-work"),
        ("anthropic", "documents", "portable-with-work"),
        ("anthropic", "citations", "vendor-only"),
        ("anthropic", "files-api", "portable-with-work"),
        ("anthropic", "token-counting", "portable-with-work"),
        ("anthropic", "agent-sdk", "vendor-only"),
    ] {
        assert!(features.contains(&expected), "{expected:?} in {features:?}");
    }
    let gemini = scan_one(
        "gemini.py",
        "from google import genai\n\
         cfg = types.GenerateContentConfig(thinking_config=types.ThinkingConfig(thinking_budget=0))\n\
         img = client.models.generate_images(model=\"imagen-4.0-generate-001\", prompt=p)\n\
         n = client.models.count_tokens(model=MODEL, contents=prompt)\n\
         f = client.files.upload(file=\"talk.mp3\")\n",
    );
    assert_eq!(
        found(&gemini)[1..],
        [
            (2, "google", "thinking", "portable-with-work"),
            (3, "google", "image-generation", "portable-with-work"),
            (3, "google", "model-id", "portable-with-work"),
            (4, "google", "token-counting", "portable-with-work"),
            (5, "google", "files-api", "portable-with-work"),
        ]
    );
    let openai = scan_one(
        "images.ts",
        "import OpenAI from \"openai\";\nconst img = await client.images.generate({ model: \"dall-e-3\", prompt });\nconst r = await client.chat.completions.create({ reasoning_effort: \"low\", messages });\n",
    );
    let features: Vec<&str> = openai.findings.iter().map(|f| f.feature.id()).collect();
    assert_eq!(
        features,
        ["sdk", "image-generation", "model-id", "chat", "thinking"]
    );
}

#[test]
fn unquoted_object_keys_and_typed_go_tools_are_found() {
    let ts = scan_one(
        "vision.ts",
        "import OpenAI from \"openai\";\nconst part = { type: \"image_url\", image_url: { url: dataUrl } };\nconst other = {\n  image_url: { url },\n};\n",
    );
    assert_eq!(
        found(&ts)[1..],
        [
            (2, "openai", "vision", "portable-with-work"),
            (4, "openai", "vision", "portable-with-work"),
        ],
        "one finding per line, quoted or not"
    );
    let go = scan_one(
        "tools.go",
        "import \"github.com/anthropics/anthropic-sdk-go\"\nvar tools = []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{Name: \"lookup\"}}}\n",
    );
    assert_eq!(
        found(&go)[1..],
        [(2, "anthropic", "tool-calling", "portable-with-work")],
        "one finding per pattern and line"
    );
}

#[test]
fn wrappers_and_openai_shaped_vendors_are_recognised() {
    let llama = scan_one(
        "rag.py",
        "from llama_index.llms.anthropic import Anthropic\nfrom llama_index.llms.bedrock_converse import BedrockConverse\nfrom groq import Groq\nfrom xai_sdk import Client\n",
    );
    let vendors: Vec<&str> = llama.findings.iter().map(|f| f.vendor.id()).collect();
    assert_eq!(vendors, ["anthropic", "aws-bedrock", "groq", "xai"]);
    let spring = scan_one(
        "Config.java",
        "import org.springframework.ai.anthropic.AnthropicChatModel;\nimport org.springframework.ai.azure.openai.AzureOpenAiChatModel;\nimport dev.langchain4j.model.mistralai.MistralAiChatModel;\nimport dev.langchain4j.model.googleai.GoogleAiGeminiChatModel;\n",
    );
    let vendors: Vec<&str> = spring.findings.iter().map(|f| f.vendor.id()).collect();
    assert_eq!(vendors, ["anthropic", "azure-openai", "mistral", "google"]);
}

#[test]
fn maven_versions_come_from_dependency_management_and_boms() {
    let scan = scan_one(
        "pom.xml",
        r#"<project>
  <properties><lc4j.version>1.0.1</lc4j.version></properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>dev.langchain4j</groupId>
        <artifactId>langchain4j-bom</artifactId>
        <version>${lc4j.version}</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
      <dependency>
        <groupId>com.openai</groupId>
        <artifactId>openai-java</artifactId>
        <version>2.8.0</version>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>dev.langchain4j</groupId>
      <artifactId>langchain4j-google-ai-gemini</artifactId>
    </dependency>
    <dependency>
      <groupId>com.openai</groupId>
      <artifactId>openai-java</artifactId>
    </dependency>
    <dependency>
      <groupId>software.amazon.awssdk</groupId>
      <artifactId>bedrockruntime</artifactId>
    </dependency>
  </dependencies>
</project>
"#,
    );
    let deps: Vec<(u32, &str, Option<&str>, &str)> = (scan.dependencies.iter())
        .map(|d| (d.line, d.name.as_str(), d.version.as_deref(), d.vendor.id()))
        .collect();
    assert_eq!(
        deps,
        [
            (
                20,
                "dev.langchain4j:langchain4j-google-ai-gemini",
                Some("1.0.1 (langchain4j-bom)"),
                "google"
            ),
            (24, "com.openai:openai-java", Some("2.8.0"), "openai"),
            (
                28,
                "software.amazon.awssdk:bedrockruntime",
                None,
                "aws-bedrock"
            ),
        ]
    );
}

#[test]
fn the_estimate_counts_integration_points_not_occurrences() {
    let tmp = tempfile::tempdir().unwrap();
    let ids: String = (1..=20)
        .map(|i| format!("    \"gpt-4o-mini-{i}\",\n"))
        .collect();
    write(
        &tmp.path().join("app/models.py"),
        format!("import openai\nMODELS = [\n{ids}]\n"),
    );
    write(
        &tmp.path().join("app/voice.ts"),
        "const ws = new WebSocket(\"wss://api.openai.com/v1/realtime?model=gpt-realtime\");\n",
    );
    write(
        &tmp.path().join("app/claude.py"),
        "import anthropic\nr = client.messages.create(model=\"claude-sonnet-4-5\", messages=m)\nr2 = openai.chat.completions.create(model=\"gpt-4o\", messages=m)\n",
    );
    write(
        &tmp.path().join("tests/test_voice.py"),
        "import openai\nopenai.beta.realtime.connect(model=\"gpt-realtime\")\n",
    );
    let scan = lockin::scan(tmp.path(), &ScanOptions::default()).unwrap();
    let points: Vec<(&str, &str, &str, u32)> = (scan.integration_points.iter())
        .map(|p| (p.file.as_str(), p.vendor.id(), p.rating.id(), p.findings))
        .collect();
    assert_eq!(
        points,
        [
            ("app/voice.ts", "openai", "vendor-only", 3),
            ("app/claude.py", "openai", "portable-with-work", 2),
            ("app/claude.py", "anthropic", "portable-with-work", 3),
            ("app/models.py", "openai", "portable-with-work", 21),
            ("tests/test_voice.py", "openai", "vendor-only", 3),
        ]
    );
    // The one file that speaks the vendor-only protocol comes first, not the 20 model ids.
    assert_eq!(scan.files[0].file, "app/voice.ts");
    // By hand: 1 vendor-only point (5-10 days) and 3 with work (1-3 days each): 8-19 days.
    let estimate = lockin::Estimate::of(&scan.integration_points);
    assert_eq!(
        (
            estimate.vendor_only,
            estimate.portable_with_work,
            estimate.portable
        ),
        (1, 3, 0)
    );
    assert_eq!((estimate.days_low, estimate.days_high), (8.0, 19.0));
    assert!(
        estimate.sentence().contains("roughly 8–19 engineer-days"),
        "{}",
        estimate.sentence()
    );
    assert!(
        estimate
            .sentence()
            .ends_with("Reported apart, not in the estimate: test 1."),
        "{}",
        estimate.sentence()
    );
}

#[test]
fn semantic_kernel_connectors_and_the_azure_key_header_are_found() {
    let scan = scan_one(
        "kernel.py",
        "from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion\n\
         from semantic_kernel.connectors.ai.anthropic import AnthropicChatCompletion\n\
         kernel.add_service(AzureChatCompletion(deployment_name=name))\n\
         headers = {\"api-key\": key}\n",
    );
    assert_eq!(
        found(&scan),
        [
            // Azure's client from the open_ai module: one Azure finding, not an OpenAI one too.
            (1, "azure-openai", "sdk", "portable-with-work"),
            (2, "anthropic", "sdk", "portable-with-work"),
            (3, "azure-openai", "sdk", "portable-with-work"),
            (4, "azure-openai", "rest-protocol", "portable-with-work"),
        ]
    );
}
