//! `bevy_gym_server`: a Bevy plugin that makes any game a reinforcement-learning environment
//! server: strict lockstep, seeded, headless, speaking bevy_rl's REST protocol plus the additive
//! extensions of bevy_gym's `docs/protocol.md` (spec, seeded and partial resets, runtime
//! options, truncation, one-round-trip binary steps).
//!
//! A game implements [`GymGame`], puts its per-tick systems in the [`SimTick`] schedule (reading
//! [`AgentIo`] actions, writing rewards and terminations, drawing from [`ArenaRngs`]) and adds
//! [`EnvServerPlugin`]. The plugin owns HTTP, the lockstep loop, seeding, truncation and the
//! protocol; the game knows nothing about HTTP.

mod action;
mod env;
mod error;
mod game;
mod http;
mod lockstep;
mod plugin;
mod process;
pub mod protocol;
pub mod raster;
mod spec;
mod transport;

pub use action::{Action, decode_binary_actions, parse_action_string};
pub use env::{Environment, MAX_ACTION_REPEAT, ResetRequest};
pub use error::EnvError;
pub use game::GymGame;
pub use lockstep::{AgentIo, ArenaRngs, SimTick, uniform};
pub use plugin::{BEVY_RL_PORT, EnvServerPlugin, ServerSettings};
pub use spec::{AgentSpaces, ArenaMode, Dtype, ImageSpec, Layout, Space};

/// Version of the wire protocol described in `docs/protocol.md`.
pub const PROTOCOL_VERSION: u32 = 1;
