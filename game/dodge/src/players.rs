//! Players: steering from actions and movement inside the play zone.

use bevy::prelude::*;
use bevy_gym_server::{Action, AgentIo};

use crate::arena::{Motion, PLAYER_CENTRE_HEIGHT, TICK_SECONDS, ZONE_HALF_DEPTH, ZONE_HALF_WIDTH};
use crate::config::{Control, DodgeConfig};

/// One agent's body.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Player {
    pub agent: usize,
    pub arena: usize,
}

/// Discrete action names, by index (bevy_rl's own names); version 1 adds JUMP.
pub const ACTION_NAMES: [&str; 5] = ["IDLE", "UP", "DOWN", "LEFT", "RIGHT"];
pub const ACTION_NAMES_V1: [&str; 6] = ["IDLE", "UP", "DOWN", "LEFT", "RIGHT", "JUMP"];
/// Version 1: the upward speed of a jump (units/s) and the players' gravity (units/s²), the
/// seed game's: a jump rises 1.2 units and lasts 0.7 s, enough to let a low ball pass beneath.
pub const JUMP_SPEED: f32 = 7.0;
pub const PLAYER_GRAVITY: f32 = 20.0;
/// Version 1: full tilt (radians) of the cosmetic pitch and roll actions.
pub const MAX_TILT: f32 = 0.523;

/// A player's cosmetic lean (version 1's tilt actions), for views; nothing else reads it.
#[derive(Component, Clone, Copy, Debug, Default, PartialEq)]
pub struct Tilt {
    pub pitch: f32,
    pub roll: f32,
}

/// Ground velocity (units/s) an action asks for. Discrete: one of the four directions at walking
/// speed. Continuous `[vx, vy, sprint]`: (vx, vy) × speed, with sprint ∈ [-1, 1] scaling speed from
/// walking up to (1 + sprint_multiplier) × walking; not normalised, as in the seed game.
/// `None` (a `null` action) stands still.
pub fn commanded_velocity(action: Option<&Action>, config: &DodgeConfig) -> Vec3 {
    match action {
        None => Vec3::ZERO,
        Some(Action::Discrete(i)) => {
            // JUMP (5, version 1) jumps on the spot.
            let direction = match i {
                1 => Vec3::Y,
                2 => Vec3::NEG_Y,
                3 => Vec3::NEG_X,
                4 => Vec3::X,
                _ => Vec3::ZERO,
            };
            direction * config.player_speed
        }
        Some(Action::Continuous(v)) => {
            let sprint_at = config
                .action_kind
                .layout(config.version)
                .and_then(|layout| layout.iter().position(|c| *c == Control::Sprint))
                .unwrap_or(2);
            let sprint = (v.get(sprint_at).copied().unwrap_or(-1.0) + 1.0) / 2.0;
            let speed = config.player_speed * (1.0 + sprint * config.sprint_multiplier);
            Vec3::new(v[0] * speed, v[1] * speed, 0.0)
        }
    }
}

/// Version 1: whether the action asks to jump, and the lean it asks for.
pub fn jump_and_tilt(action: Option<&Action>, config: &DodgeConfig) -> (bool, Tilt) {
    let mut tilt = Tilt::default();
    let jump = match action {
        Some(Action::Discrete(i)) => *i == 5,
        Some(Action::Continuous(v)) => {
            let layout = config.action_kind.layout(config.version).unwrap_or(&[]);
            let mut jump = false;
            for (control, value) in layout.iter().zip(v) {
                match control {
                    Control::Jump => jump = (value + 1.0) / 2.0 > 0.5,
                    Control::Pitch => tilt.pitch = value * MAX_TILT,
                    Control::Roll => tilt.roll = value * MAX_TILT,
                    _ => {}
                }
            }
            jump
        }
        None => false,
    };
    (jump, tilt)
}

/// Sets each live player's velocity from its action (version 1: a jump starts from the ground).
pub fn steer_players(
    io: Res<AgentIo>,
    config: Res<DodgeConfig>,
    mut players: Query<(&Player, &mut Motion, &mut Tilt)>,
) {
    for (player, mut motion, mut tilt) in &mut players {
        if io.arena_running(player.arena) && io.is_live(player.agent) {
            let action = io.action(player.agent);
            let ground = commanded_velocity(action, &config);
            if config.version == 0 {
                motion.velocity = ground;
                continue;
            }
            let (jump, lean) = jump_and_tilt(action, &config);
            let standing = motion.position.z <= PLAYER_CENTRE_HEIGHT;
            let vz = if jump && standing {
                JUMP_SPEED
            } else {
                motion.velocity.z
            };
            motion.velocity = Vec3::new(ground.x, ground.y, vz);
            *tilt = lean;
        }
    }
}

/// Moves each live player one tick, clamped to the play zone (version 1: under gravity while in
/// the air, landing on the ground).
pub fn move_players(
    io: Res<AgentIo>,
    config: Res<DodgeConfig>,
    mut players: Query<(&Player, &mut Motion)>,
) {
    for (player, mut motion) in &mut players {
        if !io.arena_running(player.arena) || !io.is_live(player.agent) {
            continue;
        }
        if config.version == 0 {
            let next = motion.position + motion.velocity * TICK_SECONDS;
            motion.position = clamp_to_zone(next);
            continue;
        }
        let airborne = motion.position.z > PLAYER_CENTRE_HEIGHT || motion.velocity.z > 0.0;
        if airborne {
            motion.velocity.z -= PLAYER_GRAVITY * TICK_SECONDS;
        }
        let next = motion.position + motion.velocity * TICK_SECONDS;
        let mut landed = clamp_to_zone(next);
        if next.z > PLAYER_CENTRE_HEIGHT {
            landed.z = next.z;
        } else {
            motion.velocity.z = 0.0;
        }
        motion.position = landed;
    }
}

/// The nearest point of the play zone, at player height.
pub fn clamp_to_zone(p: Vec3) -> Vec3 {
    Vec3::new(
        p.x.clamp(-ZONE_HALF_WIDTH, ZONE_HALF_WIDTH),
        p.y.clamp(-ZONE_HALF_DEPTH, ZONE_HALF_DEPTH),
        PLAYER_CENTRE_HEIGHT,
    )
}

/// Where the players of an arena of `count` start: the centre for one, else a grid over the zone.
pub fn start_position(slot: usize, count: usize) -> Vec3 {
    if count <= 1 {
        return Vec3::new(0.0, 0.0, PLAYER_CENTRE_HEIGHT);
    }
    let columns = (count as f32).sqrt().ceil() as usize;
    let rows = count.div_ceil(columns);
    let (col, row) = (slot % columns, slot / columns);
    let span = |i: usize, n: usize, half: f32| {
        if n <= 1 {
            0.0
        } else {
            -half + 2.0 * half * i as f32 / (n - 1) as f32
        }
    };
    // Keep a margin of one unit inside the zone so nobody starts against a wall.
    Vec3::new(
        span(col, columns, ZONE_HALF_WIDTH - 1.0),
        span(row, rows, ZONE_HALF_DEPTH - 1.0),
        PLAYER_CENTRE_HEIGHT,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> DodgeConfig {
        DodgeConfig::default()
    }

    #[test]
    fn discrete_actions_move_in_four_directions() {
        let c = config();
        assert_eq!(
            commanded_velocity(Some(&Action::Discrete(0)), &c),
            Vec3::ZERO
        );
        assert_eq!(
            commanded_velocity(Some(&Action::Discrete(1)), &c),
            Vec3::new(0.0, 5.0, 0.0)
        );
        assert_eq!(
            commanded_velocity(Some(&Action::Discrete(3)), &c),
            Vec3::new(-5.0, 0.0, 0.0)
        );
        assert_eq!(commanded_velocity(None, &c), Vec3::ZERO);
    }

    #[test]
    fn sprint_scales_speed() {
        let c = config();
        let walk = commanded_velocity(Some(&Action::Continuous(vec![1.0, 0.0, -1.0])), &c);
        let run = commanded_velocity(Some(&Action::Continuous(vec![1.0, 0.0, 1.0])), &c);
        assert_eq!(walk.x, 5.0);
        assert_eq!(run.x, 15.0);
    }

    #[test]
    fn zone_clamps_positions() {
        let p = clamp_to_zone(Vec3::new(9.0, -9.0, 3.0));
        assert_eq!(
            p,
            Vec3::new(ZONE_HALF_WIDTH, -ZONE_HALF_DEPTH, PLAYER_CENTRE_HEIGHT)
        );
    }

    #[test]
    fn start_grid_is_inside_zone_and_distinct() {
        let n = 7;
        let spots: Vec<Vec3> = (0..n).map(|i| start_position(i, n)).collect();
        for (i, a) in spots.iter().enumerate() {
            assert!(a.x.abs() <= ZONE_HALF_WIDTH && a.y.abs() <= ZONE_HALF_DEPTH);
            for b in &spots[i + 1..] {
                assert!(a.distance(*b) > 0.5);
            }
        }
    }
}
