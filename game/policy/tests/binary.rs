//! The real `bevy-dodge` binary with `--policy`: evaluation prints one JSON line, the same twice;
//! serving marks the driven agents in /spec and ignores HTTP actions for them; a policy that does
//! not fit fails with one line.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

fn dodge(args: &[&str]) -> Output {
    Command::new(common::dodge_binary())
        .args(args)
        .output()
        .expect("bevy-dodge runs")
}

fn fixture(name: &str) -> String {
    common::fixture(name).display().to_string()
}

#[test]
fn episodes_print_one_json_line_and_the_same_twice() {
    let dqn = fixture("dqn_tiny");
    let args = [
        "--policy",
        &dqn,
        "--episodes",
        "5",
        "--seed",
        "3",
        "--level",
        "1",
    ];
    let first = dodge(&args);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let line = String::from_utf8(first.stdout.clone()).unwrap();
    assert_eq!(line.lines().count(), 1, "{line}");
    let summary: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(summary["episodes"], 5);
    let keys: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
    assert_eq!(
        keys,
        [
            "episodes",
            "mean_return",
            "std_return",
            "mean_length",
            "std_length"
        ]
    );
    assert!(summary["mean_length"].as_f64().unwrap() >= 1.0);
    assert_eq!(
        dodge(&args).stdout,
        first.stdout,
        "same seed, same episodes"
    );
}

#[test]
fn a_policy_that_does_not_fit_fails_with_one_line() {
    let sac = fixture("sac_tiny");
    let out = dodge(&["--policy", &sac, "--episodes", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("dodge: policy acts in Box(shape [3], [-1, 1]) but agent_0's actions are Discrete(5); the policy was trained with game \"dodge\""),
        "{stderr}"
    );
    let dqn = fixture("dqn_tiny");
    let partial = dodge(&[
        "--policy",
        &dqn,
        "--episodes",
        "1",
        "--agents",
        "2",
        "--policy-agents",
        "0",
    ]);
    assert_eq!(partial.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&partial.stderr)
            .contains("--episodes needs the policy to drive every agent")
    );
    let no_policy = dodge(&["--episodes", "1"]);
    assert_eq!(
        no_policy.status.code(),
        Some(2),
        "clap: --episodes requires --policy"
    );
}

/// A served `bevy-dodge`, killed on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(common::dodge_binary())
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("bevy-dodge starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line.trim().trim_start_matches("http://").to_string();
        Self { child, addr }
    }

    /// One request on its own connection: the status and the body.
    fn request(&self, method: &str, target: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        let head = format!(
            "{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).unwrap();
        let split = reply.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let status = String::from_utf8_lossy(&reply[9..12]).parse().unwrap();
        (status, reply[split + 4..].to_vec())
    }

    fn step(&self, first: &str, second: &str) -> u16 {
        let payload = format!("[{{\"action\":\"{first}\"}},{{\"action\":\"{second}\"}}]");
        let encoded: String = payload
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        self.request("GET", &format!("/step?payload={encoded}"), b"")
            .0
    }

    fn state(&self) -> Vec<u8> {
        self.request("GET", "/state", b"").1
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serving_with_a_policy_marks_its_agents_and_ignores_their_http_actions() {
    let dqn = fixture("dqn_tiny");
    let args = [
        "--policy",
        &dqn,
        "--policy-agents",
        "0",
        "--agents",
        "2",
        "--seed",
        "9",
    ];
    let (a, b) = (Server::start(&args), Server::start(&args));
    let (status, spec) = a.request("GET", "/spec", b"");
    assert_eq!(status, 200);
    let spec: Value = serde_json::from_slice(&spec).unwrap();
    assert_eq!(spec["agents"][0]["driven_by"], "policy");
    assert!(spec["agents"][1].get("driven_by").is_none());
    for step in 0..30 {
        let other = ["IDLE", "UP", "DOWN", "LEFT", "RIGHT"][step % 5];
        assert_eq!(
            a.step("JUMP", other),
            200,
            "agent 0's string is ignored, however invalid"
        );
        assert_eq!(b.step("LEFT", other), 200);
    }
    // The binary route too: agent 0's value is skipped, agent 1's still checked.
    let body = |first: i32, second: i32| [first.to_le_bytes(), second.to_le_bytes()].concat();
    assert_eq!(a.request("POST", "/v1/step?obs=none", &body(99, 1)).0, 200);
    assert_eq!(b.request("POST", "/v1/step?obs=none", &body(0, 1)).0, 200);
    assert_eq!(a.request("POST", "/v1/step?obs=none", &body(0, 99)).0, 400);
    assert_eq!(a.state(), b.state());
}
