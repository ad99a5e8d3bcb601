#!/usr/bin/env python3
"""What transformers renders for each chat template of tests/fixtures/templates/: the strings
`kind: onnx`'s own rendering must reproduce exactly (src/provider/onnx/template.rs tests).

Usage: reference_templates.py   (with a Python that has `transformers`: pip install transformers)

Renders every *.jinja file of tests/fixtures/templates/ on each conversation below with
transformers' `render_jinja_template` — the code `tokenizer.apply_chat_template` runs — with the
model's bos/eos tokens and a fixed `date_string`, and writes tests/fixtures/templates/expected.json:
the conversations, and per template and conversation the rendered text or the template's own
error (`raise_exception`), so that the cases live in one place.
"""

from __future__ import annotations

import json
import os
import sys

import transformers
from transformers.utils.chat_template_utils import render_jinja_template

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
HERE = os.path.join(ROOT, "tests", "fixtures", "templates")
# Templates the set-up uses live with the scripts; the others are test fixtures only.
ELSEWHERE = {"google-gemma-3-it": "scripts/templates/google-gemma-3-it.jinja"}

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name, e.g. Paris"}},
            "required": ["city"],
        },
    },
}

CONVERSATIONS = {
    "user": {"messages": [{"role": "user", "content": "What is the capital of France?"}]},
    "system-user": {
        "messages": [
            {"role": "system", "content": "Answer in one short sentence."},
            {"role": "user", "content": "What is the capital of France?"},
        ]
    },
    "multi-turn": {
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Name a colour."},
            {"role": "assistant", "content": "Blue."},
            {"role": "user", "content": "Another, with ünïcödé and \"quotes\"."},
        ]
    },
    "tools": {
        "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
        "tools": [WEATHER],
    },
    "not-alternating": {
        "messages": [
            {"role": "user", "content": "Hello."},
            {"role": "user", "content": "Hello again."},
        ]
    },
}

# Each model's bos and eos tokens, as its tokenizer config names them.
SPECIAL = {
    "HuggingFaceTB-SmolLM2-135M-Instruct": ("<|im_start|>", "<|im_end|>"),
    "HuggingFaceTB-SmolLM3-3B": ("", "<|im_end|>"),
    "google-gemma-3-it": ("<bos>", "<eos>"),
    "microsoft-phi-4": ("<|endoftext|>", "<|im_end|>"),
    "Qwen-Qwen2.5-7B-Instruct": ("", "<|im_end|>"),
    "Qwen-Qwen3-0.6B": ("", "<|im_end|>"),
    "google-gemma-2-2b-it": ("<bos>", "<eos>"),
    "meta-llama-Llama-3.1-8B-Instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "meta-llama-Llama-3.2-3B-Instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "microsoft-Phi-3.5-mini-instruct": ("<s>", "<|endoftext|>"),
    "mistralai-Mistral-Nemo-Instruct-2407": ("<s>", "</s>"),
}
DATE = "04 Dec 2026"


def render(template: str, conversation: dict, bos: str, eos: str) -> dict:
    try:
        text = render_jinja_template(
            conversations=[conversation["messages"]],
            tools=conversation.get("tools"),
            chat_template=template,
            add_generation_prompt=True,
            bos_token=bos,
            eos_token=eos,
            date_string=DATE,
        )
        if isinstance(text, tuple):  # (rendered, generation indices) in some versions
            text = text[0]
        return {"text": text[0] if isinstance(text, list) else text}
    except Exception as e:  # the template's raise_exception (jinja2 TemplateError)
        return {"error": str(e)}


def main() -> int:
    out = {
        "reference": f"transformers {transformers.__version__} render_jinja_template",
        "date_string": DATE,
        "conversations": CONVERSATIONS,
        "templates": {},
    }
    for name in sorted(SPECIAL):
        path = ELSEWHERE.get(name, f"tests/fixtures/templates/{name}.jinja")
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            template = f.read()
        bos, eos = SPECIAL[name]
        out["templates"][name] = {
            "path": path,
            "bos_token": bos,
            "eos_token": eos,
            "renders": {c: render(template, conv, bos, eos) for c, conv in CONVERSATIONS.items()},
        }
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
