//! In-process spectators: code inside the game process (a windowed view, a recorder) that sees
//! the world after every reset and step, whoever drives them. A spectator only reads: the
//! episode is the same with and without one.

use bevy::prelude::World;

/// What just happened when a [`Spectator`] is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment<'a> {
    /// A reset of these arenas (sorted, distinct); every other arena is unchanged.
    Reset { arenas: &'a [usize] },
    /// A step; these arenas (sorted, distinct) were reset in its place, the others advanced.
    Step { reset: &'a [usize] },
}

/// Watches the environment; set one with
/// [`Environment::set_spectator`](crate::Environment::set_spectator).
pub trait Spectator: Send + 'static {
    /// Called after every successful reset and step. `world` is mutable only so that the game's
    /// own scratch queries can run; nothing a client can see may change.
    fn watch(&mut self, world: &mut World, moment: Moment<'_>);
}
