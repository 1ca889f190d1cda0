//! `NativeEnv`: one game's environment owned by a Python object, stepped in the caller's thread.
//!
//! Bevy's `App` is `!Send`, so the class is `unsendable` (PyO3 refuses use from another
//! thread). Nothing here starts a thread, nor does bevy_gym's headless build of a game, so an env
//! made before `fork` is safe in the child. A panic inside the game becomes a `RuntimeError` and
//! poisons the env (its world may be half stepped); `close()` drops the app.

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use serde_json::{Map, Value};

use bevy_gym_server::protocol::ObsKind;
use bevy_gym_server::{EnvError, ResetRequest};

use crate::backend::Backend;
use crate::guard::{contained, guarded};
use crate::outputs::{Out, results};

/// One game's environment in this process (see the module docs of `bevy_gym.native`).
#[pyclass(module = "bevy_gym_native", name = "NativeEnv", unsendable)]
pub struct NativeEnv {
    env: Option<Box<dyn Backend>>,
    /// The game binary's name, for messages.
    game: &'static str,
    /// Why the env is poisoned (a panic's message), if it is.
    poisoned: Option<String>,
    /// Whether `step`, `reset` and `observe` release the GIL while the game computes (other
    /// Python threads run meanwhile); the copy into numpy arrays always holds it.
    #[pyo3(get, set)]
    release_gil: bool,
}

impl NativeEnv {
    pub fn new(env: Box<dyn Backend>, game: &'static str) -> Self {
        Self {
            env: Some(env),
            game,
            poisoned: None,
            release_gil: true,
        }
    }

    /// Runs `work` on the environment, catching a panic (which poisons the env) and releasing
    /// the GIL when `release_gil` is set; an `EnvError` becomes `ValueError((code, message))`.
    fn run<T>(
        &mut self,
        py: Python<'_>,
        what: &str,
        work: impl FnOnce(&mut dyn Backend) -> Result<T, EnvError>,
    ) -> PyResult<T> {
        let game = self.game;
        if let Some(why) = &self.poisoned {
            return Err(PyRuntimeError::new_err(format!(
                "{game}: this environment is poisoned: it panicked earlier ({why}); close it and \
                 make a new one"
            )));
        }
        let env = self.env.as_deref_mut().ok_or_else(|| {
            PyRuntimeError::new_err(format!(
                "{game}: {what} after close(): the environment is closed; make a new one"
            ))
        })?;
        match guarded(py, self.release_gil, move || work(env)) {
            Ok(result) => result.map_err(|e| PyValueError::new_err((e.code(), e.to_string()))),
            Err(message) => {
                self.poisoned = Some(message.clone());
                Err(PyRuntimeError::new_err(format!(
                    "{game} panicked in {what}: {message}; the environment is poisoned (its \
                     world may be half-stepped): close it and make a new one"
                )))
            }
        }
    }

    fn env(&self) -> PyResult<&dyn Backend> {
        self.env.as_deref().ok_or_else(|| {
            PyRuntimeError::new_err(format!("{}: the environment is closed", self.game))
        })
    }
}

#[pymethods]
impl NativeEnv {
    /// The spec document (`GET /spec`'s JSON).
    fn spec_json(&mut self, py: Python<'_>) -> PyResult<String> {
        self.run(py, "spec", |env| env.spec_json())
    }

    /// The game's state document (`GET /state`'s JSON).
    fn state_json(&mut self, py: Python<'_>) -> PyResult<String> {
        self.run(py, "state", |env| Ok(env.state_json()))
    }

    /// Resets every arena (reseeding with `seed`, applying `options`, a JSON object) or those in
    /// `arenas`; returns `(observations of obs, rewards, terminated, truncated)`.
    #[pyo3(signature = (seed=None, arenas=None, options=None, obs="vector", out=None))]
    fn reset<'py>(
        &mut self,
        py: Python<'py>,
        seed: Option<u64>,
        arenas: Option<Vec<usize>>,
        options: Option<&str>,
        obs: &str,
        out: Option<Out<'py>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let kind = obs_kind(obs)?;
        let options = options.map(parse_options).transpose()?;
        let request = ResetRequest {
            seed,
            arenas,
            options,
        };
        self.run(py, "reset", move |env| {
            env.reset(request)?;
            env.compute(kind)
        })?;
        results(py, self.env()?, kind, out)
    }

    /// Steps every agent with `actions` (the binary body of `POST /v1/step`: little-endian i32
    /// or f32 values in agent order), resetting the arenas in `reset` instead of stepping them.
    #[pyo3(signature = (actions, reset=None, obs="vector", out=None))]
    fn step<'py>(
        &mut self,
        py: Python<'py>,
        actions: &[u8],
        reset: Option<Vec<usize>>,
        obs: &str,
        out: Option<Out<'py>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let kind = obs_kind(obs)?;
        let reset = reset.unwrap_or_default();
        self.run(py, "step", |env| {
            env.step_binary(actions, &reset)?;
            env.compute(kind)
        })?;
        results(py, self.env()?, kind, out)
    }

    /// The current results, changing nothing.
    #[pyo3(signature = (obs="vector", out=None))]
    fn observe<'py>(
        &mut self,
        py: Python<'py>,
        obs: &str,
        out: Option<Out<'py>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let kind = obs_kind(obs)?;
        self.run(py, "observe", |env| env.compute(kind))?;
        results(py, self.env()?, kind, out)
    }

    /// Every agent's image tiled left to right, as PNG bytes (`GET /visual_observations`).
    fn visual_observations<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let png = self.run(py, "visual_observations", |env| env.tiled_png())?;
        Ok(PyBytes::new(py, &png))
    }

    /// Drops the game's app (idempotent); later calls raise RuntimeError.
    fn close(&mut self) {
        if let Some(env) = self.env.take() {
            // A poisoned world may panic again while dropping: contain it (the memory is lost).
            if contained(move || drop(env)).is_err() {
                self.poisoned
                    .get_or_insert_with(|| "panicked while closing".into());
            }
        }
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.env.is_none()
    }

    /// Why the environment is poisoned (a panic's message), or None.
    #[getter]
    fn poisoned(&self) -> Option<String> {
        self.poisoned.clone()
    }

    /// Panics inside the guarded region, as a bug in a game would: for the tests of what a
    /// panic does (RuntimeError, poisoning). Not for anything else.
    fn _inject_panic(&mut self, py: Python<'_>) -> PyResult<()> {
        self.run(py, "_inject_panic", |_| -> Result<(), EnvError> {
            panic!("a panic injected by a test")
        })
    }

    fn __reduce__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err(
            "a NativeEnv cannot be pickled (it owns a running game); pickle the bevy_gym \
             environment around it, which rebuilds its own from its settings",
        ))
    }
}

fn obs_kind(obs: &str) -> PyResult<ObsKind> {
    ObsKind::parse(obs).map_err(|e| PyValueError::new_err((e.code(), e.to_string())))
}

fn parse_options(text: &str) -> PyResult<Map<String, Value>> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(PyValueError::new_err((
            "invalid_query",
            format!("options {text:?}: expected a JSON object of option names to values"),
        ))),
    }
}
