//! In-process drivers: code inside the game process (an in-game policy, a scripted opponent) that
//! supplies some agents' actions every step in place of the client's. The plugin only calls the
//! hook; what the driver computes is its own business.

use crate::action::Action;
use crate::protocol::ObservationSlots;
use crate::spec::{AgentSpaces, ImageSpec};

/// What a driver sees before a step: every agent's vector observation, every agent's image when
/// the driver [sees images](Driver::sees_images), and which agents start an episode.
#[derive(Clone, Copy)]
pub struct DriverInput<'a> {
    /// Every agent's vector observation.
    pub observations: ObservationSlots<'a>,
    /// Every agent's image, agent-major, `image.bytes()` each (H×W×C `u8`, as `/visual_observations`
    /// sends them); empty unless the driver sees images.
    pub images: &'a [u8],
    pub image: ImageSpec,
    /// Per agent: whether this observation is the first of its episode (its arena was reset
    /// since the last step), which a driver with memory (a frame stack) starts afresh from.
    pub episode_start: &'a [bool],
}

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

    /// Whether [`act`](Driver::act) needs the agents' images (the game then renders them before
    /// every step); by default it does not.
    fn sees_images(&self) -> bool {
        false
    }

    /// Whether the driver can act on images of this size: called with [`check`](Driver::check),
    /// only for a driver that [sees images](Driver::sees_images).
    fn check_image(&self, _image: ImageSpec) -> Result<(), String> {
        Ok(())
    }

    /// Writes the action of every driven agent into `actions` (indexed by agent; the other
    /// entries are the client's and must be left alone). `input` holds every agent's current
    /// observation (and image). Done agents' actions are ignored by the game, as a client's are.
    fn act(&mut self, input: DriverInput<'_>, actions: &mut [Option<Action>]);
}
