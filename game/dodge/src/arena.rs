//! The arena: fixed geometry and timing constants, and each arena's own bookkeeping.

use bevy::prelude::*;

/// Simulated seconds per tick (60 Hz physics).
pub const TICK_SECONDS: f32 = 1.0 / 60.0;
/// Play zone half-width along X (units); players are clamped inside.
pub const ZONE_HALF_WIDTH: f32 = 5.0;
/// Play zone half-depth along Y (units).
pub const ZONE_HALF_DEPTH: f32 = 4.0;
/// Height of a player's centre above the ground (units); players never leave the ground.
pub const PLAYER_CENTRE_HEIGHT: f32 = 1.0;
/// Player sphere radius (units).
pub const PLAYER_RADIUS: f32 = 0.5;
/// Projectile sphere radius (units).
pub const PROJECTILE_RADIUS: f32 = 0.3;
/// Side of the square the top-down image shows, centred on the origin (units).
pub const VIEW_SIZE: f32 = 24.0;
/// Distance of the throw point from the origin (units).
pub const SPAWN_DISTANCE: f32 = 20.0;
/// Throws from a point on the spawn arc start at this height (units).
pub const ARC_HEIGHT: f32 = 1.5;

/// The point of the spawn arc at `angle` radians from +Y.
pub fn arc_point(angle: f32) -> Vec3 {
    Vec3::new(
        SPAWN_DISTANCE * angle.sin(),
        SPAWN_DISTANCE * angle.cos(),
        ARC_HEIGHT,
    )
}

/// Per-arena state that is not an entity.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ArenaState {
    /// Ticks until the next throw.
    pub spawn_countdown: u32,
    /// Id of the next projectile (ids order projectiles by spawn time).
    pub next_projectile_id: u64,
    /// Ticks simulated since the arena's reset.
    pub ticks: u64,
    /// The latest throw since the reset, for views (no observation or reward reads it).
    pub last_throw: Option<Throw>,
    /// Version 1: where the next throw will start, drawn a throw ahead so the thrower's warning
    /// can show it (version 0 draws each throw's start when it throws).
    pub next_throw: Option<Vec3>,
    /// With learnable throwers: each thrower's start point for the coming throw, once fixed.
    pub plans: Vec<Option<Vec3>>,
}

/// A throw: where the projectile started and the point it was aimed at.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Throw {
    pub from: Vec3,
    pub at: Vec3,
}

/// Every arena's state, by arena index.
#[derive(Resource, Debug, Default)]
pub struct Arenas(pub Vec<ArenaState>);

/// A duration in seconds as a whole number of ticks (at least one).
pub fn seconds_to_ticks(seconds: f32) -> u32 {
    ((seconds / TICK_SECONDS).round() as u32).max(1)
}

/// Position and velocity of anything that moves (units, units/s; Z up).
#[derive(Component, Clone, Copy, Debug, Default, PartialEq)]
pub struct Motion {
    pub position: Vec3,
    pub velocity: Vec3,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_conversion_rounds() {
        assert_eq!(seconds_to_ticks(2.0), 120);
        assert_eq!(seconds_to_ticks(0.8), 48);
        assert_eq!(seconds_to_ticks(0.0), 1);
    }
}
