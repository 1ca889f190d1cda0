//! Policies that act together in one game: one policy for every agent, or one per role
//! (`--role-policy pursuer=p.safetensors --role-policy evader=e.safetensors`), each computing its
//! agents' actions in one batch per step.

use bevy_gym_server::{Action, AgentSpaces};

use crate::error::PolicyError;
use crate::policy::Policy;

/// Policies with the agents each drives (disjoint), and reused buffers.
#[derive(Clone, Debug)]
pub struct Team {
    members: Vec<(Policy, Vec<usize>)>,
    agents: Vec<usize>,
    rows: Vec<f32>,
    actions: Vec<Action>,
}

impl Team {
    /// `members`' agent lists are sorted and deduplicated; [`check`](Self::check) refuses an
    /// agent driven twice.
    pub fn new(members: Vec<(Policy, Vec<usize>)>) -> Self {
        let members: Vec<(Policy, Vec<usize>)> = members
            .into_iter()
            .map(|(policy, mut agents)| {
                agents.sort_unstable();
                agents.dedup();
                (policy, agents)
            })
            .collect();
        let mut agents: Vec<usize> = members.iter().flat_map(|(_, a)| a.clone()).collect();
        agents.sort_unstable();
        Self {
            members,
            agents,
            rows: Vec::new(),
            actions: Vec::new(),
        }
    }

    /// One policy driving `agents`.
    pub fn one(policy: Policy, agents: Vec<usize>) -> Self {
        Self::new(vec![(policy, agents)])
    }

    /// Every driven agent, ascending (an agent driven twice appears twice).
    pub fn agents(&self) -> &[usize] {
        &self.agents
    }

    /// The policies and their agents.
    pub fn members(&self) -> &[(Policy, Vec<usize>)] {
        &self.members
    }

    /// Whether each policy fits its agents' spaces and no agent has two policies.
    pub fn check(&self, spaces: &[AgentSpaces]) -> Result<(), PolicyError> {
        if let Some(pair) = self.agents.windows(2).find(|w| w[0] == w[1]) {
            return Err(PolicyError::Usage(format!(
                "agent {} is given two policies; expected each agent driven by one",
                pair[0]
            )));
        }
        self.members
            .iter()
            .try_for_each(|(policy, agents)| policy.check(spaces, agents))
    }

    /// Writes the driven agents' actions into `actions` (one per agent), each from its
    /// observation slot of `stride` floats in `values`.
    pub fn act(&mut self, values: &[f32], stride: usize, actions: &mut [Option<Action>]) {
        for (policy, agents) in &mut self.members {
            let width = policy.observation_len();
            self.rows.clear();
            for &agent in agents.iter() {
                let start = agent * stride;
                self.rows.extend_from_slice(&values[start..start + width]);
            }
            policy.act_into(&self.rows, &mut self.actions);
            for (&agent, action) in agents.iter().zip(&self.actions) {
                actions[agent] = Some(action.clone());
            }
        }
    }
}

/// The agents whose id names `role` (`pursuer_0`, `pursuer_1` for "pursuer"), in agent order.
pub fn role_agents(ids: &[String], role: &str) -> Vec<usize> {
    let prefix = format!("{role}_");
    ids.iter()
        .enumerate()
        .filter(|(_, id)| {
            id.strip_prefix(&prefix)
                .is_some_and(|n| n.parse::<usize>().is_ok())
        })
        .map(|(agent, _)| agent)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_is_the_id_prefix_before_the_number() {
        let ids: Vec<String> = [
            "pursuer_0",
            "evader_0",
            "pursuer_1",
            "pursuer_x",
            "evader_10",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(role_agents(&ids, "pursuer"), [0, 2]);
        assert_eq!(role_agents(&ids, "evader"), [1, 4]);
        assert!(role_agents(&ids, "pursue").is_empty());
    }
}
