//! The in-process drivers of the view's own modes: seeded random actions (`--demo`) and the
//! keyboard (`--play`). A trained policy drives through `bevy_gym_policy::PolicyDriver`.

use std::sync::{Arc, Mutex};

use bevy_gym_server::{Action, AgentSpaces, Driver, DriverInput, Space, uniform};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use crate::keys::{Held, KeyMap};

/// Seeded random actions for every agent: the same seed gives the same episode.
pub struct RandomDriver {
    agents: Vec<usize>,
    spaces: Vec<Space>,
    rng: ChaCha8Rng,
}

impl RandomDriver {
    pub fn new(spaces: &[AgentSpaces], seed: u64) -> Self {
        Self {
            agents: (0..spaces.len()).collect(),
            spaces: spaces.iter().map(|s| s.action.clone()).collect(),
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }
}

impl Driver for RandomDriver {
    fn name(&self) -> &str {
        "random"
    }

    fn agents(&self) -> &[usize] {
        &self.agents
    }

    fn check(&self, spaces: &[AgentSpaces]) -> Result<(), String> {
        let same = spaces.iter().map(|s| &s.action).eq(self.spaces.iter());
        same.then_some(())
            .ok_or_else(|| "the action spaces changed; expected those the demo started with".into())
    }

    fn act(&mut self, _input: DriverInput<'_>, actions: &mut [Option<Action>]) {
        for (&agent, space) in self.agents.iter().zip(&self.spaces) {
            actions[agent] = Some(match space {
                Space::Discrete { n, .. } => Action::Discrete(self.rng.next_u32() % n),
                Space::Box {
                    low, high, shape, ..
                } => {
                    let len = shape.iter().product();
                    let (low, high) = (*low as f32, *high as f32);
                    Action::Continuous(
                        (0..len)
                            .map(|_| uniform(&mut self.rng, low, high))
                            .collect(),
                    )
                }
            });
        }
    }
}

/// The keys a human holds; written by the window, read every step. `None` until the window
/// has looked at the keyboard once.
#[derive(Default)]
pub struct Pad {
    held: Mutex<Option<Held>>,
}

impl Pad {
    pub fn set(&self, held: Held) {
        *self.held.lock().unwrap_or_else(|e| e.into_inner()) = Some(held);
    }

    fn get(&self) -> Option<Held> {
        *self.held.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Agent 0 follows the keyboard through the game's key map; the others stand still (no action).
pub struct KeyboardDriver {
    pad: Arc<Pad>,
    keys: KeyMap,
}

impl KeyboardDriver {
    pub fn new(pad: Arc<Pad>, keys: KeyMap) -> Self {
        Self { pad, keys }
    }
}

impl Driver for KeyboardDriver {
    fn name(&self) -> &str {
        "keyboard"
    }

    fn agents(&self) -> &[usize] {
        &[0]
    }

    fn check(&self, _spaces: &[AgentSpaces]) -> Result<(), String> {
        Ok(())
    }

    fn act(&mut self, _input: DriverInput<'_>, actions: &mut [Option<Action>]) {
        actions[0] = self.pad.get().map(|held| self.keys.action(held));
    }
}
