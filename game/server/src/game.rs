//! The contract between the server plugin and a game: what a game must supply to be served.

use bevy::prelude::World;
use serde_json::{Map, Value};

use crate::action::{Action, parse_action_string};
use crate::error::EnvError;
use crate::options::OptionSpec;
use crate::spec::{AgentSpaces, ImageSpec, Layout};

/// Implemented by a game (on a marker type) to become an environment server.
///
/// The game's per-tick systems go in the [`SimTick`](crate::SimTick) schedule; they read actions
/// from and write rewards and terminations to [`AgentIo`](crate::AgentIo), and draw randomness
/// from [`ArenaRngs`](crate::ArenaRngs). Everything else (HTTP, lockstep, seeding, truncation,
/// the protocol) belongs to the plugin. Methods taking `&mut World` may use it for scratch
/// queries; they must not change anything a client can see unless their doc says so.
pub trait GymGame: Send + Sync + 'static {
    /// Name reported in the spec.
    const NAME: &'static str;

    /// The game's options, each declared once: `/reset?options=` and the CLI are checked against
    /// them before [`Self::configure`] sees a value, `/spec` and `--help` publish them, and the
    /// game starts with every declared `default` (so the game's own resource defaults never
    /// decide what runs).
    const OPTIONS: &'static [OptionSpec] = &[];

    /// Ticks per step unless the settings say otherwise.
    const DEFAULT_ACTION_REPEAT: u32 = 1;

    /// Steps before truncation unless the settings say otherwise (0: never).
    const DEFAULT_MAX_EPISODE_STEPS: u32 = 0;

    /// Agents unless `--agents` says otherwise: the fewest with which the game's default options
    /// make a game (two for a game of two roles), so that the bare binary starts.
    const DEFAULT_AGENTS: u32 = 1;

    /// Simulated seconds per tick (reported in the spec).
    fn tick_seconds(world: &World) -> f32;

    /// Agent `agent`'s action and observation spaces under the current options.
    fn spaces(world: &World, agent: usize) -> AgentSpaces;

    /// Agent `agent`'s public id under the current options (default `agent_{index}`); a game
    /// with roles names them (`dodger_0`, `thrower_0`). Ids must be distinct.
    fn agent_id(_world: &World, agent: usize) -> String {
        Layout::agent_id(agent)
    }

    /// Size of each agent's image under the current options.
    fn image(world: &World) -> ImageSpec;

    /// The game's complete current options, as a JSON object accepted by [`Self::configure`].
    fn options(world: &World) -> Map<String, Value>;

    /// Applies `options` (already checked against [`Self::OPTIONS`]), or returns an error and
    /// changes nothing. A full reset follows. What it receives:
    /// - at start, every option that declares a `default`, with it, overlaid with the start
    ///   options (the command-line flags); options declared with `default: None` appear only if
    ///   given, so the game derives them from the others;
    /// - on `/reset?options=`, only the keys given: the others keep their current values.
    ///
    /// The plugin's own options (`action_repeat`, `max_episode_steps`) never reach it.
    fn configure(world: &mut World, options: &Map<String, Value>) -> Result<(), EnvError>;

    /// Parses one agent's bevy_rl action string. The default accepts what the agent's action
    /// space describes (index or name; JSON array string).
    fn parse_action(world: &World, agent: usize, raw: &str) -> Result<Action, EnvError> {
        parse_action_string(&Self::spaces(world, agent).action, agent, raw)
    }

    /// Rebuilds the listed arenas (sorted, distinct) to their starting state. Their random
    /// streams are already reseeded or continued by the plugin.
    fn reset_arenas(world: &mut World, arenas: &[usize]);

    /// Writes every agent's vector observation into `out`: agent-major slots of
    /// `out.len() / num_agents` floats (the longest agent's observation length), agent `i`'s at
    /// the start of slot `i`; `out` is zeroed beforehand, so shorter observations stay padded.
    fn observe(world: &mut World, out: &mut [f32]);

    /// Draws every agent's image into `out` (agent-major, H×W×C each, `u8`).
    fn render(world: &mut World, out: &mut [u8]);

    /// The game state as JSON (`GET /state`): everything needed to tell two runs apart.
    fn state(world: &mut World) -> Value;
}
