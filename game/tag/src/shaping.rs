//! Optional pursuit shaping (`pursuer_shaping`, off by default): each tick a pursuer agent earns
//! the option's value times how much closer it came to the nearest evader in play. A random
//! pursuer almost never catches the scripted evader (0 of 100 episodes, docs/tag.md), so a
//! learner that only sees the catch bounty has nothing to learn from; this dense term gives it a
//! gradient and can be annealed to zero. It is paid only while the nearest evader stays the
//! same one, so a catch or a change of target is never a penalty.

use bevy::prelude::*;
use bevy_gym_server::AgentIo;

use crate::arena::{ArenaClocks, Body, BodyId, Caught, Motion, Role};
use crate::config::TagConfig;
use crate::roster::{BodyView, Roster};

/// Per agent, the nearest evader in play at the end of the last tick and its distance (units).
#[derive(Resource, Debug, Default)]
pub struct PursuitTargets(Vec<Option<(BodyId, f32)>>);

/// The nearest evader in play and its distance, ties in body order.
pub fn nearest_evader(me: &BodyView, bodies: &[BodyView]) -> Option<(BodyId, f32)> {
    bodies
        .iter()
        .filter(|b| b.role == Role::Evader && b.in_play())
        .map(|b| (b.id, b.position.distance(me.position)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// Pays the shaping term of the tick (after catches) and remembers each pursuer's target.
pub fn shape_pursuit(
    mut io: ResMut<AgentIo>,
    config: Res<TagConfig>,
    clocks: Res<ArenaClocks>,
    mut roster: ResMut<Roster>,
    mut targets: ResMut<PursuitTargets>,
    bodies: Query<(Entity, &Body, &Motion, &Caught)>,
) {
    if config.pursuer_shaping == 0.0 {
        return;
    }
    targets.0.resize(io.layout().num_agents, None);
    roster.rebuild(io.layout().num_arenas(), bodies.iter());
    for (arena, group) in roster.arenas.iter().enumerate() {
        if !io.arena_running(arena) {
            continue;
        }
        for me in group.iter().filter(|b| b.role == Role::Pursuer) {
            let BodyId::Agent(agent) = me.id else {
                continue;
            };
            let now = nearest_evader(me, group);
            // The clock counts this tick after shaping: 0 on the first tick of an episode.
            let before = targets.0[agent].filter(|_| clocks.0[arena] > 0);
            if let (Some((was, d0)), Some((is, d1))) = (before, now)
                && was == is
                && io.is_live(agent)
            {
                io.add_reward(agent, config.pursuer_shaping * (d0 - d1));
            }
            targets.0[agent] = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_evader_in_play_is_the_target() {
        let at = |id, role, x: f32, caught| BodyView {
            entity: Entity::PLACEHOLDER,
            id,
            role,
            position: Vec2::new(x, 0.0),
            velocity: Vec2::ZERO,
            caught,
        };
        let me = at(BodyId::Agent(0), Role::Pursuer, 0.0, false);
        let bodies = [
            me,
            at(BodyId::Agent(1), Role::Evader, 1.0, true),
            at(BodyId::Bot(0), Role::Evader, -2.0, false),
            at(BodyId::Bot(1), Role::Evader, 3.0, false),
        ];
        assert_eq!(nearest_evader(&me, &bodies), Some((BodyId::Bot(0), 2.0)));
        assert_eq!(nearest_evader(&me, &bodies[..2]), None);
    }
}
