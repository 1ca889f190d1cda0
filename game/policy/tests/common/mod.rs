//! Shared test helpers: the committed fixtures (written by algos/make_policy_fixtures.py), an
//! in-process dodge environment, and the real `bevy-dodge` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use bevy_gym_dodge::Dodge;
use bevy_gym_server::Environment;

/// A fixture's path: `dqn_tiny` (Discrete(5) on dodge level 1) or `sac_tiny` (Box [3], level 2).
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{name}.safetensors"))
}

/// An in-process environment built from `bevy-dodge` command-line arguments.
pub fn env(args: &[&str]) -> Environment<Dodge> {
    let (settings, _) =
        bevy_gym_dodge::cli::parse_from(std::iter::once("bevy-dodge").chain(args.iter().copied()))
            .expect("valid arguments");
    Environment::<Dodge>::new(bevy_gym_dodge::app(settings)).expect("environment starts")
}

/// The `bevy-dodge` binary of this build, built first if needed: cargo only builds a package's
/// own binaries for its tests, and this crate's tests need dodge's.
pub fn dodge_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        // This test runs from <target>/<profile>/deps/; the binary lands in <target>/<profile>/.
        let exe = std::env::current_exe().expect("test executable");
        let profile_dir = exe.parent().and_then(Path::parent).expect("target dir");
        let mut build = Command::new(env!("CARGO"));
        build.args([
            "build",
            "--quiet",
            "-p",
            "bevy_gym_dodge",
            "--bin",
            "bevy-dodge",
        ]);
        if profile_dir.file_name().is_some_and(|p| p == "release") {
            build.arg("--release");
        }
        let target_dir = profile_dir.parent().expect("target dir");
        let status = build
            .env("CARGO_TARGET_DIR", target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build of bevy-dodge failed");
        profile_dir.join("bevy-dodge")
    })
}
