//! Shared test helpers: an in-process tag environment, and the real server binary driven over
//! raw HTTP/1.1 through bevy_gym_testkit (shared by the game crates' tests).

// Each test binary uses a part of this module.
#![allow(dead_code, unused_imports)]

use bevy_gym_server::{Action, Environment};
use bevy_gym_tag::Tag;
use serde_json::Value;

/// An in-process environment built from `bevy-tag` command-line arguments.
pub fn env(args: &[&str]) -> Environment<Tag> {
    bevy_gym_testkit::env(bevy_gym_tag::cli::parse_from, bevy_gym_tag::app, args)
}

pub use bevy_gym_testkit::{
    Actions, Connection, Reply, Server, encode, raw_request, refused_start, spawn_announcing,
    step_target,
};

/// The `bevy-tag` binary of this build.
pub const BINARY: &str = env!("CARGO_BIN_EXE_bevy-tag");

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
