//! `modelswap scan`: whose client a call goes through, in Go, Java, Kotlin, C#, Ruby and Rust.
//! Each file below talks to two vendors, so the file as a whole cannot say whose a `ToolChoice`
//! is; the syntax tree can: imports bind names (a Go package, a Java class, a Rust `use`, a C#
//! namespace's types, the constants a Ruby `require` brings), constructions and declared types
//! bind clients (fields and struct members included), and a call on a bound receiver, or a
//! request built apart and then passed to one, is that receiver's vendor's.

use crate::scan_clients::{points, tool_vendors};
use crate::scan_imported::scan_files;

#[test]
fn go_struct_fields_and_request_literals_name_their_vendor() {
    // `r.claude` is an `anthropic.Client` field and `r.gpt` an `*openai.Client`; the receiver's
    // type (`*Router`) is not followed: a field is bound for any value.
    let go = r#"package llm

import (
	"context"

	"github.com/anthropics/anthropic-sdk-go"
	oa "github.com/openai/openai-go/v2"
)

type Router struct {
	claude anthropic.Client
	gpt    *oa.Client
}

func (r *Router) Claude(ctx context.Context) {
	r.claude.Messages.New(ctx, anthropic.MessageNewParams{
		ToolChoice: choice,
	})
}

func (r *Router) GPT(ctx context.Context) {
	resp, _ := r.gpt.Chat.Completions.New(ctx, oa.ChatCompletionNewParams{
		ToolChoice: choice,
	})
	_ = resp
}

func Local(ctx context.Context) {
	client := anthropic.NewClient()
	client.Messages.New(ctx, params(), option.WithJSONSet("tool_choice", choice))
}
"#;
    assert_eq!(
        tool_vendors("router.go", go),
        [(17, "anthropic"), (23, "openai"), (30, "anthropic")]
    );
}

#[test]
fn java_and_kotlin_clients_are_their_imported_classes() {
    let java = r#"import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;

public class Router {
    private final AnthropicClient claude = AnthropicOkHttpClient.fromEnv();
    private final OpenAIClient gpt;

    public Router() {
        this.gpt = OpenAIOkHttpClient.fromEnv();
    }

    void claude(MessageCreateParams.Builder params) {
        claude.messages().create(params.toolChoice(auto).build());
    }

    void gpt(ChatCompletionCreateParams.Builder params) {
        gpt.chat().completions().create(params.toolChoice(auto).build());
    }
}
"#;
    assert_eq!(
        tool_vendors("Router.java", java),
        [(15, "anthropic"), (19, "openai")]
    );
    // A constructor's parameter of a vendor's type, and a property made from an imported class.
    let kotlin = r#"import com.aallam.openai.client.OpenAI
import com.anthropic.client.AnthropicClient

class Router(private val claude: AnthropicClient) {
    private val openai = OpenAI(token = key)

    suspend fun gpt() = openai.chatCompletion(request(toolChoice = auto))

    fun claude() = claude.messages().create(params.toolChoice(auto).build())
}
"#;
    assert_eq!(
        tool_vendors("Router.kt", kotlin),
        [(7, "openai"), (9, "anthropic")]
    );
}

#[test]
fn csharp_types_are_their_namespace_s_and_requests_go_where_they_are_passed() {
    // `using Anthropic.SDK;` brings `AnthropicClient` unqualified. The request is built apart
    // and passed to Claude's call; the OpenAI chat client derives from its `OpenAIClient`.
    let cs = r#"using Anthropic.SDK;
using OpenAI;
using OpenAI.Chat;

public class Router
{
    private readonly AnthropicClient _claude = new AnthropicClient();
    private readonly OpenAIClient _openai = new OpenAIClient(key);

    public async Task Claude()
    {
        var parameters = new MessageParameters { Model = m, ToolChoice = choice };
        await _claude.Messages.GetClaudeMessageAsync(parameters);
    }

    public void Gpt()
    {
        ChatClient chat = _openai.GetChatClient(model);
        chat.CompleteChat(messages, new ChatCompletionOptions { ToolChoice = choice });
    }
}
"#;
    assert_eq!(
        tool_vendors("Router.cs", cs),
        [(12, "anthropic"), (19, "openai")]
    );
}

#[test]
fn ruby_requires_bind_their_constants_and_rust_uses_bind_their_names() {
    let ruby = r#"require "openai"
require "anthropic"

class Router
  def initialize
    @gpt = OpenAI::Client.new(access_token: ENV.fetch("KEY"))
    @claude = Anthropic::Client.new
  end

  def claude
    @claude.messages.create(model: m, messages: msgs, tools: tools, tool_choice: { type: "auto" })
  end

  def gpt
    @gpt.chat(parameters: { model: m, messages: msgs, tools: tools, tool_choice: "auto" })
  end
end
"#;
    assert_eq!(
        tool_vendors("router.rb", ruby),
        [(11, "anthropic"), (15, "openai")]
    );
    // A struct's fields of each vendor's client; the crate renamed on import. Bedrock's
    // `.tool_config(…)` is no Gemini `tool_config`.
    let rust = r#"use async_openai::{config::OpenAIConfig, Client};
use aws_sdk_bedrockruntime as bedrock;

pub struct Router {
    gpt: Client<OpenAIConfig>,
    claude: bedrock::Client,
}

impl Router {
    pub async fn claude(&self, tools: Tools) -> Result<()> {
        let choice = bedrock::types::ToolChoice::Auto(bedrock::types::AutoToolChoice::builder().build());
        self.claude.converse().model_id(MODEL).tool_config(config).send().await?;
        Ok(())
    }

    pub async fn gpt(&self, request: Request) -> Result<()> {
        self.gpt.chat().create(request.tool_choice(auto)).await?;
        Ok(())
    }
}
"#;
    assert_eq!(
        tool_vendors("router.rs", rust),
        [(11, "aws-bedrock"), (12, "aws-bedrock"), (17, "openai")]
    );
}

#[test]
fn python_requests_built_apart_go_to_the_client_they_are_passed_to() {
    let py = "import anthropic\nimport openai\n\
              claude = anthropic.Anthropic()\ngpt = openai.OpenAI()\n\
              def ask(q):\n    params = {\"tool_choice\": {\"type\": \"auto\"}, \"tools\": T}\n\
              \x20   return claude.messages.create(model=M, messages=q, **params)\n\
              def other(q):\n    params = {\"tool_choice\": \"auto\", \"tools\": T}\n\
              \x20   return gpt.chat.completions.create(model=M, messages=q, **params)\n";
    assert_eq!(
        tool_vendors("ask.py", py),
        [(6, "anthropic"), (9, "openai")]
    );
}

#[test]
fn several_clients_of_one_vendor_in_a_go_java_or_ruby_file_are_a_point_each() {
    let files = [
        (
            "two.go",
            "package two\n\nimport (\n\t\"github.com/openai/openai-go\"\n\t\"github.com/openai/openai-go/option\"\n)\n\n\
             var fast = openai.NewClient(option.WithMaxRetries(0))\n\
             var slow = openai.NewClient(option.WithMaxRetries(5))\n\n\
             func Ask(ctx context.Context) {\n\tfast.Chat.Completions.New(ctx, params)\n\
             \tslow.Chat.Completions.New(ctx, params)\n\tslow.Embeddings.New(ctx, eparams)\n}\n",
        ),
        // The Groq client is Groq's point; the other two are OpenAI's, one each.
        (
            "Two.java",
            "import com.openai.client.OpenAIClient;\nimport com.openai.client.okhttp.OpenAIOkHttpClient;\n\n\
             public class Two {\n\
             \x20   private final OpenAIClient openai = OpenAIOkHttpClient.fromEnv();\n\
             \x20   private final OpenAIClient groq = OpenAIOkHttpClient.builder()\n\
             \x20       .baseUrl(\"https://api.groq.com/openai/v1\").apiKey(key).build();\n\
             \x20   private final OpenAIClient local = OpenAIOkHttpClient.builder().baseUrl(url).build();\n\n\
             \x20   void ask() {\n\
             \x20       openai.chat().completions().create(params);\n\
             \x20       local.chat().completions().create(params);\n\
             \x20   }\n}\n",
        ),
        // A client declared by its type is made elsewhere: what its calls return are no clients.
        (
            "Sample.kt",
            "import com.aallam.openai.client.OpenAI\n\nsuspend fun run(openAI: OpenAI) {\n\
             \x20   val assistant = openAI.assistant(request)\n    val thread = openAI.thread()\n\
             \x20   val other = OpenAI(token = key)\n    other.chatCompletion(request)\n}\n",
        ),
        (
            "two.rb",
            "require \"openai\"\n\nFAST = OpenAI::Client.new(request_timeout: 5)\nSLOW = OpenAI::Client.new\n\n\
             def ask\n  FAST.chat(parameters: { model: M, messages: m })\n  SLOW.chat(parameters: { model: M, messages: m })\nend\n",
        ),
    ];
    let scan = scan_files(&files);
    let mut points: Vec<_> = (scan.integration_points.iter())
        .map(|p| {
            let client = p.client.as_deref().unwrap_or("-");
            (p.file.as_str(), p.line, p.vendor.id(), client, p.findings)
        })
        .collect();
    points.sort();
    assert_eq!(
        points,
        [
            ("Sample.kt", 1, "openai", "-", 4),
            ("Two.java", 5, "openai", "openai", 3),
            ("Two.java", 6, "groq", "groq", 1),
            ("Two.java", 8, "openai", "local", 1),
            ("two.go", 8, "openai", "fast", 3),
            ("two.go", 9, "openai", "slow", 2),
            ("two.rb", 3, "openai", "FAST", 2),
            ("two.rb", 4, "openai", "SLOW", 1),
        ]
    );
}

#[test]
fn a_go_package_level_client_is_one_point_with_its_package_s_calls() {
    // `client` is made in one file of package `llm` and called by its bare name in another;
    // `newClaude()` returns a client, called directly and through a local. A local assigned
    // something else keeps its own file's point.
    let files = [
        (
            "llm/client.go",
            "package llm\n\nimport \"github.com/openai/openai-go\"\n\nvar client = openai.NewClient()\n",
        ),
        (
            "llm/ask.go",
            "package llm\n\nimport (\n\t\"context\"\n\n\t\"github.com/openai/openai-go\"\n)\n\n\
             func Ask(ctx context.Context) {\n\tclient.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Seed: openai.Int(1)})\n}\n\n\
             func Embed(ctx context.Context) {\n\tlocal := other()\n\tlocal.Embeddings.New(ctx, params)\n}\n",
        ),
        (
            "llm/factory.go",
            "package llm\n\nimport \"github.com/anthropics/anthropic-sdk-go\"\n\n\
             func newClaude() anthropic.Client {\n\treturn anthropic.NewClient()\n}\n",
        ),
        (
            "llm/claude.go",
            "package llm\n\nfunc Claude(ctx context.Context) {\n\tc := newClaude()\n\
             \tc.Messages.New(ctx, params)\n\tnewClaude().Messages.New(ctx, params)\n}\n",
        ),
        // Another package's file: the name is not its package's.
        (
            "cmd/main.go",
            "package main\n\nimport \"github.com/openai/openai-go\"\n\n\
             func main() {\n\tclient.Chat.Completions.New(ctx, params)\n}\n",
        ),
    ];
    let scan = scan_files(&files);
    let points = points(&scan);
    let sites = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        points,
        [
            ("cmd/main.go", 3, "-", sites(&[]), 2),
            ("llm/ask.go", 6, "-", sites(&[]), 2),
            ("llm/client.go", 5, "client", sites(&["llm/ask.go"]), 3),
            (
                "llm/factory.go",
                6,
                "newClaude()",
                sites(&["llm/claude.go"]),
                3
            ),
        ]
    );
}

#[test]
fn the_client_a_request_goes_to_decides_and_look_alike_names_do_not() {
    // A request literal inside a call through a client made for Groq is Groq's; the SDK's other
    // `New…` helpers make no client; a function type's parameter binds nothing (the later
    // `client` is some other).
    let go = r#"package main

import (
	"github.com/anthropics/anthropic-sdk-go"
	"github.com/openai/openai-go"
	"github.com/openai/openai-go/option"
)

func main() {
	groq := openai.NewClient(option.WithBaseURL("https://api.groq.com/openai/v1"))
	groq.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{ToolChoice: tc})
	claude := anthropic.NewClient()
	img := anthropic.NewImageBlockBase64("image/png", data)
	claude.Messages.New(ctx, anthropic.MessageNewParams{ToolChoice: tc, Messages: img})
}

type Handler func(client *anthropic.Client)

func other(ctx context.Context) {
	client := newGroq()
	client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{ToolChoice: tc})
}
"#;
    assert_eq!(
        tool_vendors("groq.go", go),
        [(11, "groq"), (14, "anthropic"), (21, "openai")]
    );
    let scan = crate::scan_coverage::scan_one("groq.go", go);
    assert!(
        scan.integration_points.iter().all(|p| p.client.is_none()),
        "{:?}",
        scan.integration_points
    );
    // Two structs' `client` fields of two vendors: `self.client` is neither's.
    assert_eq!(
        tool_vendors(
            "two.rs",
            r#"use async_openai::{config::OpenAIConfig, Client};
use aws_sdk_bedrockruntime as bedrock;

struct Gpt { client: Client<OpenAIConfig> }
struct Claude { client: bedrock::Client }

impl Gpt {
    fn a(&self) { self.client.chat().create(req.tool_choice(auto)); }
}
"#
        ),
        [(8, "openai")]
    );
    // A JavaScript private field, and Ruby's memoised `@gemini ||= Gemini.new(...)`.
    assert_eq!(
        tool_vendors(
            "priv.ts",
            r#"import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
class A {
  #client;
  constructor() { this.#client = new Anthropic(); }
  run() { return this.#client.messages.create({ model, tools, tool_choice: { type: "auto" } }); }
}
const oa = new OpenAI();
"#
        ),
        [(6, "anthropic")]
    );
    assert_eq!(
        tool_vendors(
            "gem.rb",
            r#"require "openai"
require "gemini-ai"

class Router
  def gemini
    @gemini ||= Gemini.new(credentials: { service: "generative-language-api", api_key: KEY })
  end

  def ask
    gemini.generate_content({ contents: c, tools: [t] })
    @gemini.generate_content({ contents: c, tools: [t] })
  end
end
"#
        )[1],
        (11, "google")
    );
}
