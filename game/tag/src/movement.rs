//! Movement: agents' velocities from their actions (pursuers discrete, evaders continuous), and
//! every body's step inside the walls.

// ANCHOR: movement_uses
use bevy::prelude::*;
use bevy_gym_server::{Action, AgentIo};

use crate::arena::{Body, BodyId, Caught, Motion, Role, TICK_SECONDS, clamp_to_arena};
use crate::config::TagConfig;
// ANCHOR_END: movement_uses

/// Pursuers' discrete action names, by index (bevy_rl's names).
pub const ACTION_NAMES: [&str; 5] = ["IDLE", "UP", "DOWN", "LEFT", "RIGHT"];

/// A pursuer's velocity: one of four directions (UP is +Y) at `speed`; `None` stands still.
pub fn pursuer_velocity(action: Option<&Action>, speed: f32) -> Vec2 {
    let direction = match action.and_then(Action::index) {
        Some(1) => Vec2::Y,
        Some(2) => Vec2::NEG_Y,
        Some(3) => Vec2::NEG_X,
        Some(4) => Vec2::X,
        _ => Vec2::ZERO,
    };
    direction * speed
}

/// An evader's velocity: the desired `[vx, vy]` clipped to unit length, times `speed`, so
/// diagonals are no faster; `None` stands still.
pub fn evader_velocity(action: Option<&Action>, speed: f32) -> Vec2 {
    match action {
        Some(Action::Continuous(v)) if v.len() == 2 => {
            Vec2::new(v[0], v[1]).clamp_length_max(1.0) * speed
        }
        _ => Vec2::ZERO,
    }
}

// ANCHOR: actions
/// Sets each agent's velocity from its action for this step; done agents stand still.
pub fn steer_agents(
    io: Res<AgentIo>,
    config: Res<TagConfig>,
    mut bodies: Query<(&Body, &mut Motion)>,
) {
    for (body, mut motion) in &mut bodies {
        let BodyId::Agent(agent) = body.id else {
            continue;
        };
        if !io.arena_running(body.arena) {
            continue;
        }
        motion.velocity = match (io.is_live(agent), body.role) {
            (false, _) => Vec2::ZERO,
            (true, Role::Pursuer) => pursuer_velocity(io.action(agent), config.pursuer_speed),
            (true, Role::Evader) => evader_velocity(io.action(agent), config.evader_speed),
        };
    }
}
// ANCHOR_END: actions

/// Moves every body still in play one tick, stopped by the walls.
pub fn move_bodies(io: Res<AgentIo>, mut bodies: Query<(&Body, &mut Motion, &Caught)>) {
    for (body, mut motion, caught) in &mut bodies {
        if io.arena_running(body.arena) && !caught.0 {
            let next = motion.position + motion.velocity * TICK_SECONDS;
            motion.position = clamp_to_arena(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pursuers_move_in_four_directions() {
        assert_eq!(
            pursuer_velocity(Some(&Action::Discrete(1)), 4.0),
            Vec2::new(0.0, 4.0)
        );
        assert_eq!(
            pursuer_velocity(Some(&Action::Discrete(3)), 4.0),
            Vec2::new(-4.0, 0.0)
        );
        assert_eq!(
            pursuer_velocity(Some(&Action::Discrete(0)), 4.0),
            Vec2::ZERO
        );
        assert_eq!(pursuer_velocity(None, 4.0), Vec2::ZERO);
    }

    #[test]
    fn evaders_are_clipped_to_unit_norm() {
        let half = evader_velocity(Some(&Action::Continuous(vec![0.5, 0.0])), 3.0);
        assert_eq!(half, Vec2::new(1.5, 0.0));
        let diagonal = evader_velocity(Some(&Action::Continuous(vec![1.0, 1.0])), 3.0);
        assert!((diagonal.length() - 3.0).abs() < 1e-5, "{diagonal}");
        assert_eq!(evader_velocity(None, 3.0), Vec2::ZERO);
    }
}
