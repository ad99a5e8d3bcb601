//! What every HTTP provider shares: the client with its timeouts, reading a response (streamed or
//! not) with time to first token, server-sent events, and turning vendor failures into
//! `ProviderError`s that say whether a retry may help. Keys never reach a message.

use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use super::sse::{SseEvent, SseParser};
use super::{Completion, ErrorKind, ProviderError};
use crate::secrets::Secrets;

/// Timeouts of one provider.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// Until the response's headers and first bytes arrive.
    pub first_byte: Duration,
    /// The whole call.
    pub total: Duration,
}

impl Timeouts {
    /// A provider's `timeout_s` and `first_byte_timeout_s` (never longer than the total);
    /// connecting gets at most 10 s, since a loopback or LAN engine that takes longer is down.
    pub fn new(total_s: f64, first_byte_s: Option<f64>) -> Self {
        let total = Duration::from_secs_f64(total_s.max(0.001));
        let first_byte = first_byte_s.map_or(total, |s| Duration::from_secs_f64(s.max(0.001)));
        Self {
            connect: total.min(Duration::from_secs(10)),
            first_byte: first_byte.min(total),
            total,
        }
    }
}

/// What the suite resolved for a vendor provider.
pub struct Settings {
    /// The API's root, as the suite gives it (each provider adds its own path).
    pub base_url: String,
    pub model: Option<String>,
    pub api_key: Option<String>,
    pub stream: bool,
    pub timeouts: Timeouts,
}

/// Where a request carries the API key.
#[derive(Debug, Clone, Copy)]
pub enum KeyHeader {
    /// `Authorization: Bearer …`
    Bearer,
    /// A header of the vendor's own (`x-api-key`, `x-goog-api-key`, `api-key`).
    Named(&'static str),
}

/// How a vendor provider reaches its API: its key, whether it streams, and one client, with the
/// provider's timeouts, for all its calls.
pub struct Connection {
    api_key: Option<String>,
    pub stream: bool,
    timeouts: Timeouts,
    client: reqwest::Client,
    /// The key and the base URL's credentials: out of everything `exchange` returns.
    secrets: Secrets,
}

impl Connection {
    pub fn new(s: &Settings) -> Result<Self, ProviderError> {
        Ok(Self {
            api_key: s.api_key.clone(),
            stream: s.stream,
            timeouts: s.timeouts,
            client: client(&s.timeouts)?,
            secrets: Secrets::new(s.api_key.as_deref(), Some(&s.base_url)),
        })
    }

    /// A POST of `body` to `url`, the key (if any) in `key`'s header, marked sensitive so that
    /// no debug output of the request shows it.
    pub fn post(
        &self,
        url: &str,
        body: &serde_json::Value,
        key: KeyHeader,
    ) -> Result<reqwest::RequestBuilder, ProviderError> {
        let builder = self.client.post(url).json(body);
        let Some(secret) = &self.api_key else {
            return Ok(builder);
        };
        let (name, text) = match key {
            KeyHeader::Bearer => (
                reqwest::header::AUTHORIZATION.as_str(),
                format!("Bearer {secret}"),
            ),
            KeyHeader::Named(name) => (name, secret.clone()),
        };
        let mut value = reqwest::header::HeaderValue::from_str(&text).map_err(|_| {
            ProviderError::new(ErrorKind::Auth, "the API key is not a valid header value")
        })?;
        value.set_sensitive(true);
        Ok(builder.header(name, value))
    }

    /// Sends `request` and reads the answer: through `stream` when the provider streams, else
    /// whole, with `parse`. Everything vendor text reaches on its way out (an error's message,
    /// whether from a status, a transport failure or a streamed error event; the output and its
    /// tool calls) passes through here, and leaves without the provider's secrets.
    pub async fn exchange<S: StreamReader>(
        &self,
        request: reqwest::RequestBuilder,
        stream: impl FnOnce() -> S,
        parse: impl FnOnce(&str, f64) -> Result<Completion, ProviderError>,
    ) -> Result<Completion, ProviderError> {
        let result = exchange(request, &self.timeouts, self.stream.then(stream), parse).await;
        let redact = |text: &str| self.secrets.redact(text);
        match result {
            Ok(mut c) => {
                c.text = redact(&c.text);
                for call in &mut c.tool_calls {
                    (call.id, call.name) = (redact(&call.id), redact(&call.name));
                    call.arguments = redact(&call.arguments);
                }
                Ok(c)
            }
            Err(e) => Err(ProviderError {
                message: redact(&e.message),
                ..e
            }),
        }
    }
}

fn client(timeouts: &Timeouts) -> Result<reqwest::Client, ProviderError> {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .pool_max_idle_per_host(256)
        .build()
        .map_err(|e| {
            ProviderError::new(
                ErrorKind::Network,
                format!("cannot build the HTTP client: {e}"),
            )
        })
}

/// Sends `request` and checks the status; failures become classified errors. Returns when the
/// request was sent, with the (successful) response.
async fn send(
    request: reqwest::RequestBuilder,
    timeouts: &Timeouts,
) -> Result<(Instant, reqwest::Response), ProviderError> {
    let started = Instant::now();
    let response = match tokio::time::timeout(timeouts.first_byte, request.send()).await {
        Err(_) => {
            return Err(ProviderError::new(
                ErrorKind::Timeout,
                format!("no response within {:?}", timeouts.first_byte),
            ))
        }
        Ok(Err(e)) => return Err(transport_error(&e)),
        Ok(Ok(r)) => r,
    };
    let status = response.status();
    if !status.is_success() {
        let headers = response.headers().clone();
        let body =
            match tokio::time::timeout(remaining(started, timeouts.total), response.text()).await {
                Ok(Ok(body)) => body,
                _ => String::new(),
            };
        return Err(status_error(status, &headers, &body));
    }
    Ok((started, response))
}

/// A vendor's streamed-response state machine: events in, one completion out.
pub trait StreamReader {
    /// Applies one event; `true` at the vendor's closing event.
    fn apply(&mut self, event: &SseEvent) -> Result<bool, ProviderError>;
    /// How much output (text and tool calls, in bytes) has arrived: its first growth defines
    /// TTFT, each growth an output time (`Completion::output_at_ms`).
    fn output_size(&self) -> usize;
    fn finish(self, ttft_ms: f64, total_ms: f64) -> Result<Completion, ProviderError>;
}

/// One call: sends `request`, then reads the whole body through `parse` (not streamed; TTFT is
/// then the total) or each event through `stream`, timing the first output.
async fn exchange<S: StreamReader>(
    request: reqwest::RequestBuilder,
    timeouts: &Timeouts,
    stream: Option<S>,
    parse: impl FnOnce(&str, f64) -> Result<Completion, ProviderError>,
) -> Result<Completion, ProviderError> {
    let (started, response) = send(request, timeouts).await?;
    let quota = Quota::from_headers(response.headers());
    let elapsed_ms = || started.elapsed().as_secs_f64() * 1e3;
    let Some(mut state) = stream else {
        let body = read_body(response, started, timeouts).await?;
        return parse(&body, elapsed_ms()).map(|c| Completion { quota, ..c });
    };
    let mut output_at_ms = Vec::new();
    let mut size = 0;
    read_events(response, started, timeouts, |event| {
        let done = state.apply(event)?;
        if state.output_size() > size {
            size = state.output_size();
            output_at_ms.push(elapsed_ms());
        }
        Ok(done)
    })
    .await?;
    let total_ms = elapsed_ms();
    let ttft_ms = output_at_ms.first().copied().unwrap_or(total_ms);
    state.finish(ttft_ms, total_ms).map(|c| Completion {
        quota,
        output_at_ms,
        ..c
    })
}

/// What a vendor's rate-limit headers say is left of its limits: OpenAI and Azure send
/// `x-ratelimit-remaining-{requests,tokens}` with `x-ratelimit-reset-*` as durations ("6m0s"),
/// Anthropic `anthropic-ratelimit-{requests,tokens}-remaining` with `-reset` as RFC 3339 times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quota {
    pub remaining_requests: Option<u64>,
    pub remaining_tokens: Option<u64>,
    /// When the exhausted limit (or the later of the two) refills.
    pub reset: Option<Duration>,
}

impl Quota {
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let number = |name: &str| header(name).and_then(|v| v.parse::<u64>().ok());
        let openai_reset = |name: &str| header(name).and_then(parse_go_duration);
        let anthropic_reset = |name: &str| {
            let at = chrono::DateTime::parse_from_rfc3339(header(name)?).ok()?;
            Some(
                (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
                    .to_std()
                    .unwrap_or_default(),
            )
        };
        let quota = if headers.contains_key("x-ratelimit-remaining-requests")
            || headers.contains_key("x-ratelimit-remaining-tokens")
        {
            Quota {
                remaining_requests: number("x-ratelimit-remaining-requests"),
                remaining_tokens: number("x-ratelimit-remaining-tokens"),
                reset: openai_reset("x-ratelimit-reset-requests")
                    .max(openai_reset("x-ratelimit-reset-tokens")),
            }
        } else {
            Quota {
                remaining_requests: number("anthropic-ratelimit-requests-remaining"),
                remaining_tokens: number("anthropic-ratelimit-tokens-remaining"),
                reset: anthropic_reset("anthropic-ratelimit-requests-reset")
                    .max(anthropic_reset("anthropic-ratelimit-tokens-reset")),
            }
        };
        (quota.remaining_requests.is_some() || quota.remaining_tokens.is_some()).then_some(quota)
    }
}

/// Go-style durations as OpenAI writes them: "1s", "6m0s", "20ms", "1h2m3.5s".
fn parse_go_duration(text: &str) -> Option<Duration> {
    let mut total = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let split = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (number, tail) = rest.split_at(split);
        let number: f64 = number.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        total += number
            * match unit {
                "h" => 3600.0,
                "m" => 60.0,
                "s" => 1.0,
                "ms" => 1e-3,
                "us" | "µs" => 1e-6,
                "ns" => 1e-9,
                _ => return None,
            };
        rest = tail;
    }
    Some(Duration::from_secs_f64(total))
}

/// Reads a whole non-streamed body within the total timeout.
async fn read_body(
    response: reqwest::Response,
    started: Instant,
    timeouts: &Timeouts,
) -> Result<String, ProviderError> {
    match tokio::time::timeout(remaining(started, timeouts.total), response.text()).await {
        Err(_) => Err(ProviderError::new(
            ErrorKind::Timeout,
            format!("the response took longer than {:?}", timeouts.total),
        )),
        Ok(Err(e)) => Err(transport_error(&e)),
        Ok(Ok(body)) => Ok(body),
    }
}

/// Feeds each server-sent event of a streamed body to `on_event` until the stream ends. Returns
/// whether the vendor's closing event was seen (`on_event` returns `true` for it): a stream that
/// ends without it was cut short and counts as a server fault.
async fn read_events(
    response: reqwest::Response,
    started: Instant,
    timeouts: &Timeouts,
    mut on_event: impl FnMut(&SseEvent) -> Result<bool, ProviderError>,
) -> Result<(), ProviderError> {
    let mut parser = SseParser::default();
    let mut stream = response.bytes_stream();
    let mut closed = false;
    loop {
        let next =
            match tokio::time::timeout(remaining(started, timeouts.total), stream.next()).await {
                Err(_) => {
                    return Err(ProviderError::new(
                        ErrorKind::Timeout,
                        format!("the stream took longer than {:?}", timeouts.total),
                    ))
                }
                Ok(next) => next,
            };
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(|e| transport_error(&e))?;
        for event in parser.push(&chunk)? {
            if on_event(&event)? {
                closed = true;
            }
        }
    }
    if let Some(event) = parser.finish() {
        if on_event(&event)? {
            closed = true;
        }
    }
    if closed {
        Ok(())
    } else {
        Err(ProviderError::new(
            ErrorKind::InvalidResponse,
            "the stream ended without its closing event (cut short)",
        ))
    }
}

fn remaining(started: Instant, total: Duration) -> Duration {
    total.saturating_sub(started.elapsed())
}

/// An HTTP status with the vendor's message, classified for retrying.
fn status_error(status: StatusCode, headers: &HeaderMap, body: &str) -> ProviderError {
    let kind = match status.as_u16() {
        429 => ErrorKind::RateLimited,
        401 | 403 => ErrorKind::Auth,
        408 => ErrorKind::Timeout,
        409 | 500..=599 => ErrorKind::Server,
        _ => ErrorKind::BadRequest,
    };
    let vendor_message = vendor_message(body);
    let mut e = ProviderError::new(kind, format!("HTTP {status}: {vendor_message}"));
    e.retry_after = retry_after(headers);
    e
}

/// The human part of a vendor's error body (`{"error": {"message": …}}` in all four formats), or
/// the body itself, shortened.
fn vendor_message(body: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let message = parsed.as_ref().and_then(|v| {
        let e = v.get("error").unwrap_or(v);
        e.get("message")
            .and_then(|m| m.as_str())
            .map(str::to_owned)
            .or_else(|| e.as_str().map(str::to_owned))
    });
    let text = message.unwrap_or_else(|| body.trim().to_string());
    let short = crate::format::truncate(&text, 500);
    if short.is_empty() {
        "(no message)".into()
    } else {
        short
    }
}

/// `retry-after-ms` (milliseconds), else `Retry-After` (seconds; an HTTP date is not used by
/// these vendors and is ignored).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Some(Duration::from_secs_f64(ms.max(0.0) / 1e3));
    }
    header("retry-after")
        .and_then(|v| v.parse::<f64>().ok())
        .map(|s| Duration::from_secs_f64(s.max(0.0)))
}

fn transport_error(e: &reqwest::Error) -> ProviderError {
    // Anything else (refused, reset, broken mid-body) is the network's.
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else {
        ErrorKind::Network
    };
    // reqwest's Display includes the URL; `Connection::exchange` takes its credentials out.
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    ProviderError::new(kind, msg)
}

/// A malformed response body.
pub fn invalid(what: impl std::fmt::Display) -> ProviderError {
    ProviderError::new(
        ErrorKind::InvalidResponse,
        format!("malformed response: {what}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified_with_the_vendors_message() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "2".parse().unwrap());
        let e = status_error(
            StatusCode::TOO_MANY_REQUESTS,
            &headers,
            r#"{"error":{"message":"slow down"}}"#,
        );
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert_eq!(e.message, "HTTP 429 Too Many Requests: slow down");
        assert_eq!(e.retry_after, Some(Duration::from_secs(2)));
        assert!(e.kind.is_retryable());
        let e = status_error(StatusCode::UNAUTHORIZED, &HeaderMap::new(), "bad key");
        assert_eq!(e.kind, ErrorKind::Auth);
        assert!(!e.kind.is_retryable());
        assert_eq!(
            status_error(StatusCode::BAD_REQUEST, &HeaderMap::new(), "").kind,
            ErrorKind::BadRequest
        );
        assert_eq!(
            status_error(StatusCode::CONFLICT, &HeaderMap::new(), "").kind,
            ErrorKind::Server
        );
        assert_eq!(
            status_error(StatusCode::REQUEST_TIMEOUT, &HeaderMap::new(), "").kind,
            ErrorKind::Timeout
        );
    }

    #[test]
    fn rate_limit_headers_of_openai_and_anthropic_are_read() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining-requests", "3".parse().unwrap());
        h.insert("x-ratelimit-remaining-tokens", "1500".parse().unwrap());
        h.insert("x-ratelimit-reset-requests", "1m30.5s".parse().unwrap());
        h.insert("x-ratelimit-reset-tokens", "250ms".parse().unwrap());
        assert_eq!(
            Quota::from_headers(&h),
            Some(Quota {
                remaining_requests: Some(3),
                remaining_tokens: Some(1500),
                reset: Some(Duration::from_secs_f64(90.5)),
            })
        );
        let mut h = HeaderMap::new();
        h.insert(
            "anthropic-ratelimit-requests-remaining",
            "0".parse().unwrap(),
        );
        let at = chrono::Utc::now() + chrono::Duration::seconds(20);
        h.insert(
            "anthropic-ratelimit-requests-reset",
            at.to_rfc3339().parse().unwrap(),
        );
        let q = Quota::from_headers(&h).unwrap();
        assert_eq!((q.remaining_requests, q.remaining_tokens), (Some(0), None));
        let reset = q.reset.unwrap().as_secs_f64();
        assert!((18.0..=20.0).contains(&reset), "{reset}");
        assert_eq!(Quota::from_headers(&HeaderMap::new()), None);
        assert_eq!(parse_go_duration("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(parse_go_duration("soon"), None);
    }

    #[test]
    fn retry_after_ms_wins_over_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "5".parse().unwrap());
        headers.insert("retry-after-ms", "250".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(250)));
    }
}
