//! The arena: geometry and timing constants, the bodies that move in it (agents and bots, each a
//! pursuer or an evader), and each arena's tick count.

use bevy::prelude::*;
use bevy_gym_server::AgentIo;

/// Simulated seconds per tick (30 Hz).
pub const TICK_SECONDS: f32 = 1.0 / 30.0;
/// Half the side of the square arena (units): walls keep positions in [-6, 6]².
pub const HALF_SIZE: f32 = 6.0;

/// What a body does: chase or flee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Pursuer,
    Evader,
}

impl Role {
    /// The name in `/state`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Pursuer => "pursuer",
            Role::Evader => "evader",
        }
    }
}

/// Who a body is. The derived order (agents by index, then bots by index) is the order bodies
/// are processed in, so results never depend on ECS query order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BodyId {
    Agent(usize),
    /// Bots are numbered per arena: the bot pursuers first, then the bot evaders.
    Bot(usize),
}

/// Identity of one moving body.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Body {
    pub id: BodyId,
    pub arena: usize,
    /// Set at each reset (an agent's role follows the `pursuers` option).
    pub role: Role,
}

/// Position and velocity (units, units/s).
#[derive(Component, Clone, Copy, Debug, Default, PartialEq)]
pub struct Motion {
    pub position: Vec2,
    pub velocity: Vec2,
}

/// Whether an evader has been caught: it is then out of play (frozen, unseen, harmless) until
/// its arena is reset.
#[derive(Component, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caught(pub bool);

/// Ticks simulated since each arena's reset.
#[derive(Resource, Debug, Default)]
pub struct ArenaClocks(pub Vec<u64>);

/// The nearest point inside the walls.
pub fn clamp_to_arena(p: Vec2) -> Vec2 {
    p.clamp(Vec2::splat(-HALF_SIZE), Vec2::splat(HALF_SIZE))
}

/// Counts the tick in every arena that ran it.
pub fn count_ticks(io: Res<AgentIo>, mut clocks: ResMut<ArenaClocks>) {
    for (arena, ticks) in clocks.0.iter_mut().enumerate() {
        if io.arena_running(arena) {
            *ticks += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walls_clamp_and_bodies_order_agents_first() {
        assert_eq!(clamp_to_arena(Vec2::new(7.0, -9.0)), Vec2::new(6.0, -6.0));
        assert!(BodyId::Agent(9) < BodyId::Bot(0));
        assert!(BodyId::Bot(0) < BodyId::Bot(1));
    }
}
