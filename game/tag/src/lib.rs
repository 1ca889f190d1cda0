//! Tag: pursuers chase evaders in a walled square. Two roles with different action and
//! observation spaces (pursuers move in four directions, evaders steer continuously), rewards
//! that oppose (a catch costs the evader what the pursuers share), agents that finish at
//! different times, and scripted bots for single-agent play. Built on `bevy_gym_server`, which
//! serves it over the bevy_rl protocol; the worked example of docs/make_your_game_trainable.md.
//!
//! Coordinates: X right, Y up, the arena's centre at the origin; units are metres-ish.

pub mod arena;
pub mod bots;
pub mod catching;
pub mod cli;
pub mod config;
pub mod game;
pub mod image;
pub mod live;
pub mod movement;
pub mod observation;
pub mod roster;
pub mod shaping;
pub mod spawn;
pub mod state;
#[cfg(feature = "viewer")]
pub mod view;

use bevy::prelude::*;
use bevy_gym_server::{EnvPlugin, SimSettings, SimTick};

pub use game::Tag;

/// The gameplay: the game's resources, a body per agent, and one tick as a chain of systems.
pub struct TagPlugin;

impl Plugin for TagPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<config::TagConfig>()
            .init_resource::<arena::ArenaClocks>()
            .init_resource::<roster::Roster>()
            .init_resource::<spawn::AgentBodies>()
            .init_resource::<spawn::BotBodies>()
            .init_resource::<game::ObservationScratch>()
            .init_resource::<shaping::PursuitTargets>()
            .add_systems(Startup, spawn::spawn_agents)
            .add_systems(
                SimTick,
                (
                    movement::steer_agents,
                    bots::steer_bots,
                    movement::move_bodies,
                    catching::catch_evaders,
                    shaping::shape_pursuit,
                    arena::count_ticks,
                )
                    .chain(),
            );
    }
}

/// A tag app to drive in process (`Environment::new`) or to serve (add `ServePlugin`).
pub fn app(settings: SimSettings) -> App {
    let mut app = App::new();
    app.add_plugins((EnvPlugin::<Tag>::new(settings), TagPlugin));
    app
}
