//! A real server binary started on a free port and driven over raw HTTP/1.1: no client library,
//! so tests see the exact bytes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// One HTTP reply.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A running game server process, killed on drop.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub url: String,
}

impl Server {
    /// Starts `binary` with `--port 0` plus `args` and reads its address from stdout.
    pub fn start(binary: &str, args: &[&str]) -> Self {
        let port_zero: Vec<&str> = ["--port", "0"]
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        let (child, url) = spawn_announcing(binary, &port_zero);
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "first stdout line: {url:?}"
        );
        let addr = url.trim_start_matches("http://").to_string();
        Self { child, addr, url }
    }

    pub fn connect(&self) -> Connection {
        Connection::open(&self.addr)
    }

    /// One request on a fresh connection.
    pub fn request(&self, method: &str, target: &str, body: &[u8]) -> Reply {
        self.connect().request(method, target, body)
    }

    pub fn get(&self, target: &str) -> Reply {
        self.request("GET", target, b"")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `binary args` and returns it with the address it announced on its first stdout line.
pub fn spawn_announcing(binary: &str, args: &[&str]) -> (Child, String) {
    let mut child = Command::new(binary)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{binary} starts: {e}"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("address line");
    (child, line.trim().to_string())
}

/// A keep-alive HTTP/1.1 connection.
pub struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    pub fn open(addr: &str) -> Self {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.set_nodelay(true).unwrap();
        Self {
            reader: BufReader::new(stream),
        }
    }

    pub fn request(&mut self, method: &str, target: &str, body: &[u8]) -> Reply {
        let head = format!(
            "{method} {target} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut status_line = String::new();
        self.reader
            .read_line(&mut status_line)
            .expect("status line");
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(':').unwrap();
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().unwrap())
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        self.reader.read_exact(&mut body).unwrap();
        Reply {
            status,
            headers,
            body,
        }
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `/step?payload=` for these action strings (`None` → `null`).
pub fn step_target(actions: &[Option<&str>]) -> String {
    let items: Vec<String> = actions
        .iter()
        .map(|a| match a {
            Some(s) => format!("{{\"action\":{}}}", serde_json::to_string(s).unwrap()),
            None => "{\"action\":null}".to_string(),
        })
        .collect();
    format!(
        "/step?payload={}",
        encode(&format!("[{}]", items.join(",")))
    )
}

/// One request written as `request` (raw bytes, head and body) on a fresh connection; what came
/// back in the first read (up to 4 KiB, within 5 s).
pub fn raw_request(addr: &str, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut buf = [0u8; 4096];
    let n = stream.read(&mut buf).unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// Runs `binary args`, which must refuse to start: it exits unsuccessfully without announcing
/// an address. Returns its stderr (the reason).
pub fn refused_start(binary: &str, args: &[&str]) -> String {
    let out = Command::new(binary)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{binary} runs: {e}"));
    assert!(!out.status.success(), "{binary} {args:?} started");
    assert!(
        out.stdout.is_empty(),
        "{binary} {args:?} announced an address"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}
