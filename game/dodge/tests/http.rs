//! The real `bevy-dodge` binary over HTTP: bevy_rl compatibility, extensions, errors, connection
//! handling, determinism across processes and process lifetime.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{
    Actions, BINARY, Connection, Server, encode, raw_request, refused_start, spawn_announcing,
    step_target,
};
use serde_json::Value;

fn json(reply: &common::Reply) -> Value {
    serde_json::from_slice(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.text()))
}

fn png_header(bytes: &[u8]) -> (u32, u32, u8, u8) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20), bytes[24], bytes[25])
}

#[test]
fn bevy_rl_routes_with_four_agents() {
    let server = Server::start(BINARY, &["--agents", "4"]);
    let reset = server.request("POST", "/reset", b"");
    assert_eq!(reset.status, 200);
    assert_eq!(reset.header("content-type"), Some("text/plain"));
    assert_eq!(
        reset.text(),
        "[{\"is_terminated\":false,\"is_truncated\":false,\"reward\":0.0}".to_string()
            + &",{\"is_terminated\":false,\"is_truncated\":false,\"reward\":0.0}".repeat(3)
            + "]"
    );
    assert_eq!(server.get("/reset").status, 200);

    let step = server.get(&step_target(&[Some("IDLE"), Some("1"), Some("LEFT"), None]));
    assert_eq!(step.status, 200, "{}", step.text());
    let results = json(&step);
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 4);
    for r in results {
        assert!(r["is_terminated"].is_boolean());
        assert_eq!(r["reward"].as_f64(), Some(4.0));
    }

    let state = json(&server.get("/state"));
    let players = state["arenas"][0]["players"].as_array().unwrap();
    assert_eq!(players.len(), 4);
    assert_eq!(players[1]["velocity"][1].as_f64(), Some(5.0), "UP moves +Y");
    assert_eq!(
        players[2]["velocity"][0].as_f64(),
        Some(-5.0),
        "LEFT moves -X"
    );

    let image = server.get("/visual_observations");
    assert_eq!(image.header("content-type"), Some("image/png"));
    assert_eq!(
        png_header(&image.body),
        (4 * 84, 84, 8, 6),
        "RGBA8, agents tiled left to right"
    );
}

#[test]
fn spec_describes_spaces_in_gymnasium_terms() {
    let server = Server::start(
        BINARY,
        &[
            "--agents",
            "2",
            "--arena-mode",
            "separate",
            "--action-space",
            "continuous",
        ],
    );
    let spec = json(&server.get("/spec"));
    assert_eq!(spec["protocol_version"], 1);
    assert_eq!(spec["game"], "dodge");
    assert_eq!(spec["num_arenas"], 2);
    assert_eq!(spec["agents"][1]["id"], "agent_1");
    assert_eq!(spec["agents"][1]["arena"], 1);
    let action = &spec["agents"][0]["action_space"];
    assert_eq!(action["type"], "Box");
    assert_eq!(
        (action["low"].as_f64(), action["high"].as_f64()),
        (Some(-1.0), Some(1.0))
    );
    assert_eq!(
        spec["agents"][0]["observation_space"]["shape"],
        serde_json::json!([72])
    );
    assert_eq!(spec["image"]["width"], 84);
    assert_eq!(spec["max_episode_steps"], 1000);
    let reply = server.get(&step_target(&[Some("[0.5,-1,0]"), Some("[\n 1, 1, 1\n]")]));
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[test]
fn bad_requests_get_one_line_errors_and_change_nothing() {
    let server = Server::start(BINARY, &["--agents", "2"]);
    let mut conn = server.connect();
    conn.request("GET", &step_target(&[Some("UP"), Some("DOWN")]), b"");
    let before = conn.request("GET", "/state", b"").body;
    let cases: Vec<(&str, String, Vec<u8>, u16, &str)> = vec![
        ("GET", "/nope".into(), vec![], 404, "not_found"),
        ("POST", "/step".into(), vec![], 405, "method_not_allowed"),
        ("DELETE", "/reset".into(), vec![], 405, "method_not_allowed"),
        ("GET", "/step".into(), vec![], 400, "missing_payload"),
        (
            "GET",
            "/step?payload=nonsense".into(),
            vec![],
            400,
            "invalid_payload",
        ),
        (
            "GET",
            step_target(&[Some("UP")]),
            vec![],
            400,
            "invalid_payload",
        ),
        (
            "GET",
            step_target(&[Some("UP"), Some("JUMP")]),
            vec![],
            400,
            "invalid_action",
        ),
        (
            "GET",
            step_target(&[Some("UP"), Some("9")]),
            vec![],
            400,
            "invalid_action",
        ),
        (
            "GET",
            format!("/step?payload={}", encode("[{\"action\":1},{}]")),
            vec![],
            400,
            "invalid_payload",
        ),
        ("GET", "/reset?seed=-3".into(), vec![], 400, "invalid_query"),
        ("GET", "/reset?sed=3".into(), vec![], 400, "invalid_query"),
        (
            "GET",
            format!("/reset?options={}", encode("{\"level\":7}")),
            vec![],
            400,
            "invalid_options",
        ),
        (
            "GET",
            "/reset?arenas=5".into(),
            vec![],
            400,
            "invalid_query",
        ),
        (
            "POST",
            "/v1/step".into(),
            vec![1, 2, 3],
            400,
            "invalid_body",
        ),
        (
            "POST",
            "/v1/step?obs=eyes".into(),
            vec![0; 8],
            400,
            "invalid_query",
        ),
        (
            "POST",
            "/v1/step".into(),
            [7i32, 0].iter().flat_map(|v| v.to_le_bytes()).collect(),
            400,
            "invalid_action",
        ),
    ];
    for (method, target, body, status, code) in cases {
        let reply = conn.request(method, &target, &body);
        assert_eq!(
            reply.status,
            status,
            "{method} {}: {}",
            &target[..target.len().min(80)],
            reply.text()
        );
        let err = json(&reply);
        assert_eq!(err["code"], code, "{}", reply.text());
        let message = err["error"].as_str().unwrap();
        assert!(
            !message.contains('\n') && message.contains("expected"),
            "{message}"
        );
    }
    assert_eq!(
        conn.request("GET", "/state", b"").body,
        before,
        "rejected requests changed state"
    );
    assert_eq!(
        conn.request("GET", &step_target(&[Some("IDLE"), None]), b"")
            .status,
        200
    );
}

/// Errors the transport answers before a request reaches the game: one-line JSON bodies with
/// their codes, the connection closed, the server unharmed.
#[test]
fn transport_errors_are_json_and_leave_the_server_running() {
    let server = Server::start(BINARY, &["--agents", "2"]);
    let before = server.get("/state").body;
    for (head, status, code) in [
        (
            "POST /v1/step HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
            413,
            "too_large",
        ),
        (
            "POST /v1/step HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            411,
            "length_required",
        ),
    ] {
        let reply = raw_request(&server.addr, head);
        assert!(reply.starts_with(&format!("HTTP/1.1 {status}")), "{reply}");
        assert!(reply.contains("connection: close"), "{reply}");
        let body: Value = serde_json::from_str(reply.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body["code"], code, "{reply}");
        assert!(
            body["error"].as_str().unwrap().contains("expected"),
            "{reply}"
        );
    }
    // hyper caps the request target at 65,534 bytes: beyond it, a bare 414 and a closed connection.
    let huge = raw_request(
        &server.addr,
        &format!("GET /step?payload={} HTTP/1.1\r\n\r\n", "A".repeat(70_000)),
    );
    assert!(huge.starts_with("HTTP/1.1 414"), "{huge}");
    // Just under it, a bevy_rl payload is served.
    let payload = format!(
        "[{{\"action\":\"UP\"}},{{\"action\":\"{}\"}}]",
        "A".repeat(60_000)
    );
    let reply = server.get(&format!("/step?payload={}", encode(&payload)));
    assert_eq!(reply.status, 400, "{}", reply.text());
    assert_eq!(json(&reply)["code"], "invalid_action");
    assert_eq!(
        server.get("/state").body,
        before,
        "rejected requests changed state"
    );
}

/// Past the connection cap, a connection gets one 503 `too_many_connections` and is closed;
/// once others close, new ones are served again.
#[test]
fn connections_past_the_cap_get_503() {
    let server = Server::start(BINARY, &[]);
    let held: Vec<Connection> = (0..1024).map(|_| server.connect()).collect();
    // The server counts a connection once it has accepted it: let the last ones land.
    std::thread::sleep(Duration::from_millis(300));
    let reply = raw_request(&server.addr, "GET /spec HTTP/1.1\r\n\r\n");
    assert!(reply.starts_with("HTTP/1.1 503"), "{reply}");
    assert!(reply.contains("too_many_connections"), "{reply}");
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.get("/spec").status, 200);
}

#[test]
fn idle_and_per_request_connections_block_no_one() {
    let server = Server::start(BINARY, &[]);
    let _idle = Connection::open(&server.addr);
    let mut kept = server.connect();
    let mut left_open = Vec::new();
    for i in 0..40 {
        assert_eq!(
            kept.request("GET", &step_target(&[Some("UP")]), b"").status,
            200
        );
        // bevy_rl's clients open a connection per request and never close it.
        let mut fresh = server.connect();
        assert_eq!(
            fresh.request("GET", "/state", b"").status,
            200,
            "request {i}"
        );
        left_open.push(fresh);
    }
}

#[test]
fn binary_path_matches_json_path_bit_for_bit() {
    let args = [
        "--agents",
        "3",
        "--arena-mode",
        "separate",
        "--level",
        "2",
        "--seed",
        "4",
    ];
    let json_server = Server::start(BINARY, &args);
    let bin_server = Server::start(BINARY, &args);
    let (mut a, mut b) = (json_server.connect(), bin_server.connect());
    let mut picker = Actions(5);
    for _ in 0..200 {
        let idx: Vec<u64> = (0..3).map(|_| picker.next_index(5)).collect();
        let names: Vec<String> = idx.iter().map(|i| i.to_string()).collect();
        let target = step_target(&names.iter().map(|s| Some(s.as_str())).collect::<Vec<_>>())
            + "&observations=1";
        let from_json = json(&a.request("GET", &target, b""));
        let body: Vec<u8> = idx.iter().flat_map(|&i| (i as i32).to_le_bytes()).collect();
        let frame = b.request("POST", "/v1/step?obs=vector", &body).body;
        assert_eq!(&frame[..4], b"BGYM");
        let n = u32::from_le_bytes(frame[8..12].try_into().unwrap()) as usize;
        let per_agent = u32::from_le_bytes(frame[12..16].try_into().unwrap()) as usize;
        assert_eq!((n, per_agent), (3, 72 * 4));
        let obs_start = (16 + 6 * n).div_ceil(4) * 4;
        for agent in 0..n {
            let r = f32::from_le_bytes(frame[16 + 4 * agent..20 + 4 * agent].try_into().unwrap());
            let item = &from_json[agent];
            assert_eq!(item["reward"].as_f64().unwrap() as f32, r);
            assert_eq!(
                item["is_terminated"].as_bool().unwrap(),
                frame[16 + 4 * n + agent] == 1
            );
            assert_eq!(
                item["is_truncated"].as_bool().unwrap(),
                frame[16 + 5 * n + agent] == 1
            );
            for (k, v) in item["observation"].as_array().unwrap().iter().enumerate() {
                let at = obs_start + agent * per_agent + 4 * k;
                let o = f32::from_le_bytes(frame[at..at + 4].try_into().unwrap());
                assert_eq!(v.as_f64().unwrap() as f32, o);
            }
        }
    }
    let pixels = b.request("GET", "/v1/observe?obs=pixels", b"").body;
    assert_eq!(
        u32::from_le_bytes(pixels[12..16].try_into().unwrap()),
        84 * 84 * 3
    );
}

#[test]
fn two_processes_same_seed_identical_state_every_step() {
    let args = ["--agents", "4", "--seed", "5", "--level", "2"];
    let (one, two) = (Server::start(BINARY, &args), Server::start(BINARY, &args));
    let other = Server::start(BINARY, &["--agents", "4", "--seed", "6", "--level", "2"]);
    let (mut c1, mut c2, mut c3) = (one.connect(), two.connect(), other.connect());
    let mut picker = Actions(77);
    let mut differed = false;
    for _ in 0..1000 {
        let names: Vec<String> = (0..4).map(|_| picker.next_index(5).to_string()).collect();
        let target = step_target(&names.iter().map(|s| Some(s.as_str())).collect::<Vec<_>>());
        let r1 = c1.request("GET", &target, b"");
        assert_eq!(r1.body, c2.request("GET", &target, b"").body);
        c3.request("GET", &target, b"");
        let s1 = c1.request("GET", "/state", b"").body;
        assert_eq!(s1, c2.request("GET", "/state", b"").body);
        differed |= s1 != c3.request("GET", "/state", b"").body;
    }
    assert!(differed, "a different seed must give a different game");
}

fn wait_exit(server: &mut Server, within: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < within {
        if let Some(status) = server.child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[test]
fn sigterm_and_sigint_exit_cleanly() {
    for signal in ["-TERM", "-INT"] {
        let mut server = Server::start(BINARY, &[]);
        let _idle = server.connect();
        Command::new("kill")
            .arg(signal)
            .arg(server.child.id().to_string())
            .status()
            .unwrap();
        let status =
            wait_exit(&mut server, Duration::from_secs(2)).expect("server exits on signal");
        assert!(status.success(), "{signal}: {status}");
    }
}

#[test]
fn exit_with_parent_when_stdin_closes() {
    let mut server = Server::start(BINARY, &["--exit-with-parent"]);
    assert_eq!(server.get("/state").status, 200);
    drop(server.child.stdin.take());
    assert!(
        wait_exit(&mut server, Duration::from_secs(2)).is_some(),
        "server outlived its stdin"
    );
}

#[test]
fn without_port_listens_on_bevy_rl_port() {
    let (mut child, url) = spawn_announcing(BINARY, &[]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(url, "http://127.0.0.1:7878");
}

#[test]
fn non_loopback_needs_allow_remote_and_a_token() {
    let why = refused_start(BINARY, &["--host", "0.0.0.0", "--port", "0"]);
    assert!(
        why.contains("--allow-remote") && why.contains("--token"),
        "{why}"
    );
    let weak = ["--host", "0.0.0.0", "--port", "0", "--allow-remote"];
    refused_start(BINARY, &[&weak[..], &["--token", "short"]].concat());

    let token = "0123456789abcdef-secret";
    let (mut child, url) = spawn_announcing(
        BINARY,
        &[
            "--host",
            "0.0.0.0",
            "--port",
            "0",
            "--allow-remote",
            "--token",
            token,
        ],
    );
    let port = url.rsplit(':').next().unwrap().to_string();
    let addr = format!("127.0.0.1:{port}");
    let denied = Connection::open(&addr).request("GET", "/state", b"");
    assert_eq!(denied.status, 401);
    assert_eq!(json(&denied)["code"], "unauthorized");
    let wrong = raw_request(
        &addr,
        "GET /state HTTP/1.1\r\nAuthorization: Bearer nope\r\n\r\n",
    );
    assert!(wrong.starts_with("HTTP/1.1 401"), "{wrong}");
    let allowed = raw_request(
        &addr,
        &format!("GET /state HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\r\n"),
    );
    assert!(allowed.starts_with("HTTP/1.1 200"), "{allowed}");
    let _ = child.kill();
    let _ = child.wait();
}
