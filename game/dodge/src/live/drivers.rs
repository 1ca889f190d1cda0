//! The in-process drivers of the view's own modes: seeded random actions (`--demo`) and the
//! keyboard (`--play`). A trained policy drives through `bevy_gym_policy::PolicyDriver`.

use std::sync::{Arc, Mutex};

use bevy_gym_server::protocol::ObservationSlots;
use bevy_gym_server::{Action, AgentSpaces, Driver, Space, uniform};

use crate::config::Control;
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

/// The directions, sprint and jump a human holds (the window reads them from the keyboard).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Held {
    pub up: bool,
    pub down: bool,
    pub left: bool,
    pub right: bool,
    pub sprint: bool,
    pub jump: bool,
}

/// What the players' actions look like, for turning keys into them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Controls {
    /// A continuous action's elements; `None` for the discrete space.
    pub continuous: Option<Vec<Control>>,
    /// Whether the discrete space has JUMP (rules version 1).
    pub discrete_jump: bool,
}

/// The action held keys mean. Continuous: each element from the keys (sprint and jump at full
/// or none, tilt none). Discrete: JUMP when held and there is one, else UP, DOWN, LEFT, RIGHT
/// (vertical first when two are held) or IDLE.
pub fn action_of(held: Held, controls: &Controls) -> Action {
    let axis = |plus: bool, minus: bool| f32::from(u8::from(plus)) - f32::from(u8::from(minus));
    let full = |on: bool| if on { 1.0 } else { -1.0 };
    let (x, y) = (axis(held.right, held.left), axis(held.up, held.down));
    if let Some(layout) = &controls.continuous {
        return Action::Continuous(
            layout
                .iter()
                .map(|control| match control {
                    Control::Vx => x,
                    Control::Vy => y,
                    Control::Sprint => full(held.sprint),
                    Control::Jump => full(held.jump),
                    Control::Pitch | Control::Roll => 0.0,
                })
                .collect(),
        );
    }
    Action::Discrete(match (x, y) {
        _ if held.jump && controls.discrete_jump => 5,
        (_, 1.0) => 1,
        (_, -1.0) => 2,
        (-1.0, _) => 3,
        (1.0, _) => 4,
        _ => 0,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn held(up: bool, down: bool, left: bool, right: bool) -> Held {
        Held {
            up,
            down,
            left,
            right,
            ..Held::default()
        }
    }

    #[test]
    fn held_keys_become_discrete_actions() {
        let v0 = Controls::default();
        let discrete = |h: Held| action_of(h, &v0);
        assert_eq!(discrete(Held::default()), Action::Discrete(0));
        assert_eq!(
            discrete(held(true, false, false, false)),
            Action::Discrete(1)
        );
        assert_eq!(
            discrete(held(false, true, false, false)),
            Action::Discrete(2)
        );
        assert_eq!(
            discrete(held(false, false, true, false)),
            Action::Discrete(3)
        );
        assert_eq!(
            discrete(held(false, false, false, true)),
            Action::Discrete(4)
        );
        assert_eq!(
            discrete(held(true, false, false, true)),
            Action::Discrete(1),
            "vertical first"
        );
        assert_eq!(
            discrete(held(false, false, true, true)),
            Action::Discrete(0),
            "they cancel"
        );
        let jump = Held {
            jump: true,
            ..held(true, false, false, false)
        };
        assert_eq!(discrete(jump), Action::Discrete(1), "no JUMP in version 0");
        let v1 = Controls {
            continuous: None,
            discrete_jump: true,
        };
        assert_eq!(action_of(jump, &v1), Action::Discrete(5));
    }

    #[test]
    fn held_keys_fill_every_continuous_layout() {
        use Control::*;
        let running = Held {
            sprint: true,
            jump: true,
            ..held(true, false, false, true)
        };
        for (layout, expected) in [
            (vec![Vx, Vy, Sprint], vec![1.0, 1.0, 1.0]),
            (vec![Vx, Vy, Sprint, Jump], vec![1.0, 1.0, 1.0, 1.0]),
            (
                vec![Vx, Vy, Jump, Pitch, Roll, Sprint],
                vec![1.0, 1.0, 1.0, 0.0, 0.0, 1.0],
            ),
        ] {
            let controls = Controls {
                continuous: Some(layout),
                discrete_jump: false,
            };
            assert_eq!(action_of(running, &controls), Action::Continuous(expected));
        }
        let idle = Controls {
            continuous: Some(vec![Vx, Vy, Sprint]),
            discrete_jump: false,
        };
        assert_eq!(
            action_of(Held::default(), &idle),
            Action::Continuous(vec![0.0, 0.0, -1.0])
        );
    }
}
