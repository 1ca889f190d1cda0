//! Scripted bots, so that one agent alone has someone to chase or flee: bot pursuers head for the
//! nearest evader, bot evaders run from the nearest pursuer and away from the walls. Bots are not
//! agents (no actions, observations or rewards) but catch and get caught like them.

use bevy::prelude::*;
use bevy_gym_server::AgentIo;

use crate::arena::{Body, BodyId, Caught, HALF_SIZE, Motion, Role};
use crate::config::TagConfig;
use crate::roster::{Roster, nearest};

/// Distance from a wall (units) inside which a fleeing bot is pushed away from it, so that it
/// slides along walls instead of pinning itself in a corner at once.
const WALL_MARGIN: f32 = 2.0;

/// Straight at `target` at `speed`; still without one.
pub fn chase_velocity(me: Vec2, target: Option<Vec2>, speed: f32) -> Vec2 {
    target.map_or(Vec2::ZERO, |t| (t - me).normalize_or_zero() * speed)
}

/// Away from `threat` and from nearby walls, at `speed`; still without a threat.
pub fn flee_velocity(me: Vec2, threat: Option<Vec2>, speed: f32) -> Vec2 {
    let Some(threat) = threat else {
        return Vec2::ZERO;
    };
    let away = (me - threat).normalize_or_zero();
    (away + wall_push(me)).normalize_or_zero() * speed
}

/// Up to one unit per axis, growing from the margin's edge to the wall.
fn wall_push(p: Vec2) -> Vec2 {
    let inner = HALF_SIZE - WALL_MARGIN;
    let axis = |v: f32| {
        if v > inner {
            -(v - inner) / WALL_MARGIN
        } else if v < -inner {
            (-inner - v) / WALL_MARGIN
        } else {
            0.0
        }
    };
    Vec2::new(axis(p.x), axis(p.y))
}

/// Sets each bot's velocity for this tick from where everyone is.
pub fn steer_bots(
    io: Res<AgentIo>,
    config: Res<TagConfig>,
    mut roster: ResMut<Roster>,
    mut scratch: Local<Vec<(f32, usize)>>,
    mut bodies: Query<(Entity, &Body, &mut Motion, &Caught)>,
) {
    roster.rebuild(io.layout().num_arenas(), bodies.iter());
    for (arena, group) in roster.arenas.iter().enumerate() {
        if !io.arena_running(arena) {
            continue;
        }
        for bot in group.iter().filter(|b| matches!(b.id, BodyId::Bot(_))) {
            let opponent = match bot.role {
                Role::Pursuer => Role::Evader,
                Role::Evader => Role::Pursuer,
            };
            let closest = nearest(bot.position, group, opponent, 1, &mut scratch)
                .first()
                .map(|&(_, i)| group[i].position);
            let velocity = match bot.role {
                _ if bot.caught => Vec2::ZERO,
                Role::Pursuer => chase_velocity(bot.position, closest, config.pursuer_speed),
                Role::Evader => flee_velocity(bot.position, closest, config.evader_speed),
            };
            if let Ok((_, _, mut motion, _)) = bodies.get_mut(bot.entity) {
                motion.velocity = velocity;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chasers_head_for_the_target() {
        let v = chase_velocity(Vec2::ZERO, Some(Vec2::new(3.0, 4.0)), 5.0);
        assert!((v - Vec2::new(3.0, 4.0)).length() < 1e-5, "{v}");
        assert_eq!(chase_velocity(Vec2::ZERO, None, 5.0), Vec2::ZERO);
    }

    #[test]
    fn fleers_run_away_and_slide_off_walls() {
        let v = flee_velocity(Vec2::ZERO, Some(Vec2::new(-1.0, 0.0)), 3.0);
        assert!((v - Vec2::new(3.0, 0.0)).length() < 1e-5, "{v}");
        // Pushed against the right wall by a threat on its left: it turns along the wall.
        let v = flee_velocity(
            Vec2::new(HALF_SIZE, 0.5),
            Some(Vec2::new(HALF_SIZE - 1.0, 0.0)),
            3.0,
        );
        assert!(v.x <= 0.0 && v.y > 0.0, "{v}");
        assert!((v.length() - 3.0).abs() < 1e-5);
    }
}
