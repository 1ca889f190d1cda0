//! Tag as a `GymGame`: what the server plugin asks of the game (spaces per role, options,
//! resets, observations, images and state), each answered from the game's own modules.

// ANCHOR: game_uses
use bevy::prelude::*;
use bevy_gym_server::raster::Canvas;
use bevy_gym_server::{AgentIo, AgentSpaces, EnvError, GymGame, ImageSpec, OptionSpec, Space};
use serde_json::{Map, Value};

use crate::arena::{ArenaClocks, BodyId, Role, TICK_SECONDS};
use crate::config::TagConfig;
use crate::movement::ACTION_NAMES;
use crate::observation::{
    EVADER_OBSERVATION_LEN, PURSUER_OBSERVATION_LEN, observation_len, write_observation,
};
use crate::roster::{self, Roster};
use crate::{image, spawn, state};
// ANCHOR_END: game_uses

/// The tag game (a marker type; the state lives in the world).
pub struct Tag;

/// Reused storage for sorting neighbours while observing.
#[derive(Resource, Default)]
pub(crate) struct ObservationScratch(Vec<(f32, usize)>);

impl GymGame for Tag {
    const NAME: &'static str = "tag";
    const OPTIONS: &'static [OptionSpec] = crate::config::OPTIONS;
    const DEFAULT_ACTION_REPEAT: u32 = 2;
    const DEFAULT_MAX_EPISODE_STEPS: u32 = 300;
    // One pursuer and one evader: the bare `bevy-tag` starts a game.
    const DEFAULT_AGENTS: u32 = 2;

    fn tick_seconds(_world: &World) -> f32 {
        TICK_SECONDS
    }

    fn agent_id(world: &World, agent: usize) -> String {
        let layout = world.resource::<AgentIo>().layout();
        world.resource::<TagConfig>().agent_id(layout, agent)
    }

    // ANCHOR: spaces
    fn spaces(world: &World, agent: usize) -> AgentSpaces {
        // Each role has its own spaces; the plugin pads the shorter observations.
        let layout = world.resource::<AgentIo>().layout();
        match world.resource::<TagConfig>().role_of(layout, agent) {
            Role::Pursuer => AgentSpaces {
                action: Space::discrete_named(&ACTION_NAMES),
                observation: Space::float_box(&[PURSUER_OBSERVATION_LEN], -1.0, 1.0),
            },
            Role::Evader => AgentSpaces {
                action: Space::float_box(&[2], -1.0, 1.0),
                observation: Space::float_box(&[EVADER_OBSERVATION_LEN], -1.0, 1.0),
            },
        }
    }
    // ANCHOR_END: spaces

    fn image(world: &World) -> ImageSpec {
        let size = world.resource::<TagConfig>().image_size;
        ImageSpec {
            channels: 3,
            height: size,
            width: size,
        }
    }

    fn options(world: &World) -> Map<String, Value> {
        world.resource::<TagConfig>().to_options()
    }

    fn configure(world: &mut World, options: &Map<String, Value>) -> Result<(), EnvError> {
        // The plugin has checked each value against OPTIONS; the game checks the combination.
        let layout = world.resource::<AgentIo>().layout().clone();
        let next = world
            .resource::<TagConfig>()
            .with_options(options, &layout)?;
        world.insert_resource(next);
        Ok(())
    }

    fn reset_arenas(world: &mut World, arenas: &[usize]) {
        spawn::reset_arenas(world, arenas);
    }

    fn observe(world: &mut World, out: &mut [f32]) {
        roster::refresh(world);
        // Agent i's observation starts at slot i; the slot is the longest observation.
        let stride = out.len() / world.resource::<AgentIo>().layout().num_agents;
        world.resource_scope(|world, mut scratch: Mut<ObservationScratch>| {
            for bodies in &world.resource::<Roster>().arenas {
                for me in bodies {
                    if let BodyId::Agent(agent) = me.id {
                        let slot = &mut out[agent * stride..][..observation_len(me.role)];
                        write_observation(me, bodies, slot, &mut scratch.0);
                    }
                }
            }
        });
    }

    fn render(world: &mut World, out: &mut [u8]) {
        roster::refresh(world);
        let spec = Self::image(world);
        for bodies in &world.resource::<Roster>().arenas {
            for me in bodies {
                if let BodyId::Agent(agent) = me.id {
                    let pixels = &mut out[agent * spec.bytes()..][..spec.bytes()];
                    image::draw(&mut Canvas::new(pixels, spec), me, bodies);
                }
            }
        }
    }

    fn state(world: &mut World) -> Value {
        roster::refresh(world);
        state::state_document(
            world.resource::<Roster>(),
            &world.resource::<ArenaClocks>().0,
            world.resource::<AgentIo>(),
            world.resource::<TagConfig>(),
        )
    }
}
