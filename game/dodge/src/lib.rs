//! Dodge: players on a ground plane evade projectiles thrown at them on ballistic arcs. A hit
//! ends a player's episode with a penalty; every survived tick earns a reward, a close dodge a
//! bonus. Built on `bevy_gym_server`, which serves it over the bevy_rl protocol.
//!
//! Coordinates: X right, Y away from the thrower's far line towards it, Z up; units are metres-ish.

pub mod arena;
pub mod cli;
pub mod config;
pub mod game;
pub mod image;
pub mod index;
pub mod live;
pub mod observation;
pub mod players;
pub mod projectiles;
pub mod scoring;
pub mod state;
pub mod throwers;
#[cfg(feature = "camera")]
pub mod view;

use bevy::prelude::*;
use bevy_gym_server::{AgentIo, EnvPlugin, SimSettings, SimTick};

pub use game::Dodge;

/// The gameplay plugin: resources, the players, and one chained tick of systems.
pub struct DodgePlugin {
    pub config: config::DodgeConfig,
}

impl Plugin for DodgePlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(self.config.clone())
            .init_resource::<arena::Arenas>()
            .init_resource::<index::ArenaIndex>()
            .init_resource::<game::ObservationScratch>()
            .add_systems(Startup, spawn_players)
            .add_systems(
                SimTick,
                (
                    players::steer_players,
                    players::move_players,
                    projectiles::spawn_projectiles,
                    projectiles::move_projectiles,
                    scoring::score_players,
                )
                    .chain(),
            );
    }
}

fn spawn_players(mut commands: Commands, io: Res<AgentIo>) {
    let layout = io.layout();
    for agent in 0..layout.num_agents {
        commands.spawn(player_body(agent, layout.arena_of(agent)));
    }
}

/// A dodger's entity (placed by the next reset).
fn player_body(agent: usize, arena: usize) -> impl Bundle {
    (
        players::Player { agent, arena },
        arena::Motion::default(),
        players::Tilt::default(),
    )
}

/// A dodge app to drive in process (`Environment::new`) or to serve (add `ServePlugin`); with
/// the `camera` feature and `--image-source camera`, the view's 3D scene is the agents' sensor.
pub fn app(settings: SimSettings) -> App {
    let mut app = App::new();
    app.add_plugins(EnvPlugin::<Dodge>::new(settings))
        .add_plugins(DodgePlugin {
            config: config::DodgeConfig::default(),
        });
    // Without the feature, the environment refuses `--image-source camera`, saying why.
    #[cfg(feature = "camera")]
    app.add_plugins(bevy_gym_view::scene::sensor::SensorScene::<Dodge>::default());
    app
}
