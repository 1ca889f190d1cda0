//! The in-process drivers of the view's own modes: seeded random actions (`--demo`) and the
//! keyboard (`--play`). A trained policy drives through `bevy_gym_policy::PolicyDriver`.

use std::sync::{Arc, Mutex};

use bevy_gym_server::protocol::ObservationSlots;
use bevy_gym_server::{Action, AgentSpaces, Driver, Space, uniform};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// Seeded random actions for every agent: the same seed gives the same episode.
pub struct RandomDriver {
    agents: Vec<usize>,
    spaces: Vec<Space>,
    rng: ChaCha8Rng,
}

impl RandomDriver {
    pub fn new(num_agents: usize, spaces: &[AgentSpaces], seed: u64) -> Self {
        Self {
            agents: (0..num_agents).collect(),
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

    fn act(&mut self, _observations: ObservationSlots<'_>, actions: &mut [Option<Action>]) {
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

/// The keys a human holds, as the action of agent 0; written by the window, read every step.
#[derive(Default)]
pub struct Pad {
    action: Mutex<Option<Action>>,
}

impl Pad {
    pub fn set(&self, action: Option<Action>) {
        *self.action.lock().unwrap_or_else(|e| e.into_inner()) = action;
    }

    fn get(&self) -> Option<Action> {
        self.action
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Agent 0 follows the keyboard; the others stand still.
pub struct KeyboardDriver {
    pad: Arc<Pad>,
}

impl KeyboardDriver {
    pub fn new(pad: Arc<Pad>) -> Self {
        Self { pad }
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

    fn act(&mut self, _observations: ObservationSlots<'_>, actions: &mut [Option<Action>]) {
        actions[0] = self.pad.get();
    }
}
