//! The policy as the plugin's in-process [`Driver`]: while a server runs, it acts for some agents
//! every step and HTTP clients drive the others.

use bevy_gym_server::protocol::ObservationSlots;
use bevy_gym_server::{Action, AgentSpaces, Driver};

use crate::policy::Policy;

/// Drives `agents` with `policy`, all of them in one batch per step.
pub struct PolicyDriver {
    policy: Policy,
    agents: Vec<usize>,
    /// The driven agents' observations, gathered into rows; kept to reuse its allocation.
    rows: Vec<f32>,
    actions: Vec<Action>,
}

impl PolicyDriver {
    /// `agents` ascending and distinct (the environment refuses the driver otherwise).
    pub fn new(policy: Policy, agents: Vec<usize>) -> Self {
        Self {
            policy,
            agents,
            rows: Vec::new(),
            actions: Vec::new(),
        }
    }
}

impl Driver for PolicyDriver {
    fn name(&self) -> &str {
        "policy"
    }

    fn agents(&self) -> &[usize] {
        &self.agents
    }

    fn check(&self, spaces: &[AgentSpaces]) -> Result<(), String> {
        self.policy
            .check(spaces, &self.agents)
            .map_err(|e| e.to_string())
    }

    fn act(&mut self, observations: ObservationSlots<'_>, actions: &mut [Option<Action>]) {
        let width = self.policy.observation_len();
        self.rows.clear();
        for &agent in &self.agents {
            let start = agent * observations.stride;
            self.rows
                .extend_from_slice(&observations.values[start..start + width]);
        }
        self.policy.act_into(&self.rows, &mut self.actions);
        for (&agent, action) in self.agents.iter().zip(&self.actions) {
            actions[agent] = Some(action.clone());
        }
    }
}
