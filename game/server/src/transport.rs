//! Minimal HTTP/1.1 transport: one thread per connection parses requests and hands them to the
//! single simulation thread through a channel; replies go back whole, in one write, with
//! TCP_NODELAY (so no reply waits on Nagle's algorithm). It knows nothing about environments.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::time::Duration;

/// Longest request head (request line and headers) accepted.
pub const MAX_HEAD_BYTES: usize = (1 << 20) + (64 << 10);
/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 << 20;
/// Most connections open at once; further ones get a 503 and are closed.
pub const MAX_CONNECTIONS: usize = 1024;
/// Once a request has begun, the rest of it must arrive within this time.
pub const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed request.
#[derive(Debug)]
pub struct HttpRequest {
    pub method: String,
    pub target: String,
    pub body: Vec<u8>,
}

/// A reply to write back.
#[derive(Debug)]
pub struct HttpReply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub allow: Option<&'static str>,
}

/// What the simulation thread receives.
pub enum Incoming {
    Request(HttpRequest, SyncSender<HttpReply>),
    /// Stop serving (a signal or the parent's death).
    Stop(&'static str),
}

/// A bound listener.
pub struct Listener {
    listener: TcpListener,
    token: Option<Arc<str>>,
}

impl Listener {
    /// Binds `host:port` (port 0 picks a free one). With a `token`, every request must carry
    /// `Authorization: Bearer <token>` or is answered 401 without reaching the simulation.
    pub fn bind(host: &str, port: u16, token: Option<&str>) -> Result<Self, String> {
        let listener = TcpListener::bind((host, port))
            .map_err(|e| format!("cannot listen on {host}:{port}: {e}"))?;
        Ok(Self {
            listener,
            token: token.map(Arc::from),
        })
    }

    /// The bound address as `http://HOST:PORT`.
    pub fn url(&self) -> Result<String, String> {
        match self.listener.local_addr().map_err(|e| e.to_string())? {
            SocketAddr::V4(a) => Ok(format!("http://{}:{}", a.ip(), a.port())),
            SocketAddr::V6(a) => Ok(format!("http://[{}]:{}", a.ip(), a.port())),
        }
    }

    /// Accepts connections on a background thread, forwarding their requests to `to_sim`.
    pub fn spawn_acceptor(self, to_sim: Sender<Incoming>) {
        let open = Arc::new(AtomicUsize::new(0));
        std::thread::spawn(move || {
            for stream in self.listener.incoming() {
                let Ok(stream) = stream else {
                    // Out of file descriptors or a connection reset before accept: back off.
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let _ = stream.set_nodelay(true);
                if open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                    let reply = error_reply(
                        503,
                        "too_many_connections",
                        &format!(
                            "{MAX_CONNECTIONS} connections are open; expected clients to reuse or close connections"
                        ),
                    );
                    let _ = write_reply(&stream, &reply, false);
                    continue;
                }
                open.fetch_add(1, Ordering::SeqCst);
                let to_sim = to_sim.clone();
                let open = Arc::clone(&open);
                let token = self.token.clone();
                let spawned = std::thread::Builder::new()
                    .stack_size(256 << 10)
                    .spawn(move || {
                        serve_connection(stream, &to_sim, token.as_deref());
                        open.fetch_sub(1, Ordering::SeqCst);
                    });
                if spawned.is_err() {
                    eprintln!("bevy_gym_server: cannot start a connection thread");
                }
            }
        });
    }
}

/// A channel pair for the simulation thread.
pub fn mailbox() -> (Sender<Incoming>, Receiver<Incoming>) {
    channel()
}

/// The one-line JSON error body used by every error reply.
pub fn error_reply(status: u16, code: &str, message: &str) -> HttpReply {
    HttpReply {
        status,
        content_type: "application/json",
        body: serde_json::json!({ "code": code, "error": message })
            .to_string()
            .into_bytes(),
        allow: None,
    }
}

fn serve_connection(stream: TcpStream, to_sim: &Sender<Incoming>, token: Option<&str>) {
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::with_capacity(64 << 10, stream);
    loop {
        // Idle keep-alive connections wait without a deadline; an open request gets one.
        let _ = reader.get_ref().set_read_timeout(None);
        match reader.fill_buf() {
            Ok([]) | Err(_) => return,
            Ok(_) => {}
        }
        let _ = reader
            .get_ref()
            .set_read_timeout(Some(REQUEST_READ_TIMEOUT));
        let (request, keep_alive) = match read_request(&mut reader, &write_half, token) {
            Ok(parsed) => parsed,
            Err(ReadError::Closed) => return,
            Err(ReadError::Bad(reply)) => {
                let _ = write_reply(&write_half, &reply, false);
                return;
            }
        };
        let (reply_to, reply_from) = sync_channel(1);
        if to_sim.send(Incoming::Request(request, reply_to)).is_err() {
            return;
        }
        let Ok(reply) = reply_from.recv() else {
            return;
        };
        if write_reply(&write_half, &reply, keep_alive).is_err() || !keep_alive {
            return;
        }
    }
}

enum ReadError {
    /// The peer went away or stalled; nothing to answer.
    Closed,
    /// Malformed or oversized: answer and close.
    Bad(HttpReply),
}

fn bad(status: u16, code: &str, message: String) -> ReadError {
    ReadError::Bad(error_reply(status, code, &message))
}

fn read_line_capped(reader: &mut impl BufRead, budget: &mut usize) -> Result<String, ReadError> {
    let mut line = Vec::new();
    let limit = (*budget as u64) + 1;
    let n = reader
        .by_ref()
        .take(limit)
        .read_until(b'\n', &mut line)
        .map_err(|_| ReadError::Closed)?;
    if n == 0 {
        return Err(ReadError::Closed);
    }
    if n > *budget {
        return Err(bad(
            413,
            "too_large",
            format!("request head is over {MAX_HEAD_BYTES} bytes; expected a URL of at most 1 MiB"),
        ));
    }
    if !line.ends_with(b"\n") {
        return Err(ReadError::Closed);
    }
    *budget -= n;
    String::from_utf8(line)
        .map(|s| s.trim_end_matches(['\r', '\n']).to_string())
        .map_err(|_| {
            bad(
                400,
                "bad_request",
                "request head is not UTF-8; expected an HTTP/1.1 request".into(),
            )
        })
}

fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &TcpStream,
    token: Option<&str>,
) -> Result<(HttpRequest, bool), ReadError> {
    let mut budget = MAX_HEAD_BYTES;
    let request_line = read_line_capped(reader, &mut budget)?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(
            400,
            "bad_request",
            "malformed request line; expected 'METHOD /path?query HTTP/1.1'".into(),
        ));
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || !target.starts_with('/') {
        return Err(bad(
            400,
            "bad_request",
            "malformed request line; expected 'METHOD /path?query HTTP/1.1'".into(),
        ));
    }
    let mut keep_alive = version != "HTTP/1.0";
    let mut content_length = 0usize;
    let mut expect_continue = false;
    let mut authorized = token.is_none();
    loop {
        let line = read_line_capped(reader, &mut budget)?;
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad(
                400,
                "bad_request",
                "malformed header line; expected 'Name: value'".into(),
            ));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                content_length = value.parse().map_err(|_| {
                    bad(
                        400,
                        "bad_request",
                        "Content-Length is not a number; expected a byte count".into(),
                    )
                })?;
            }
            "transfer-encoding" => {
                return Err(bad(
                    411,
                    "length_required",
                    "chunked bodies are not accepted; expected a Content-Length header".into(),
                ));
            }
            "connection" => {
                let v = value.to_ascii_lowercase();
                if v.contains("close") {
                    keep_alive = false;
                } else if v.contains("keep-alive") {
                    keep_alive = true;
                }
            }
            "expect" => expect_continue = value.eq_ignore_ascii_case("100-continue"),
            "authorization" => {
                if let (Some(token), Some(given)) = (token, value.strip_prefix("Bearer ")) {
                    authorized = constant_time_eq(token.as_bytes(), given.trim().as_bytes());
                }
            }
            _ => {}
        }
    }
    if !authorized {
        return Err(bad(
            401,
            "unauthorized",
            "missing or wrong token; expected the header 'Authorization: Bearer <token>' given to the server with --token".into(),
        ));
    }
    if content_length > MAX_BODY_BYTES {
        return Err(bad(
            413,
            "too_large",
            format!("request body has {content_length} bytes; expected at most {MAX_BODY_BYTES}"),
        ));
    }
    if expect_continue && content_length > 0 {
        let _ = (&*writer).write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let mut body = vec![0u8; content_length];
    reader
        .read_exact(&mut body)
        .map_err(|_| ReadError::Closed)?;
    Ok((
        HttpRequest {
            method: method.to_string(),
            target: target.to_string(),
            body,
        },
        keep_alive,
    ))
}

/// Compares without an early exit, so response timing does not reveal how much of a guess matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

fn write_reply(stream: &TcpStream, reply: &HttpReply, keep_alive: bool) -> std::io::Result<()> {
    let mut out = Vec::with_capacity(reply.body.len() + 160);
    write!(
        out,
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        reply.status,
        reason(reply.status),
        reply.content_type,
        reply.body.len()
    )?;
    if let Some(allow) = reply.allow {
        write!(out, "Allow: {allow}\r\n")?;
    }
    if !keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&reply.body);
    let mut stream = stream;
    stream.write_all(&out)?;
    stream.flush()
}
