#!/usr/bin/env python3
"""Writes a synthetic codebase for the `modelswap scan` benchmark.

The tree looks like a large monorepo: services in Python, TypeScript, Go and Java with
configuration and docs beside them, about 2% of source files calling an AI vendor's SDK, a
`.gitignore`d build folder, a node_modules folder, a few binary assets and a few generated files
over the scan's size limit. The same seed gives the same tree, byte for byte.

    python3 scripts/gen_scan_tree.py --out target/scan-tree --files 100000 --mb 1000
"""

import argparse
import json
import math
import os
import random
import shutil

WORDS = (
    "account order invoice customer ticket shipment payment refund user session cache queue "
    "report metric event record batch token price quote stock item cart report region tenant "
    "policy claim audit ledger balance schedule job worker client server handler request "
    "response config limit retry timeout window buffer stream index search filter"
).split()

# Lines of ordinary code per language, with {a}/{b}/{c} filled by identifiers and {n} by numbers.
CODE = {
    "py": [
        "def {a}_{b}(self, {c}: str, limit: int = {n}) -> list[dict]:",
        "    {a} = self.{b}_repository.find_by_{c}({c}_id)",
        "    if not {a}:",
        "        raise {A}NotFound(f\"{a} {{{c}_id}} not found\")",
        "    return [{b}.to_dict() for {b} in {a} if {b}.{c} is not None]",
        "    logger.info(\"%s %s processed in %.2f ms\", {a}, {b}, elapsed * 1000)",
        "class {A}{B}Service:",
        "    \"\"\"Keeps {a} and {b} in step for the {c} pipeline.\"\"\"",
        "    total = sum({a}.amount for {a} in {b}s if {a}.status == \"{c}\")",
        "    with self.session.begin():",
        "        self.session.add({A}{B}(id={a}_id, {c}={c}, created_at=now()))",
        "import {a}_{b}",
        "from .{a} import {A}{B}, {A}{C}",
        "    for {a}, {b} in zip({a}s, {b}s, strict=True):",
        "        {c}[{a}.id] = {b}.value * {n}",
        "    # Retry a few times: the {a} service drops connections under load.",
        "    await asyncio.sleep(backoff * {n} / 1000)",
        "    return {A}{B}Response({a}={a}, {b}={b}, total={n})",
        "",
    ],
    "ts": [
        "export async function {a}{B}({c}: {C}Id): Promise<{A}{B}[]> {{",
        "  const {a} = await db.{b}.findMany({{ where: {{ {c}Id: {c} }}, take: {n} }});",
        "  if (!{a}) throw new NotFoundError(`{a} ${{{c}}} not found`);",
        "  return {a}.map(({b}) => ({{ ...{b}, {c}: {b}.{c} ?? null }}));",
        "}}",
        "import {{ {A}{B}, {A}{C} }} from \"@/lib/{a}\";",
        "export interface {A}{B} {{",
        "  {a}: string;",
        "  {b}?: number;",
        "  {c}: \"{a}\" | \"{b}\" | \"{c}\";",
        "const {a}{B} = useMemo(() => {b}s.filter((x) => x.{c} > {n}), [{b}s]);",
        "  logger.debug(\"{a} {b}\", {{ {c}, elapsed: Date.now() - started }});",
        "  // Keep the {a} list stable across renders: the {b} grid re-sorts on change.",
        "  return <{A}{B} {c}={{{c}}} onChange={{set{A}}} />;",
        "",
    ],
    "go": [
        "func (s *{A}Service) {B}{C}(ctx context.Context, id string) (*{A}{B}, error) {{",
        "\t{a}, err := s.store.Get{B}(ctx, id)",
        "\tif err != nil {{",
        "\t\treturn nil, fmt.Errorf(\"{a} %s: %w\", id, err)",
        "\t}}",
        "\tfor _, {b} := range {a}.{C}s {{",
        "\t\ttotal += {b}.Amount * {n}",
        "type {A}{B} struct {{",
        "\t{A}    string `json:\"{a}\"`",
        "\t{B}{C} int64  `json:\"{b}_{c}\"`",
        "// {A}{B} keeps the {c} counters of one {a}.",
        "\tlog.Printf(\"{a}: %d {b} in %s\", len({b}s), time.Since(start))",
        "\treturn &{A}{B}{{{A}: {a}, {B}{C}: {n}}}, nil",
        "",
    ],
    "java": [
        "public {A}{B} {a}{B}(String {c}Id) throws {A}Exception {{",
        "    {A} {a} = {b}Repository.findById({c}Id).orElseThrow();",
        "    if ({a}.get{B}() > {n}) {{",
        "        log.info(\"{a} {{}} over limit\", {a}.getId());",
        "    }}",
        "    return new {A}{B}({a}, {b}Service.current{C}());",
        "}}",
        "import com.acme.{a}.{A}{B};",
        "@Transactional(readOnly = true)",
        "private final {A}{C}Repository {a}{C}Repository;",
        "    // Sorted by {b}: the {c} report reads them in order.",
        "    {a}s.sort(Comparator.comparing({A}::get{B}));",
        "",
    ],
    "json": [
        "  \"{a}\": {{ \"{b}\": {n}, \"{c}\": \"{a}-{b}\" }},",
        "  \"{a}_{b}\": [\"{c}\", \"{a}\"],",
    ],
    "yaml": [
        "{a}:",
        "  {b}: {n}",
        "  {c}_url: https://{a}.internal:{n}/{b}",
        "  - name: {a}-{b}",
        "    enabled: true",
    ],
    "md": [
        "## {A} {b}",
        "The {a} service reads {b} events and writes {c} records; see the runbook.",
        "- {a}: {b} ({n} per second at peak)",
        "",
    ],
}

# Vendor calls dropped into about 2% of source files, as a team would write them.
AI = {
    "py": [
        "from openai import OpenAI",
        "client = OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])",
        "response = client.chat.completions.create(model=\"gpt-4o-mini\", messages=messages, tools=TOOLS, tool_choice=\"auto\", seed=7)",
        "vectors = client.embeddings.create(model=\"text-embedding-3-small\", input=texts)",
        "import anthropic",
        "message = anthropic.Anthropic().messages.create(model=\"claude-3-5-haiku-latest\", max_tokens=512, messages=messages)",
    ],
    "ts": [
        "import OpenAI from \"openai\";",
        "const completion = await openai.chat.completions.create({ model: \"gpt-4.1-mini\", response_format: { type: \"json_object\" }, messages });",
        "import { GoogleGenAI } from \"@google/genai\";",
        "const result = await ai.models.generateContent({ model: \"gemini-2.0-flash\", contents });",
    ],
    "go": [
        "\t\"github.com/openai/openai-go\"",
        "\tresp, err := client.Chat.Completions.New(ctx, params)",
        "\tout, err := client.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(\"anthropic.claude-3-5-sonnet-20240620-v1:0\")})",
    ],
    "java": [
        "import com.openai.client.OpenAIClient;",
        "ChatCompletion completion = client.chat().completions().create(params);",
    ],
}

EXT = {"py": ".py", "ts": ".ts", "go": ".go", "java": ".java", "json": ".json", "yaml": ".yaml", "md": ".md"}
MIX = [("py", 30), ("ts", 30), ("go", 15), ("java", 10), ("json", 5), ("yaml", 5), ("md", 5)]


def pool(rng: random.Random, templates: list[str], size: int) -> list[str]:
    def fill(t: str) -> str:
        a, b, c = rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS)
        return t.format(a=a, b=b, c=c, A=a.title(), B=b.title(), C=c.title(), n=rng.randint(1, 9999))

    return [fill(rng.choice(templates)) + "\n" for _ in range(size)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--mb", type=float, default=1000, help="total size to aim for, in MB (10^6 bytes)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    pools = {lang: pool(rng, t, 4000) for lang, t in CODE.items()}
    langs = [l for l, w in MIX for _ in range(w)]
    mean = args.mb * 1e6 / args.files
    # Log-normal sizes (many small files, a long tail), scaled to the mean.
    sigma = 0.9
    mu = math.log(mean) - sigma * sigma / 2

    os.makedirs(args.out)
    with open(os.path.join(args.out, ".gitignore"), "w") as f:
        f.write("dist/\n*.log\n")
    total = 0
    counts = {"files": 0, "ai_files": 0, "ignored": 0, "binary": 0, "huge": 0}
    for i in range(args.files):
        service, package = i % 60, (i // 60) % 25
        base = os.path.join(args.out, f"services/svc{service:02d}/pkg{package:02d}")
        kind = i % 1000
        if kind == 0:  # a build output under the ignored dist/
            path, lang = os.path.join(args.out, f"dist/bundle{i}.js"), "ts"
            counts["ignored"] += 1
        elif kind == 1:  # a vendored SDK under node_modules
            path, lang = os.path.join(args.out, f"web/node_modules/openai/src/f{i}.ts"), "ts"
            counts["ignored"] += 1
        elif kind == 2:  # an image asset
            path = os.path.join(base, f"asset{i}.py")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            data = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + rng.randbytes(int(rng.lognormvariate(mu, sigma)))
            with open(path, "wb") as f:
                f.write(data)
            total += len(data)
            counts["binary"] += 1
            counts["files"] += 1
            continue
        else:
            lang = rng.choice(langs)
            path = os.path.join(base, f"{rng.choice(WORDS)}_{i}{EXT[lang]}")
        size = int(min(max(rng.lognormvariate(mu, sigma), 200), 400_000))
        if i % 10_000 == 3:  # generated code over the 2 MiB limit
            size = 3_000_000
            counts["huge"] += 1
        lines = pools[lang]
        avg = sum(map(len, lines[:200])) / 200
        body = rng.choices(lines, k=max(1, int(size / avg)))
        if lang in AI and rng.random() < 0.02:
            for snippet in rng.sample(AI[lang], k=min(3, len(AI[lang]))):
                body.insert(rng.randrange(len(body) + 1), snippet + "\n")
            counts["ai_files"] += 1
        text = "".join(body).encode()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(text)
        total += len(text)
        counts["files"] += 1
    counts["bytes"] = total
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
