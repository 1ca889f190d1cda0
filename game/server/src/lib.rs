//! `bevy_gym_server`: a Bevy plugin that makes any game a reinforcement-learning environment
//! server: strict lockstep, seeded, headless, speaking bevy_rl's REST protocol plus the additive
//! extensions of bevy_gym's `docs/protocol.md` (spec, seeded and partial resets, runtime
//! options, truncation, one-round-trip binary steps).
//!
//! A game implements [`GymGame`] (declaring its options once, as [`OptionSpec`]s: it starts with
//! their defaults, the start options over them, whatever its own resources default to), puts
//! its per-tick systems in the [`SimTick`] schedule (reading [`AgentIo`] actions, writing rewards
//! and terminations, drawing from [`ArenaRngs`]) and adds [`EnvPlugin`] with its [`SimSettings`].
//! Such an app is driven in process by [`Environment`], or served over HTTP by adding
//! [`ServePlugin`]; a game's CLI flattens [`SimArgs`] and [`ServeArgs`] and adds its options'
//! flags with [`options::augment`]. The game knows nothing about HTTP. A [`Driver`] set on the
//! environment supplies some agents' actions in process (an in-game policy) while clients drive
//! the rest; a [`Spectator`] sees every reset and step (a windowed view).
//!
//! Modules depend one way: `spec`, `error` → `options`, `action` → `lockstep`, `game`,
//! `settings` → `protocol` → `driver`, `spectator` → `env` → `routes` → `serve` (with `http` and `process`
//! below it).

mod action;
#[cfg(feature = "camera")]
pub mod camera;
mod cli;
mod driver;
mod env;
mod error;
mod game;
mod http;
mod lockstep;
pub mod options;
mod plugin;
mod process;
pub mod protocol;
pub mod raster;
mod routes;
mod serve;
mod settings;
mod spec;
mod spectator;

pub use action::{Action, decode_binary_actions, parse_action_string};
pub use cli::{game_command, parse_cli, settings_from};
pub use driver::{Driver, DriverInput};
pub use env::{Environment, MAX_IMAGE_BUFFER_BYTES};
pub use error::{EnvError, StartError};
pub use game::GymGame;
pub use lockstep::{AgentIo, ArenaRngs, SimTick, uniform};
pub use options::{OptionKind, OptionSpec};
pub use plugin::EnvPlugin;
pub use protocol::{PROTOCOL_VERSION, ResetRequest};
pub use serve::{BEVY_RL_PORT, ServeArgs, ServePlugin, serve};
pub use settings::{ImageSource, MAX_AGENTS, SimArgs, SimSettings};
pub use spec::{AgentSpaces, ArenaMode, Dtype, ImageSpec, Layout, Space};
pub use spectator::{Moment, Spectator};
