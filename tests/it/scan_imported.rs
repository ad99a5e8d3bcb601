//! `modelswap scan`: calls through clients the project makes, followed from the call to the
//! construction: a call with no vendor word of its own, a client a function returns, a file that
//! imports an SDK only for its types, a name assigned a client in one function and not another,
//! calls shaped like a vendor's API that another SDK makes, and calls through a client made for
//! an API compatible with its SDK's.

use modelswap::lockin::{self, Scan, ScanOptions};

use crate::common::write;
use crate::scan_coverage::{found, scan_one};

/// `files` (path, text) written into a fresh directory and scanned.
pub(crate) fn scan_files(files: &[(&str, &str)]) -> Scan {
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(&tmp.path().join(name), text);
    }
    lockin::scan(tmp.path(), &ScanOptions::default()).unwrap()
}

/// A chat call found: its file, line and vendor, and the client it goes through (file, name, line).
type Call<'s> = (&'s str, u32, &'static str, Option<(&'s str, &'s str, u32)>);

fn chat_calls(scan: &Scan) -> Vec<Call<'_>> {
    (scan.findings.iter())
        .filter(|f| f.feature.id() == "chat")
        .map(|f| {
            let client = (f.client.as_ref()).map(|c| (c.file.as_str(), c.name.as_str(), c.line));
            (f.file.as_str(), f.line, f.vendor.id(), client)
        })
        .collect()
}

#[test]
fn a_call_with_no_vendor_word_goes_through_the_client_another_module_makes() {
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
    let scan = scan_files(&files);
    let calls = chat_calls(&scan);
    assert_eq!(
        calls,
        [
            (
                "app/routes.py",
                5,
                "anthropic",
                Some(("app/llm.py", "claude", 2))
            ),
            (
                "web/pages/chat.ts",
                2,
                "aws-bedrock",
                Some(("web/lib/claude.ts", "claude", 2))
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
    let scan = scan_files(&files);
    let calls = chat_calls(&scan);
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
    let scan = scan_files(&files);
    let calls = chat_calls(&scan);
    assert_eq!(
        calls,
        [
            (
                "app/agent.py",
                7,
                "anthropic",
                Some(("app/llm.py", "get_client()", 4))
            ),
            ("jobs/own.py", 4, "anthropic", None),
            (
                "web/app/route.ts",
                4,
                "anthropic",
                Some(("web/lib/anthropic.ts", "anthropic", 2))
            ),
        ]
    );
}

#[test]
fn calls_through_assigned_clients_follow_the_last_assignment_in_their_function() {
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
    let scan = scan_files(&files);
    let calls = chat_calls(&scan);
    assert_eq!(
        calls,
        [
            (
                "app/batch.py",
                4,
                "openai",
                Some(("app/llm.py", "client", 7))
            ),
            (
                "app/notify.py",
                8,
                "anthropic",
                Some(("app/llm.py", "claude_client()", 5))
            ),
            (
                "app/route.py",
                4,
                "openai",
                Some(("app/llm.py", "client", 7))
            ),
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

#[test]
fn what_an_imported_client_of_a_compatible_api_shares_with_it_is_that_api_s() {
    // An OpenAI client pointed at Groq, made in one module and called from another: the call
    // and its tool choice are Groq's, as they are in the module that makes the client.
    let files = [
        (
            "app/llm.py",
            "from openai import OpenAI\nclient = OpenAI(base_url=\"https://api.groq.com/openai/v1\", api_key=k)\n",
        ),
        (
            "app/routes.py",
            "from app.llm import client\n\ndef ask(q):\n    return client.chat.completions.create(model=M, messages=q, tools=T, tool_choice=\"auto\")\n",
        ),
        (
            "app/same_file.py",
            "from openai import OpenAI\nclient = OpenAI(base_url=\"https://api.groq.com/openai/v1\", api_key=k)\n\
             client.chat.completions.create(model=M, messages=q, tools=T, tool_choice=\"auto\")\n",
        ),
    ];
    let scan = scan_files(&files);
    let mut calls: Vec<_> = (scan.findings.iter())
        .filter(|f| ["chat", "tool-calling"].contains(&f.feature.id()))
        .map(|f| (f.file.as_str(), f.line, f.feature.id(), f.vendor.id()))
        .collect();
    calls.sort();
    assert_eq!(
        calls,
        [
            ("app/routes.py", 4, "chat", "groq"),
            ("app/routes.py", 4, "tool-calling", "groq"),
            ("app/same_file.py", 3, "chat", "groq"),
            ("app/same_file.py", 3, "tool-calling", "groq"),
        ]
    );
}

#[test]
fn a_client_re_exported_by_a_package_or_a_barrel_is_its_maker_s() {
    // `app/llm/__init__.py` and `web/lib/index.ts` make no client: they pass one on.
    let files = [
        (
            "app/llm/client.py",
            "from openai import OpenAI\nclient = OpenAI()\n",
        ),
        (
            "app/llm/__init__.py",
            "from .client import client\n\n__all__ = [\"client\"]\n",
        ),
        (
            "app/api/routes.py",
            "from app.llm import client\n\ndef ask(q):\n    return client.chat.completions.create(model=M, messages=q)\n",
        ),
        (
            "web/lib/claude.ts",
            "import Anthropic from \"@anthropic-ai/sdk\";\nexport const claude = new Anthropic();\n",
        ),
        ("web/lib/index.ts", "export * from \"./claude\";\n"),
        (
            "web/page.ts",
            "import { claude } from \"./lib\";\nexport const chat = (q) => claude.messages.create({ model: M, max_tokens: 100, messages: q });\n",
        ),
    ];
    let scan = scan_files(&files);
    assert_eq!(
        chat_calls(&scan),
        [
            (
                "app/api/routes.py",
                4,
                "openai",
                Some(("app/llm/client.py", "client", 2))
            ),
            (
                "web/page.ts",
                2,
                "anthropic",
                Some(("web/lib/claude.ts", "claude", 2))
            ),
        ]
    );
}

#[test]
fn a_re_export_is_read_only_under_the_root_and_within_the_size_limit() {
    let claude =
        "import Anthropic from \"@anthropic-ai/sdk\";\nexport const claude = new Anthropic();\n";
    let call = "export const chat = (q) => claude.messages.create({ model: M, max_tokens: 100, messages: q });\n";
    // A barrel over the 2 MiB limit is not read; a module name climbing out of the root is not
    // followed. Neither call is found (no vendor word, no client), and nothing panics.
    let big = format!(
        "export * from \"./claude\";\n{}",
        "// padding\n".repeat(300_000)
    );
    let page = format!("import {{ claude }} from \"./lib\";\n{call}");
    let out = format!("import {{ claude }} from \"a/../../../outside/claude\";\n{call}");
    let files = [
        ("web/lib/claude.ts", claude),
        ("web/lib/index.ts", big.as_str()),
        ("web/page.ts", page.as_str()),
        ("web/out.ts", out.as_str()),
    ];
    let scan = scan_files(&files);
    assert!(chat_calls(&scan).is_empty(), "{:?}", chat_calls(&scan));
    assert!(scan.skipped.iter().any(|s| s.file == "web/lib/index.ts"));
}
