//! The real `bevy-tag` binary over HTTP: heterogeneous spaces in the spec, mixed binary actions,
//! padded vector frames against per-agent JSON observations, images, refused options and the
//! command line.

mod common;

use std::process::Command;

use bevy_gym_server::Space;
use common::{
    Actions, BINARY, Server, action_strings, binary_body, encode, parse_frame, refused_start,
    step_target,
};
use serde_json::{Value, json};

const THREE: [&str; 6] = ["--agents", "3", "--pursuers", "1", "--seed", "9"];

fn json(reply: &common::Reply) -> Value {
    serde_json::from_slice(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.text()))
}

fn spaces_of(spec: &Value) -> Vec<Space> {
    spec["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| match a["action_space"]["type"].as_str() {
            Some("Discrete") => Space::discrete_named(&["IDLE", "UP", "DOWN", "LEFT", "RIGHT"]),
            _ => Space::float_box(&[2], -1.0, 1.0),
        })
        .collect()
}

#[test]
fn spec_shows_each_roles_spaces() {
    let server = Server::start(BINARY, &THREE);
    let spec = json(&server.get("/spec"));
    assert_eq!(spec["game"], "tag");
    assert_eq!(spec["action_repeat"], 2);
    assert_eq!(spec["max_episode_steps"], 300);
    assert!((spec["tick_seconds"].as_f64().unwrap() - 1.0 / 30.0).abs() < 1e-7);
    let pursuer = &spec["agents"][0];
    assert_eq!(
        pursuer["action_space"],
        json!({"n": 5, "names": ["IDLE", "UP", "DOWN", "LEFT", "RIGHT"], "type": "Discrete"})
    );
    assert_eq!(pursuer["observation_space"]["shape"], json!([12]));
    for evader in &spec["agents"].as_array().unwrap()[1..] {
        assert_eq!(
            evader["action_space"],
            json!({"dtype": "float32", "high": 1.0, "low": -1.0, "shape": [2], "type": "Box"})
        );
        assert_eq!(evader["observation_space"]["shape"], json!([8]));
    }
    assert_eq!(
        spec["image"],
        json!({"channels": 3, "height": 64, "width": 64})
    );
    assert_eq!(spec["options"]["pursuers"], 1);
    assert_eq!(spec["option_schema"]["bot_evaders"]["maximum"], 8);
    // --print-spec gives the same document without serving.
    let printed = Command::new(BINARY)
        .args(THREE)
        .arg("--print-spec")
        .output()
        .unwrap();
    assert!(printed.status.success());
    let text = String::from_utf8(printed.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), spec);
}

#[test]
fn binary_steps_with_mixed_actions_match_json_steps() {
    let (json_server, bin_server) = (Server::start(BINARY, &THREE), Server::start(BINARY, &THREE));
    let spaces = spaces_of(&json(&json_server.get("/spec")));
    let spaces: Vec<&Space> = spaces.iter().collect();
    let (mut a, mut b) = (json_server.connect(), bin_server.connect());
    let mut picker = Actions(5);
    for _ in 0..200 {
        let actions = picker.fitting(&spaces);
        let strings = action_strings(&actions);
        let target = step_target(&strings.iter().map(|s| Some(s.as_str())).collect::<Vec<_>>())
            + "&observations=1";
        let from_json = json(&a.request("GET", &target, b""));
        let body = binary_body(&actions);
        assert_eq!(body.len(), 4 + 2 * 8, "one i32 and two pairs of f32");
        let reply = b.request("POST", "/v1/step?obs=vector", &body);
        assert_eq!(reply.status, 200, "{}", reply.text());
        let frame = parse_frame(&reply.body);
        assert_eq!(
            (frame.n, frame.slot_bytes),
            (3, 12 * 4),
            "B is the longest observation"
        );
        for agent in 0..3 {
            let item = &from_json[agent];
            assert_eq!(
                item["reward"].as_f64().unwrap() as f32,
                frame.rewards[agent]
            );
            assert_eq!(item["is_terminated"], frame.terminated[agent]);
            assert_eq!(item["is_truncated"], frame.truncated[agent]);
            let own: Vec<f32> = item["observation"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect();
            assert_eq!(
                own.len(),
                if agent == 0 { 12 } else { 8 },
                "each agent's own length"
            );
            let slot = &frame.observations[agent * 12..(agent + 1) * 12];
            assert_eq!(&slot[..own.len()], own.as_slice());
            assert!(
                slot[own.len()..].iter().all(|v| *v == 0.0),
                "padding is zero"
            );
        }
        if frame
            .terminated
            .iter()
            .zip(&frame.truncated)
            .all(|(t, u)| *t || *u)
        {
            assert_eq!(a.request("GET", "/reset", b"").status, 200);
            assert_eq!(b.request("POST", "/v1/reset?obs=none", b"").status, 200);
        }
    }
}

#[test]
fn bevy_rl_step_takes_names_and_arrays_and_images_are_pngs() {
    let server = Server::start(BINARY, &THREE);
    let reply = server.get(&step_target(&[Some("UP"), Some("[1, 0]"), None]));
    assert_eq!(reply.status, 200, "{}", reply.text());
    let state = json(&server.get("/state"));
    let agents = &state["arenas"][0]["agents"];
    assert_eq!(
        agents[0]["velocity"],
        json!([0.0, 4.0]),
        "UP is +Y at pursuer_speed"
    );
    assert_eq!(
        agents[1]["velocity"],
        json!([3.0, 0.0]),
        "[1, 0] at evader_speed"
    );
    assert_eq!(
        agents[2]["velocity"],
        json!([0.0, 0.0]),
        "null stands still"
    );
    assert_eq!(state["arenas"][0]["ticks"], 2);
    let wrong = server.get(&step_target(&[Some("[1, 0]"), Some("UP"), None]));
    assert_eq!(wrong.status, 400);
    assert_eq!(json(&wrong)["code"], "invalid_action");

    let image = server.get("/visual_observations");
    assert_eq!(image.header("content-type"), Some("image/png"));
    assert_eq!(&image.body[..8], b"\x89PNG\r\n\x1a\n");
    let be = |i: usize| u32::from_be_bytes(image.body[i..i + 4].try_into().unwrap());
    assert_eq!(
        (be(16), be(20), image.body[24], image.body[25]),
        (3 * 64, 64, 8, 6)
    );
    let pixels = parse_frame(&server.request("GET", "/v1/observe?obs=pixels", b"").body);
    assert_eq!(pixels.slot_bytes, 64 * 64 * 3);
}

#[test]
fn refused_options_are_400_and_change_nothing() {
    let server = Server::start(BINARY, &THREE);
    let mut conn = server.connect();
    let before = conn.request("GET", "/state", b"").body;
    for options in [
        json!({"pursuers": 4}),
        json!({"pursuers": 0}),
        json!({"bot_evaders": 9}),
    ] {
        let target = format!("/reset?options={}", encode(&options.to_string()));
        let reply = conn.request("GET", &target, b"");
        assert_eq!(reply.status, 400, "{options}");
        let err = json(&reply);
        assert_eq!(err["code"], "invalid_options");
        assert!(
            err["error"].as_str().unwrap().contains("; expected "),
            "{err}"
        );
    }
    assert_eq!(conn.request("GET", "/state", b"").body, before);
    let ok = format!("/reset?options={}", encode("{\"pursuers\":2}"));
    assert_eq!(conn.request("GET", &ok, b"").status, 200);
    let spec = json(&conn.request("GET", "/spec", b""));
    assert_eq!(spec["agents"][1]["observation_space"]["shape"], json!([12]));
}

#[test]
fn a_senseless_start_is_refused_with_a_reason() {
    let why = refused_start(BINARY, &["--agents", "2", "--pursuers", "3", "--port", "0"]);
    assert!(
        why.contains("no evader") && why.contains("expected"),
        "{why}"
    );
    assert!(refused_start(BINARY, &["--bot-evaders", "99"]).contains("--bot-evaders"));
}
