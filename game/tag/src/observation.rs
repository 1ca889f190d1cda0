//! The per-agent observation vectors, one layout per role: pursuers see the nearest evaders and
//! how the nearest one moves, evaders the nearest pursuers; positions relative to the agent,
//! scaled into [-1, 1] and clipped there, absent slots zero.
//!
//! The layouts are documented once, in docs/tag.md ("Observations"); change them there with the
//! code.

use bevy::prelude::Vec2;

use crate::arena::{HALF_SIZE, Role};
use crate::roster::{BodyView, nearest};

/// Nearest evaders a pursuer sees.
pub const EVADER_SLOTS: usize = 3;
/// Nearest pursuers an evader sees.
pub const PURSUER_SLOTS: usize = 3;
/// Own position and velocity, evader slots, the nearest evader's velocity.
pub const PURSUER_OBSERVATION_LEN: usize = 4 + 2 * EVADER_SLOTS + 2;
/// Own position, pursuer slots.
pub const EVADER_OBSERVATION_LEN: usize = 2 + 2 * PURSUER_SLOTS;

/// Scale of velocities (units/s): the speed options' maximum.
const SPEED_SCALE: f32 = 10.0;
/// Scale of offsets between bodies (units): the arena's side.
const OFFSET_SCALE: f32 = 2.0 * HALF_SIZE;

/// The observation length of an agent in `role`.
pub fn observation_len(role: Role) -> usize {
    match role {
        Role::Pursuer => PURSUER_OBSERVATION_LEN,
        Role::Evader => EVADER_OBSERVATION_LEN,
    }
}

/// Writes `me`'s observation into `out` (`observation_len(me.role)` floats); `bodies` is its
/// arena in body order, `scratch` reused storage.
pub fn write_observation(
    me: &BodyView,
    bodies: &[BodyView],
    out: &mut [f32],
    scratch: &mut Vec<(f32, usize)>,
) {
    out.fill(0.0);
    let p = me.position;
    out[0] = p.x / HALF_SIZE;
    out[1] = p.y / HALF_SIZE;
    let (rest, opponent, slots) = match me.role {
        Role::Pursuer => {
            out[2] = me.velocity.x / SPEED_SCALE;
            out[3] = me.velocity.y / SPEED_SCALE;
            (&mut out[4..], Role::Evader, EVADER_SLOTS)
        }
        Role::Evader => (&mut out[2..], Role::Pursuer, PURSUER_SLOTS),
    };
    let found = nearest(p, bodies, opponent, slots, scratch);
    for (slot, &(_, i)) in found.iter().enumerate() {
        let offset = (bodies[i].position - p) / OFFSET_SCALE;
        rest[2 * slot..2 * slot + 2].copy_from_slice(&offset.to_array());
    }
    if me.role == Role::Pursuer {
        let velocity = found
            .first()
            .map_or(Vec2::ZERO, |&(_, i)| bodies[i].velocity / SPEED_SCALE);
        rest[2 * slots..2 * slots + 2].copy_from_slice(&velocity.to_array());
    }
    for v in out.iter_mut() {
        *v = v.clamp(-1.0, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::BodyId;
    use bevy::prelude::Entity;

    fn body(id: BodyId, role: Role, x: f32, y: f32) -> BodyView {
        BodyView {
            entity: Entity::PLACEHOLDER,
            id,
            role,
            position: Vec2::new(x, y),
            velocity: Vec2::new(0.0, 3.0),
            caught: false,
        }
    }

    #[test]
    fn pursuer_layout() {
        let me = body(BodyId::Agent(0), Role::Pursuer, 3.0, 0.0);
        let bodies = [
            me,
            body(BodyId::Agent(1), Role::Evader, -3.0, 0.0),
            body(BodyId::Bot(0), Role::Evader, 3.0, 1.2),
        ];
        let mut out = [9.0; PURSUER_OBSERVATION_LEN];
        write_observation(&me, &bodies, &mut out, &mut Vec::new());
        let expected = [
            0.5, 0.0, 0.0, 0.3, // own position and velocity
            0.0, 0.1, -0.5, 0.0, 0.0, 0.0, // the bot first (nearer), then agent 1, one empty
            0.0, 0.3, // the nearest evader's velocity
        ];
        for (got, want) in out.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{out:?}");
        }
    }

    #[test]
    fn evader_layout_is_shorter_and_clipped() {
        let me = body(BodyId::Agent(1), Role::Evader, -6.0, 0.0);
        let bodies = [body(BodyId::Agent(0), Role::Pursuer, 6.0, 6.0), me];
        let mut out = [9.0; EVADER_OBSERVATION_LEN];
        write_observation(&me, &bodies, &mut out, &mut Vec::new());
        assert_eq!(out, [-1.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0]);
    }
}
