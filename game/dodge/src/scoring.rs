//! Scoring each tick: a hit ends the player's episode with a penalty; a survivor earns the
//! survival reward plus a bonus for a close dodge.

use bevy::prelude::*;
use bevy_gym_server::AgentIo;

use crate::arena::{Motion, PLAYER_RADIUS, PROJECTILE_RADIUS};
use crate::config::DodgeConfig;
use crate::index::ArenaIndex;
use crate::players::Player;
use crate::projectiles::Projectile;
use crate::throwers::roles;

/// Centre distance (units) under which a projectile hits a player.
pub const HIT_DISTANCE: f32 = PLAYER_RADIUS + PROJECTILE_RADIUS;

/// The reward for one tick given the distance to the nearest projectile (if any), and whether
/// the player was hit.
pub fn tick_reward(nearest: Option<f32>, config: &DodgeConfig) -> (f32, bool) {
    match nearest {
        Some(d) if d < HIT_DISTANCE => (-config.hit_penalty, true),
        Some(d) if d < config.dodge_bonus_threshold => {
            let bonus =
                ((config.dodge_bonus_threshold - d) * config.dodge_bonus_multiplier).min(1.0);
            (config.survival_reward + bonus, false)
        }
        _ => (config.survival_reward, false),
    }
}

/// Scores every live player of a running arena for this tick; with learnable throwers, credits
/// each hit to the ball's thrower, charges every live thrower its tick penalty, and ends the
/// throwers' episodes once no dodger of their arena is live.
pub fn score_players(
    mut io: ResMut<AgentIo>,
    config: Res<DodgeConfig>,
    mut index: ResMut<ArenaIndex>,
    players: Query<(&Player, &Motion)>,
    projectiles: Query<(&Projectile, &Motion)>,
) {
    index.rebuild(&io, players.iter(), projectiles.iter());
    for arena in 0..index.players.len() {
        if !io.arena_running(arena) {
            continue;
        }
        for player in index.players[arena].iter().filter(|p| p.live) {
            // The first nearest ball (by id) takes the credit for a hit.
            let nearest = index.projectiles[arena]
                .iter()
                .map(|p| (p.position.distance(player.position), p.thrower))
                .reduce(|a, b| if b.0 < a.0 { b } else { a });
            let (reward, hit) = tick_reward(nearest.map(|(d, _)| d), &config);
            io.add_reward(player.agent, reward);
            if hit {
                io.terminate(player.agent);
                if let Some((_, Some(thrower))) = nearest {
                    io.add_reward(thrower, config.thrower_hit_reward);
                }
            }
        }
        if config.throwers > 0 {
            score_throwers(&mut io, &config, arena);
        }
    }
}

fn score_throwers(io: &mut AgentIo, config: &DodgeConfig, arena: usize) {
    let (dodgers, throwers) = roles(io.layout(), config.throwers, arena);
    let over = !dodgers.clone().any(|d| io.is_live(d));
    for thrower in throwers {
        if !io.is_live(thrower) {
            continue;
        }
        io.add_reward(thrower, -config.thrower_tick_penalty);
        if over {
            io.terminate(thrower);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewards_follow_distance() {
        let c = DodgeConfig::default();
        assert_eq!(tick_reward(None, &c), (1.0, false));
        assert_eq!(tick_reward(Some(5.0), &c), (1.0, false));
        assert_eq!(tick_reward(Some(1.0), &c), (1.5, false));
        assert_eq!(tick_reward(Some(0.79), &c), (-100.0, true));
        let (edge, hit) = tick_reward(Some(HIT_DISTANCE), &c);
        assert!(!hit && (edge - 1.6).abs() < 1e-6);
    }
}
