//! The agents' entities, spawned once at start-up in agent order, and the arenas' reset: every
//! agent and its arena's target placed at random from that arena's own random stream.

// ANCHOR: agents
use bevy::prelude::*;
use bevy_gym_server::{AgentIo, ArenaRngs, uniform};

use crate::HALF_SIZE;

/// Which agent an entity is, and the arena it lives in.
#[derive(Component, Clone, Copy, Debug)]
pub struct Agent {
    pub index: usize,
    pub arena: usize,
}

/// Position (units).
#[derive(Component, Clone, Copy, Debug, Default)]
pub struct Position(pub Vec2);

/// Velocity for the current step (units/s).
#[derive(Component, Clone, Copy, Debug, Default)]
pub struct Velocity(pub Vec2);

/// Each agent's entity, by agent index: the stable order for whatever depends on order (ECS
/// query order is not reproducible).
#[derive(Resource, Debug, Default)]
pub struct AgentEntities(pub Vec<Entity>);

/// Each arena's target, by arena index.
#[derive(Resource, Debug, Default)]
pub struct Targets(pub Vec<Vec2>);

/// Start-up: one entity per agent, in agent order; the first reset places them.
pub fn spawn_agents(
    mut commands: Commands,
    io: Res<AgentIo>,
    mut entities: ResMut<AgentEntities>,
    mut targets: ResMut<Targets>,
) {
    let layout = io.layout();
    entities.0 = (0..layout.num_agents)
        .map(|index| {
            let agent = Agent {
                index,
                arena: layout.arena_of(index),
            };
            commands
                .spawn((agent, Position::default(), Velocity::default()))
                .id()
        })
        .collect();
    targets.0 = vec![Vec2::ZERO; layout.num_arenas()];
}

/// Rebuilds the listed arenas: a new target, then each agent at a new start, drawn in agent
/// order from the arena's random stream (which the plugin has just reseeded).
pub fn reset_arenas(world: &mut World, arenas: &[usize]) {
    let layout = world.resource::<AgentIo>().layout().clone();
    for &arena in arenas {
        let points: Vec<Vec2> = {
            let mut rngs = world.resource_mut::<ArenaRngs>();
            let rng = rngs.arena(arena);
            (0..=layout.agents_in(arena).len())
                .map(|_| {
                    let x = uniform(rng, -HALF_SIZE, HALF_SIZE);
                    Vec2::new(x, uniform(rng, -HALF_SIZE, HALF_SIZE))
                })
                .collect()
        };
        world.resource_mut::<Targets>().0[arena] = points[0];
        for (agent, start) in layout.agents_in(arena).zip(&points[1..]) {
            let entity = world.resource::<AgentEntities>().0[agent];
            world
                .entity_mut(entity)
                .insert((Position(*start), Velocity::default()));
        }
    }
}
// ANCHOR_END: agents
