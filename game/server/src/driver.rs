//! In-process drivers: code inside the game process (an in-game policy, a scripted opponent) that
//! supplies some agents' actions every step in place of the client's. The plugin only calls the
//! hook; what the driver computes is its own business.

use crate::action::Action;
use crate::protocol::ObservationSlots;
use crate::spec::AgentSpaces;

/// Supplies the actions of the agents in [`agents`](Driver::agents) every step, from the
/// observations they see before it. Set one with
/// [`Environment::set_driver`](crate::Environment::set_driver); `/spec` then marks those agents
/// `"driven_by": name()`, and `/step` and `/v1/step` ignore the client's actions for them.
pub trait Driver: Send + 'static {
    /// What drives the agents, reported in the spec (for example `"policy"`).
    fn name(&self) -> &str;

    /// The driven agents' indices, ascending and distinct.
    fn agents(&self) -> &[usize];

    /// Whether the driver can act under these spaces (every agent's, in agent order): called when
    /// the driver is set and whenever options change the spaces, and an error (one line, saying
    /// what was expected) refuses that change.
    fn check(&self, spaces: &[AgentSpaces]) -> Result<(), String>;

    /// Writes the action of every driven agent into `actions` (indexed by agent; the other
    /// entries are the client's and must be left alone). `observations` holds every agent's
    /// current observation. Done agents' actions are ignored by the game, as a client's are.
    fn act(&mut self, observations: ObservationSlots<'_>, actions: &mut [Option<Action>]);
}
