//! The policy as the plugin's in-process [`Driver`]: while a server runs, it acts for some agents
//! every step and HTTP clients drive the others.

use bevy_gym_server::{Action, AgentSpaces, Driver, DriverInput, ImageSpec};

use crate::policy::Policy;
use crate::team::Team;

/// Drives its agents with its policies (one, or one per role), each in one batch per step.
pub struct PolicyDriver {
    team: Team,
}

impl PolicyDriver {
    /// One policy driving `agents` (ascending and distinct: the environment refuses the driver
    /// otherwise).
    pub fn new(policy: Policy, agents: Vec<usize>) -> Self {
        Self::team(Team::one(policy, agents))
    }

    /// Several policies, each driving its own agents.
    pub fn team(team: Team) -> Self {
        Self { team }
    }
}

impl Driver for PolicyDriver {
    fn name(&self) -> &str {
        "policy"
    }

    fn agents(&self) -> &[usize] {
        self.team.agents()
    }

    fn check(&self, spaces: &[AgentSpaces]) -> Result<(), String> {
        self.team.check(spaces).map_err(|e| e.to_string())
    }

    fn sees_images(&self) -> bool {
        self.team.sees_images()
    }

    fn check_image(&self, image: ImageSpec) -> Result<(), String> {
        self.team.check_image(image).map_err(|e| e.to_string())
    }

    fn act(&mut self, input: DriverInput<'_>, actions: &mut [Option<Action>]) {
        self.team.act(input, actions);
    }
}
