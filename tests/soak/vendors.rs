//! The five vendor kinds as the soak's server speaks them: each one's provider settings, its
//! answer, and its ways of failing, every failure echoing the key it was sent (as vendors do:
//! "Incorrect API key provided: sk-…").

use std::time::Duration;

use crate::vendor_server::{openai_json, openai_stream, Received, Reply};

/// The providers of a soak suite: every vendor kind streamed, and an engine answering whole
/// JSON bodies (the other parsing path).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Vendor {
    OpenAi,
    Azure,
    Anthropic,
    Gemini,
    Engine,
    EngineJson,
}

pub const VENDORS: [Vendor; 6] = [
    Vendor::OpenAi,
    Vendor::Azure,
    Vendor::Anthropic,
    Vendor::Gemini,
    Vendor::Engine,
    Vendor::EngineJson,
];

impl Vendor {
    /// The provider id, also the first segment of its requests' paths on the server.
    pub fn id(self) -> &'static str {
        match self {
            Vendor::OpenAi => "openai",
            Vendor::Azure => "azure",
            Vendor::Anthropic => "anthropic",
            Vendor::Gemini => "gemini",
            Vendor::Engine => "engine",
            Vendor::EngineJson => "engine-json",
        }
    }

    /// The vendor a request was addressed to.
    pub fn of(request: &Received) -> Option<Vendor> {
        let first = request.target.trim_start_matches('/').split('/').next()?;
        VENDORS.into_iter().find(|v| v.id() == first)
    }

    /// The secret this provider's key variable holds: one per provider, so that a leak names it.
    pub fn key(self) -> String {
        format!("sk-soak-{}-9f3c1a7e5b2d4c6f8a0b", self.id())
    }

    pub fn key_env(self) -> String {
        format!("SOAK_KEY_{}", self.id().replace('-', "_").to_uppercase())
    }

    /// The key a request carried, in this vendor's header.
    pub fn sent_key(self, request: &Received) -> Option<String> {
        let header = match self {
            Vendor::Azure => request.header("api-key"),
            Vendor::Anthropic => request.header("x-api-key"),
            Vendor::Gemini => request.header("x-goog-api-key"),
            _ => request
                .header("authorization")
                .and_then(|v| v.strip_prefix("Bearer ")),
        };
        header.map(str::to_string)
    }

    /// The provider's entry in a suite (YAML, indented under `providers:`).
    pub fn provider_yaml(
        self,
        base: &str,
        first_byte_timeout_s: f64,
        concurrency: usize,
    ) -> String {
        let id = self.id();
        let kind = match self {
            Vendor::OpenAi => format!("kind: openai, model: gpt-4o-mini, base_url: '{base}/{id}/v1'"),
            Vendor::Azure => format!(
                "kind: azure-openai, model: gpt-4o, deployment: d, api_version: '2024-10-21', base_url: '{base}/{id}'"
            ),
            Vendor::Anthropic => {
                format!("kind: anthropic, model: claude-3-5-haiku-20241022, base_url: '{base}/{id}'")
            }
            Vendor::Gemini => format!("kind: gemini, model: gemini-2.0-flash, base_url: '{base}/{id}'"),
            Vendor::Engine => format!("kind: openai-compatible, model: m, base_url: '{base}/{id}/v1'"),
            Vendor::EngineJson => format!(
                "kind: openai-compatible, model: m, base_url: '{base}/{id}/v1', stream: false"
            ),
        };
        format!(
            "  {id}: {{{kind}, api_key_env: {}, retries: 4, concurrency: {concurrency}, timeout_s: 10, first_byte_timeout_s: {first_byte_timeout_s}}}\n",
            self.key_env()
        )
    }

    /// A whole answer of `text`.
    pub fn answer(self, text: &str) -> Reply {
        match self {
            Vendor::EngineJson => Reply::json(openai_json(text, (10, 2, 0))),
            _ => Reply::sse(&self.events(text)),
        }
    }

    /// The answer cut off half-way, the connection closed (`reset`: reset) without its closing
    /// event.
    pub fn cut(self, text: &str, reset: bool) -> Reply {
        let events = match self {
            Vendor::EngineJson => {
                let body = openai_json(text, (10, 2, 0)).to_string();
                vec![body[..body.len() / 2].to_string()]
            }
            _ => {
                let mut events = self.events(text);
                events.truncate(events.len() / 2);
                events
            }
        };
        let events = events.into_iter().map(|e| (Duration::ZERO, e)).collect();
        if reset {
            Reply::StreamThenReset(events)
        } else {
            Reply::Stream(events)
        }
    }

    /// A response whose JSON is broken (and holds the key).
    pub fn malformed(self, key: &str) -> Reply {
        let broken = format!("{{\"id\": \"{key}\", \"choices\": [{{\"delta\": {{\"content\": \"x");
        match self {
            Vendor::EngineJson => Reply::Status(200, Vec::new(), broken),
            Vendor::Anthropic => {
                Reply::sse(&[format!("event: content_block_delta\ndata: {broken}\n\n")])
            }
            _ => Reply::sse(&[format!("data: {broken}\n\n")]),
        }
    }

    /// An error reported inside a successful (200) response, echoing the key.
    pub fn error_event(self, key: &str) -> Reply {
        let message = format!("upstream failed for key {key}");
        let event = match self {
            Vendor::Anthropic => format!(
                "event: error\ndata: {}\n\n",
                serde_json::json!({"type": "error", "error": {"type": "overloaded_error", "message": message}})
            ),
            Vendor::Gemini => format!(
                "data: {}\n\n",
                serde_json::json!({"error": {"code": 503, "message": message, "status": "UNAVAILABLE"}})
            ),
            Vendor::EngineJson => {
                let body =
                    serde_json::json!({"error": {"message": message, "type": "server_error"}});
                return Reply::Status(200, Vec::new(), body.to_string());
            }
            _ => format!(
                "data: {}\n\n",
                serde_json::json!({"error": {"message": message, "type": "server_error"}})
            ),
        };
        Reply::sse(&[event])
    }

    /// The events of a streamed answer, in this vendor's format.
    fn events(self, text: &str) -> Vec<String> {
        use serde_json::json;
        let (head, tail) = text.split_at(text.len() / 2);
        match self {
            Vendor::Anthropic => [
                ("message_start", json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "content": [], "usage": {"input_tokens": 10, "output_tokens": 1}}})),
                ("content_block_start", json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})),
                ("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": head}})),
                ("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": tail}})),
                ("content_block_stop", json!({"type": "content_block_stop", "index": 0})),
                ("message_delta", json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 2}})),
                ("message_stop", json!({"type": "message_stop"})),
            ]
            .iter()
            .map(|(name, data)| format!("event: {name}\ndata: {data}\n\n"))
            .collect(),
            Vendor::Gemini => [(head, None), (tail, Some("STOP"))]
                .iter()
                .map(|(part, finish)| {
                    let mut candidate = json!({"content": {"role": "model", "parts": [{"text": part}]}, "index": 0});
                    if let Some(f) = finish {
                        candidate["finishReason"] = json!(f);
                    }
                    let chunk = json!({"candidates": [candidate], "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 2}});
                    format!("data: {chunk}\n\n")
                })
                .collect(),
            _ => openai_stream(&[head, tail], (10, 2, 0), true),
        }
    }
}
