//! `bevy_gym_view`: a live view for any `bevy_gym_server` game. Watch clients train it, watch a
//! trained policy play it, play it yourself, or record it, in a window that draws the game's own
//! Bevy scene; the game supplies the scene and (optionally) its key map, everything else is here.
//!
//! Two halves:
//! - the simulation side, always built and headless: the environment runs on its own thread
//!   ([`sim`]), serving HTTP exactly as the game's headless binary does, or stepped by a
//!   trained policy, the keyboard or seeded random actions ([`drivers`]) at real time or one step
//!   per drawn frame; a [`Spectator`](bevy_gym_server::Spectator) copies the state for the window
//!   only when the window asks ([`feed`]), so the window never paces the lockstep and an episode
//!   is the same with and without it. The command line ([`args`]) and the choice of mode
//!   ([`plan`]) are here too, so they are tested without a display;
//! - the window, behind the `window` feature (so a game's default build stays headless): a
//!   Bevy app with an orbit camera, a HUD, the keyboard, `--frames/--screenshot/--record`, into
//!   which the game's [`Scene`](window::Scene) adds its visuals.
//!
//! A game implements [`LiveGame`] (what the window needs of a moment: [`LiveGame::capture`]) and,
//! with the window, `window::Scene`; its view binary's `main` is one call of `window::run`.
//!
//! - the scene, behind the `scene` feature: the game's [`Scene`](scene::Scene) apart from the
//!   window, which the camera sensor ([`scene::sensor`]) renders for agents with no window.
//!
//! Modules depend one way: `keys` → `feed`, `drivers` → `plan` → `args` → `sim` → `scene` →
//! `window`.

pub mod args;
pub mod drivers;
pub mod feed;
pub mod keys;
pub mod plan;
#[cfg(feature = "scene")]
pub mod scene;
pub mod sim;
#[cfg(feature = "window")]
pub mod window;

use bevy::prelude::World;
use bevy_gym_server::GymGame;

pub use args::{ViewArgs, parse_cli};
pub use feed::{AgentStats, ArenaStats, Feed, Frame, Publisher};
pub use keys::{Held, KeyMap};
pub use plan::{Mode, Plan};

/// A game that can be watched live: what the window needs to draw one moment of it.
pub trait LiveGame: GymGame {
    /// The game's part of what the window draws (positions, colours, anything its scene reads),
    /// copied from the world after a reset or step, and only when the window has asked for one.
    /// Episode counts, steps, agent ids, returns and who is done are copied for every game
    /// ([`Frame`]); this holds the rest.
    type Frame: Clone + Default + PartialEq + Send + Sync + 'static;

    /// Fills `frame` from the world (on the simulation thread; `world` is mutable only for the
    /// game's own scratch queries, as in `GymGame::observe`).
    fn capture(world: &mut World, frame: &mut Self::Frame);

    /// What the keys a human holds mean, as agent 0's action (`--play`). The default reads the
    /// action space: arrows pick the actions named UP, DOWN, LEFT and RIGHT (space: JUMP) of a
    /// discrete space, or steer the first two elements of a box.
    fn key_map(world: &World) -> KeyMap {
        KeyMap::for_space(&Self::spaces(world, 0).action)
    }
}
