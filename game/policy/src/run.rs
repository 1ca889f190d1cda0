//! The in-game policy's flags, which every game's CLI flattens (`--policy FILE`,
//! `--policy-agents 0,2`, `--episodes N`), and [`run`], the body of a game's `main`: serve as
//! usual, serve with the policy driving some agents, or evaluate it and print one JSON line.

use std::io::Write;
use std::path::PathBuf;

use bevy::app::{App, AppExit};
use bevy_gym_server::{
    Environment, GymGame, ServeArgs, ServePlugin, SimSettings, game_command, serve, settings_from,
};
use clap::{Args, FromArgMatches};
use serde_json::Value;

use crate::driver::PolicyDriver;
use crate::error::PolicyError;
use crate::evaluate::{Summary, evaluate};
use crate::policy::Policy;

// The flags of a trained policy inside the game (docs/policy_in_game.md). Not a doc comment:
// clap would make it the about text of every game command these flags are added to.
#[derive(clap::Args, Clone, Debug, Default, PartialEq, Eq)]
#[command(next_help_heading = "In-game policy")]
pub struct PolicyArgs {
    /// A policy file (policy.safetensors, saved by algos/ with --save-model) that drives agents
    /// inside the game.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The agents the policy drives, e.g. 0,2 (default: every agent); HTTP clients drive the
    /// others, and their actions for these are ignored.
    #[arg(long, value_name = "LIST", value_delimiter = ',', requires = "policy")]
    pub policy_agents: Option<Vec<usize>>,
    /// Play N evaluation episodes headless, with no HTTP, as fast as possible; print one JSON
    /// line of statistics and exit (the policy drives every agent).
    #[arg(long, value_name = "N", requires = "policy",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub episodes: Option<u64>,
}

/// Parses game `G`'s command line with the in-game policy's flags (`--policy FILE`,
/// `--policy-agents`, `--episodes`) added to the plugin's (see `bevy_gym_server::parse_cli`).
pub fn parse_cli<G, I, T>(
    name: &'static str,
    about: &'static str,
    args: I,
) -> Result<(SimSettings, ServeArgs, PolicyArgs), clap::Error>
where
    G: GymGame,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let command = PolicyArgs::augment_args(game_command::<G>(name, about));
    let matches = command.try_get_matches_from(args)?;
    let (settings, serve) = settings_from::<G>(&matches)?;
    Ok((settings, serve, PolicyArgs::from_arg_matches(&matches)?))
}

/// Runs a game binary: without `--policy`, serves `app` exactly as [`ServePlugin`] does; with
/// it, serves with the policy driving `--policy-agents`, or with `--episodes N` plays N episodes
/// and prints `{"episodes":N,"mean_return":…,"std_return":…,"mean_length":…,"std_length":…}`.
pub fn run<G: GymGame>(mut app: App, serve_args: ServeArgs, args: PolicyArgs) -> AppExit {
    let Some(path) = args.policy.clone() else {
        app.add_plugins(ServePlugin::<G>::new(serve_args));
        return app.run();
    };
    match run_policy::<G>(app, &serve_args, &args, Policy::load(&path)) {
        Ok(()) => AppExit::Success,
        Err(message) => {
            eprintln!("{}: {message}", G::NAME);
            AppExit::error()
        }
    }
}

fn run_policy<G: GymGame>(
    app: App,
    serve_args: &ServeArgs,
    args: &PolicyArgs,
    policy: Result<Policy, PolicyError>,
) -> Result<(), String> {
    let policy = policy.map_err(|e| e.to_string())?;
    let mut env = Environment::<G>::new(app).map_err(|e| format!("invalid start settings: {e}"))?;
    let (mut policy, agents) = check_for(&env, policy, args)?;
    match args.episodes {
        Some(episodes) => {
            let finished = evaluate(&mut env, &mut policy, episodes as usize);
            writeln!(std::io::stdout(), "{}", Summary::of(&finished).to_json())
                .map_err(|e| format!("cannot write the summary: {e}"))
        }
        None => {
            env.set_driver(Box::new(PolicyDriver::new(policy, agents)))
                .map_err(|e| e.to_string())?;
            serve(env, serve_args).map_err(|e| e.to_string())
        }
    }
}

/// The policy of `--policy` loaded and checked against `env`, with the agents it drives
/// (`--policy-agents`, sorted; every agent by default); `None` without `--policy`. A note goes to
/// stderr when this run's options differ from those the policy was trained with. Every binary
/// that plays a policy (the headless server, a live view) sets it up here.
pub fn load_for<G: GymGame>(
    env: &Environment<G>,
    args: &PolicyArgs,
) -> Result<Option<(Policy, Vec<usize>)>, String> {
    let Some(path) = &args.policy else {
        return Ok(None);
    };
    let policy = Policy::load(path).map_err(|e| e.to_string())?;
    check_for(env, policy, args).map(Some)
}

fn check_for<G: GymGame>(
    env: &Environment<G>,
    policy: Policy,
    args: &PolicyArgs,
) -> Result<(Policy, Vec<usize>), String> {
    let n = env.layout().num_agents;
    let mut agents = args
        .policy_agents
        .clone()
        .unwrap_or_else(|| (0..n).collect());
    agents.sort_unstable();
    agents.dedup();
    let trained = training_options(&policy);
    policy
        .check(env.spaces(), &agents)
        .map_err(|e| format!("{e}; the policy was trained with {trained}"))?;
    if args.episodes.is_some() && agents.len() != n {
        return Err(PolicyError::Usage(format!(
            "--episodes needs the policy to drive every agent; expected no --policy-agents, or all of 0..{}",
            n - 1
        ))
        .to_string());
    }
    if let Some(note) = options_note(&policy, env) {
        eprintln!("{}: note: {note}", G::NAME);
    }
    Ok((policy, agents))
}

/// The policy's training game and options, for error messages.
fn training_options(policy: &Policy) -> String {
    let meta = policy.metadata();
    format!(
        "game {:?}, options {}",
        meta.game,
        Value::Object(meta.options.clone())
    )
}

/// A note when this run's options differ from those the policy was trained with (the Python
/// evaluation used those).
fn options_note<G: GymGame>(policy: &Policy, env: &Environment<G>) -> Option<String> {
    let spec: Value = serde_json::from_str(&env.spec_json().ok()?).ok()?;
    let differences: Vec<String> = policy
        .metadata()
        .options
        .iter()
        .filter_map(|(key, trained)| {
            let now = spec["options"].get(key)?;
            (now != trained).then(|| format!("{key} {now} (trained with {trained})"))
        })
        .collect();
    (!differences.is_empty()).then(|| {
        format!(
            "this run's options differ from the policy's training: {}",
            differences.join(", ")
        )
    })
}
