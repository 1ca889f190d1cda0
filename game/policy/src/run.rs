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
use crate::team::{Team, role_agents};

// The flags of a trained policy inside the game (docs/policy_in_game.md). Not a doc comment:
// clap would make it the about text of every game command these flags are added to.
#[derive(clap::Args, Clone, Debug, Default, PartialEq, Eq)]
#[command(next_help_heading = "In-game policy")]
#[command(group(clap::ArgGroup::new("playing").args(["policy", "role_policy"]).multiple(true)))]
pub struct PolicyArgs {
    /// A policy file (policy.safetensors, saved by algos/ with --save-model) that drives agents
    /// inside the game.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The agents the policy drives, e.g. 0,2 (default: every agent); HTTP clients drive the
    /// others, and their actions for these are ignored.
    #[arg(long, value_name = "LIST", value_delimiter = ',', requires = "policy")]
    pub policy_agents: Option<Vec<usize>>,
    /// A policy file per role, ROLE=FILE, repeated for each role: it drives the agents whose ids
    /// name the role (`--role-policy pursuer=p.safetensors` drives pursuer_0, pursuer_1, …).
    #[arg(long, value_name = "ROLE=FILE", value_parser = parse_role_policy,
          conflicts_with_all = ["policy", "policy_agents"])]
    pub role_policy: Vec<(String, PathBuf)>,
    /// Play N evaluation episodes headless, with no HTTP, as fast as possible; print one JSON
    /// line of statistics and exit (the policies drive every agent).
    #[arg(long, value_name = "N", requires = "playing",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub episodes: Option<u64>,
}

impl PolicyArgs {
    /// Whether any policy plays (`--policy` or `--role-policy`).
    pub fn plays(&self) -> bool {
        self.policy.is_some() || !self.role_policy.is_empty()
    }

    /// What plays, for messages: the file, or each role's.
    pub fn describe(&self) -> Option<String> {
        if let Some(path) = &self.policy {
            return Some(format!("policy {}", path.display()));
        }
        let roles: Vec<String> = self
            .role_policy
            .iter()
            .map(|(role, path)| format!("{role} {}", path.display()))
            .collect();
        (!roles.is_empty()).then(|| format!("policies {}", roles.join(", ")))
    }
}

fn parse_role_policy(value: &str) -> Result<(String, PathBuf), String> {
    match value.split_once('=') {
        Some((role, file)) if !role.is_empty() && !file.is_empty() => {
            Ok((role.to_string(), PathBuf::from(file)))
        }
        _ => Err(format!(
            "{value:?}: expected ROLE=FILE, e.g. pursuer=runs/RUN/pursuer.safetensors"
        )),
    }
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

/// Runs a game binary: without a policy, serves `app` exactly as [`ServePlugin`] does; with
/// `--policy` (or `--role-policy`), serves with the policies driving their agents, or with
/// `--episodes N` plays N episodes and prints
/// `{"episodes":N,"mean_return":…,"std_return":…,"mean_length":…,"std_length":…}`.
pub fn run<G: GymGame>(mut app: App, serve_args: ServeArgs, args: PolicyArgs) -> AppExit {
    if !args.plays() {
        if args.episodes.is_some() {
            eprintln!(
                "{}: --episodes needs --policy FILE or --role-policy ROLE=FILE",
                G::NAME
            );
            return AppExit::error();
        }
        app.add_plugins(ServePlugin::<G>::new(serve_args));
        return app.run();
    }
    match run_policy::<G>(app, &serve_args, &args) {
        Ok(()) => AppExit::Success,
        Err(message) => {
            eprintln!("{}: {message}", G::NAME);
            AppExit::error()
        }
    }
}

fn run_policy<G: GymGame>(
    mut app: App,
    serve_args: &ServeArgs,
    args: &PolicyArgs,
) -> Result<(), String> {
    for note in image_options(&mut app, args)? {
        eprintln!("{}: note: {note}", G::NAME);
    }
    let mut env = Environment::<G>::new(app).map_err(|e| format!("invalid start settings: {e}"))?;
    let mut team = load_for(&env, args)?.expect("a policy plays");
    match args.episodes {
        Some(episodes) => {
            let finished = evaluate(&mut env, &mut team, episodes as usize);
            writeln!(std::io::stdout(), "{}", Summary::of(&finished).to_json())
                .map_err(|e| format!("cannot write the summary: {e}"))
        }
        None => {
            env.set_driver(Box::new(PolicyDriver::team(team)))
                .map_err(|e| e.to_string())?;
            serve(env, serve_args).map_err(|e| e.to_string())
        }
    }
}

/// Sets up `app` (before its `Environment` is made) for the pixel policies of `args`: the game
/// options that make the images a policy was trained on (`image_size`, `grayscale`: the file's
/// `image.options`) join the start options unless the command line gives them; a policy trained
/// on another image source (`--image-source camera`) is refused, as its images would differ.
/// Returns a note per option set. Every binary that plays a policy calls it, as [`run`] does.
pub fn image_options(app: &mut App, args: &PolicyArgs) -> Result<Vec<String>, String> {
    let files = args
        .policy
        .iter()
        .chain(args.role_policy.iter().map(|(_, path)| path));
    let mut notes = Vec::new();
    for path in files {
        let policy = Policy::load(path).map_err(|e| e.to_string())?;
        let Some(image) = policy.image() else {
            continue;
        };
        let mut settings = app.world_mut().resource_mut::<SimSettings>();
        let running = settings.image_source.name();
        if image.source != running {
            return Err(PolicyError::Usage(format!(
                "{} was trained on {} images but this run renders with {running}; expected --image-source {}",
                path.display(),
                image.source,
                image.source
            ))
            .to_string());
        }
        for (key, value) in &image.options {
            if !settings.options.contains_key(key) {
                settings.options.insert(key.clone(), value.clone());
                notes.push(format!(
                    "{key} {value}: the images {} was trained on",
                    path.display()
                ));
            }
        }
    }
    Ok(notes)
}

/// The policies of `--policy` or `--role-policy`, loaded and checked against `env`, each with
/// the agents it drives (`--policy-agents`, every agent by default; a role's: the agents whose ids
/// name it); `None` without a policy. A note goes to stderr when this run's options differ from
/// those a policy was trained with. Every binary that plays a policy (the headless server, a
/// live view) sets it up here.
pub fn load_for<G: GymGame>(
    env: &Environment<G>,
    args: &PolicyArgs,
) -> Result<Option<Team>, String> {
    let n = env.layout().num_agents;
    let mut members = Vec::new();
    if let Some(path) = &args.policy {
        let agents = args
            .policy_agents
            .clone()
            .unwrap_or_else(|| (0..n).collect());
        members.push((Policy::load(path).map_err(|e| e.to_string())?, agents));
    }
    let ids = agent_ids(env)?;
    for (role, path) in &args.role_policy {
        let agents = role_agents(&ids, role);
        if agents.is_empty() {
            return Err(PolicyError::Usage(format!(
                "--role-policy {role}={}: no agent id names role {role:?}; expected a role among the ids {ids:?}",
                path.display()
            ))
            .to_string());
        }
        members.push((Policy::load(path).map_err(|e| e.to_string())?, agents));
    }
    if members.is_empty() {
        return Ok(None);
    }
    let team = Team::new(members);
    team.check(env.spaces())
        .and_then(|()| team.check_image(env.image()))
        .map_err(|e| {
            let trained: Vec<String> = team
                .members()
                .iter()
                .map(|(p, _)| training_options(p))
                .collect();
            format!("{e}; the policy was trained with {}", trained.join("; "))
        })?;
    if args.episodes.is_some() && team.agents().len() != n {
        let missing: Vec<&String> = (0..n)
            .filter(|a| team.agents().binary_search(a).is_err())
            .map(|a| &ids[a])
            .collect();
        return Err(PolicyError::Usage(format!(
            "--episodes needs the policy to drive every agent, but none drives {missing:?}; expected no --policy-agents, or a --role-policy for every role"
        ))
        .to_string());
    }
    for (policy, _) in team.members() {
        if let Some(note) = options_note(policy, env) {
            eprintln!("{}: note: {note}", G::NAME);
        }
    }
    Ok(Some(team))
}

/// Every agent's public id, from the spec.
fn agent_ids<G: GymGame>(env: &Environment<G>) -> Result<Vec<String>, String> {
    let spec: Value = serde_json::from_str(&env.spec_json().map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    Ok(spec["agents"]
        .as_array()
        .map(|agents| {
            agents
                .iter()
                .map(|a| a["id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default())
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
