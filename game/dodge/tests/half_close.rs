//! Clients that half-close: a client may send its requests and then shut down its write side
//! (`shutdown(SHUT_WR)`, legal in HTTP/1.1; `nc -N` and some proxies do) while it waits for the
//! replies. Every request it sent is answered, alone or pipelined, under concurrent clients and
//! with many idle connections open.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use common::{BINARY, Server};

const SPEC: &str = "GET /spec HTTP/1.1\r\nHost: localhost\r\n\r\n";
const STATE: &str = "GET /state HTTP/1.1\r\nHost: localhost\r\n\r\n";

/// Writes `requests` in one go on a fresh connection, half-closes it, and counts the 200
/// replies read until the server closes.
fn answered_after_half_close(addr: &str, requests: &[&str]) -> usize {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(requests.concat().as_bytes()).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut replies = Vec::new();
    let _ = stream.read_to_end(&mut replies);
    // No reply body here (JSON) holds a status line.
    replies
        .windows(b"HTTP/1.1 200 ".len())
        .filter(|w| *w == b"HTTP/1.1 200 ")
        .count()
}

/// Of `tries` single requests and `tries` pipelined pairs, each half-closed: how many were
/// answered, of how many sent.
fn half_closing_client(addr: &str, tries: usize) -> (usize, usize) {
    let single: usize = (0..tries)
        .map(|_| answered_after_half_close(addr, &[STATE]))
        .sum();
    let pipelined: usize = (0..tries)
        .map(|_| answered_after_half_close(addr, &[SPEC, STATE]))
        .sum();
    (single + pipelined, 3 * tries)
}

#[test]
fn a_request_then_a_half_close_is_answered() {
    let server = Server::start(BINARY, &["--agents", "2"]);
    let single: usize = (0..50)
        .map(|_| answered_after_half_close(&server.addr, &[STATE]))
        .sum();
    assert_eq!(single, 50, "{single} of 50 single requests answered");
    let pipelined = answered_after_half_close(&server.addr, &[SPEC, STATE]);
    assert_eq!(pipelined, 2, "{pipelined} of a pipelined pair answered");
}

#[test]
fn half_closing_clients_are_answered_while_others_run() {
    let server = Server::start(BINARY, &["--agents", "2"]);
    // 300 idle keep-alive connections, as bevy_rl's clients leave them.
    let idle: Vec<_> = (0..300).map(|_| server.connect()).collect();
    let (answered, sent) = half_closing_client(&server.addr, 20);
    assert_eq!(answered, sent, "with 300 idle connections open");
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let addr = server.addr.clone();
            std::thread::spawn(move || half_closing_client(&addr, 20))
        })
        .collect();
    for client in clients {
        let (answered, sent) = client.join().unwrap();
        assert_eq!(answered, sent, "under 8 concurrent clients");
    }
    drop(idle);
}
