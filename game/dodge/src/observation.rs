//! The per-agent observation vector: own state, the nearest projectiles and the nearest other
//! players, in agent-relative coordinates scaled to about [-1, 1] and clipped there.
//!
//! The layout (72 floats: own state, 10 projectile slots, 4 neighbour slots) is documented once,
//! in docs/dodge.md ("Observation"); change it there with the code.

use bevy::prelude::Vec3;

use crate::arena::{PLAYER_CENTRE_HEIGHT, ZONE_HALF_DEPTH, ZONE_HALF_WIDTH};
use crate::index::{PlayerView, ProjectileView};
use crate::players::JUMP_SPEED;

/// Projectiles reported per observation.
pub const PROJECTILE_SLOTS: usize = 10;
/// Floats per projectile slot.
pub const PROJECTILE_FEATURES: usize = 6;
/// Other players reported per observation.
pub const NEIGHBOUR_SLOTS: usize = 4;
/// Floats of own state.
pub const SELF_FEATURES: usize = 4;
/// Length of the observation vector.
pub const OBSERVATION_LEN: usize =
    SELF_FEATURES + PROJECTILE_SLOTS * PROJECTILE_FEATURES + NEIGHBOUR_SLOTS * 2;
/// Version 1 appends height, vertical speed and the thrower's warning (docs/dodge.md).
pub const V1_FEATURES: usize = 6;
pub const OBSERVATION_LEN_V1: usize = OBSERVATION_LEN + V1_FEATURES;
/// Length of a learnable thrower's observation (docs/dodge.md, "Learnable throwers").
pub const THROWER_OBSERVATION_LEN: usize = 8;
/// Scale of a player's height above standing (units): a jump peaks at about 1.2.
const JUMP_HEIGHT_SCALE: f32 = 2.0;

/// Full-sprint player speed used to scale velocities (units/s).
const PLAYER_SPEED_SCALE: f32 = 15.0;
/// Scale of projectile offsets and velocities (units, units/s): throws start 20 units away.
const PROJECTILE_RANGE_SCALE: f32 = 25.0;
/// Scale of projectile heights (units): arcs stay below about 7 units.
const HEIGHT_SCALE: f32 = 10.0;

/// Writes `me`'s observation into `out` (`OBSERVATION_LEN` floats). `scratch` is reused storage.
pub fn write_observation(
    me: &PlayerView,
    players: &[PlayerView],
    projectiles: &[ProjectileView],
    out: &mut [f32],
    scratch: &mut Vec<(f32, u64)>,
) {
    out.fill(0.0);
    let p = me.position;
    out[0] = p.x / ZONE_HALF_WIDTH;
    out[1] = p.y / ZONE_HALF_DEPTH;
    out[2] = me.velocity.x / PLAYER_SPEED_SCALE;
    out[3] = me.velocity.y / PLAYER_SPEED_SCALE;

    scratch.clear();
    scratch.extend(
        projectiles
            .iter()
            .enumerate()
            .map(|(i, q)| (q.position.distance_squared(p), i as u64)),
    );
    nearest_first(scratch, PROJECTILE_SLOTS);
    for (slot, &(_, i)) in scratch.iter().take(PROJECTILE_SLOTS).enumerate() {
        let q = &projectiles[i as usize];
        let d = q.position - p;
        let base = SELF_FEATURES + slot * PROJECTILE_FEATURES;
        out[base..base + PROJECTILE_FEATURES].copy_from_slice(&[
            d.x / PROJECTILE_RANGE_SCALE,
            d.y / PROJECTILE_RANGE_SCALE,
            d.z / HEIGHT_SCALE,
            q.velocity.x / PROJECTILE_RANGE_SCALE,
            q.velocity.y / PROJECTILE_RANGE_SCALE,
            q.velocity.z / PROJECTILE_RANGE_SCALE,
        ]);
    }

    scratch.clear();
    scratch.extend(
        players
            .iter()
            .filter(|o| o.live && o.agent != me.agent)
            .map(|o| (o.position.distance_squared(p), o.agent as u64)),
    );
    nearest_first(scratch, NEIGHBOUR_SLOTS);
    let neighbours = SELF_FEATURES + PROJECTILE_SLOTS * PROJECTILE_FEATURES;
    for (slot, &(_, agent)) in scratch.iter().take(NEIGHBOUR_SLOTS).enumerate() {
        let other = players
            .iter()
            .find(|o| o.agent as u64 == agent)
            .map_or(Vec3::ZERO, |o| o.position - p);
        out[neighbours + 2 * slot] = other.x / (2.0 * ZONE_HALF_WIDTH);
        out[neighbours + 2 * slot + 1] = other.y / (2.0 * ZONE_HALF_DEPTH);
    }

    for v in out.iter_mut() {
        *v = v.clamp(-1.0, 1.0);
    }
}

/// Version 1's features (`V1_FEATURES` floats, after the first `OBSERVATION_LEN`): own height
/// above standing and vertical speed; then, while the thrower's warning shows, the announced
/// start point relative to the player and the time left before the throw as a fraction of the
/// warning (1 when it appears, towards 0 at the throw), else zeros.
pub fn write_v1_features(me: &PlayerView, warning: Option<(Vec3, f32)>, out: &mut [f32]) {
    out.fill(0.0);
    out[0] = (me.position.z - PLAYER_CENTRE_HEIGHT) / JUMP_HEIGHT_SCALE;
    out[1] = me.velocity.z / JUMP_SPEED;
    if let Some((point, fraction)) = warning {
        let d = point - me.position;
        out[2] = d.x / PROJECTILE_RANGE_SCALE;
        out[3] = d.y / PROJECTILE_RANGE_SCALE;
        out[4] = d.z / HEIGHT_SCALE;
        out[5] = fraction;
    }
    for v in out.iter_mut() {
        *v = v.clamp(-1.0, 1.0);
    }
}

/// Puts the `k` smallest (distance, tie-break) pairs first, in order.
fn nearest_first(items: &mut [(f32, u64)], k: usize) {
    let by_distance = |a: &(f32, u64), b: &(f32, u64)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
    if items.len() > k {
        items.select_nth_unstable_by(k, by_distance);
    }
    let head = k.min(items.len());
    items[..head].sort_unstable_by(by_distance);
}

/// Writes a thrower's observation (`THROWER_OBSERVATION_LEN` floats): its target's position
/// (x/5, y/4, height above standing/2), velocity (x, y /15, z /7), the time to the next throw
/// as a fraction of the interval, and 1 once its aim for that throw is fixed. A thrower without
/// a live target sees zeros but the last two.
pub fn write_thrower_observation(
    target: Option<&PlayerView>,
    countdown_fraction: f32,
    aimed: bool,
    out: &mut [f32],
) {
    out.fill(0.0);
    if let Some(t) = target {
        out[0] = t.position.x / ZONE_HALF_WIDTH;
        out[1] = t.position.y / ZONE_HALF_DEPTH;
        out[2] = (t.position.z - PLAYER_CENTRE_HEIGHT) / JUMP_HEIGHT_SCALE;
        out[3] = t.velocity.x / PLAYER_SPEED_SCALE;
        out[4] = t.velocity.y / PLAYER_SPEED_SCALE;
        out[5] = t.velocity.z / JUMP_SPEED;
    }
    out[6] = countdown_fraction;
    out[7] = if aimed { 1.0 } else { 0.0 };
    for v in out.iter_mut() {
        *v = v.clamp(-1.0, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn player(agent: usize, x: f32, y: f32) -> PlayerView {
        PlayerView {
            agent,
            position: Vec3::new(x, y, 1.0),
            velocity: Vec3::new(5.0, 0.0, 0.0),
            live: true,
        }
    }

    fn projectile(id: u64, x: f32, y: f32) -> ProjectileView {
        ProjectileView {
            id,
            thrower: None,
            position: Vec3::new(x, y, 1.0),
            velocity: Vec3::new(0.0, -10.0, 0.0),
        }
    }

    #[test]
    fn layout_is_sorted_relative_and_padded() {
        let me = player(0, 1.0, 2.0);
        let projectiles: Vec<_> = (0..12)
            .map(|i| projectile(i, 1.0, 3.0 + i as f32))
            .rev()
            .collect();
        let mut out = vec![9.0; OBSERVATION_LEN];
        write_observation(
            &me,
            &[me, player(1, -1.0, 2.0)],
            &projectiles,
            &mut out,
            &mut Vec::new(),
        );
        assert_eq!(OBSERVATION_LEN, 72);
        assert_eq!(&out[0..4], &[0.2, 0.5, 5.0 / 15.0, 0.0]);
        // nearest projectile (id 0) is one unit ahead
        assert_eq!(&out[4..10], &[0.0, 1.0 / 25.0, 0.0, 0.0, -0.4, 0.0]);
        // second nearest is two units ahead
        assert_eq!(out[11], 2.0 / 25.0);
        // the other player is two units to the left
        assert_eq!(&out[64..66], &[-0.2, 0.0]);
        assert!(out[66..].iter().all(|&v| v == 0.0));
        assert!(out.iter().all(|v| (-1.0..=1.0).contains(v)));
    }

    #[test]
    fn missing_projectiles_are_zero() {
        let me = player(0, 0.0, 0.0);
        let mut out = vec![9.0; OBSERVATION_LEN];
        write_observation(&me, &[me], &[], &mut out, &mut Vec::new());
        assert!(out[4..].iter().all(|&v| v == 0.0));
    }
}
