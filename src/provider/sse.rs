//! `text/event-stream` as vendors stream responses: an incremental parser that takes the body
//! in whatever chunks arrive and gives whole events, bounded so that a server cannot make one
//! grow without end.

use super::http::invalid;
use super::ProviderError;

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

impl SseEvent {
    /// The event's data as JSON; `None` when it carries none. `what` names it in the error a
    /// malformed event becomes (a server fault, retried).
    pub fn json(&self, what: &str) -> Result<Option<serde_json::Value>, ProviderError> {
        let data = self.data.trim();
        if data.is_empty() {
            return Ok(None);
        }
        serde_json::from_str(data)
            .map(Some)
            .map_err(|e| invalid(format!("{what} is not JSON ({e})")))
    }
}

/// Incremental parser for `text/event-stream` (events split by a blank line; `data:` lines
/// joined by newlines; comments ignored; LF or CRLF). A line, or an event, longer than
/// `input::LINE_MAX_BYTES` is a malformed response: a server cannot make it grow without bound.
#[derive(Default)]
pub struct SseParser {
    buffer: Vec<u8>,
    current: SseEvent,
    has_data: bool,
}

impl SseParser {
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, ProviderError> {
        self.buffer.extend_from_slice(bytes);
        let mut events = Vec::new();
        let mut start = 0;
        while let Some(end) = memchr::memchr(b'\n', &self.buffer[start..]).map(|i| start + i) {
            let line = &self.buffer[start..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            // Owned, since `self.line` changes the parser whose buffer holds these bytes.
            let line = String::from_utf8_lossy(line).into_owned();
            if let Some(event) = self.line(&line) {
                events.push(event);
            }
            start = end + 1;
        }
        self.buffer.drain(..start);
        let limit = crate::input::LINE_MAX_BYTES;
        if self.buffer.len() > limit || self.current.data.len() > limit {
            return Err(invalid(format!(
                "a stream event longer than {} MiB",
                limit >> 20
            )));
        }
        Ok(events)
    }

    /// The last event when the body ends without a blank line.
    pub fn finish(&mut self) -> Option<SseEvent> {
        if !self.buffer.is_empty() {
            let rest = String::from_utf8_lossy(&std::mem::take(&mut self.buffer)).into_owned();
            if let Some(e) = self.line(rest.trim_end_matches('\r')) {
                return Some(e);
            }
        }
        self.dispatch()
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.current.data.push('\n');
                }
                self.current.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.current.event = Some(value.to_string()),
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = std::mem::take(&mut self.current);
        let had = std::mem::take(&mut self.has_data);
        (had || event.event.is_some()).then_some(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ErrorKind;

    #[test]
    fn an_endless_event_is_a_malformed_response_not_unbounded_memory() {
        let mut p = SseParser::default();
        let chunk = vec![b'x'; 1 << 20];
        let mut outcome = Ok(Vec::new());
        for _ in 0..=(crate::input::LINE_MAX_BYTES >> 20) {
            outcome = p.push(&chunk);
        }
        assert_eq!(outcome.unwrap_err().kind, ErrorKind::InvalidResponse);
    }

    #[test]
    fn sse_events_split_across_chunks_and_line_endings() {
        let mut p = SseParser::default();
        let mut events = p.push(b"event: message_start\r\ndata: {\"a\"").unwrap();
        assert!(events.is_empty());
        events.extend(
            p.push(b":1}\r\n\r\n: comment\n\ndata: x\ndata: y\n\ndata: [DONE]")
                .unwrap(),
        );
        events.extend(p.finish());
        assert_eq!(
            events,
            vec![
                SseEvent {
                    event: Some("message_start".into()),
                    data: "{\"a\":1}".into()
                },
                SseEvent {
                    event: None,
                    data: "x\ny".into()
                },
                SseEvent {
                    event: None,
                    data: "[DONE]".into()
                },
            ]
        );
    }
}
