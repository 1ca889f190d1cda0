//! The simulation side of a live view (`bevy-dodge-view`), headless and tested with the game:
//! the environment on its own thread ([`sim`]), the drivers of the view's own modes
//! ([`drivers`]) and the hand-over of the state to a window ([`feed`]). Nothing here draws.

pub mod drivers;
pub mod feed;
pub mod sim;
