//! Dodge as a `GymGame`: spaces, options, resets, observations, images and state for the server.

use bevy::prelude::*;
use bevy_gym_server::raster::Canvas;
use bevy_gym_server::{
    AgentIo, AgentSpaces, ArenaRngs, EnvError, GymGame, ImageSpec, OptionSpec, Space,
};
use serde_json::{Map, Value};

use crate::arena::{ArenaState, Arenas, Motion, TICK_SECONDS, seconds_to_ticks};
use crate::config::DodgeConfig;
use crate::index::{self, ArenaIndex, PlayerView};
use crate::observation::{
    OBSERVATION_LEN, OBSERVATION_LEN_V1, THROWER_OBSERVATION_LEN, write_observation,
    write_thrower_observation, write_v1_features,
};
use crate::players::{ACTION_NAMES, ACTION_NAMES_V1, Player, start_position};
use crate::projectiles::{Projectile, throw_point, warning};
use crate::throwers::{self, is_thrower, roles};

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

    fn spaces(world: &World, agent: usize) -> AgentSpaces {
        let config = world.resource::<DodgeConfig>();
        let layout = world.resource::<AgentIo>().layout();
        if is_thrower(layout, config.throwers, agent) {
            return AgentSpaces {
                action: Space::float_box(&[1], -1.0, 1.0),
                observation: Space::float_box(&[THROWER_OBSERVATION_LEN], -1.0, 1.0),
            };
        }
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

    fn agent_id(world: &World, agent: usize) -> String {
        let layout = world.resource::<AgentIo>().layout();
        throwers::agent_id(layout, world.resource::<DodgeConfig>(), agent)
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
        throwers::check(world.resource::<AgentIo>().layout(), next.throwers)?;
        world.insert_resource(next);
        Ok(())
    }

    fn reset_arenas(world: &mut World, arenas: &[usize]) {
        sync_players(world);
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
            let throwers = world.resource::<DodgeConfig>().throwers;
            for (player, mut motion) in queries.players.iter_mut(world) {
                if arenas.binary_search(&player.arena).is_ok() {
                    let (slots, _) = roles(&layout, throwers, player.arena);
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
                    // nothing here: its random streams stay as they were); learnable throwers
                    // aim their own.
                    next_throw: (config.version >= 1 && config.throwers == 0)
                        .then(|| throw_point(&config, rngs.arena(arena))),
                    plans: vec![None; config.throwers],
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
            let io = world.resource::<AgentIo>();
            let len = observation_len(config);
            let stride = out.len() / io.layout().num_agents;
            for (arena, players) in index.players.iter().enumerate() {
                let state = states.get(arena);
                let warning = state.and_then(|s| warning(s, config));
                for me in players {
                    let slot = &mut out[me.agent * stride..me.agent * stride + len];
                    let (v0, v1) = slot.split_at_mut(OBSERVATION_LEN);
                    write_observation(me, players, &index.projectiles[arena], v0, &mut scratch.0);
                    if !v1.is_empty() {
                        write_v1_features(me, warning, v1);
                    }
                }
                let (dodgers, throwers) = roles(io.layout(), config.throwers, arena);
                let interval = seconds_to_ticks(config.projectile_spawn_interval) as f32;
                for (slot, agent) in throwers.enumerate() {
                    let target = throwers::target(io, dodgers.clone(), slot)
                        .and_then(|d| index.player(arena, d));
                    let countdown = state.map_or(0, |s| s.spawn_countdown) as f32 / interval;
                    let aimed =
                        state.is_some_and(|s| s.plans.get(slot).is_some_and(Option::is_some));
                    let out = &mut out[agent * stride..agent * stride + THROWER_OBSERVATION_LEN];
                    write_thrower_observation(target, countdown, aimed, out);
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
        let io = world.resource::<AgentIo>();
        for (arena, players) in index.players.iter().enumerate() {
            let warning = states
                .get(arena)
                .and_then(|s| warning(s, config))
                .map(|(point, _)| point);
            // A thrower sees what its target sees (its arena's first dodger once none is live).
            let (dodgers, throwers) = roles(io.layout(), config.throwers, arena);
            let thrower_views = throwers.enumerate().filter_map(|(slot, agent)| {
                let target = throwers::target(io, dodgers.clone(), slot)
                    .and_then(|d| index.player(arena, d))
                    .or(players.first())?;
                Some(PlayerView { agent, ..*target })
            });
            for viewer in players.iter().copied().chain(thrower_views) {
                let me = &viewer;
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

/// Gives every dodger a body and no thrower one, after the `throwers` option changed (a changed
/// option resets every arena, which places the bodies).
fn sync_players(world: &mut World) {
    let layout = world.resource::<AgentIo>().layout().clone();
    let throwers = world.resource::<DodgeConfig>().throwers;
    let wanted: Vec<usize> = (0..layout.num_agents)
        .filter(|&a| !is_thrower(&layout, throwers, a))
        .collect();
    let mut bodies: Vec<(usize, Entity)> = world
        .query::<(Entity, &Player)>()
        .iter(world)
        .map(|(e, p)| (p.agent, e))
        .collect();
    bodies.sort_unstable();
    if bodies.iter().map(|(a, _)| *a).eq(wanted.iter().copied()) {
        return;
    }
    for (_, entity) in bodies {
        world.despawn(entity);
    }
    for agent in wanted {
        world.spawn(crate::player_body(agent, layout.arena_of(agent)));
    }
}
