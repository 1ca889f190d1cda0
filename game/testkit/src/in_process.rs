//! A game in process, as its tests and benchmarks drive it: built from the game's own command
//! line (so a test's arguments read like the binary's), and the trajectory that determinism
//! tests compare between runs.

use std::fmt::Display;

use bevy::app::App;
use bevy_gym_server::{Environment, GymGame, ResetRequest, SimSettings, Space};

use crate::Actions;

/// An in-process environment of game `G` built from command-line `args` (without the program
/// name) by the game's own `parse` (what its binary parses: `cli::parse_from`) and `app`
/// builder (`bevy_gym_testkit::env(cli::parse_from, app, &["--agents", "2"])`); panics with the
/// reason if the arguments or the start are refused.
pub fn env<G, S, E>(
    parse: impl FnOnce(Vec<String>) -> Result<(SimSettings, S), E>,
    app: impl FnOnce(SimSettings) -> App,
    args: &[&str],
) -> Environment<G>
where
    G: GymGame,
    E: Display,
{
    let argv = std::iter::once(G::NAME)
        .chain(args.iter().copied())
        .map(String::from)
        .collect();
    let (settings, _) = parse(argv).unwrap_or_else(|e| panic!("{} {args:?}: {e}", G::NAME));
    Environment::new(app(settings)).unwrap_or_else(|e| panic!("{} {args:?} starts: {e}", G::NAME))
}

/// `steps` steps of `e` after a reset with `seed`: every agent's action drawn to fit its space
/// by [`Actions`] (seeded the same every time), arenas whose agents are all done reset in the
/// next step as a vector env's autoreset does. One line per step: the state, the observations'
/// and rewards' bits and the flags, so that two runs are equal only if bit-identical.
pub fn trajectory<G: GymGame>(mut e: Environment<G>, seed: u64, steps: usize) -> Vec<String> {
    e.reset(ResetRequest {
        seed: Some(seed),
        ..Default::default()
    })
    .expect("a seeded reset");
    let spaces: Vec<Space> = e.action_spaces().into_iter().cloned().collect();
    let spaces: Vec<&Space> = spaces.iter().collect();
    let mut picker = Actions(12345);
    let mut out = Vec::with_capacity(steps);
    for _ in 0..steps {
        let actions = picker.fitting(&spaces).into_iter().map(Some).collect();
        let done = e.finished_arenas();
        e.step(actions, &done).expect("a valid step");
        let obs: Vec<u32> = e.observe().iter().map(|v| v.to_bits()).collect();
        let rewards: Vec<u32> = e.rewards().iter().map(|v| v.to_bits()).collect();
        out.push(format!(
            "{}|{obs:?}|{rewards:?}|{:?}|{:?}",
            e.state_json(),
            e.terminated(),
            e.truncated()
        ));
    }
    out
}

/// The options of a `/spec` document whose running value (`options`) is not the default its
/// schema declares (`option_schema`), one line each; empty when the game runs every declared
/// default, as it must when started without option flags. Numbers compare as the 32-bit floats
/// games store (`0.6` runs as 0.6000000238…).
pub fn default_mismatches(spec: &str) -> Vec<String> {
    let spec: serde_json::Value = serde_json::from_str(spec).expect("a JSON spec");
    let schema = spec["option_schema"].as_object().expect("an option_schema");
    schema
        .iter()
        .filter_map(|(name, schema)| {
            let declared = schema.get("default")?;
            let running = &spec["options"][name];
            let same = match (declared.as_f64(), running.as_f64()) {
                (Some(a), Some(b)) => a as f32 == b as f32,
                _ => declared == running,
            };
            (!same).then(|| format!("{name}: declared {declared}, running {running}"))
        })
        .collect()
}
