//! Shared test helpers: an in-process tag environment, and the real server binary driven over
//! raw HTTP/1.1 (no client library, so the tests see the exact bytes).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bevy_gym_server::{Action, Environment, Space};
use bevy_gym_tag::Tag;
use serde_json::Value;

// ANCHOR: in_process
/// An in-process environment built from `bevy-tag` command-line arguments.
pub fn env(args: &[&str]) -> Environment<Tag> {
    let (settings, _) =
        bevy_gym_tag::cli::parse_from(std::iter::once("bevy-tag").chain(args.iter().copied()))
            .expect("valid arguments");
    Environment::<Tag>::new(bevy_gym_tag::app(settings)).expect("environment starts")
}
// ANCHOR_END: in_process

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

/// A running `bevy-tag` process, killed on drop.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub url: String,
}

impl Server {
    /// Starts the binary with `--port 0` plus `args` and reads its address from stdout.
    pub fn start(args: &[&str]) -> Self {
        let port_zero: Vec<&str> = ["--port", "0"]
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        let (child, url) = spawn_announcing(&port_zero);
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

/// Starts `bevy-tag args` and returns it with the address it announced on its first stdout line.
pub fn spawn_announcing(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bevy-tag"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("bevy-tag starts");
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

/// A tiny deterministic action sequence generator (xorshift), independent of the game's RNG.
pub struct Actions(pub u64);

impl Actions {
    pub fn next_index(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

impl Actions {
    /// One random action per agent, fitting its action space (continuous values on a 0.01 grid).
    pub fn fitting(&mut self, spaces: &[&Space]) -> Vec<Action> {
        spaces
            .iter()
            .map(|space| match space {
                Space::Discrete { n, .. } => {
                    Action::Discrete(self.next_index(u64::from(*n)) as u32)
                }
                Space::Box { .. } => Action::Continuous(
                    (0..space.flat_len())
                        .map(|_| self.next_index(201) as f32 / 100.0 - 1.0)
                        .collect(),
                ),
            })
            .collect()
    }
}

/// Little-endian binary action body (`i32` per discrete, `f32`s per continuous agent).
pub fn binary_body(actions: &[Action]) -> Vec<u8> {
    actions
        .iter()
        .flat_map(|a| match a {
            Action::Discrete(i) => (*i as i32).to_le_bytes().to_vec(),
            Action::Continuous(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        })
        .collect()
}

/// bevy_rl action strings for the same actions (`"3"`, `"[0.5,-1]"`).
pub fn action_strings(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .map(|a| match a {
            Action::Discrete(i) => i.to_string(),
            Action::Continuous(v) => serde_json::to_string(v).unwrap(),
        })
        .collect()
}

/// A decoded binary frame (docs/protocol.md).
#[derive(Debug, PartialEq)]
pub struct Frame {
    pub n: usize,
    /// Bytes per agent slot (B).
    pub slot_bytes: usize,
    pub rewards: Vec<f32>,
    pub terminated: Vec<bool>,
    pub truncated: Vec<bool>,
    /// Every slot's floats, agent-major.
    pub observations: Vec<f32>,
}

pub fn parse_frame(bytes: &[u8]) -> Frame {
    assert_eq!(&bytes[..4], b"BGYM");
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
    let f32_at = |i: usize| f32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
    let (n, slot_bytes) = (u32_at(8), u32_at(12));
    let obs_start = (16 + 6 * n).div_ceil(4) * 4;
    assert_eq!(bytes.len(), obs_start + n * slot_bytes, "frame length");
    Frame {
        n,
        slot_bytes,
        rewards: (0..n).map(|a| f32_at(16 + 4 * a)).collect(),
        terminated: (0..n).map(|a| bytes[16 + 4 * n + a] == 1).collect(),
        truncated: (0..n).map(|a| bytes[16 + 5 * n + a] == 1).collect(),
        observations: (obs_start..bytes.len()).step_by(4).map(f32_at).collect(),
    }
}

/// The `/state` document of an in-process environment.
pub fn state(e: &mut Environment<Tag>) -> Value {
    serde_json::from_str(&e.state_json()).unwrap()
}

/// `[x, y]` of a `/state` body.
pub fn position(body: &Value) -> [f64; 2] {
    [
        body["position"][0].as_f64().unwrap(),
        body["position"][1].as_f64().unwrap(),
    ]
}

/// The discrete move (UP, DOWN, LEFT or RIGHT) that brings `from` closer to `to` along the
/// longer axis.
pub fn toward(from: [f64; 2], to: [f64; 2]) -> Action {
    let (dx, dy) = (to[0] - from[0], to[1] - from[1]);
    let index = if dx.abs() >= dy.abs() {
        if dx > 0.0 { 4 } else { 3 }
    } else if dy > 0.0 {
        1
    } else {
        2
    };
    Action::Discrete(index)
}
