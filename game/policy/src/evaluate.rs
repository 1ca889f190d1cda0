//! Evaluation episodes in process, with no HTTP: the policy acts for every agent, as fast as the
//! simulation runs. It mirrors `evaluate` in algos/algos_utils.py: there, N episodes are one per
//! arena of a server seeded once, each arena's first episode only; here, agent `i` plays
//! `N / agents` episodes (one more for the first `N % agents` agents) one after another, its
//! arena reset (continuing its random stream) while one of its agents still owes an episode. So
//! `--agents N --arena-mode separate --episodes N --seed S` plays exactly Python's episodes, and no
//! arena's short episodes are over-counted.

use bevy_gym_server::protocol::ObservationSlots;
use bevy_gym_server::{DriverInput, Environment, GymGame, ResetRequest};
use serde::Serialize;

use crate::team::Team;

/// One finished episode.
#[derive(Clone, Debug, PartialEq)]
pub struct Episode {
    pub agent: usize,
    /// The sum of its rewards (each f32 reward widened to f64, as numpy adds them).
    pub reward: f64,
    /// Steps, the last one included.
    pub length: u64,
}

/// The one JSON line `--episodes` prints: means and population standard deviations (numpy's
/// default `std`), in this key order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub episodes: usize,
    pub mean_return: f64,
    pub std_return: f64,
    pub mean_length: f64,
    pub std_length: f64,
}

impl Summary {
    pub fn of(episodes: &[Episode]) -> Self {
        let returns: Vec<f64> = episodes.iter().map(|e| e.reward).collect();
        let lengths: Vec<f64> = episodes.iter().map(|e| e.length as f64).collect();
        let (mean_return, std_return) = mean_std(&returns);
        let (mean_length, std_length) = mean_std(&lengths);
        Self {
            episodes: episodes.len(),
            mean_return,
            std_return,
            mean_length,
            std_length,
        }
    }

    /// `{"episodes":N,"mean_return":…,"std_return":…,"mean_length":…,"std_length":…}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, variance.sqrt())
}

/// Plays `episodes` episodes with `team` acting for every agent of `env` (one policy for all,
/// or one per role; they must fit: [`Team::check`]), from `env`'s current state; the episodes in
/// the order they finish, ties by agent index. Each arena's episodes must end (terminate or
/// truncate), or this never returns.
pub fn evaluate<G: GymGame>(
    env: &mut Environment<G>,
    team: &mut Team,
    episodes: usize,
) -> Vec<Episode> {
    let n = env.layout().num_agents;
    let owed: Vec<usize> = (0..n)
        .map(|a| episodes / n + usize::from(a < episodes % n))
        .collect();
    let mut done = vec![0usize; n];
    let mut playing: Vec<bool> = owed.iter().map(|&q| q > 0).collect();
    let (mut reward, mut length) = (vec![0f64; n], vec![0u64; n]);
    let mut finished = Vec::with_capacity(episodes);
    let mut actions = vec![None; n];
    let mut starts = Vec::with_capacity(n);
    let images = team.sees_images();
    while finished.len() < episodes {
        env.observe();
        if images {
            env.render();
        }
        env.episode_starts(&mut starts);
        let input = DriverInput {
            observations: ObservationSlots {
                values: env.observed(),
                stride: env.observation_stride(),
                lens: env.observation_lens(),
            },
            images: if images { env.rendered() } else { &[] },
            image: env.image(),
            episode_start: &starts,
        };
        team.act(input, &mut actions);
        let step = actions.clone();
        env.step(step, &[])
            .expect("the policy's actions fit the game (checked)");
        for agent in 0..n {
            if !playing[agent] {
                continue;
            }
            reward[agent] += f64::from(env.rewards()[agent]);
            length[agent] += 1;
            if env.terminated()[agent] || env.truncated()[agent] {
                playing[agent] = false;
                done[agent] += 1;
                finished.push(Episode {
                    agent,
                    reward: reward[agent],
                    length: length[agent],
                });
            }
        }
        let layout = env.layout().clone();
        let again: Vec<usize> = (0..layout.num_arenas())
            .filter(|&arena| {
                let mut agents = layout.agents_in(arena);
                agents
                    .clone()
                    .all(|a| env.terminated()[a] || env.truncated()[a])
                    && agents.any(|a| done[a] < owed[a])
            })
            .collect();
        if !again.is_empty() {
            for &arena in &again {
                for agent in layout.agents_in(arena) {
                    playing[agent] = done[agent] < owed[agent];
                    (reward[agent], length[agent]) = (0.0, 0);
                }
            }
            env.reset(ResetRequest {
                arenas: Some(again),
                ..ResetRequest::default()
            })
            .expect("existing arenas reset");
        }
    }
    finished
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_uses_the_population_std() {
        let episodes = [(1.0, 10), (3.0, 20)].map(|(reward, length)| Episode {
            agent: 0,
            reward,
            length,
        });
        let summary = Summary::of(&episodes);
        assert_eq!((summary.mean_return, summary.std_return), (2.0, 1.0));
        assert_eq!((summary.mean_length, summary.std_length), (15.0, 5.0));
        assert_eq!(
            summary.to_json(),
            r#"{"episodes":2,"mean_return":2.0,"std_return":1.0,"mean_length":15.0,"std_length":5.0}"#
        );
    }
}
