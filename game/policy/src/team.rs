//! Policies that act together in one game: one policy for every agent, or one per role
//! (`--role-policy pursuer=p.safetensors --role-policy evader=e.safetensors`), each computing its
//! agents' actions in one batch per step. A pixel policy's agents each keep their stack of frames
//! here.

use bevy_gym_server::{Action, AgentSpaces, DriverInput, ImageSpec};

use crate::error::PolicyError;
use crate::frames::FrameStacks;
use crate::policy::Policy;

/// Policies with the agents each drives (disjoint), and reused buffers.
#[derive(Clone, Debug)]
pub struct Team {
    members: Vec<(Policy, Vec<usize>)>,
    /// Per member: its agents' frame stacks (pixel policies only).
    frames: Vec<Option<FrameStacks>>,
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
        let frames = members
            .iter()
            .map(|(policy, _)| policy.image().map(FrameStacks::new))
            .collect();
        Self {
            members,
            frames,
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

    /// Whether a member is a pixel policy (the game must then render every step).
    pub fn sees_images(&self) -> bool {
        self.frames.iter().any(Option::is_some)
    }

    /// Whether every pixel policy can act on images of this size.
    pub fn check_image(&self, image: ImageSpec) -> Result<(), PolicyError> {
        self.members
            .iter()
            .try_for_each(|(policy, _)| policy.check_image(image))
    }

    /// Writes the driven agents' actions into `actions` (one per agent), each from its
    /// observation slot in `input` or, for a pixel policy, from its stack of frames, which takes
    /// in the agent's image first (restarting at an episode's start).
    pub fn act(&mut self, input: DriverInput<'_>, actions: &mut [Option<Action>]) {
        let (values, stride) = (input.observations.values, input.observations.stride);
        for ((policy, agents), frames) in self.members.iter_mut().zip(&mut self.frames) {
            if let Some(frames) = frames {
                frames.push(agents, input.images, input.episode_start);
                policy.act_on_frames_into(frames.stacks(), &mut self.actions);
            } else {
                let width = policy.observation_len();
                self.rows.clear();
                for &agent in agents.iter() {
                    let start = agent * stride;
                    self.rows.extend_from_slice(&values[start..start + width]);
                }
                policy.act_into(&self.rows, &mut self.actions);
            }
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
