//! HTTP/1.1 serving on hyper: one background thread runs a single-threaded tokio runtime that
//! accepts connections (TCP_NODELAY, keep-alive, at most [`MAX_CONNECTIONS`]), checks the token
//! and the size caps, and hands each request to the one simulation thread through a channel;
//! the reply comes back through a one-shot channel. It knows nothing about environments.

use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming as IncomingBody};
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request as HyperRequest, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use crate::error::{EnvError, StartError};

/// Longest request head (request line and headers) accepted. hyper itself caps the request
/// target at 65,534 bytes (answering 414 beyond it).
pub const MAX_HEAD_BYTES: usize = (1 << 20) + (64 << 10);
/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 << 20;
/// Most connections open at once; further ones get a 503 and are closed.
pub const MAX_CONNECTIONS: usize = 1024;
/// Once a request's head has arrived, its body must arrive within this time.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A request for the simulation thread.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub body: Bytes,
}

/// A reply to write back.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub allow: Option<&'static str>,
}

impl Reply {
    /// A 200 reply.
    pub fn ok(content_type: &'static str, body: Vec<u8>) -> Self {
        Self {
            status: 200,
            content_type,
            body,
            allow: None,
        }
    }

    /// The error's status and JSON body.
    pub fn error(err: &EnvError) -> Self {
        Self {
            status: err.status(),
            content_type: "application/json",
            body: err.reply_body(),
            allow: match err {
                EnvError::MethodNotAllowed { allow, .. } => Some(*allow),
                _ => None,
            },
        }
    }
}

/// What the simulation thread receives.
pub enum Incoming {
    Request(Request, oneshot::Sender<Reply>),
    /// Stop serving (a signal or the parent's death).
    Stop(&'static str),
}

/// A channel pair for the simulation thread.
pub fn mailbox() -> (Sender<Incoming>, Receiver<Incoming>) {
    channel()
}

/// A bound listener (bound synchronously, so the address is known before serving starts).
pub struct Listener {
    listener: TcpListener,
    token: Option<Arc<str>>,
}

impl Listener {
    /// Binds `host:port` (port 0 picks a free one). With a `token`, every request must carry
    /// `Authorization: Bearer <token>` or is answered 401 without reaching the simulation.
    pub fn bind(host: &str, port: u16, token: Option<&str>) -> Result<Self, StartError> {
        let listener = TcpListener::bind((host, port)).map_err(|source| StartError::Bind {
            addr: format!("{host}:{port}"),
            source,
        })?;
        Ok(Self {
            listener,
            token: token.map(Arc::from),
        })
    }

    /// The bound address as `http://HOST:PORT`.
    pub fn url(&self) -> Result<String, StartError> {
        let addr = self
            .listener
            .local_addr()
            .map_err(StartError::io("read the bound address"))?;
        Ok(match addr {
            SocketAddr::V4(a) => format!("http://{}:{}", a.ip(), a.port()),
            SocketAddr::V6(a) => format!("http://[{}]:{}", a.ip(), a.port()),
        })
    }

    /// Serves connections on a background thread, forwarding requests to `to_sim`.
    pub fn spawn(self, to_sim: Sender<Incoming>) -> Result<(), StartError> {
        self.listener
            .set_nonblocking(true)
            .map_err(StartError::io("configure the listener"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(StartError::io("start the HTTP runtime"))?;
        std::thread::Builder::new()
            .name("bevy_gym_http".into())
            .spawn(move || runtime.block_on(self.accept(to_sim)))
            .map_err(StartError::io("start the HTTP thread"))?;
        Ok(())
    }

    async fn accept(self, to_sim: Sender<Incoming>) {
        let Ok(listener) = tokio::net::TcpListener::from_std(self.listener) else {
            eprintln!("bevy_gym_server: cannot register the listener with the HTTP runtime");
            return;
        };
        let open = Arc::new(AtomicUsize::new(0));
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                // Out of file descriptors or a connection reset before accept: back off.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            // Replies go out whole; none may wait on Nagle's algorithm (about 40 ms each).
            let _ = stream.set_nodelay(true);
            let full = open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS;
            let gate = Gate {
                to_sim: to_sim.clone(),
                token: self.token.clone(),
                full,
            };
            let open = Arc::clone(&open);
            tokio::spawn(async move {
                let mut builder = http1::Builder::new();
                builder
                    .max_buf_size(MAX_HEAD_BYTES)
                    .keep_alive(!full)
                    // bevy_rl's server sent none, and every byte of a reply head is parsed by
                    // the client on every step.
                    .auto_date_header(false)
                    // Idle keep-alive connections wait without a deadline (bevy_rl's clients
                    // never close theirs); hyper's header timeout would also time them out.
                    .header_read_timeout(None)
                    // A client may shut down its write side once its requests are sent (legal
                    // in HTTP/1.1: `nc -N`, some proxies); it still waits for every reply. By
                    // default hyper takes that end-of-file for a broken connection and drops
                    // the request in progress unanswered.
                    .half_close(true);
                let service = service_fn(move |request| {
                    let gate = gate.clone();
                    async move { Ok::<_, Infallible>(gate.handle(request).await) }
                });
                // A connection that breaks off is the client's business, not the server's.
                let _ = builder
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
                open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    }
}

/// What every request of one connection passes through before the simulation sees it.
#[derive(Clone)]
struct Gate {
    to_sim: Sender<Incoming>,
    token: Option<Arc<str>>,
    /// The connection is over the cap: answer 503 and close.
    full: bool,
}

impl Gate {
    async fn handle(&self, request: HyperRequest<IncomingBody>) -> Response<Full<Bytes>> {
        match self.admit(request).await {
            Ok(request) => self.forward(request).await,
            // Rejected before the request was read in full: nothing else on this connection.
            Err(err) => close(response(Reply::error(&err))),
        }
    }

    async fn admit(&self, request: HyperRequest<IncomingBody>) -> Result<Request, EnvError> {
        if self.full {
            return Err(EnvError::TooManyConnections(MAX_CONNECTIONS));
        }
        let headers = request.headers();
        if let Some(token) = &self.token {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            if !given.is_some_and(|g| constant_time_eq(token.as_bytes(), g.trim().as_bytes())) {
                return Err(EnvError::Unauthorized);
            }
        }
        if headers.contains_key(header::TRANSFER_ENCODING) {
            return Err(EnvError::LengthRequired);
        }
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
            .unwrap_or(0);
        if declared > MAX_BODY_BYTES as u64 {
            return Err(EnvError::TooLarge(format!(
                "request body has {declared} bytes; expected at most {MAX_BODY_BYTES}"
            )));
        }
        let method = request.method().as_str().to_owned();
        let target = request.uri().path_and_query().map_or_else(
            || request.uri().path().to_owned(),
            |pq| pq.as_str().to_owned(),
        );
        let body = Limited::new(request.into_body(), MAX_BODY_BYTES);
        let body = match tokio::time::timeout(BODY_READ_TIMEOUT, body.collect()).await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(_)) | Err(_) => {
                return Err(EnvError::BadRequest(format!(
                    "request body ended early or took over {} s; expected Content-Length bytes",
                    BODY_READ_TIMEOUT.as_secs()
                )));
            }
        };
        Ok(Request {
            method,
            target,
            body,
        })
    }

    async fn forward(&self, request: Request) -> Response<Full<Bytes>> {
        let (reply_to, reply) = oneshot::channel();
        let answered = match self.to_sim.send(Incoming::Request(request, reply_to)) {
            Ok(()) => reply.await.ok(),
            Err(_) => None,
        };
        match answered {
            Some(reply) => response(reply),
            // The simulation thread has stopped: the process is exiting.
            None => close(response(Reply::error(&EnvError::Internal(
                "the simulation has stopped".into(),
            )))),
        }
    }
}

fn response(reply: Reply) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(reply.content_type),
    );
    if let Some(allow) = reply.allow {
        headers.insert(header::ALLOW, HeaderValue::from_static(allow));
    }
    response
}

fn close(mut response: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Compares without an early exit, so response timing does not reveal how much of a guess matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
