//! The real `bevy-dodge` binary with `--policy`: evaluation prints one JSON line, the same twice;
//! serving marks the driven agents in /spec and ignores HTTP actions for them; a policy that does
//! not fit fails with one line.

mod common;

use std::process::{Command, Output};

use bevy_gym_testkit::policy_fixture;
use common::{BINARY, Server, step_target};
use serde_json::Value;

fn dodge(args: &[&str]) -> Output {
    Command::new(BINARY)
        .args(args)
        .output()
        .expect("bevy-dodge runs")
}

/// A committed policy fixture of the policy crate (trained on dodge), as a flag value.
fn fixture(name: &str) -> String {
    policy_fixture(name).display().to_string()
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

#[test]
fn a_pixel_policy_plays_from_the_games_own_images_with_the_options_it_was_trained_on() {
    let pixels = fixture("pixels_tiny");
    let args = [
        "--policy",
        &pixels,
        "--episodes",
        "6",
        "--agents",
        "3",
        "--arena-mode",
        "separate",
        "--seed",
        "3",
        "--level",
        "2",
        "--action-space",
        "continuous",
    ];
    let first = dodge(&args);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{stderr}");
    // The file says which images it was trained on: 32-px RGB, set because the flags are absent.
    assert!(stderr.contains("note: image_size 32"), "{stderr}");
    let summary: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(summary["episodes"], 6);
    assert_eq!(
        dodge(&args).stdout,
        first.stdout,
        "same seed, same episodes"
    );

    // Images given on the command line that differ from the training's: refused in one line.
    let grey = dodge(&[&args[..], &["--grayscale"]].concat());
    assert_eq!(grey.status.code(), Some(1));
    let stderr = String::from_utf8(grey.stderr).unwrap();
    assert_eq!(
        stderr.lines().filter(|l| !l.contains("note:")).count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("policy sees 32×32×3 images (height×width×channels) but the game renders 32×32×1; expected the options it was trained with (grayscale false, image_size 32)"),
        "{stderr}"
    );
}

#[test]
fn a_pixel_dodger_and_a_vector_thrower_play_together_by_role() {
    let pixels = fixture("pixels_tiny");
    let thrower = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/results/selfplay_round0_thrower.safetensors"
    );
    let args = [
        "--agents",
        "4",
        "--arena-mode",
        "separate",
        "--agents-per-arena",
        "2",
        "--throwers",
        "1",
        "--level",
        "2",
        "--action-space",
        "continuous",
        "--episodes",
        "4",
        "--seed",
        "3",
        "--role-policy",
        &format!("dodger={pixels}"),
        "--role-policy",
        &format!("thrower={thrower}"),
    ];
    let first = dodge(&args);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let summary: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(summary["episodes"], 4);
    assert_eq!(
        dodge(&args).stdout,
        first.stdout,
        "same seed, same episodes"
    );
}

#[test]
fn a_pixel_policy_serves_some_agents_while_http_drives_the_others() {
    let pixels = fixture("pixels_tiny");
    let server = start(&[
        "--policy",
        &pixels,
        "--policy-agents",
        "1",
        "--agents",
        "2",
        "--arena-mode",
        "separate",
        "--level",
        "2",
        "--action-space",
        "continuous",
    ]);
    let spec: Value = serde_json::from_slice(&server.get("/spec").body).unwrap();
    assert_eq!(spec["agents"][1]["driven_by"], "policy");
    assert_eq!(
        spec["image"]["width"], 32,
        "the policy's image size was applied"
    );
    for _ in 0..20 {
        let status = server
            .get(&step_target(&[Some("[0.0, 0.0, -1.0]"), None]))
            .status;
        assert_eq!(status, 200);
    }
}

/// A served `bevy-dodge` (killed on drop).
fn start(args: &[&str]) -> Server {
    Server::start(BINARY, args)
}

/// A bevy_rl `/step` with the two agents' action strings: its status.
fn bevy_rl_step(server: &Server, first: &str, second: &str) -> u16 {
    server
        .get(&step_target(&[Some(first), Some(second)]))
        .status
}

fn state(server: &Server) -> Vec<u8> {
    server.get("/state").body
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
    let (a, b) = (start(&args), start(&args));
    let reply = a.get("/spec");
    let (status, spec) = (reply.status, reply.body);
    assert_eq!(status, 200);
    let spec: Value = serde_json::from_slice(&spec).unwrap();
    assert_eq!(spec["agents"][0]["driven_by"], "policy");
    assert!(spec["agents"][1].get("driven_by").is_none());
    for step in 0..30 {
        let other = ["IDLE", "UP", "DOWN", "LEFT", "RIGHT"][step % 5];
        assert_eq!(
            bevy_rl_step(&a, "JUMP", other),
            200,
            "agent 0's string is ignored, however invalid"
        );
        assert_eq!(bevy_rl_step(&b, "LEFT", other), 200);
    }
    // The binary route too: agent 0's value is skipped, agent 1's still checked.
    let body = |first: i32, second: i32| [first.to_le_bytes(), second.to_le_bytes()].concat();
    assert_eq!(
        a.request("POST", "/v1/step?obs=none", &body(99, 1)).status,
        200
    );
    assert_eq!(
        b.request("POST", "/v1/step?obs=none", &body(0, 1)).status,
        200
    );
    assert_eq!(
        a.request("POST", "/v1/step?obs=none", &body(0, 99)).status,
        400
    );
    assert_eq!(state(&a), state(&b));
}
