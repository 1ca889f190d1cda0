//! Dodge as a `GymGame`: spaces, options, resets, observations, images and state for the server.

use bevy::prelude::*;
use bevy_gym_server::raster::Canvas;
use bevy_gym_server::{
    AgentIo, AgentSpaces, ArenaRngs, EnvError, GymGame, ImageSpec, OptionSpec, Space,
};
use serde_json::{Map, Value};

use crate::arena::{ArenaState, Arenas, Motion, TICK_SECONDS, seconds_to_ticks};
use crate::config::DodgeConfig;
use crate::index::{self, ArenaIndex};
use crate::observation::{
    OBSERVATION_LEN, OBSERVATION_LEN_V1, write_observation, write_v1_features,
};
use crate::players::{ACTION_NAMES, ACTION_NAMES_V1, Player, start_position};
use crate::projectiles::{Projectile, throw_point, warning};

/// The observation length under these rules.
fn observation_len(config: &DodgeConfig) -> usize {
    if config.version >= 1 {
        OBSERVATION_LEN_V1
    } else {
        OBSERVATION_LEN
    }
}
use crate::{image, state};

/// The dodge game (a marker type; the state lives in the world).
pub struct Dodge;

/// Scratch storage for observation sorting, kept between calls.
#[derive(Resource, Default)]
pub(crate) struct ObservationScratch(Vec<(f32, u64)>);

/// The queries a reset runs, built once (a query state costs more to build than to run).
#[derive(Resource)]
pub(crate) struct ResetQueries {
    projectiles: QueryState<(Entity, &'static Projectile)>,
    players: QueryState<(&'static Player, &'static mut Motion)>,
}

impl FromWorld for ResetQueries {
    fn from_world(world: &mut World) -> Self {
        Self {
            projectiles: world.query(),
            players: world.query(),
        }
    }
}

impl GymGame for Dodge {
    const NAME: &'static str = "dodge";
    const OPTIONS: &'static [OptionSpec] = crate::config::OPTIONS;
    const DEFAULT_ACTION_REPEAT: u32 = 4;
    const DEFAULT_MAX_EPISODE_STEPS: u32 = 1000;

    fn tick_seconds(_world: &World) -> f32 {
        TICK_SECONDS
    }

    fn spaces(world: &World, _agent: usize) -> AgentSpaces {
        let config = world.resource::<DodgeConfig>();
        let v1 = config.version >= 1;
        AgentSpaces {
            action: match config.action_kind.layout(config.version) {
                None if v1 => Space::discrete_named(&ACTION_NAMES_V1),
                None => Space::discrete_named(&ACTION_NAMES),
                Some(layout) => Space::float_box(&[layout.len()], -1.0, 1.0),
            },
            observation: Space::float_box(&[observation_len(config)], -1.0, 1.0),
        }
    }

    fn image(world: &World) -> ImageSpec {
        let config = world.resource::<DodgeConfig>();
        ImageSpec {
            channels: if config.grayscale { 1 } else { 3 },
            height: config.image_size,
            width: config.image_size,
        }
    }

    fn options(world: &World) -> Map<String, Value> {
        world.resource::<DodgeConfig>().to_options()
    }

    fn configure(world: &mut World, options: &Map<String, Value>) -> Result<(), EnvError> {
        let next = world.resource::<DodgeConfig>().with_options(options)?;
        world.insert_resource(next);
        Ok(())
    }

    fn reset_arenas(world: &mut World, arenas: &[usize]) {
        if !world.contains_resource::<ResetQueries>() {
            world.init_resource::<ResetQueries>();
        }
        let layout = world.resource::<AgentIo>().layout().clone();
        world.resource_scope(|world, mut queries: Mut<ResetQueries>| {
            let doomed: Vec<Entity> = queries
                .projectiles
                .iter(world)
                .filter(|(_, p)| arenas.binary_search(&p.arena).is_ok())
                .map(|(e, _)| e)
                .collect();
            for entity in doomed {
                world.despawn(entity);
            }
            for (player, mut motion) in queries.players.iter_mut(world) {
                if arenas.binary_search(&player.arena).is_ok() {
                    let slots = layout.agents_in(player.arena);
                    let slot = player.agent - slots.start;
                    *motion = Motion {
                        position: start_position(slot, slots.len()),
                        velocity: Vec3::ZERO,
                    };
                }
            }
        });
        let config = world.resource::<DodgeConfig>().clone();
        let interval = seconds_to_ticks(config.projectile_spawn_interval);
        world.resource_scope(|world, mut rngs: Mut<ArenaRngs>| {
            let mut states = world.resource_mut::<Arenas>();
            states
                .0
                .resize_with(layout.num_arenas(), ArenaState::default);
            for &arena in arenas {
                states.0[arena] = ArenaState {
                    spawn_countdown: interval,
                    next_projectile_id: 0,
                    ticks: 0,
                    last_throw: None,
                    // Version 1 announces its first throw, so it is drawn now (version 0 draws
                    // nothing here: its random streams stay as they were).
                    next_throw: (config.version >= 1)
                        .then(|| throw_point(&config, rngs.arena(arena))),
                };
            }
        });
    }

    fn observe(world: &mut World, out: &mut [f32]) {
        index::refresh(world);
        world.resource_scope(|world, mut scratch: Mut<ObservationScratch>| {
            let index = world.resource::<ArenaIndex>();
            let config = world.resource::<DodgeConfig>();
            let states = &world.resource::<Arenas>().0;
            let len = observation_len(config);
            for (arena, players) in index.players.iter().enumerate() {
                let warning = states.get(arena).and_then(|s| warning(s, config));
                for me in players {
                    let slot = &mut out[me.agent * len..(me.agent + 1) * len];
                    let (v0, v1) = slot.split_at_mut(OBSERVATION_LEN);
                    write_observation(me, players, &index.projectiles[arena], v0, &mut scratch.0);
                    if !v1.is_empty() {
                        write_v1_features(me, warning, v1);
                    }
                }
            }
        });
    }

    fn render(world: &mut World, out: &mut [u8]) {
        index::refresh(world);
        let spec = Self::image(world);
        let index = world.resource::<ArenaIndex>();
        let config = world.resource::<DodgeConfig>();
        let states = &world.resource::<Arenas>().0;
        for (arena, players) in index.players.iter().enumerate() {
            let warning = states
                .get(arena)
                .and_then(|s| warning(s, config))
                .map(|(point, _)| point);
            for me in players {
                let pixels = &mut out[me.agent * spec.bytes()..(me.agent + 1) * spec.bytes()];
                image::draw(
                    &mut Canvas::new(pixels, spec),
                    me,
                    players,
                    &index.projectiles[arena],
                    warning,
                );
            }
        }
    }

    fn state(world: &mut World) -> Value {
        index::refresh(world);
        state::state_document(
            world.resource::<ArenaIndex>(),
            &world.resource::<Arenas>().0,
            world.resource::<AgentIo>(),
            world.resource::<DodgeConfig>(),
        )
    }
}
