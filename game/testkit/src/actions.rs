//! A deterministic action picker independent of the games' random streams.

use bevy_gym_server::{Action, Space};

/// A tiny deterministic action sequence generator (xorshift), independent of the game's RNG.
pub struct Actions(pub u64);

impl Actions {
    pub fn next_index(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

impl Actions {
    /// One random action per agent, fitting its action space (continuous values on a 0.01 grid).
    pub fn fitting(&mut self, spaces: &[&Space]) -> Vec<Action> {
        spaces
            .iter()
            .map(|space| match space {
                Space::Discrete { n, .. } => {
                    Action::Discrete(self.next_index(u64::from(*n)) as u32)
                }
                Space::Box { .. } => Action::Continuous(
                    (0..space.flat_len())
                        .map(|_| self.next_index(201) as f32 / 100.0 - 1.0)
                        .collect(),
                ),
            })
            .collect()
    }
}
