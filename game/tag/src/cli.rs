//! The command line of `bevy-tag`: the plugin's simulation and serving flags, flattened, plus
//! one flag per game option, generated from [`OPTIONS`](crate::config::OPTIONS), and the in-game
//! policy's flags.

use bevy_gym_policy::PolicyArgs;
use bevy_gym_server::{ServeArgs, SimArgs, SimSettings, options};
use clap::{Args, CommandFactory, FromArgMatches, Parser};

use crate::Tag;
use crate::config::OPTIONS;

// ANCHOR: cli
/// Tag as a headless, lockstep RL environment server (bevy_rl REST protocol + extensions;
/// see docs/protocol.md). Prints `http://HOST:PORT` on the first stdout line once listening.
#[derive(Parser, Debug, Clone)]
#[command(name = "bevy-tag", version)]
pub struct Cli {
    #[command(flatten)]
    pub sim: SimArgs,
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// The parsed command line: simulation settings (with the game options given) and serving flags.
pub fn parse_from<I, T>(args: I) -> Result<(SimSettings, ServeArgs), clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = options::augment(Cli::command(), OPTIONS).try_get_matches_from(args)?;
    let cli = Cli::from_arg_matches(&matches)?;
    let game_options = options::from_matches(OPTIONS, &matches);
    Ok((cli.sim.settings::<Tag>(game_options), cli.serve))
}
// ANCHOR_END: cli

/// The binary's command line: [`parse_from`]'s flags and the in-game policy's (`--policy FILE`,
/// `--policy-agents`, `--episodes`).
pub fn parse_with_policy<I, T>(args: I) -> Result<(SimSettings, ServeArgs, PolicyArgs), clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let command = PolicyArgs::augment_args(options::augment(Cli::command(), OPTIONS));
    let matches = command.try_get_matches_from(args)?;
    let cli = Cli::from_arg_matches(&matches)?;
    let policy = PolicyArgs::from_arg_matches(&matches)?;
    let game_options = options::from_matches(OPTIONS, &matches);
    Ok((cli.sim.settings::<Tag>(game_options), cli.serve, policy))
}
