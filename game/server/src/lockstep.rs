//! What game systems see during a step: the actions, the per-agent outcome and the arena RNGs.

use bevy::ecs::schedule::ScheduleLabel;
use bevy::prelude::Resource;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use crate::action::Action;
use crate::spec::Layout;

/// The schedule holding one fixed simulation tick of the game; the plugin runs it exactly
/// `action_repeat` times per step. Systems in it must use a fixed time step, never wall time.
#[derive(ScheduleLabel, Clone, Debug, PartialEq, Eq, Hash)]
pub struct SimTick;

/// Actions in, rewards and terminations out, for every agent; owned by the plugin.
#[derive(Resource, Debug)]
pub struct AgentIo {
    layout: Layout,
    pub(crate) actions: Vec<Option<Action>>,
    pub(crate) rewards: Vec<f32>,
    pub(crate) terminated: Vec<bool>,
    pub(crate) truncated: Vec<bool>,
    /// Whether each arena advances during the current step.
    pub(crate) arena_running: Vec<bool>,
    /// Steps since each arena's last reset.
    pub(crate) arena_steps: Vec<u32>,
}

impl AgentIo {
    pub(crate) fn new(layout: Layout) -> Self {
        let n = layout.num_agents;
        let arenas = layout.num_arenas();
        Self {
            layout,
            actions: vec![None; n],
            rewards: vec![0.0; n],
            terminated: vec![false; n],
            truncated: vec![false; n],
            arena_running: vec![false; arenas],
            arena_steps: vec![0; arenas],
        }
    }

    /// The agents and arenas.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The agent's action for this step; `None` when the client sent `null`.
    pub fn action(&self, agent: usize) -> Option<&Action> {
        self.actions[agent].as_ref()
    }

    /// Neither terminated nor truncated.
    pub fn is_live(&self, agent: usize) -> bool {
        !self.terminated[agent] && !self.truncated[agent]
    }

    /// Whether the agent's episode ended by termination.
    pub fn is_terminated(&self, agent: usize) -> bool {
        self.terminated[agent]
    }

    /// Whether the agent's episode ended by truncation.
    pub fn is_truncated(&self, agent: usize) -> bool {
        self.truncated[agent]
    }

    /// Whether `arena` advances in the current tick (false once all its agents are done, and
    /// for an arena reset in place of this step).
    pub fn arena_running(&self, arena: usize) -> bool {
        self.arena_running[arena]
    }

    /// Steps the arena has taken since its reset.
    pub fn episode_steps(&self, arena: usize) -> u32 {
        self.arena_steps[arena]
    }

    /// The agent's reward so far in this step (after a step: the step's reward).
    pub fn reward(&self, agent: usize) -> f32 {
        self.rewards[agent]
    }

    /// Adds to the agent's reward for this step (the step reward is the sum over its ticks).
    pub fn add_reward(&mut self, agent: usize, reward: f32) {
        self.rewards[agent] += reward;
    }

    /// Ends the agent's episode; it receives no further actions until its arena is reset.
    pub fn terminate(&mut self, agent: usize) {
        self.terminated[agent] = true;
    }

    pub(crate) fn refresh_running(&mut self, skipped: &[bool]) {
        for (arena, skip) in skipped.iter().enumerate() {
            let live = self.layout.agents_in(arena).any(|a| self.is_live(a));
            self.arena_running[arena] = live && !skip;
        }
    }
}

/// One ChaCha8 stream per arena (stream number = arena index), so arenas are independent and an
/// arena reset alone is reproducible.
#[derive(Resource, Debug)]
pub struct ArenaRngs {
    rngs: Vec<ChaCha8Rng>,
}

impl ArenaRngs {
    pub(crate) fn new(num_arenas: usize, seed: u64) -> Self {
        Self {
            rngs: (0..num_arenas).map(|a| arena_rng(seed, a)).collect(),
        }
    }

    pub(crate) fn reseed(&mut self, arena: usize, seed: u64) {
        self.rngs[arena] = arena_rng(seed, arena);
    }

    /// The random stream of `arena`.
    pub fn arena(&mut self, arena: usize) -> &mut ChaCha8Rng {
        &mut self.rngs[arena]
    }
}

fn arena_rng(seed: u64, arena: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(arena as u64);
    rng
}

/// A uniform sample in `[low, high)` from 24 random bits: exact and identical on every platform.
pub fn uniform(rng: &mut impl RngCore, low: f32, high: f32) -> f32 {
    const MANTISSA_SCALE: f32 = 1.0 / (1u32 << 24) as f32;
    let unit = (rng.next_u32() >> 8) as f32 * MANTISSA_SCALE;
    low + (high - low) * unit
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ArenaMode;

    #[test]
    fn arena_streams_differ_and_repeat() {
        let mut a = ArenaRngs::new(2, 7);
        let mut b = ArenaRngs::new(2, 7);
        let x0 = a.arena(0).next_u64();
        let x1 = a.arena(1).next_u64();
        assert_ne!(x0, x1);
        assert_eq!(x0, b.arena(0).next_u64());
        b.reseed(1, 8);
        assert_ne!(x1, b.arena(1).next_u64());
    }

    #[test]
    fn uniform_stays_in_range() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..10_000 {
            let x = uniform(&mut rng, -1.5, 1.5);
            assert!((-1.5..1.5).contains(&x));
        }
    }

    #[test]
    fn running_follows_liveness_and_skips() {
        let layout = Layout::new(ArenaMode::Separate, 3);
        let mut io = AgentIo::new(layout);
        io.terminate(1);
        io.refresh_running(&[false, false, true]);
        assert_eq!(io.arena_running, vec![true, false, false]);
    }
}
