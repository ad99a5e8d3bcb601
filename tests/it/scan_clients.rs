//! `modelswap scan`: whose client a call goes through. The syntax tree binds names to vendors
//! (imports, CommonJS `require`, constructions, class fields, a name bound again), notebooks are
//! attributed cell by cell in one text, a client pointed at a self-hosted server is no vendor,
//! and a client made in one module and called from others is one integration point.

use modelswap::lockin::{self, ScanOptions};

use crate::common::write;
use crate::scan_coverage::{found, notebook, scan_one};

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
fn tool_vendors(name: &str, text: &str) -> Vec<(u32, &'static str)> {
    (scan_one(name, text).findings.iter())
        .filter(|f| f.feature.id() == "tool-calling")
        .map(|f| (f.line, f.vendor.id()))
        .collect()
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
    let tmp = tempfile::tempdir().unwrap();
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
    for (name, text) in files {
        write(&tmp.path().join(name), text);
    }
    let scan = lockin::scan(tmp.path(), &ScanOptions::default()).unwrap();
    let mut points: Vec<_> = (scan.integration_points.iter())
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
    let tmp = tempfile::tempdir().unwrap();
    write(
        &tmp.path().join("local/engine.py"),
        "from openai import OpenAI\nclient = OpenAI(base_url=\"http://localhost:11434/v1\", api_key=\"ollama\")\n",
    );
    write(
        &tmp.path().join("local/agent.py"),
        "from local.engine import client\n\ndef ask(m):\n    return client.chat.completions.create(model=\"llama3.1\", messages=m, response_format={\"type\": \"json_object\"})\n",
    );
    let scan = lockin::scan(tmp.path(), &ScanOptions::default()).unwrap();
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
fn a_call_with_no_vendor_word_goes_through_the_client_another_module_makes() {
    let tmp = tempfile::tempdir().unwrap();
    let files = [
        (
            "app/llm.py",
            "from anthropic import Anthropic\nclaude = Anthropic()\n",
        ),
        // No model id, key or import of a vendor: only the call says what it is.
        (
            "app/routes.py",
            "from app.llm import claude\nfrom app.config import MODEL\n\ndef ask(q):\n    return claude.messages.create(model=MODEL, max_tokens=512, messages=q)\n",
        ),
        // Bedrock's client: its callers' calls are Bedrock's.
        (
            "web/lib/claude.ts",
            "import { AnthropicBedrock } from \"@anthropic-ai/bedrock-sdk\";\nexport const claude = new AnthropicBedrock();\n",
        ),
        (
            "web/pages/chat.ts",
            "import { claude } from \"../lib/claude\";\nexport const chat = (q) => claude.messages.create({ model: MODEL, max_tokens: 100, messages: q });\n",
        ),
        // Twilio's `messages.create`, through a client made here or in another module: no vendor.
        (
            "notify/sms.py",
            "from twilio.rest import Client\ntwilio = Client(SID, TOKEN)\ntwilio.messages.create(to=n, from_=f, body=b)\n",
        ),
        (
            "notify/alerts.py",
            "from notify.sms import twilio\n\ndef alert(n):\n    twilio.messages.create(to=n, body=\"down\")\n",
        ),
    ];
    for (name, text) in files {
        write(&tmp.path().join(name), text);
    }
    let scan = lockin::scan(tmp.path(), &ScanOptions::default()).unwrap();
    let calls: Vec<_> = (scan.findings.iter())
        .filter(|f| f.feature.id() == "chat")
        .map(|f| {
            let client = f.client.as_ref().map(|c| (c.file.as_str(), c.line));
            (f.file.as_str(), f.line, f.vendor.id(), client)
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("app/routes.py", 5, "anthropic", Some(("app/llm.py", 2))),
            (
                "web/pages/chat.ts",
                2,
                "aws-bedrock",
                Some(("web/lib/claude.ts", 2))
            ),
        ]
    );
    assert!(
        !scan.findings.iter().any(|f| f.file.starts_with("notify/")),
        "{:?}",
        scan.findings
    );
}

#[test]
fn a_client_a_function_makes_is_one_point_with_the_calls_through_what_it_returns() {
    let tmp = tempfile::tempdir().unwrap();
    let files = [
        (
            "app/core/llm.py",
            "import anthropic\nfrom functools import lru_cache\n\n@lru_cache\ndef anthropic_client(**options):\n    return anthropic.Anthropic(**options)\n",
        ),
        // The import inside the function, the client bound to what it returns, no vendor word.
        (
            "app/meetings.py",
            "from app.core.config import settings\n\ndef summarise(t):\n    from app.core.llm import anthropic_client\n    client = anthropic_client(timeout=60.0)\n    return client.messages.create(model=settings.ai_model, max_tokens=1536, messages=t)\n",
        ),
        (
            "web/lib/openai.ts",
            "import OpenAI from \"openai\";\nexport const getOpenAI = () => new OpenAI({ apiKey: process.env.OPENAI_API_KEY });\n",
        ),
        (
            "web/pages/sum.ts",
            "import { getOpenAI } from \"../lib/openai\";\nconst r = await getOpenAI().chat.completions.create({ model, messages });\n",
        ),
        // A client the function binds once and returns.
        (
            "web/lib/claude.js",
            "import Anthropic from \"@anthropic-ai/sdk\";\nlet client;\nexport function claude() {\n  if (!client) client = new Anthropic();\n  return client;\n}\n",
        ),
        (
            "web/pages/ask.js",
            "import { claude } from \"../lib/claude.js\";\nconst c = claude();\nexport const ask = (q) => c.messages.create({ model: MODEL, max_tokens: 64, messages: q });\n",
        ),
        // A response is no client: a call through it is not one through the function.
        (
            "web/pages/text.ts",
            "import { getOpenAI } from \"../lib/openai\";\nconst done = await getOpenAI().chat.completions.create({ model, messages });\nconst more = done.choices.map((c) => c.message);\n",
        ),
    ];
    for (name, text) in files {
        write(&tmp.path().join(name), text);
    }
    let scan = lockin::scan(tmp.path(), &ScanOptions::default()).unwrap();
    let calls: Vec<_> = (scan.findings.iter())
        .filter(|f| f.feature.id() == "chat")
        .map(|f| {
            let c = f.client.as_ref();
            let client = c.map(|c| (c.file.as_str(), c.name.as_str(), c.line));
            (f.file.as_str(), f.line, f.vendor.id(), client)
        })
        .collect();
    assert_eq!(
        calls,
        [
            (
                "app/meetings.py",
                6,
                "anthropic",
                Some(("app/core/llm.py", "anthropic_client()", 6))
            ),
            (
                "web/pages/ask.js",
                3,
                "anthropic",
                Some(("web/lib/claude.js", "claude()", 4))
            ),
            (
                "web/pages/sum.ts",
                2,
                "openai",
                Some(("web/lib/openai.ts", "getOpenAI()", 2))
            ),
            (
                "web/pages/text.ts",
                2,
                "openai",
                Some(("web/lib/openai.ts", "getOpenAI()", 2))
            ),
        ]
    );
    let points: Vec<_> = (scan.integration_points.iter())
        .map(|p| (p.file.as_str(), p.call_sites.len()))
        .collect();
    assert_eq!(
        points,
        [
            ("app/core/llm.py", 1),
            ("web/lib/claude.js", 1),
            ("web/lib/openai.ts", 2)
        ]
    );
}

#[test]
fn a_call_shaped_like_a_vendor_api_another_sdk_makes_is_not_that_vendors() {
    // Twilio's `messages.create` beside OpenAI: no Anthropic finding.
    let sms = "from openai import OpenAI\nfrom twilio.rest import Client\noa = OpenAI()\nsms = Client(SID, TOKEN)\n\
               reply = oa.chat.completions.create(model=\"gpt-4o-mini\", messages=m)\n\
               sms.messages.create(to=n, body=reply)\n";
    assert_eq!(
        found(&scan_one("notify.py", sms)),
        [
            (1, "openai", "sdk", "portable"),
            (5, "openai", "chat", "portable"),
            (5, "openai", "model-id", "portable-with-work"),
        ]
    );
    // instructor's `messages.create` over Cohere's client is not Anthropic's.
    let wrapped =
        "import cohere\nimport instructor\nclient = instructor.from_cohere(cohere.Client())\n\
                   group = client.messages.create(response_model=Group, messages=m)\n";
    let vendors: Vec<_> = (scan_one("wrapped.py", wrapped).findings.iter())
        .map(|f| f.vendor.id())
        .collect();
    assert!(!vendors.contains(&"anthropic"), "{vendors:?}");
}

#[test]
fn a_file_that_imports_an_sdk_for_its_types_calls_through_the_projects_client() {
    let tmp = tempfile::tempdir().unwrap();
    let files = [
        (
            "app/llm.py",
            "import anthropic\n\ndef get_client():\n    return anthropic.AsyncAnthropic()\n",
        ),
        // `anthropic` for its errors; the client from the project.
        (
            "app/agent.py",
            "import anthropic\nfrom app.llm import get_client\n\nasync def run(m):\n    client = get_client()\n    try:\n        return await client.messages.create(model=\"claude-sonnet-4-5\", max_tokens=64, messages=m)\n    except anthropic.APIError:\n        return None\n",
        ),
        (
            "web/lib/anthropic.ts",
            "import Anthropic from \"@anthropic-ai/sdk\";\nexport const anthropic = new Anthropic();\n",
        ),
        // A type-only import of the SDK, the client from the project.
        (
            "web/app/route.ts",
            "import type Anthropic from \"@anthropic-ai/sdk\";\nimport { anthropic } from \"@/lib/anthropic\";\nconst blocks: Anthropic.ContentBlockParam[] = [];\nconst r = await anthropic.messages.create({ model: \"claude-sonnet-4-5\", max_tokens: 64, messages });\n",
        ),
        // A file that makes its own client keeps it.
        (
            "jobs/own.py",
            "import anthropic\nfrom app.llm import get_client\nclient = anthropic.Anthropic()\nclient.messages.create(model=\"claude-sonnet-4-5\", max_tokens=64, messages=m)\n",
        ),
    ];
    for (name, text) in files {
        write(&tmp.path().join(name), text);
    }
    let scan = lockin::scan(tmp.path(), &ScanOptions::default()).unwrap();
    let calls: Vec<_> = (scan.findings.iter())
        .filter(|f| f.feature.id() == "chat")
        .map(|f| {
            let client = f.client.as_ref().map(|c| (c.file.as_str(), c.line));
            (f.file.as_str(), f.line, client)
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("app/agent.py", 7, Some(("app/llm.py", 4))),
            ("jobs/own.py", 4, None),
            ("web/app/route.ts", 4, Some(("web/lib/anthropic.ts", 2))),
        ]
    );
}

#[test]
fn calls_through_assigned_clients_follow_the_last_assignment_in_their_function() {
    let tmp = tempfile::tempdir().unwrap();
    let files = [
        (
            "app/llm.py",
            "from openai import OpenAI\nimport anthropic\n\ndef claude_client():\n    return anthropic.Anthropic()\n\nclient = OpenAI(base_url=\"https://openrouter.ai/api/v1\")\nfast = client.with_options(timeout=5)\n",
        ),
        // The function's own `client` is Twilio's; `self.client` is the factory's.
        (
            "app/notify.py",
            "from app.llm import claude_client\n\nclass Bot:\n    def __init__(self):\n        self.client = claude_client()\n\n    def ask(self, m):\n        return self.client.messages.create(model=M, max_tokens=9, messages=m)\n\ndef sms(n):\n    client = make_twilio()\n    client.messages.create(to=n, body=\"x\")\n",
        ),
        // A model id of another vendor through the project's OpenAI client: still the call.
        (
            "app/route.py",
            "from app.llm import client\n\ndef r(m):\n    return client.chat.completions.create(model=\"claude-3-5-sonnet-latest\", messages=m)\n",
        ),
        // A client derived from another is that client.
        (
            "app/batch.py",
            "from app.llm import fast\n\ndef b(m):\n    return fast.chat.completions.create(model=M, messages=m)\n",
        ),
    ];
    for (name, text) in files {
        write(&tmp.path().join(name), text);
    }
    let scan = lockin::scan(tmp.path(), &ScanOptions::default()).unwrap();
    let calls: Vec<_> = (scan.findings.iter())
        .filter(|f| f.feature.id() == "chat")
        .map(|f| {
            let client = f.client.as_ref().map(|c| (c.name.as_str(), c.line));
            (f.file.as_str(), f.line, client)
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("app/batch.py", 4, Some(("client", 7))),
            ("app/notify.py", 8, Some(("claude_client()", 5))),
            ("app/route.py", 4, Some(("client", 7))),
        ]
    );
}

#[test]
fn crlf_lines_multi_line_imports_and_bytes_that_are_not_characters() {
    let chained = "import OpenAI from 'openai';\r\nconst openai = new OpenAI();\r\nconst s = await openai.chat.completions\r\n  .stream({ model, messages });\r\n";
    let chained = scan_one("stream.ts", chained);
    assert!(
        (chained.findings.iter()).any(|f| f.line == 3 && f.feature.id() == "chat"),
        "{:?}",
        chained.findings
    );
    // Two clients of one vendor whose names an import spanning lines brings in.
    let two = "import {\n  OpenAI,\n} from \"openai\";\nconst a = new OpenAI();\nconst b = new OpenAI({ baseURL: url });\n\
               await a.chat.completions.create({ model, messages });\nawait b.chat.completions.create({ model, messages });\n";
    let points: Vec<_> = (scan_one("two.ts", two).integration_points.iter())
        .map(|p| (p.line, p.client.clone()))
        .collect();
    assert_eq!(
        points,
        [(4, Some("a".to_string())), (5, Some("b".to_string()))]
    );
    // A Ruby rule may match from inside a multi-byte character: no panic, the finding stands.
    let ruby = scan_one("x.rb", "require \"anthropic\"\nputs \"\u{e9}:tool_use\"\n");
    assert!(!ruby.findings.is_empty());
}
