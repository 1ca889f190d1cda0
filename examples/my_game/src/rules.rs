//! One tick of the game: actions become velocities, agents move, and those that reach their
//! arena's target are rewarded and done.

// ANCHOR: rules
use bevy::prelude::*;
use bevy_gym_server::{Action, AgentIo};

use crate::agents::{Agent, Position, Targets, Velocity};
use crate::config::Config;
use crate::{HALF_SIZE, SPEED, TICK_SECONDS};

/// The discrete actions' names, by index (UP is +Y).
pub const ACTION_NAMES: [&str; 5] = ["IDLE", "UP", "DOWN", "LEFT", "RIGHT"];
/// Reward on the tick an agent reaches the target (it is then done).
pub const REACH_REWARD: f32 = 1.0;
/// Reward per unit of distance gained toward the target.
pub const PROGRESS_REWARD: f32 = 0.1;

/// A velocity from an action: a direction for a discrete one, `[vx, vy]` clipped to unit
/// length for a continuous one; `None` (the client sent no action) stands still.
pub fn action_velocity(action: Option<&Action>) -> Vec2 {
    let direction = match action {
        Some(Action::Discrete(1)) => Vec2::Y,
        Some(Action::Discrete(2)) => Vec2::NEG_Y,
        Some(Action::Discrete(3)) => Vec2::NEG_X,
        Some(Action::Discrete(4)) => Vec2::X,
        Some(Action::Continuous(v)) => Vec2::new(v[0], v[1]).clamp_length_max(1.0),
        _ => Vec2::ZERO,
    };
    direction * SPEED
}

/// Sets each agent's velocity from its action; agents that are done, or whose arena does not
/// advance this tick, stand still.
pub fn steer(io: Res<AgentIo>, mut agents: Query<(&Agent, &mut Velocity)>) {
    for (agent, mut velocity) in &mut agents {
        let plays = io.arena_running(agent.arena) && io.is_live(agent.index);
        velocity.0 = if plays {
            action_velocity(io.action(agent.index))
        } else {
            Vec2::ZERO
        };
    }
}

/// Moves every agent inside the walls and pays it the distance it gained toward its target.
pub fn move_agents(
    mut io: ResMut<AgentIo>,
    targets: Res<Targets>,
    mut agents: Query<(&Agent, &Velocity, &mut Position)>,
) {
    for (agent, velocity, mut position) in &mut agents {
        let target = targets.0[agent.arena];
        let before = position.0.distance(target);
        position.0 = (position.0 + velocity.0 * TICK_SECONDS)
            .clamp(-Vec2::splat(HALF_SIZE), Vec2::splat(HALF_SIZE));
        if io.is_live(agent.index) {
            io.add_reward(
                agent.index,
                PROGRESS_REWARD * (before - position.0.distance(target)),
            );
        }
    }
}

/// Ends the episode of each live agent within `target_radius` of its arena's target.
pub fn reach_target(
    mut io: ResMut<AgentIo>,
    config: Res<Config>,
    targets: Res<Targets>,
    agents: Query<(&Agent, &Position)>,
) {
    for (agent, position) in &agents {
        let reached = position.0.distance(targets.0[agent.arena]) <= config.target_radius;
        if reached && io.is_live(agent.index) && io.arena_running(agent.arena) {
            io.add_reward(agent.index, REACH_REWARD);
            io.terminate(agent.index);
        }
    }
}
// ANCHOR_END: rules
