//! Catching and rewards, once per tick after movement: caught evaders leave play with a penalty
//! that the arena's pursuer agents receive as a shared bounty; pursuers finish when nobody is
//! left to catch; every live agent pays or earns for the time that passes.

// ANCHOR: catching_uses
use bevy::prelude::*;
use bevy_gym_server::AgentIo;

use crate::arena::{Body, BodyId, Caught, Motion, Role};
use crate::config::TagConfig;
use crate::roster::{BodyView, Roster};
// ANCHOR_END: catching_uses

/// Reward of an evader agent on the tick it is caught (once: it is then terminated).
pub const CAUGHT_PENALTY: f32 = -10.0;
/// Reward per catch, split equally among the arena's live pursuer agents (a bot's catch too).
pub const CATCH_BOUNTY: f32 = 10.0;
/// Per tick, for each live pursuer agent: time pressure.
pub const PURSUER_TICK_REWARD: f32 = -0.01;
/// Per tick, for each live evader agent.
pub const EVADER_TICK_REWARD: f32 = 0.01;

/// Whether a pursuer in `bodies` is within `radius` of `evader`.
pub fn within_reach(evader: &BodyView, bodies: &[BodyView], radius: f32) -> bool {
    bodies
        .iter()
        .filter(|b| b.role == Role::Pursuer)
        .any(|p| p.position.distance_squared(evader.position) <= radius * radius)
}

// ANCHOR: rewards
/// Catches evaders in reach of a pursuer, pays the rewards of the tick and ends the episodes
/// that are over, arena by arena in body order.
pub fn catch_evaders(
    mut io: ResMut<AgentIo>,
    config: Res<TagConfig>,
    mut roster: ResMut<Roster>,
    mut bodies: Query<(Entity, &Body, &Motion, &mut Caught)>,
) {
    roster.rebuild(io.layout().num_arenas(), bodies.iter());
    for (arena, group) in roster.arenas.iter().enumerate() {
        if !io.arena_running(arena) {
            continue;
        }
        let live_pursuer_agents: Vec<usize> = io
            .layout()
            .agents_in(arena)
            .filter(|&a| io.is_live(a) && config.role_of(io.layout(), a) == Role::Pursuer)
            .collect();
        let mut evaders_left = 0;
        for evader in group
            .iter()
            .filter(|b| b.role == Role::Evader && b.in_play())
        {
            if !within_reach(evader, group, config.catch_radius) {
                evaders_left += 1;
                continue;
            }
            if let Ok((_, _, _, mut caught)) = bodies.get_mut(evader.entity) {
                caught.0 = true;
            }
            if let BodyId::Agent(agent) = evader.id {
                io.add_reward(agent, CAUGHT_PENALTY);
                io.terminate(agent);
            }
            for &pursuer in &live_pursuer_agents {
                io.add_reward(pursuer, CATCH_BOUNTY / live_pursuer_agents.len() as f32);
            }
        }
        for agent in io.layout().agents_in(arena) {
            if !io.is_live(agent) {
                continue;
            }
            match config.role_of(io.layout(), agent) {
                Role::Pursuer if evaders_left == 0 => io.terminate(agent),
                Role::Pursuer => io.add_reward(agent, PURSUER_TICK_REWARD),
                Role::Evader => io.add_reward(agent, EVADER_TICK_REWARD),
            }
        }
    }
}
// ANCHOR_END: rewards

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reach_is_the_catch_radius_around_any_pursuer() {
        let at = |role, x: f32| BodyView {
            entity: Entity::PLACEHOLDER,
            id: BodyId::Bot(0),
            role,
            position: Vec2::new(x, 0.0),
            velocity: Vec2::ZERO,
            caught: false,
        };
        let evader = at(Role::Evader, 0.0);
        let far = [evader, at(Role::Pursuer, 0.7), at(Role::Evader, 0.1)];
        assert!(!within_reach(&evader, &far, 0.6));
        let near = [evader, at(Role::Pursuer, 3.0), at(Role::Pursuer, -0.5)];
        assert!(within_reach(&evader, &near, 0.6));
    }
}
