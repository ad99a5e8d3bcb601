#!/usr/bin/env python3
"""Regenerates src/cost/prices.json, modelswap's built-in price table, from the price file that the
PyPI package `litellm` carries (model_prices_and_context_window_backup.json).

    python3 scripts/import_prices.py                      # read_on = today
    python3 scripts/import_prices.py --read-on 2026-11-22 # reproduce a committed table

The wheel is downloaded with pip into a temporary folder and checked against the pinned sha256;
nothing from it is installed or run, only the JSON file is read out of the archive. To move to a
newer litellm, change LITELLM_VERSION, WHEEL and WHEEL_SHA256 together (pip prints the file name;
`sha256sum` gives the hash) and review the diff of prices.json.

What is kept, and why:
- chat models of OpenAI, Anthropic, Google Gemini (the Gemini API, not Vertex) and Azure OpenAI
  (OpenAI models on Azure, global pay-as-you-go; regional and data-zone entries are left out);
- only models still served on the day the table is read: an entry whose deprecation date has
  passed is dropped, and so are fine-tuned (`ft:`) prices, which apply only to one's own
  fine-tunes;
- only entries with a positive input and output price: a 0 in the source means a free
  experimental tier or a missing figure, and a wrong $0 is worse than an unknown price;
- no special-purpose variants (audio, search, computer use, TTS, image, deep research,
  robotics, music): they bill per second, query or image on top of tokens, which a record does
  not capture.
Prices are converted from USD per token to USD per million tokens.
"""

import argparse
import datetime
import hashlib
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import zipfile

LITELLM_VERSION = "1.109.1"
# A platform wheel (the package ships no pure-Python one); the exact file is requested below so
# the same bytes come back on any machine.
WHEEL = f"litellm-{LITELLM_VERSION}-cp310-abi3-manylinux_2_28_x86_64.whl"
WHEEL_SHA256 = "1c8b4dd671fa0cd0850aa751678704ff77e595fb1e6085b2dc3be39ee19bdaaf"
MEMBER = "litellm/model_prices_and_context_window_backup.json"
SOURCE = f"litellm {LITELLM_VERSION} model_prices_and_context_window_backup.json"

OUT = pathlib.Path(__file__).resolve().parent.parent / "src" / "cost" / "prices.json"

# litellm provider -> (modelswap provider kind, key prefix to strip)
VENDORS = {
    "openai": ("openai", ""),
    "anthropic": ("anthropic", ""),
    "gemini": ("gemini", "gemini/"),
    "azure": ("azure-openai", "azure/"),
}
SPECIAL_PURPOSE = re.compile(
    r"audio|search|computer-use|tts|image|deep-research|robotics|lyria|realtime|transcribe"
)
# Azure also hosts other vendors' models; only OpenAI's are priced as azure-openai deployments.
AZURE_OPENAI_MODEL = re.compile(r"(gpt-|o\d|chat-latest)")
LONG_TIER = re.compile(r"input_cost_per_token_above_(\d+)k_tokens")


def per_mtok(per_token):
    """USD per token -> USD per million tokens, without float noise (1.5e-07 -> 0.15)."""
    return None if per_token is None else float(f"{per_token * 1e6:.10g}")


def rates(entry, suffix):
    """The input/output/cached rates of one tier (`suffix` e.g. "", "_batches")."""
    out = {
        "input_per_mtok": per_mtok(entry.get(f"input_cost_per_token{suffix}")),
        "output_per_mtok": per_mtok(entry.get(f"output_cost_per_token{suffix}")),
    }
    if None in out.values():
        return None
    cached = per_mtok(entry.get(f"cache_read_input_token_cost{suffix}"))
    if cached is not None:
        out["cached_input_per_mtok"] = cached
    return out


def long_context(entry):
    tiers = sorted({int(m.group(1)) for k in entry if (m := LONG_TIER.fullmatch(k))})
    if not tiers:
        return None
    # One tier per model is all a vendor publishes today; a second would need a list here.
    if len(tiers) > 1:
        sys.exit(f"more than one long-context tier in {entry}: extend the table format")
    above = tiers[0]
    tier = rates(entry, f"_above_{above}k_tokens")
    if tier is None:
        return None
    return {"above_input_tokens": above * 1000, **tier}


def convert(key, entry, read_on):
    kind, prefix = VENDORS[entry["litellm_provider"]]
    if not key.startswith(prefix):
        return None
    model = key[len(prefix):]
    if "/" in model or model.startswith("ft:") or SPECIAL_PURPOSE.search(model):
        return None
    if kind == "azure-openai" and not AZURE_OPENAI_MODEL.match(model):
        return None
    deprecated = entry.get("deprecation_date")
    if deprecated and deprecated <= read_on:
        return None
    base = rates(entry, "")
    if base is None or base["input_per_mtok"] <= 0 or base["output_per_mtok"] <= 0:
        return None
    price = dict(base)
    batch = rates(entry, "_batches")
    if batch is not None:
        price["batch"] = batch
    lc = long_context(entry)
    if lc is not None:
        price["long_context"] = lc
    out = {"vendor": kind, "model": model, "price": price}
    for field, name in (("max_input_tokens", "context_window"), ("max_output_tokens", "max_output_tokens")):
        if isinstance(entry.get(field), int):
            out[name] = entry[field]
    out["tools"] = bool(entry.get("supports_function_calling"))
    out["json_schema"] = bool(entry.get("supports_response_schema"))
    out["vision"] = bool(entry.get("supports_vision"))
    out["source"] = SOURCE
    out["read_on"] = read_on
    return out


def fetch(tmp):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", f"litellm=={LITELLM_VERSION}", "--no-deps",
         "--only-binary=:all:", "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
         "--implementation", "cp", "--dest", str(tmp), "--quiet"],
        check=True,
    )
    wheel = tmp / WHEEL
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{wheel.name}: sha256 {digest}, expected {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as z:
        return json.loads(z.read(MEMBER))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--read-on", default=datetime.date.today().isoformat(),
                        help="the date recorded as read_on (YYYY-MM-DD); also the cut-off for deprecations")
    args = parser.parse_args()
    datetime.date.fromisoformat(args.read_on)

    with tempfile.TemporaryDirectory(prefix="modelswap-litellm-") as tmp:
        source = fetch(pathlib.Path(tmp))

    entries = {}
    for key, entry in source.items():
        if not isinstance(entry, dict) or entry.get("mode") != "chat":
            continue
        if entry.get("litellm_provider") not in VENDORS:
            continue
        out = convert(key, entry, args.read_on)
        if out is None:
            continue
        ident = (out["vendor"], out["model"])
        # Gemini models appear both as `gemini/x` and `x`; keep one and refuse a conflict.
        if ident in entries and entries[ident] != out:
            sys.exit(f"{ident} appears twice with different figures in {MEMBER}")
        entries[ident] = out

    order = {kind: i for i, (kind, _) in enumerate(VENDORS.values())}
    rows = sorted(entries.values(), key=lambda e: (order[e["vendor"]], e["model"]))
    # One entry per line: small diffs when prices change.
    text = "[\n" + ",\n".join("  " + json.dumps(r, separators=(", ", ": ")) for r in rows) + "\n]\n"
    OUT.write_text(text)
    counts = {k: sum(r["vendor"] == k for r in rows) for k in order}
    print(f"wrote {OUT} ({len(rows)} models: {counts}) from {SOURCE}, read on {args.read_on}")


if __name__ == "__main__":
    main()
