//! The command line of `bevy-tag`: the plugin's simulation and serving flags, one flag per game
//! option (from [`OPTIONS`](crate::config::OPTIONS)), and the in-game policy's flags.

// ANCHOR: cli_uses
use bevy_gym_policy::PolicyArgs;
use bevy_gym_server::{ServeArgs, SimSettings};

use crate::Tag;
// ANCHOR_END: cli_uses

// ANCHOR: cli
/// The binary's name and what `--help` says about it.
pub const NAME: &str = "bevy-tag";
pub const ABOUT: &str = "Tag as a headless, lockstep RL environment server (bevy_rl REST protocol + \
extensions; see docs/protocol.md). Prints `http://HOST:PORT` on the first stdout line once listening.";

/// The parsed command line: simulation settings (with the game options given) and serving flags.
pub fn parse_from<I, T>(args: I) -> Result<(SimSettings, ServeArgs), clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    bevy_gym_server::parse_cli::<Tag, _, _>(NAME, ABOUT, args)
}
// ANCHOR_END: cli

// ANCHOR: policy_cli
/// The binary's command line: [`parse_from`]'s flags and the in-game policy's (`--policy FILE`,
/// `--policy-agents`, `--episodes`).
pub fn parse_with_policy<I, T>(args: I) -> Result<(SimSettings, ServeArgs, PolicyArgs), clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    bevy_gym_policy::parse_cli::<Tag, _, _>(NAME, ABOUT, args)
}
// ANCHOR_END: policy_cli
