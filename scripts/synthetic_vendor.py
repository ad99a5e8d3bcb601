#!/usr/bin/env python3
"""A synthetic OpenAI chat-completions server for recording the demo's closed-vendor cassette.

It is NOT a model and NOT a measurement of any vendor: it answers the demo suite's inputs from the
table below (19 of 20 right, as a strong hosted model would be) with latencies drawn from a seeded
distribution (TTFT 300-700 ms, ~70 tokens/s), streamed in OpenAI's SSE format with usage. The
cassette it produces is labelled "synthetic sample recording" in the suite and the report.

Usage: synthetic_vendor.py PORT   (stdlib only; serves until killed)
"""
import json
import random
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Substring of the user message -> answer.
ANSWERS = {
    "charged twice": "billing",
    "forgot my password": "account",
    "error 500": "technical",
    "refund the invoice": "billing",
    "crashes every time": "technical",
    "Where is my package": "shipping",
    "200 licenses": "sales",
    "change the email address": "account",
    "Order A-10293": "A-10293",
    "Tom Baker": "tom.baker@example.org",
    "LH 402": "LH 402",
    "INV-7731": "INV-7731",
    "12 plus 30": "42",
    "7 times 8": "56",
    "100 minus 1": "99",
    "capital of France": "The capital of France is Paris.",
    "capital of Japan": "The capital of Japan is Tokyo.",
    "Red Planet": "Mars is known as the Red Planet.",
    # The one miss: a subscript the suite's regex does not accept.
    "chemical symbol for water": "The chemical symbol for water is H\u2082O.",
    "days are in a week": "There are seven days in a week.",
}


def tokens(text):
    # A rough BPE-like count (~4 characters a token), enough for plausible usage figures.
    return max(1, round(len(text) / 4))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        messages = body["messages"]
        user = next(m["content"] for m in reversed(messages) if m["role"] == "user")
        answer = next((a for k, a in ANSWERS.items() if k in user), "I am not sure.")
        prompt_tokens = sum(tokens(m["content"]) + 4 for m in messages)
        rng = random.Random(user)  # the same case gets the same timings on every recording
        pieces = answer.split(" ")
        pieces = [p + (" " if i < len(pieces) - 1 else "") for i, p in enumerate(pieces)]
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()

        def event(obj):
            data = ("data: " + (obj if isinstance(obj, str) else json.dumps(obj)) + "\n\n").encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        time.sleep(rng.uniform(0.3, 0.7))
        for piece in pieces:
            event({"id": "chatcmpl-synthetic", "object": "chat.completion.chunk",
                   "choices": [{"index": 0, "delta": {"content": piece}}]})
            time.sleep(tokens(piece) / rng.uniform(60, 80))
        event({"id": "chatcmpl-synthetic", "object": "chat.completion.chunk",
               "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        event({"id": "chatcmpl-synthetic", "object": "chat.completion.chunk", "choices": [],
               "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": tokens(answer),
                         "prompt_tokens_details": {"cached_tokens": 0}}})
        event("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
