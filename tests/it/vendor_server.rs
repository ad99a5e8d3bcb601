//! A loopback HTTP/1.1 server (127.0.0.1 only) that answers in the vendors' wire formats, records
//! every request it receives, and plays faults on demand: error statuses with Retry-After,
//! streams cut short or reset mid-way, malformed bodies, slow first bytes.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path with query.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("the request body is JSON")
    }
}

/// What to answer one request with.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A status, extra headers and a body.
    Status(u16, Vec<(&'static str, String)>, String),
    /// `text/event-stream`: each item is written (and flushed) after its delay; the connection
    /// then closes cleanly.
    Stream(Vec<(Duration, String)>),
    /// Like `Stream`, then the connection is reset (RST) instead of closed.
    StreamThenReset(Vec<(Duration, String)>),
    /// Waits before answering at all.
    Delayed(Duration, Box<Reply>),
}

impl Reply {
    pub fn json(body: serde_json::Value) -> Self {
        Reply::Status(200, Vec::new(), body.to_string())
    }

    /// SSE `data:` events sent at once.
    pub fn sse(events: &[String]) -> Self {
        Reply::Stream(events.iter().map(|e| (Duration::ZERO, e.clone())).collect())
    }
}

/// Computes the reply to a request from the request itself (a soak's fault schedule).
pub type Responder = Arc<dyn Fn(&Received) -> Reply + Send + Sync>;

#[derive(Clone)]
pub struct VendorServer {
    pub base: String,
    script: Arc<Mutex<VecDeque<Reply>>>,
    responder: Arc<Mutex<Option<Responder>>>,
    fallback: Arc<Mutex<Option<Reply>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

/// Listens on a free loopback port, on a thread and runtime of its own that live as long as the
/// test, handing each connection to `serve`; `start` runs first, on that runtime. Returns
/// `http://127.0.0.1:PORT`.
pub fn on_loopback<S, F>(start: impl FnOnce() + Send + 'static, serve: S) -> String
where
    S: Fn(TcpStream) -> F + Send + 'static,
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", std_listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            start();
            let listener = TcpListener::from_std(std_listener).unwrap();
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(serve(socket));
            }
        });
    });
    base
}

impl VendorServer {
    /// Starts on a free loopback port; it lives as long as the test.
    pub fn start() -> Self {
        let mut server = Self {
            base: String::new(),
            script: Arc::default(),
            responder: Arc::default(),
            fallback: Arc::default(),
            received: Arc::default(),
        };
        let s = server.clone();
        server.base = on_loopback(
            || {},
            move |socket| {
                let s = s.clone();
                async move { s.serve(socket).await }
            },
        );
        server
    }

    /// Replies for the next requests, in order.
    pub fn push(&self, reply: Reply) {
        self.script.lock().unwrap().push_back(reply);
    }

    /// Answers every request the script does not with what `responder` makes of it.
    pub fn respond(&self, responder: impl Fn(&Received) -> Reply + Send + Sync + 'static) {
        *self.responder.lock().unwrap() = Some(Arc::new(responder));
    }

    /// The reply once the script is used up (and no responder is set).
    pub fn otherwise(&self, reply: Reply) {
        *self.fallback.lock().unwrap() = Some(reply);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    async fn serve(&self, mut socket: TcpStream) {
        let Some(request) = read_request(&mut socket).await else {
            return;
        };
        let responder = self.responder.lock().unwrap().clone();
        let reply = self
            .script
            .lock()
            .unwrap()
            .pop_front()
            .or_else(|| responder.map(|respond| respond(&request)))
            .or_else(|| self.fallback.lock().unwrap().clone())
            .unwrap_or(Reply::Status(
                500,
                Vec::new(),
                "{\"error\":{\"message\":\"no reply scripted\"}}".into(),
            ));
        self.received.lock().unwrap().push(request);
        write_reply(&mut socket, reply).await;
    }
}

pub async fn read_request(socket: &mut TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[header_end..]).into_owned();
    Some(Received {
        method,
        target,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

async fn write_reply(socket: &mut TcpStream, reply: Reply) {
    match reply {
        Reply::Delayed(delay, inner) => {
            tokio::time::sleep(delay).await;
            Box::pin(write_reply(socket, *inner)).await;
        }
        Reply::Status(status, headers, body) => {
            let mut head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                reason(status),
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
        Reply::Stream(events) => {
            stream(socket, events).await;
            let _ = socket.shutdown().await;
        }
        Reply::StreamThenReset(events) => {
            stream(socket, events).await;
            // Linger 0: closing sends RST, as a crashed server or a dropped proxy would.
            let _ = socket.set_zero_linger();
        }
    }
}

/// The body runs until the connection closes (no length, no chunking), as SSE may.
async fn stream(socket: &mut TcpStream, events: Vec<(Duration, String)>) {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n";
    let _ = socket.write_all(head.as_bytes()).await;
    for (delay, text) in events {
        tokio::time::sleep(delay).await;
        let _ = socket.write_all(text.as_bytes()).await;
        let _ = socket.flush().await;
    }
}

/// OpenAI Chat Completions, streamed: content in `pieces`, then usage and `[DONE]`.
pub fn openai_stream(pieces: &[&str], usage: (u64, u64, u64), done: bool) -> Vec<String> {
    let mut events = vec![format!(
        "data: {}\n\n",
        serde_json::json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})
    )];
    for p in pieces {
        events.push(format!(
            "data: {}\n\n",
            serde_json::json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": p}}]})
        ));
    }
    events.push(format!(
        "data: {}\n\n",
        serde_json::json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    ));
    events.push(format!(
        "data: {}\n\n",
        serde_json::json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [],
            "usage": {"prompt_tokens": usage.0, "completion_tokens": usage.1, "prompt_tokens_details": {"cached_tokens": usage.2}}})
    ));
    if done {
        events.push("data: [DONE]\n\n".into());
    }
    events
}

/// OpenAI Chat Completions, not streamed.
pub fn openai_json(text: &str, usage: (u64, u64, u64)) -> serde_json::Value {
    serde_json::json!({
        "id": "chatcmpl-2", "object": "chat.completion", "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": usage.0, "completion_tokens": usage.1, "total_tokens": usage.0 + usage.1,
                  "prompt_tokens_details": {"cached_tokens": usage.2}}
    })
}
