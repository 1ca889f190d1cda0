//! Fuzzing the real server with 10,000+ random and malformed requests: it never crashes, every
//! reply is 2xx or 4xx, a rejected request changes nothing, and afterwards the game plays on
//! bit-identically to a twin server that saw only the accepted requests (nothing a rejected
//! request did survives, not even in state that a reset would rebuild).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{Actions, BINARY, Server, encode, step_target};

const REQUESTS: usize = 10_500;

/// One random request, as raw bytes, and whether a reply is expected (truncated requests get none).
fn random_request(rng: &mut Actions) -> (Vec<u8>, bool) {
    let method = [
        "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "G\u{e9}T", "",
    ][rng.next_index(8) as usize];
    let path = [
        "/step",
        "/reset",
        "/state",
        "/visual_observations",
        "/spec",
        "/v1/step",
        "/v1/reset",
        "/v1/observe",
        "/",
        "/step/",
        "/%00",
        "/\u{1F600}",
        "//step",
    ][rng.next_index(13) as usize];
    let junk = |rng: &mut Actions, n: usize| -> String {
        (0..n)
            .map(|_| char::from_u32(rng.next_index(0x3000) as u32).unwrap_or('?'))
            .collect()
    };
    let query = match rng.next_index(16) {
        0 => String::new(),
        1 => format!("payload={}", encode(&junk(rng, 30))),
        2 => format!(
            "payload={}",
            encode(&"[".repeat(rng.next_index(5000) as usize))
        ),
        3 => format!(
            "payload={}",
            encode("[{\"action\":\"[NaN,1e308,-1e999]\"},{},{}]")
        ),
        4 => format!(
            "payload={}",
            encode("[{\"action\":\"99999999999999999999\"},{\"action\":null},{}]")
        ),
        5 => format!(
            "payload={}",
            encode(&format!(
                "[{}]",
                vec!["{\"action\":\"UP\"}"; rng.next_index(6) as usize].join(",")
            ))
        ),
        6 => format!("seed={}", junk(rng, 5)),
        7 => "seed=18446744073709551616".into(),
        8 => format!("arenas={}", rng.next_index(1000)),
        9 => format!("options={}", encode("{\"level\":1e400,\"image_size\":-1}")),
        10 => format!("options={}", encode(&"{\"a\":".repeat(200))),
        11 => format!("obs={}", junk(rng, 4)),
        12 => format!("payload={}", "A".repeat(1 << 20)),
        13 => "%ZZ=%%%".into(),
        14 => format!("reset={}", encode("0,-1,x")),
        _ => format!("{}={}", encode(&junk(rng, 3)), encode(&junk(rng, 3))),
    };
    let target = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    };
    let body: Vec<u8> = (0..[0, 3, 12, 13, 100][rng.next_index(5) as usize])
        .map(|_| rng.next_index(256) as u8)
        .collect();
    let mut head = match rng.next_index(20) {
        0 => format!("{method} {target}\r\n\r\n"),
        1 => format!(
            "{method} {target} HTTP/9.9\r\nContent-Length: {}\r\n\r\n",
            body.len()
        ),
        2 => format!("{method} {target} HTTP/1.1\r\nContent-Length: nope\r\n\r\n"),
        3 => format!("{method} {target} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
        4 => format!("{method} {target} HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n"),
        5 => format!("{method} {target} HTTP/1.1\r\nno colon here\r\n\r\n"),
        _ => format!(
            "{method} {target} HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            body.len()
        ),
    }
    .into_bytes();
    head.extend_from_slice(&body);
    if rng.next_index(25) == 0 {
        // Truncated: the client goes away mid-request.
        let cut = rng.next_index(head.len() as u64) as usize;
        head.truncate(cut);
        return (head, false);
    }
    (head, true)
}

fn status_of(reply: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(&reply[..reply.len().min(32)]).into_owned();
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// Sends `request` on a fresh connection; with `expect_reply`, half-closes (as `nc -N` does) and
/// returns everything the server wrote back before closing.
fn send(addr: &str, request: &[u8], expect_reply: bool) -> Option<Vec<u8>> {
    let mut stream = TcpStream::connect(addr).expect("server accepts connections");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(request);
    if !expect_reply {
        return None;
    }
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    Some(reply)
}

/// `steps` steps of random actions (from `picker`) with observations, and the state after each:
/// everything the server says, in order.
fn play(server: &Server, mut picker: Actions, steps: usize) -> Vec<Vec<u8>> {
    let mut conn = server.connect();
    let mut out = Vec::with_capacity(2 * steps);
    for _ in 0..steps {
        let names: Vec<String> = (0..3).map(|_| picker.next_index(5).to_string()).collect();
        let target = step_target(&names.iter().map(|s| Some(s.as_str())).collect::<Vec<_>>());
        out.push(conn.request("GET", &(target + "&observations=1"), b"").body);
        out.push(conn.request("GET", "/state", b"").body);
    }
    out
}

/// The fuzzed server and its twin, started alike, play the same steps; then every request goes
/// to the fuzzed server, and only those it accepts (2xx) to the twin, which must answer them
/// byte for byte alike. A rejected request must leave the state as it was (checked after each)
/// and nothing behind that a later step would show: both then play on from where they are, mid-
/// episode with balls in flight and random streams drawn, and must say the same. No reset comes
/// between, so state that a reset rebuilds is covered too.
#[test]
fn ten_thousand_bad_requests_change_nothing() {
    let args = ["--agents", "3", "--arena-mode", "separate", "--seed", "42"];
    let mut fuzzed = Server::start(BINARY, &args);
    let twin = Server::start(BINARY, &args);
    assert_eq!(play(&fuzzed, Actions(3), 60), play(&twin, Actions(3), 60));
    let mut probe = fuzzed.connect();
    let mut state = probe.request("GET", "/state", b"").body;
    let mut rng = Actions(0xF00D);
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..REQUESTS {
        let (request, expect_reply) = random_request(&mut rng);
        let shown = || String::from_utf8_lossy(&request[..request.len().min(120)]).into_owned();
        let reply = send(&fuzzed.addr, &request, expect_reply);
        let status = reply.as_deref().and_then(status_of);
        if let Some(status) = status {
            assert!(
                (200..500).contains(&status),
                "request {i} got {status}: {:?}",
                shown()
            );
            *statuses.entry(status).or_insert(0) += 1;
        }
        let now = probe.request("GET", "/state", b"").body;
        if status.is_some_and(|s| s < 300) {
            let same = send(&twin.addr, &request, true) == reply;
            assert!(
                same,
                "request {i} (accepted) answered otherwise on the twin: {:?}",
                shown()
            );
        } else {
            assert!(
                now == state,
                "request {i} (rejected) changed the state: {:?}",
                shown()
            );
        }
        state = now;
    }
    // Slow clients: a request dribbled out byte by byte is still served.
    let mut slow = TcpStream::connect(&fuzzed.addr).unwrap();
    for byte in b"GET /spec HTTP/1.1\r\n\r\n" {
        slow.write_all(&[*byte]).unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut reply = [0u8; 12];
    slow.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"HTTP/1.1 200");
    assert!(
        fuzzed.child.try_wait().expect("process status").is_none(),
        "the fuzzed server exited"
    );
    assert!(statuses.keys().any(|s| *s >= 400), "{statuses:?}");
    eprintln!("status counts: {statuses:?}");

    let (after, twins) = (play(&fuzzed, Actions(4), 300), play(&twin, Actions(4), 300));
    let first = after.iter().zip(&twins).position(|(a, b)| a != b);
    assert_eq!(first, None, "a rejected request left a trace (reply index)");
}
