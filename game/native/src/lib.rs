//! `bevy_gym_native`: any bevy_gym game as a Python extension module, so that Python steps it in
//! its own process, with no socket: the in-process backend (`backend="native"` in bevy_gym).
//!
//! A game's extension is a `cdylib` crate of a few lines (`game/dodge/native`):
//!
//! ```ignore
//! use pyo3::prelude::*;
//!
//! #[pymodule]
//! fn bevy_dodge_native(module: &Bound<'_, PyModule>) -> PyResult<()> {
//!     bevy_gym_native::add_game::<bevy_gym_dodge::Dodge>(module, "bevy-dodge", bevy_gym_dodge::app)
//! }
//! ```
//!
//! The environment is built from the game's own command line and app builder, exactly as its
//! server binary builds it, and actions are decoded by the server's own binary decoder: the
//! same seeds and actions give byte-identical results over HTTP and in process.

mod backend;
mod env;
mod guard;
mod outputs;

use std::ffi::CString;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyDict, PyTuple};

use bevy_gym_server::GymGame;

pub use backend::{AppBuilder, Backend, build};
pub use env::NativeEnv;

/// Adds game `G` to `module`: `make(args)` builds a [`NativeEnv`] from the command line of the
/// game's server binary `binary` (e.g. `make(["--agents=4", "--level=2"])`), built by `app`;
/// `GAME` and `BINARY` name it. Nothing runs until `make` is called (no thread, no app).
pub fn add_game<G: GymGame>(
    module: &Bound<'_, PyModule>,
    binary: &'static str,
    app: AppBuilder,
) -> PyResult<()> {
    let py = module.py();
    module.add_class::<NativeEnv>()?;
    module.add("GAME", G::NAME)?;
    module.add("BINARY", binary)?;
    let doc = CString::new(format!(
        "make(args: list[str]) -> NativeEnv\n--\n\n{} in this process, from the command line of \
         `{binary}` (without the program name).",
        G::NAME
    ))
    .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let make = PyCFunction::new_closure(
        py,
        Some(c"make"),
        Some(Box::leak(doc.into_boxed_c_str())),
        move |args: &Bound<'_, PyTuple>,
              kwargs: Option<&Bound<'_, PyDict>>|
              -> PyResult<NativeEnv> {
            if kwargs.is_some_and(|k| !k.is_empty()) || args.len() != 1 {
                return Err(PyValueError::new_err(format!(
                    "{binary}: make takes one list of command-line arguments, e.g. \
                     make(['--agents=4'])"
                )));
            }
            let argv: Vec<String> = args.get_item(0)?.extract()?;
            let built =
                std::panic::catch_unwind(|| build::<G>(binary, app, &argv)).map_err(|_| {
                    PyRuntimeError::new_err(format!("{binary}: the game panicked while starting"))
                })?;
            let env = built.map_err(|e| {
                PyValueError::new_err(("invalid_options", format!("{binary}: {e}")))
            })?;
            Ok(NativeEnv::new(env, binary))
        },
    )?;
    module.add("make", make)
}
