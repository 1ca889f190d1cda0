//! Projectiles: thrown on ballistic arcs at live players, bouncing on the ground, removed once
//! they leave the field or come to rest.

use std::ops::Range;

use bevy::prelude::*;
use bevy_gym_server::{AgentIo, ArenaRngs, uniform};
use rand_core::RngCore;

use crate::arena::{
    ArenaState, Arenas, Motion, PLAYER_CENTRE_HEIGHT, PROJECTILE_RADIUS, SPAWN_DISTANCE,
    TICK_SECONDS, Throw, arc_point, seconds_to_ticks,
};
use crate::config::DodgeConfig;
use crate::players::Player;
use crate::throwers::{roles, take_aims, target};

/// Gravity (units/s²).
pub const GRAVITY: f32 = 9.8;
/// Level-1 throws start on the far line at this height (units), x spread over ±`FAR_LINE_HALF_SPREAD`.
pub const FAR_LINE_HEIGHT: f32 = 2.5;
pub const FAR_LINE_HALF_SPREAD: f32 = 1.5;
/// Fraction of vertical speed kept by a bounce.
pub const RESTITUTION: f32 = 0.7;
/// Fraction of horizontal speed kept by a bounce.
pub const BOUNCE_FRICTION: f32 = 0.95;
/// A bounce slower than this (units/s) leaves the projectile at rest, and it is removed.
pub const REST_SPEED: f32 = 1.0;
/// Field bounds (units) beyond which projectiles are removed.
pub const FIELD_MIN_Y: f32 = -25.0;
pub const FIELD_MAX_Y: f32 = 30.0;
pub const FIELD_HALF_WIDTH: f32 = 30.0;

/// A thrown ball, numbered in spawn order within its arena.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Projectile {
    pub arena: usize,
    pub id: u64,
    /// The learnable thrower that threw it (`None`: the scripted thrower).
    pub thrower: Option<usize>,
}

/// The launch velocity that brings a projectile from `start` to `target` in exactly
/// `flight_ticks` ticks of this module's integrator (semi-implicit Euler under gravity).
pub fn launch_velocity(start: Vec3, target: Vec3, flight_ticks: u32) -> Vec3 {
    let n = flight_ticks.max(1) as f32;
    let flight = n * TICK_SECONDS;
    // z_n = z_0 + n·dt·v_z − g·dt²·n(n+1)/2
    let drop = GRAVITY * TICK_SECONDS * TICK_SECONDS * n * (n + 1.0) / 2.0;
    Vec3::new(
        (target.x - start.x) / flight,
        (target.y - start.y) / flight,
        (target.z - start.z + drop) / flight,
    )
}

/// One tick of flight. Returns false once the projectile should be removed.
pub fn advance(motion: &mut Motion) -> bool {
    motion.velocity.z -= GRAVITY * TICK_SECONDS;
    motion.position += motion.velocity * TICK_SECONDS;
    if motion.position.z < PROJECTILE_RADIUS && motion.velocity.z < 0.0 {
        motion.position.z = PROJECTILE_RADIUS;
        motion.velocity.z = -motion.velocity.z * RESTITUTION;
        motion.velocity.x *= BOUNCE_FRICTION;
        motion.velocity.y *= BOUNCE_FRICTION;
        if motion.velocity.z < REST_SPEED {
            return false;
        }
    }
    let p = motion.position;
    p.y >= FIELD_MIN_Y && p.y <= FIELD_MAX_Y && p.x.abs() <= FIELD_HALF_WIDTH
}

/// Where the next throw starts, drawn from the arena's random stream.
pub fn throw_point(config: &DodgeConfig, rng: &mut impl RngCore) -> Vec3 {
    if config.random_spawn_position {
        let half = config.spawn_angle_degrees.to_radians();
        arc_point(uniform(rng, -half, half))
    } else {
        let x = uniform(rng, -FAR_LINE_HALF_SPREAD, FAR_LINE_HALF_SPREAD);
        Vec3::new(x, SPAWN_DISTANCE, FAR_LINE_HEIGHT)
    }
}

/// Version 1's thrower's warning in an arena: the announced start point of the next throw (with
/// learnable throwers, the first fixed aim) and the time left before it as a fraction of
/// `thrower_delay_seconds`, while the warning shows.
pub fn warning(state: &ArenaState, config: &DodgeConfig) -> Option<(Vec3, f32)> {
    let announced = if config.throwers > 0 {
        state.plans.iter().flatten().next().copied()
    } else {
        state.next_throw
    };
    let point = announced.filter(|_| config.version >= 1)?;
    let delay = config.thrower_delay_seconds;
    let left = state.spawn_countdown as f32 * TICK_SECONDS;
    (delay > 0.0 && left <= delay).then(|| (point, left / delay))
}

/// Every `projectile_spawn_interval`, each running arena throws: the scripted thrower one ball at
/// each of its live players ([`scripted_throw`]), or, with the `throwers` option, each learnable
/// thrower one ball from its aim ([`learnable_throws`]); never past `max_projectiles` per player
/// in flight.
pub fn spawn_projectiles(
    mut commands: Commands,
    io: Res<AgentIo>,
    config: Res<DodgeConfig>,
    mut arenas: ResMut<Arenas>,
    mut rngs: ResMut<ArenaRngs>,
    players: Query<(&Player, &Motion)>,
    projectiles: Query<&Projectile>,
) {
    let layout = io.layout();
    let mut in_flight = vec![0usize; layout.num_arenas()];
    for projectile in &projectiles {
        in_flight[projectile.arena] += 1;
    }
    let mut targets: Vec<(usize, Vec3)> = players
        .iter()
        .filter(|(p, _)| io.is_live(p.agent))
        .map(|(p, m)| (p.agent, m.position))
        .collect();
    targets.sort_unstable_by_key(|(agent, _)| *agent);
    let interval = seconds_to_ticks(config.projectile_spawn_interval);
    let flight = seconds_to_ticks(config.projectile_flight_time);
    for (arena, state) in arenas.0.iter_mut().enumerate() {
        if !io.arena_running(arena) {
            continue;
        }
        state.ticks += 1;
        state.spawn_countdown = state.spawn_countdown.saturating_sub(1);
        let rng = rngs.arena(arena);
        let (dodgers, throwers) = roles(layout, config.throwers, arena);
        let mut balls = Balls {
            commands: &mut commands,
            arena,
            flight,
            in_flight: &mut in_flight[arena],
        };
        if throwers.is_empty() {
            if due(state, interval) {
                let live = targets.iter().filter(|(a, _)| dodgers.contains(a));
                let live = live.map(|(_, position)| *position);
                scripted_throw(&mut balls, state, &config, rng, dodgers.len(), live);
            }
        } else {
            // An aim is taken ahead of the throw (under version 1, when the warning shows).
            take_aims(state, &io, throwers.clone(), &config, rng);
            if due(state, interval) {
                learnable_throws(&mut balls, state, &io, &config, &targets, dodgers, throwers);
            }
        }
    }
}

/// Whether the arena throws this tick; if so, the countdown to its next throw starts again.
fn due(state: &mut ArenaState, interval: u32) -> bool {
    if state.spawn_countdown > 0 {
        return false;
    }
    state.spawn_countdown = interval;
    true
}

/// The scripted thrower: one ball at each of `targets` (the positions of the arena's live
/// players, in agent order) while the arena holds fewer than `max_projectiles` per player (of
/// `players`). Where the balls start depends on the rules ([`ScriptedStart`]).
fn scripted_throw(
    balls: &mut Balls,
    state: &mut ArenaState,
    config: &DodgeConfig,
    rng: &mut impl RngCore,
    players: usize,
    targets: impl Iterator<Item = Vec3>,
) {
    let cap = config.max_projectiles as usize * players;
    let start = ScriptedStart::of_throw(state, config, rng);
    for target in targets {
        if *balls.in_flight >= cap {
            break;
        }
        let from = start.ball(config, rng);
        balls.throw(state, None, from, target);
    }
}

/// Where the scripted thrower's balls of one throw start, by rules version.
enum ScriptedStart {
    /// Version 0: each ball from its own point, drawn as it is thrown.
    Drawn,
    /// Version 1: every ball from the point announced before the throw.
    Announced(Vec3),
}

impl ScriptedStart {
    /// Under version 1, takes the announced point and draws the next one at once (to be
    /// announced before the next throw).
    fn of_throw(state: &mut ArenaState, config: &DodgeConfig, rng: &mut impl RngCore) -> Self {
        match state.next_throw.filter(|_| config.version >= 1) {
            Some(point) => {
                state.next_throw = Some(throw_point(config, rng));
                Self::Announced(point)
            }
            None => Self::Drawn,
        }
    }

    fn ball(&self, config: &DodgeConfig, rng: &mut impl RngCore) -> Vec3 {
        match self {
            Self::Announced(point) => *point,
            Self::Drawn => throw_point(config, rng),
        }
    }
}

/// Learnable throwers: each whose start point is fixed throws one ball at its target dodger's
/// position (none while no dodger is live), while the arena holds fewer than `max_projectiles`
/// per dodger.
fn learnable_throws(
    balls: &mut Balls,
    state: &mut ArenaState,
    io: &AgentIo,
    config: &DodgeConfig,
    targets: &[(usize, Vec3)],
    dodgers: Range<usize>,
    throwers: Range<usize>,
) {
    let cap = config.max_projectiles as usize * dodgers.len();
    for (slot, thrower) in throwers.enumerate() {
        let Some(from) = state.plans[slot].take() else {
            continue;
        };
        let at = target(io, dodgers.clone(), slot)
            .and_then(|agent| targets.iter().find(|(a, _)| *a == agent));
        if let Some(&(_, at)) = at.filter(|_| *balls.in_flight < cap) {
            balls.throw(state, Some(thrower), from, at);
        }
    }
}

/// What throwing a ball in one arena needs: where to spawn it, how long it flies, and the
/// arena's count of balls in flight.
struct Balls<'a, 'w, 's> {
    commands: &'a mut Commands<'w, 's>,
    arena: usize,
    flight: u32,
    in_flight: &'a mut usize,
}

impl Balls<'_, '_, '_> {
    /// Spawns one ball from `from` (thrown by learnable thrower `thrower`, or the scripted one)
    /// aimed at the standing height over `target`'s ground point.
    fn throw(&mut self, state: &mut ArenaState, thrower: Option<usize>, from: Vec3, target: Vec3) {
        let aim = Vec3::new(target.x, target.y, PLAYER_CENTRE_HEIGHT);
        self.commands.spawn((
            Projectile {
                arena: self.arena,
                id: state.next_projectile_id,
                thrower,
            },
            Motion {
                position: from,
                velocity: launch_velocity(from, aim, self.flight),
            },
        ));
        state.next_projectile_id += 1;
        state.last_throw = Some(Throw { from, at: aim });
        *self.in_flight += 1;
    }
}

/// Moves every projectile of a running arena one tick; removes those that left or came to rest.
pub fn move_projectiles(
    mut commands: Commands,
    io: Res<AgentIo>,
    mut projectiles: Query<(Entity, &Projectile, &mut Motion)>,
) {
    for (entity, projectile, mut motion) in &mut projectiles {
        if io.arena_running(projectile.arena) && !advance(&mut motion) {
            commands.entity(entity).despawn();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_velocity_hits_the_target_on_time() {
        let start = Vec3::new(1.2, SPAWN_DISTANCE, FAR_LINE_HEIGHT);
        let target = Vec3::new(-3.0, 2.0, PLAYER_CENTRE_HEIGHT);
        let ticks = seconds_to_ticks(2.0);
        let mut motion = Motion {
            position: start,
            velocity: launch_velocity(start, target, ticks),
        };
        for _ in 0..ticks {
            assert!(advance(&mut motion));
        }
        assert!(
            motion.position.distance(target) < 1e-3,
            "{:?}",
            motion.position
        );
    }

    #[test]
    fn bounce_keeps_seventy_percent_and_friction() {
        let mut motion = Motion {
            position: Vec3::new(0.0, 0.0, PROJECTILE_RADIUS + 0.01),
            velocity: Vec3::new(10.0, 0.0, -10.0),
        };
        assert!(advance(&mut motion));
        assert_eq!(motion.position.z, PROJECTILE_RADIUS);
        let vz_before = 10.0 + GRAVITY * TICK_SECONDS;
        assert!((motion.velocity.z - vz_before * RESTITUTION).abs() < 1e-4);
        assert!((motion.velocity.x - 10.0 * BOUNCE_FRICTION).abs() < 1e-5);
    }

    #[test]
    fn leaves_field_or_rests() {
        let mut gone = Motion {
            position: Vec3::new(0.0, FIELD_MIN_Y + 0.01, 3.0),
            velocity: Vec3::new(0.0, -10.0, 0.0),
        };
        assert!(!advance(&mut gone));
        let mut resting = Motion {
            position: Vec3::new(0.0, 0.0, PROJECTILE_RADIUS),
            velocity: Vec3::new(1.0, 0.0, -0.5),
        };
        assert!(!advance(&mut resting));
    }
}
