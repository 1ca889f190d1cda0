//! my_game as a `GymGame`: everything the server plugin asks of the game, answered from the
//! world: spaces, options, resets, observations, images and state.

// ANCHOR: gym_game
use bevy::prelude::*;
use bevy_gym_server::raster::{Canvas, Rgb};
use bevy_gym_server::{AgentIo, AgentSpaces, EnvError, GymGame, ImageSpec, OptionSpec, Space};
use serde_json::{Map, Value, json};

use crate::agents::{AgentEntities, Position, Targets};
use crate::config::{self, Config};
use crate::rules::ACTION_NAMES;
use crate::{HALF_SIZE, TICK_SECONDS, agents};

/// The game (a marker type: the state lives in the world).
pub struct MyGame;

/// Floats in an observation: the agent's position, then the offset to its target.
pub const OBSERVATION_LEN: usize = 4;

impl GymGame for MyGame {
    const NAME: &'static str = "my_game";
    const OPTIONS: &'static [OptionSpec] = config::OPTIONS;
    const DEFAULT_ACTION_REPEAT: u32 = 2;
    const DEFAULT_MAX_EPISODE_STEPS: u32 = 200;

    fn tick_seconds(_world: &World) -> f32 {
        TICK_SECONDS
    }

    fn spaces(world: &World, _agent: usize) -> AgentSpaces {
        let action = if world.resource::<Config>().continuous {
            Space::float_box(&[2], -1.0, 1.0)
        } else {
            Space::discrete_named(&ACTION_NAMES)
        };
        let observation = Space::float_box(&[OBSERVATION_LEN], -1.0, 1.0);
        AgentSpaces {
            action,
            observation,
        }
    }

    fn image(world: &World) -> ImageSpec {
        let size = world.resource::<Config>().image_size;
        ImageSpec {
            channels: 3,
            height: size,
            width: size,
        }
    }

    fn options(world: &World) -> Map<String, Value> {
        world.resource::<Config>().to_options()
    }

    fn configure(world: &mut World, options: &Map<String, Value>) -> Result<(), EnvError> {
        // The plugin has checked each value against OPTIONS; a game whose options can combine
        // into nonsense refuses it here with EnvError::InvalidOptions, changing nothing.
        world.resource_mut::<Config>().apply(options);
        Ok(())
    }

    fn reset_arenas(world: &mut World, arenas: &[usize]) {
        agents::reset_arenas(world, arenas);
    }

    fn observe(world: &mut World, out: &mut [f32]) {
        // Agent i's observation starts slot i; a slot is the longest agent's observation.
        let positions = positions(world);
        let stride = out.len() / positions.len();
        let targets = &world.resource::<Targets>().0;
        let layout = world.resource::<AgentIo>().layout();
        for (agent, &position) in positions.iter().enumerate() {
            let offset = targets[layout.arena_of(agent)] - position;
            let scaled = [position / HALF_SIZE, offset / (2.0 * HALF_SIZE)];
            let slot = &mut out[agent * stride..][..OBSERVATION_LEN];
            for (o, v) in slot.iter_mut().zip(scaled.iter().flat_map(|v| [v.x, v.y])) {
                *o = v.clamp(-1.0, 1.0);
            }
        }
    }

    fn render(world: &mut World, out: &mut [u8]) {
        let spec = Self::image(world);
        let positions = positions(world);
        let targets = &world.resource::<Targets>().0;
        let layout = world.resource::<AgentIo>().layout();
        let pixel = |p: Vec2| {
            let scale = spec.width as f32 / (2.0 * HALF_SIZE);
            let x = ((p.x + HALF_SIZE) * scale) as i64;
            (x, ((HALF_SIZE - p.y) * scale) as i64)
        };
        let radius = (spec.width / 16).max(1) as i64;
        for (me, pixels) in out.chunks_exact_mut(spec.bytes()).enumerate() {
            let arena = layout.arena_of(me);
            let mut canvas = Canvas::new(pixels, spec);
            canvas.fill(Rgb(20, 20, 30));
            let (x, y) = pixel(targets[arena]);
            canvas.disc(x, y, radius + 1, Rgb(60, 210, 90));
            for other in layout.agents_in(arena).filter(|&a| a != me) {
                let (x, y) = pixel(positions[other]);
                canvas.disc(x, y, radius, Rgb(120, 120, 120));
            }
            let (x, y) = pixel(positions[me]);
            canvas.disc(x, y, radius, Rgb(80, 140, 255));
        }
    }

    fn state(world: &mut World) -> Value {
        let positions = positions(world);
        let io = world.resource::<AgentIo>();
        let agents: Vec<Value> = positions
            .iter()
            .enumerate()
            .map(|(a, p)| json!({"position": [p.x, p.y], "live": io.is_live(a)}))
            .collect();
        let targets: Vec<[f32; 2]> = world
            .resource::<Targets>()
            .0
            .iter()
            .map(|t| [t.x, t.y])
            .collect();
        json!({"agents": agents, "targets": targets})
    }
}

/// Every agent's position, in agent order.
fn positions(world: &World) -> Vec<Vec2> {
    let entities = &world.resource::<AgentEntities>().0;
    entities
        .iter()
        .map(|&e| world.get::<Position>(e).map_or(Vec2::ZERO, |p| p.0))
        .collect()
}
// ANCHOR_END: gym_game
