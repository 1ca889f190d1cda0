//! my_game: agents steer to a target in a walled square. The smallest complete game on
//! `bevy_gym_server`: discrete or continuous actions, vector or pixel observations, options
//! declared once, shared or separate arenas, seeded resets. Coordinates: X right, Y up, the
//! arena's centre at the origin.

// ANCHOR: lib
pub mod agents;
pub mod config;
pub mod game;
pub mod rules;
#[cfg(feature = "camera")]
pub mod view;

use bevy::prelude::*;
use bevy_gym_server::{EnvPlugin, SimSettings, SimTick};

pub use game::MyGame;

/// Simulated seconds per tick (30 Hz): a constant, never the wall clock.
pub const TICK_SECONDS: f32 = 1.0 / 30.0;
/// Half the side of the square arena (units): positions stay in [-5, 5]².
pub const HALF_SIZE: f32 = 5.0;
/// Agents' top speed (units/s).
pub const SPEED: f32 = 3.0;

/// The gameplay: the game's resources, one entity per agent, one tick as a chain of systems.
pub struct MyGamePlugin;

impl Plugin for MyGamePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<config::Config>()
            .init_resource::<agents::AgentEntities>()
            .init_resource::<agents::Targets>()
            .add_systems(Startup, agents::spawn_agents)
            .add_systems(
                SimTick,
                (rules::steer, rules::move_agents, rules::reach_target).chain(),
            );
    }
}

/// The game's app: drive it in process (`Environment::new`) or serve it (add `ServePlugin`).
pub fn app(settings: SimSettings) -> App {
    let mut app = App::new();
    app.add_plugins((EnvPlugin::<MyGame>::new(settings), MyGamePlugin));
    // With `--image-source camera`, the view's scene renders the agents' images.
    #[cfg(feature = "camera")]
    app.add_plugins(bevy_gym_view::scene::sensor::SensorScene::<MyGame>::default());
    app
}
// ANCHOR_END: lib
