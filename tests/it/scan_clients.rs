//! `modelswap scan`: whose client a call goes through. The syntax tree binds names to vendors
//! (imports, CommonJS `require`, constructions, class fields, a name bound again), notebooks are
//! attributed cell by cell in one text, a client pointed at a self-hosted server is no vendor,
//! and a client made in one module and called from others is one integration point.

use crate::scan_coverage::{found, notebook, scan_one};
use crate::scan_imported::scan_files;
use modelswap::lockin::Scan;

#[test]
fn a_notebook_s_cells_do_not_share_line_numbers() {
    // Cell 2's first line imports Azure's client; cell 1's first line imports OpenAI's SDK. The
    // Azure client pairs with the import on its own line, not with line 1 of another cell.
    let cells = [
        "import openai\nimport anthropic",
        "from openai import AzureOpenAI",
    ];
    let scan = scan_one("clients.ipynb", &notebook(&cells));
    let sdks: Vec<_> = (scan.findings.iter())
        .filter(|f| f.feature.id() == "sdk")
        .map(|f| (f.cell, f.line, f.vendor.id()))
        .collect();
    assert_eq!(
        sdks,
        [
            (Some(1), 1, "openai"),
            (Some(1), 2, "anthropic"),
            (Some(2), 1, "azure-openai")
        ]
    );
}

/// (line, vendor) of the tool-calling findings of one file.
pub(crate) fn tool_vendors(name: &str, text: &str) -> Vec<(u32, &'static str)> {
    (scan_one(name, text).findings.iter())
        .filter(|f| f.feature.id() == "tool-calling")
        .map(|f| (f.line, f.vendor.id()))
        .collect()
}

/// A point: its file, line, client (`-` for none), call sites and number of findings.
pub(crate) type Point<'s> = (&'s str, u32, &'s str, Vec<String>, u32);

/// The scan's integration points, sorted.
pub(crate) fn points(scan: &Scan) -> Vec<Point<'_>> {
    let mut points: Vec<Point> = (scan.integration_points.iter())
        .map(|p| {
            let client = p.client.as_deref().unwrap_or("-");
            (
                p.file.as_str(),
                p.line,
                client,
                p.call_sites.clone(),
                p.findings,
            )
        })
        .collect();
    points.sort();
    points
}

#[test]
fn receivers_follow_require_class_fields_default_imports_and_rebinding() {
    // CommonJS: `require` binds as an import does.
    let cjs = "const OpenAI = require(\"openai\");\n\
               const { Anthropic: Claude } = require(\"@anthropic-ai/sdk\");\n\
               const oa = new OpenAI();\n\
               const claude = new Claude();\n\
               await oa.chat.completions.create({ model, tools, tool_choice: \"auto\" });\n\
               await claude.messages.create({ model, tools, tool_choice: { type: \"auto\" } });\n";
    assert_eq!(
        tool_vendors("cjs.js", cjs),
        [(5, "openai"), (6, "anthropic")]
    );
    // TypeScript class fields are `this.client` in their class.
    let fields = "import OpenAI from \"openai\";\n\
                  import Anthropic from \"@anthropic-ai/sdk\";\n\
                  class A {\n\
                  \x20 private client = new OpenAI();\n\
                  \x20 run() { return this.client.chat.completions.create({ model, tools, tool_choice: \"auto\" }); }\n\
                  }\n\
                  class B {\n\
                  \x20 private client = new Anthropic();\n\
                  \x20 run() { return this.client.messages.create({ model, tools, tool_choice: { type: \"auto\" } }); }\n\
                  }\n";
    assert_eq!(
        tool_vendors("fields.ts", fields),
        [(5, "openai"), (9, "anthropic")]
    );
    // A default import of Bedrock's package is Bedrock's client, not Anthropic's.
    let bedrock = "import AnthropicBedrock from \"@anthropic-ai/bedrock-sdk\";\n\
                   import OpenAI from \"openai\";\n\
                   const claude = new AnthropicBedrock({ awsRegion: \"us-east-1\" });\n\
                   const oa = new OpenAI();\n\
                   await claude.messages.create({ model, tools, tool_choice: { type: \"auto\" } });\n\
                   await oa.chat.completions.create({ model, tools, tool_choice: \"auto\" });\n";
    assert_eq!(
        tool_vendors("bedrock.js", bedrock),
        [(5, "aws-bedrock"), (6, "openai")]
    );
    // A name bound again later in the same function: each call goes to the binding before it.
    let rebind = "import openai\nimport anthropic\n\
                  def run():\n\
                  \x20   client = openai.OpenAI()\n\
                  \x20   client.chat.completions.create(model=m, tools=T, tool_choice=\"auto\")\n\
                  \x20   client = anthropic.Anthropic()\n\
                  \x20   client.messages.create(model=m, tools=T, tool_choice={\"type\": \"auto\"})\n";
    assert_eq!(
        tool_vendors("rebind.py", rebind),
        [(5, "openai"), (7, "anthropic")]
    );
}

#[test]
fn an_openai_client_on_a_self_hosted_server_is_no_lock_in() {
    // Ollama through OpenAI's SDK: nothing to move; the file is named as skipped, with why.
    let ollama = scan_one(
        "local.py",
        "from openai import OpenAI\n\
         client = OpenAI(base_url=\"http://localhost:11434/v1\", api_key=\"ollama\")\n\
         r = client.chat.completions.create(model=\"llama3.1\", tools=T, tool_choice=\"auto\")\n",
    );
    assert!(ollama.findings.is_empty(), "{:?}", found(&ollama));
    assert_eq!(ollama.skipped.len(), 1);
    assert!(
        (ollama.skipped[0].reason)
            .contains("talks only to a self-hosted server (`localhost:11434/v1`)"),
        "{:?}",
        ollama.skipped
    );
    // A local server beside OpenAI's own API key: the file reaches OpenAI too, and keeps its
    // findings (the local URL is no finding).
    let both = scan_one(
        "both.py",
        "import os\nfrom openai import OpenAI\n\
         local = OpenAI(base_url=\"http://127.0.0.1:8000/v1\")\n\
         cloud = OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])\n",
    );
    assert_eq!(
        found(&both),
        [
            (2, "openai", "sdk", "portable"),
            (4, "openai", "api-key", "portable")
        ]
    );
    assert!(both.skipped.is_empty());
    // A local URL alone (a compose file's) says nothing of a vendor: no finding, nothing skipped.
    let compose = scan_one("settings.py", "OLLAMA = \"http://ollama:11434\"\n");
    assert!(compose.findings.is_empty() && compose.skipped.is_empty());
}

#[test]
fn a_client_made_in_one_module_and_called_from_others_is_one_integration_point() {
    let files = [
        (
            "app/llm.py",
            "import os\nfrom openai import OpenAI\n\nclient = OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])\n",
        ),
        (
            "app/api/routes.py",
            "from ..llm import client\n\ndef answer(q):\n    return client.chat.completions.create(model=\"gpt-4o\", messages=q, tools=T, tool_choice=\"auto\")\n",
        ),
        (
            "app/worker.py",
            "from app.llm import client\n\ndef run(q):\n    return client.chat.completions.create(model=M, messages=q, response_format={\"type\": \"json_object\"})\n",
        ),
        (
            "web/src/lib/ai.ts",
            "import Anthropic from \"@anthropic-ai/sdk\";\nexport const claude = new Anthropic({ apiKey: process.env.ANTHROPIC_API_KEY });\n",
        ),
        (
            "web/src/pages/chat.ts",
            "import { claude } from \"../lib/ai.js\";\nexport const chat = (q: string) =>\n  claude.messages.create({ model: \"claude-sonnet-4-5\", max_tokens: 100, messages: q });\n",
        ),
        // A default export, imported through the `@/` path alias.
        (
            "web/src/lib/openaiClient.ts",
            "import OpenAI from 'openai';\nconst openai = new OpenAI();\nexport default openai;\n",
        ),
        (
            "web/src/pages/sum.ts",
            "import openai from '@/lib/openaiClient';\nconst r = await openai.chat.completions.create({ model: 'gpt-4o', messages });\n",
        ),
        // Two clients of one vendor made in one file are a point each; the file's other findings
        // (the import) join the first, and a client derived from one (`with_options`) is it.
        (
            "jobs/batch.py",
            "from openai import OpenAI, AsyncOpenAI\nsync = OpenAI()\nasync_client = AsyncOpenAI()\nsync.chat.completions.create(model=M, messages=m)\nasync_client.embeddings.create(model=E, input=t)\nfast = sync.with_options(timeout=5)\nfast.chat.completions.create(model=M, messages=m)\n",
        ),
    ];
    let scan = scan_files(&files);
    let points = points(&scan);
    let sites = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        points,
        [
            (
                "app/llm.py",
                4,
                "client",
                sites(&["app/api/routes.py", "app/worker.py"]),
                7
            ),
            ("jobs/batch.py", 2, "sync", sites(&[]), 3),
            ("jobs/batch.py", 3, "async_client", sites(&[]), 1),
            (
                "web/src/lib/ai.ts",
                2,
                "claude",
                sites(&["web/src/pages/chat.ts"]),
                4
            ),
            (
                "web/src/lib/openaiClient.ts",
                2,
                "openai",
                sites(&["web/src/pages/sum.ts"]),
                3
            ),
        ]
    );
    // Each call names the client it goes through, where it is made.
    let chat = (scan.findings.iter())
        .find(|f| f.file == "web/src/pages/chat.ts" && f.feature.id() == "chat")
        .unwrap();
    let client = chat.client.as_ref().unwrap();
    assert_eq!(
        (client.file.as_str(), client.name.as_str(), client.line),
        ("web/src/lib/ai.ts", "claude", 2)
    );
}

#[test]
fn calls_through_a_client_made_for_a_self_hosted_server_are_no_lock_in() {
    let scan = scan_files(&[
        (
            "local/engine.py",
            "from openai import OpenAI\nclient = OpenAI(base_url=\"http://localhost:11434/v1\", api_key=\"ollama\")\n",
        ),
        (
            "local/agent.py",
            "from local.engine import client\n\ndef ask(m):\n    return client.chat.completions.create(model=\"llama3.1\", messages=m, response_format={\"type\": \"json_object\"})\n",
        ),
    ]);
    assert!(scan.findings.is_empty(), "{:?}", scan.findings);
    let skipped: Vec<(&str, &str)> = (scan.skipped.iter())
        .map(|s| (s.file.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(skipped[0].0, "local/agent.py");
    assert!(
        skipped[0]
            .1
            .starts_with("calls only `client`, the client local/engine.py:2 makes"),
        "{skipped:?}"
    );
    assert_eq!(skipped[1].0, "local/engine.py");
}

#[test]
fn a_platform_client_in_a_parenthesised_import_is_the_platforms() {
    // Beside Anthropic, nothing else says the file is Azure's: the import names it.
    let scan = scan_one(
        "clients.py",
        "from openai import (\n    AzureOpenAI,\n    OpenAI,\n)\nimport anthropic\n",
    );
    assert_eq!(
        found(&scan),
        [
            (1, "openai", "sdk", "portable"),
            (2, "azure-openai", "sdk", "portable-with-work"),
            (5, "anthropic", "sdk", "portable-with-work"),
        ]
    );
}

#[test]
fn ollama_s_own_client_is_a_self_hosted_server_not_a_vendor() {
    // A Go file that speaks Ollama's API with its own types: `ToolCalls` is no OpenAI lock-in.
    let go = "package ollama\n\nimport \"github.com/ollama/ollama/api\"\n\n\
              func from(m Message) api.Message {\n\treturn api.Message{Role: m.Role, ToolCalls: calls(m)}\n}\n";
    let scan = scan_one("format.go", go);
    assert!(scan.findings.is_empty(), "{:?}", scan.findings);
    assert!(
        scan.skipped[0].reason.contains("self-hosted server")
            && scan.skipped[0]
                .reason
                .contains("github.com/ollama/ollama/api"),
        "{:?}",
        scan.skipped
    );
    // Beside a vendor, the calls through Ollama's client go, and the vendor's stay its own.
    let py = "import anthropic\nimport ollama\n\nclaude = anthropic.Anthropic()\n\
              local = ollama.Client(host=\"http://gpu-box:11434\")\n\n\
              def ask_claude(q):\n    return claude.messages.create(model=M, messages=q, tools=T)\n\n\
              def ask_local(q):\n    return local.chat(model=\"llama3.1\", messages=q, tools=T)\n";
    assert_eq!(tool_vendors("mixed.py", py), [(8, "anthropic")]);
    // A file converting Ollama's messages, which names another vendor only by a feature word
    // (Anthropic's `"tool_use"` blocks), talks to Ollama (langchainjs'
    // `langchain-ollama/src/utils.ts`).
    let convert = "import type { Message, ToolCall } from \"ollama\";\n\
                   export const toLc = (m: Message) => ({ calls: m.tool_calls });\n\
                   const blocks = (c) => c.filter((b) => b.type === \"tool_use\");\n";
    let scan = scan_one("utils.ts", convert);
    assert!(scan.findings.is_empty(), "{:?}", scan.findings);
    // A provider named "ollama" in an options object is no import of its client.
    let ts = "import Anthropic from \"@anthropic-ai/sdk\";\nconst providers = { local: \"ollama\" };\n\
              await new Anthropic().messages.create({ model, tools, tool_choice: { type: \"auto\" } });\n";
    assert_eq!(tool_vendors("providers.ts", ts), [(3, "anthropic")]);
}
