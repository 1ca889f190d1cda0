//! Shared test helpers: an in-process dodge environment, and the real server binary driven over
//! raw HTTP/1.1 through bevy_gym_testkit (shared by the game crates' tests).

// Each test binary uses a part of this module.
#![allow(dead_code, unused_imports)]

use std::ops::{Deref, DerefMut};
use std::process::Child;

use bevy_gym_dodge::Dodge;
use bevy_gym_server::Environment;

/// An in-process environment built from `bevy-dodge` command-line arguments.
pub fn env(args: &[&str]) -> Environment<Dodge> {
    let (settings, _) =
        bevy_gym_dodge::cli::parse_from(std::iter::once("bevy-dodge").chain(args.iter().copied()))
            .expect("valid arguments");
    Environment::<Dodge>::new(bevy_gym_dodge::app(settings)).expect("environment starts")
}

pub use bevy_gym_testkit::{Actions, Connection, Reply, encode, step_target};

/// A running `bevy-dodge`, killed on drop (the shared `Server` with this crate's binary).
pub struct Server(bevy_gym_testkit::Server);

impl Server {
    /// Starts `bevy-dodge` with `--port 0` plus `args` and reads its address from stdout.
    pub fn start(args: &[&str]) -> Self {
        Self(bevy_gym_testkit::Server::start(
            env!("CARGO_BIN_EXE_bevy-dodge"),
            args,
        ))
    }
}

impl Deref for Server {
    type Target = bevy_gym_testkit::Server;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Server {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// Starts `bevy-dodge args` and returns it with the address it announced on its first stdout line.
pub fn spawn_announcing(args: &[&str]) -> (Child, String) {
    bevy_gym_testkit::spawn_announcing(env!("CARGO_BIN_EXE_bevy-dodge"), args)
}
