//! Shared test helpers: an in-process dodge environment, and the real server binary driven over
//! raw HTTP/1.1 through bevy_gym_testkit (shared by the game crates' tests).

// Each test binary uses a part of this module.
#![allow(dead_code, unused_imports)]

use bevy_gym_dodge::Dodge;
use bevy_gym_server::Environment;

pub use bevy_gym_testkit::{
    Actions, Connection, Reply, Server, encode, raw_request, refused_start, spawn_announcing,
    step_target,
};

/// The `bevy-dodge` binary of this build.
pub const BINARY: &str = env!("CARGO_BIN_EXE_bevy-dodge");

/// An in-process environment built from `bevy-dodge` command-line arguments.
pub fn env(args: &[&str]) -> Environment<Dodge> {
    bevy_gym_testkit::env(bevy_gym_dodge::cli::parse_from, bevy_gym_dodge::app, args)
}
