//! The Bevy plugin that makes an app a lockstep environment: the tick schedule, the agents'
//! inputs and outputs, the arena random streams and the simulation settings. Serving it is
//! [`ServePlugin`](crate::ServePlugin)'s job; driving it in process is
//! [`Environment`](crate::Environment)'s.

use std::marker::PhantomData;

use bevy::ecs::schedule::{Schedule, SingleThreadedExecutor};
use bevy::prelude::*;

use crate::game::GymGame;
use crate::lockstep::{AgentIo, ArenaRngs, SimTick};
use crate::settings::SimSettings;

/// Installs game `G`'s lockstep environment with `settings`; add the game's own plugin beside it.
pub struct EnvPlugin<G: GymGame> {
    settings: SimSettings,
    _game: PhantomData<G>,
}

impl<G: GymGame> EnvPlugin<G> {
    pub fn new(settings: SimSettings) -> Self {
        Self {
            settings,
            _game: PhantomData,
        }
    }
}

impl<G: GymGame> Plugin for EnvPlugin<G> {
    fn build(&self, app: &mut App) {
        let layout = self.settings.layout.clone();
        let mut tick = Schedule::new(SimTick);
        // One thread in a fixed order: the simulation must be bit-reproducible.
        tick.set_executor(SingleThreadedExecutor::new());
        app.add_schedule(tick)
            .insert_resource(ArenaRngs::new(layout.num_arenas(), self.settings.seed))
            .insert_resource(AgentIo::new(layout))
            .insert_resource(self.settings.clone());
    }
}
