//! `my_game_native`: my_game stepped in the learner's process (bevy_gym's backend="native").

// ANCHOR: native_module
use pyo3::prelude::*;

/// The module bevy_gym imports for `my-game` with backend="native": its `make(args)` builds the
/// game from `my-game`'s command line with the same app builder, in this process.
#[pymodule]
fn my_game_native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    bevy_gym_native::add_game::<my_game::MyGame>(module, "my-game", my_game::app)
}
// ANCHOR_END: native_module
