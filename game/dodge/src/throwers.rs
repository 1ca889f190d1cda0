//! Learnable throwers. With the `throwers` option at T, the last T agents of every arena throw
//! in place of the scripted thrower: each picks where its next ball starts on the spawn arc with
//! a Box(1) aim in [-1, 1] (→ ±`spawn_angle_degrees` from +Y), and the ball flies at its target
//! dodger's position at the throw, as a scripted ball does. Under version 1 the start point is
//! announced `thrower_delay_seconds` before the throw, so the aim is taken when the warning
//! appears; under version 0 it is taken at the throw. A hit earns the thrower
//! `thrower_hit_reward`; every tick costs it `thrower_tick_penalty`.

use std::ops::Range;

use bevy::prelude::*;
use bevy_gym_server::{Action, AgentIo, EnvError, Layout, uniform};
use rand_core::RngCore;

use crate::arena::{ArenaState, TICK_SECONDS, arc_point};
use crate::config::DodgeConfig;

/// The agents of `arena` that dodge and those that throw, with `throwers` throwers per arena.
pub fn roles(layout: &Layout, throwers: usize, arena: usize) -> (Range<usize>, Range<usize>) {
    let all = layout.agents_in(arena);
    let split = all.end - throwers.min(all.len());
    (all.start..split, split..all.end)
}

/// Whether `agent` is a thrower.
pub fn is_thrower(layout: &Layout, throwers: usize, agent: usize) -> bool {
    roles(layout, throwers, layout.arena_of(agent))
        .1
        .contains(&agent)
}

/// The agent's public id: `agent_N` under version 0 without throwers (dodge_v0 unchanged), else
/// the role numbered across arenas (`dodger_0`, `thrower_0`).
pub fn agent_id(layout: &Layout, config: &DodgeConfig, agent: usize) -> String {
    if config.version == 0 && config.throwers == 0 {
        return Layout::agent_id(agent);
    }
    let (dodgers, throwers) = roles(layout, config.throwers, layout.arena_of(agent));
    layout.role_id(
        agent,
        &[("dodger", dodgers.len()), ("thrower", throwers.len())],
    )
}

/// Refuses a thrower count that leaves an arena without a dodger.
pub fn check(layout: &Layout, throwers: usize) -> Result<(), EnvError> {
    let group = layout.group();
    if throwers >= group {
        return Err(EnvError::InvalidOptions(format!(
            "throwers={throwers} leaves no dodger in an arena of {group} agents; expected at most {} \
             (start the server with more agents per arena: --agents, --agents-per-arena)",
            group - 1
        )));
    }
    Ok(())
}

/// The dodger that the thrower in slot `slot` of an arena aims at: dodger `slot mod D` of the
/// arena, or the next live one after it; `None` when no dodger is live.
pub fn target(io: &AgentIo, dodgers: Range<usize>, slot: usize) -> Option<usize> {
    let count = dodgers.len();
    (0..count)
        .map(|k| dodgers.start + (slot + k) % count)
        .find(|&agent| io.is_live(agent))
}

/// The start point on the spawn arc that an aim in [-1, 1] picks (no action aims straight),
/// turned by `wobble` degrees and kept on the arc.
pub fn aim_point(action: Option<&Action>, wobble: f32, config: &DodgeConfig) -> Vec3 {
    let aim = match action {
        Some(Action::Continuous(values)) => values.first().copied().unwrap_or(0.0),
        _ => 0.0,
    };
    let half = config.spawn_angle_degrees;
    arc_point(
        (aim.clamp(-1.0, 1.0) * half + wobble)
            .clamp(-half, half)
            .to_radians(),
    )
}

/// Ticks before a throw at which its start point is fixed: the warning's lead under version 1,
/// the throw itself under version 0.
pub fn aim_lead_ticks(config: &DodgeConfig) -> u32 {
    if config.version >= 1 {
        (config.thrower_delay_seconds / TICK_SECONDS).round() as u32
    } else {
        0
    }
}

/// Fixes the start points of the arena's throwers that have none yet, once the throw is within
/// the lead, from their current actions and a wobble drawn from the arena's stream.
pub fn take_aims(
    state: &mut ArenaState,
    io: &AgentIo,
    throwers: Range<usize>,
    config: &DodgeConfig,
    rng: &mut impl RngCore,
) {
    state.plans.resize(throwers.len(), None);
    if state.spawn_countdown > aim_lead_ticks(config) {
        return;
    }
    for (plan, agent) in state.plans.iter_mut().zip(throwers) {
        if plan.is_none() && io.is_live(agent) {
            let noise = config.thrower_aim_noise_degrees;
            let wobble = if noise > 0.0 {
                uniform(rng, -noise, noise)
            } else {
                0.0
            };
            *plan = Some(aim_point(io.action(agent), wobble, config));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::{ARC_HEIGHT, SPAWN_DISTANCE};
    use bevy_gym_server::ArenaMode;

    #[test]
    fn roles_split_each_arena_and_ids_count_across_arenas() {
        let layout = Layout::grouped(6, 3);
        let config = DodgeConfig {
            throwers: 1,
            ..DodgeConfig::default()
        };
        assert_eq!(roles(&layout, 1, 1), (3..5, 5..6));
        let ids: Vec<String> = (0..6).map(|a| agent_id(&layout, &config, a)).collect();
        assert_eq!(
            ids,
            [
                "dodger_0",
                "dodger_1",
                "thrower_0",
                "dodger_2",
                "dodger_3",
                "thrower_1"
            ]
        );
        let v0 = DodgeConfig::default();
        assert_eq!(
            agent_id(&Layout::new(ArenaMode::Shared, 2), &v0, 1),
            "agent_1"
        );
        assert!(check(&layout, 2).is_ok());
        let err = check(&layout, 3).unwrap_err().to_string();
        assert!(err.contains("throwers=3 leaves no dodger"), "{err}");
    }

    #[test]
    fn aims_span_the_spawn_arc() {
        let config = DodgeConfig::default();
        let straight = aim_point(None, 0.0, &config);
        assert!((straight - Vec3::new(0.0, SPAWN_DISTANCE, ARC_HEIGHT)).length() < 1e-5);
        let right = aim_point(Some(&Action::Continuous(vec![1.0])), 0.0, &config);
        let angle = right.x.atan2(right.y).to_degrees();
        assert!((angle - config.spawn_angle_degrees).abs() < 1e-3, "{angle}");
        let beyond = aim_point(Some(&Action::Continuous(vec![3.0])), 0.0, &config);
        assert_eq!(beyond, right);
        let wobbled = aim_point(Some(&Action::Continuous(vec![1.0])), 4.0, &config);
        assert_eq!(wobbled, right, "a wobble stays on the arc");
        let left = aim_point(None, -4.0, &config);
        assert!((left.x.atan2(left.y).to_degrees() + 4.0).abs() < 1e-3);
    }
}
