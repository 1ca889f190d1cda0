//! Tag as a Python extension module (`bevy_tag_native`): bevy_gym's in-process backend, built
//! from the same app builder and command line as `bevy-tag`.

use pyo3::prelude::*;

#[pymodule]
fn bevy_tag_native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    bevy_gym_native::add_game::<bevy_gym_tag::Tag>(
        module,
        bevy_gym_tag::cli::NAME,
        bevy_gym_tag::app,
    )
}
