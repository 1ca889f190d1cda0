//! Determinism: the same seed and actions give bit-identical states, observations, rewards and
//! flags, in process and across processes; another seed differs.

mod common;

use bevy_gym_server::Space;
use bevy_gym_testkit::trajectory;
use common::{Actions, BINARY, Server, binary_body, env, parse_frame};

#[test]
fn same_seed_same_trajectory_shared_with_bots() {
    let args = [
        "--agents",
        "5",
        "--pursuers",
        "2",
        "--bot-pursuers",
        "1",
        "--bot-evaders",
        "3",
        "--max-episode-steps",
        "150",
    ];
    let a = trajectory(env(&args), 7, 600);
    assert_eq!(a, trajectory(env(&args), 7, 600));
    assert_ne!(a, trajectory(env(&args), 8, 600));
}

#[test]
fn same_seed_same_trajectory_separate() {
    let args = [
        "--agents",
        "8",
        "--arena-mode",
        "separate",
        "--pursuers",
        "3",
        "--bot-pursuers",
        "2",
        "--bot-evaders",
        "2",
        "--max-episode-steps",
        "100",
    ];
    let a = trajectory(env(&args), 11, 600);
    assert_eq!(a, trajectory(env(&args), 11, 600));
    assert_ne!(a, trajectory(env(&args), 12, 600));
}

#[test]
fn separate_arenas_draw_from_their_own_streams() {
    let mut e = env(&[
        "--agents",
        "2",
        "--arena-mode",
        "separate",
        "--pursuers",
        "0",
        "--bot-pursuers",
        "2",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&e.state_json()).unwrap();
    assert_ne!(doc["arenas"][0]["bots"], doc["arenas"][1]["bots"]);
}

#[test]
fn two_processes_same_seed_identical_state_and_observations_every_step() {
    let args = |seed| {
        [
            "--agents",
            "4",
            "--pursuers",
            "2",
            "--bot-evaders",
            "2",
            "--seed",
            seed,
        ]
    };
    let (one, two) = (
        Server::start(BINARY, &args("5")),
        Server::start(BINARY, &args("5")),
    );
    let other = Server::start(BINARY, &args("6"));
    let (mut c1, mut c2, mut c3) = (one.connect(), two.connect(), other.connect());
    let spaces = [
        Space::discrete_named(&["IDLE", "UP", "DOWN", "LEFT", "RIGHT"]),
        Space::discrete_named(&["IDLE", "UP", "DOWN", "LEFT", "RIGHT"]),
        Space::float_box(&[2], -1.0, 1.0),
        Space::float_box(&[2], -1.0, 1.0),
    ];
    let mut picker = Actions(77);
    let mut differed = false;
    for step in 0..500 {
        let body = binary_body(&picker.fitting(&spaces.iter().collect::<Vec<_>>()));
        // Finished episodes restart in the same request, as a vector env would.
        let target = if step % 150 == 149 {
            "/v1/step?obs=vector&reset=0"
        } else {
            "/v1/step?obs=vector"
        };
        let f1 = c1.request("POST", target, &body);
        assert_eq!(f1.status, 200, "{}", f1.text());
        assert_eq!(
            f1.body,
            c2.request("POST", target, &body).body,
            "step {step}"
        );
        let f3 = c3.request("POST", target, &body).body;
        let s1 = c1.request("GET", "/state", b"").body;
        assert_eq!(s1, c2.request("GET", "/state", b"").body, "step {step}");
        differed |= s1 != c3.request("GET", "/state", b"").body || f1.body != f3;
    }
    assert_eq!(
        parse_frame(&c1.request("GET", "/v1/observe?obs=vector", b"").body).n,
        4
    );
    assert!(differed, "a different seed must give a different game");
}
