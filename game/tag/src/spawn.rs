//! Bodies coming into play: one body per agent at start-up, and at each arena reset the bots
//! respawned and everyone placed at random start positions drawn from the arena's own stream.

use bevy::prelude::*;
use bevy_gym_server::{AgentIo, ArenaRngs, uniform};

use crate::arena::{ArenaClocks, Body, BodyId, Caught, HALF_SIZE, Motion, Role};
use crate::config::TagConfig;

/// Start positions keep this far (units) from the walls.
const START_MARGIN: f32 = 0.5;
/// No evader starts closer (units) to a pursuer than this, where the arena leaves room.
pub const MIN_START_DISTANCE: f32 = 3.0;
/// Draws per evader before settling for the farthest one drawn (a crowded arena may have no
/// room at all).
const START_ATTEMPTS: usize = 32;

/// Each agent's body entity, by agent index.
#[derive(Resource, Debug, Default)]
pub struct AgentBodies(pub Vec<Entity>);

/// Each arena's bot entities, by arena index.
#[derive(Resource, Debug, Default)]
pub struct BotBodies(pub Vec<Vec<Entity>>);

/// Spawns one body per agent; roles and positions are set by the first reset.
pub fn spawn_agents(mut commands: Commands, io: Res<AgentIo>, mut agents: ResMut<AgentBodies>) {
    let layout = io.layout();
    agents.0 = (0..layout.num_agents)
        .map(|agent| {
            let body = Body {
                id: BodyId::Agent(agent),
                arena: layout.arena_of(agent),
                role: Role::Evader,
            };
            commands
                .spawn((body, Motion::default(), Caught::default()))
                .id()
        })
        .collect();
}

/// Start positions for bodies of `roles` (in body order): pursuers first, uniformly, then each
/// evader redrawn until it is `MIN_START_DISTANCE` from every pursuer, or the farthest of
/// `START_ATTEMPTS` draws. `draw` returns one uniform point in the start area.
pub fn start_positions(roles: &[Role], mut draw: impl FnMut() -> Vec2) -> Vec<Vec2> {
    let mut positions = vec![Vec2::ZERO; roles.len()];
    let mut pursuers = Vec::new();
    for (i, _) in roles
        .iter()
        .enumerate()
        .filter(|(_, r)| **r == Role::Pursuer)
    {
        positions[i] = draw();
        pursuers.push(positions[i]);
    }
    let clearance = |p: Vec2| {
        pursuers
            .iter()
            .map(|q| q.distance(p))
            .fold(f32::INFINITY, f32::min)
    };
    for (i, _) in roles
        .iter()
        .enumerate()
        .filter(|(_, r)| **r == Role::Evader)
    {
        let mut best = draw();
        for _ in 1..START_ATTEMPTS {
            if clearance(best) >= MIN_START_DISTANCE {
                break;
            }
            let candidate = draw();
            if clearance(candidate) > clearance(best) {
                best = candidate;
            }
        }
        positions[i] = best;
    }
    positions
}

/// Rebuilds the listed arenas: bots respawned as configured, agents' roles set, every body at a
/// fresh start position, nobody caught, the clock at zero.
pub fn reset_arenas(world: &mut World, arenas: &[usize]) {
    let layout = world.resource::<AgentIo>().layout().clone();
    let config = world.resource::<TagConfig>().clone();
    world
        .resource_mut::<BotBodies>()
        .0
        .resize_with(layout.num_arenas(), Vec::new);
    world
        .resource_mut::<ArenaClocks>()
        .0
        .resize(layout.num_arenas(), 0);
    let bot_roles: Vec<Role> = std::iter::repeat_n(Role::Pursuer, config.bot_pursuers)
        .chain(std::iter::repeat_n(Role::Evader, config.bot_evaders))
        .collect();
    for &arena in arenas {
        for bot in std::mem::take(&mut world.resource_mut::<BotBodies>().0[arena]) {
            world.despawn(bot);
        }
        let agents = layout.agents_in(arena);
        let roles: Vec<Role> = agents
            .clone()
            .map(|a| config.role_of(&layout, a))
            .chain(bot_roles.iter().copied())
            .collect();
        let positions = {
            let mut rngs = world.resource_mut::<ArenaRngs>();
            let rng = rngs.arena(arena);
            let (low, high) = (-HALF_SIZE + START_MARGIN, HALF_SIZE - START_MARGIN);
            start_positions(&roles, || {
                let x = uniform(rng, low, high);
                Vec2::new(x, uniform(rng, low, high))
            })
        };
        let placed = |position| Motion {
            position,
            velocity: Vec2::ZERO,
        };
        for (slot, agent) in agents.clone().enumerate() {
            let entity = world.resource::<AgentBodies>().0[agent];
            let mut body = world.entity_mut(entity);
            body.insert((
                Body {
                    id: BodyId::Agent(agent),
                    arena,
                    role: roles[slot],
                },
                placed(positions[slot]),
                Caught(false),
            ));
        }
        let bots: Vec<Entity> = (0..bot_roles.len())
            .map(|bot| {
                let slot = agents.len() + bot;
                let body = Body {
                    id: BodyId::Bot(bot),
                    arena,
                    role: roles[slot],
                };
                world
                    .spawn((body, placed(positions[slot]), Caught(false)))
                    .id()
            })
            .collect();
        world.resource_mut::<BotBodies>().0[arena] = bots;
        world.resource_mut::<ArenaClocks>().0[arena] = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed sequence of points standing in for the arena's random stream.
    fn points(list: &[(f32, f32)]) -> impl FnMut() -> Vec2 + '_ {
        let mut i = 0;
        move || {
            let (x, y) = list[i % list.len()];
            i += 1;
            Vec2::new(x, y)
        }
    }

    #[test]
    fn evaders_are_redrawn_away_from_pursuers() {
        let roles = [Role::Evader, Role::Pursuer];
        // The pursuer takes the first draw; the evader's first draw is too close.
        let at = start_positions(&roles, points(&[(0.0, 0.0), (1.0, 0.0), (4.0, 0.0)]));
        assert_eq!(at, [Vec2::new(4.0, 0.0), Vec2::ZERO]);
    }

    #[test]
    fn without_room_the_farthest_draw_is_kept() {
        let roles = [Role::Pursuer, Role::Evader];
        let at = start_positions(
            &roles,
            points(&[(0.0, 0.0), (0.5, 0.0), (2.0, 0.0), (1.0, 0.0)]),
        );
        assert_eq!(at[1], Vec2::new(2.0, 0.0));
    }
}
