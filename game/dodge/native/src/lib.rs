//! Dodge as a Python extension module (`bevy_dodge_native`): bevy_gym's in-process backend,
//! built from the same app builder and command line as `bevy-dodge`.

use pyo3::prelude::*;

#[pymodule]
fn bevy_dodge_native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    bevy_gym_native::add_game::<bevy_gym_dodge::Dodge>(
        module,
        bevy_gym_dodge::cli::NAME,
        bevy_gym_dodge::app,
    )
}
