//! A step's results as numpy arrays, in one copy from the environment's own buffers: into fresh
//! arrays (the default; a Gymnasium vector env's `copy=True`) or into arrays the caller
//! preallocated and reuses every step (no allocation; `copy=False`).

use numpy::{PyArray1, PyArrayDyn, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use bevy_gym_server::protocol::ObsKind;

use crate::backend::Backend;

/// The caller's arrays: observations (float32 vector slots or uint8 images, any shape of the
/// right size, C-contiguous), rewards (float32), terminated and truncated (bool), one per agent.
pub type Out<'py> = (
    Option<Bound<'py, PyAny>>,
    Bound<'py, PyArray1<f32>>,
    Bound<'py, PyArray1<bool>>,
    Bound<'py, PyArray1<bool>>,
);

/// `(observations or None, rewards, terminated, truncated)` of the last step or reset.
pub fn results<'py>(
    py: Python<'py>,
    env: &dyn Backend,
    kind: ObsKind,
    out: Option<Out<'py>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let Some((obs_out, rewards, terminated, truncated)) = out else {
        let observations = match kind {
            ObsKind::None => py.None().into_bound(py),
            ObsKind::Vector => fresh(py, env.observed(), &[env.num_agents(), env.stride()])?,
            ObsKind::Pixels => {
                let image = env.image();
                let dims = [env.num_agents(), image.height, image.width, image.channels];
                fresh(py, env.rendered(), &dims)?
            }
        };
        return PyTuple::new(
            py,
            [
                observations,
                PyArray1::from_slice(py, env.rewards()).into_any(),
                PyArray1::from_slice(py, env.terminated()).into_any(),
                PyArray1::from_slice(py, env.truncated()).into_any(),
            ],
        );
    };
    fill(&rewards, env.rewards(), "rewards")?;
    fill(&terminated, env.terminated(), "terminated")?;
    fill(&truncated, env.truncated(), "truncated")?;
    let observations = match (kind, obs_out) {
        (ObsKind::None, _) => py.None().into_bound(py),
        (ObsKind::Vector, Some(array)) => {
            fill(
                array.cast::<PyArrayDyn<f32>>()?,
                env.observed(),
                "observations",
            )?;
            array
        }
        (ObsKind::Pixels, Some(array)) => {
            fill(
                array.cast::<PyArrayDyn<u8>>()?,
                env.rendered(),
                "observations",
            )?;
            array
        }
        (_, None) => {
            return Err(PyValueError::new_err(
                "out has no observation array; expected one for obs='vector' or 'pixels'",
            ));
        }
    };
    PyTuple::new(
        py,
        [
            observations,
            rewards.into_any(),
            terminated.into_any(),
            truncated.into_any(),
        ],
    )
}

/// A new array of shape `dims` holding `values`.
fn fresh<'py, T: numpy::Element + Copy>(
    py: Python<'py>,
    values: &[T],
    dims: &[usize],
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: every element is written below, before Python can see the array.
    let array = unsafe { PyArrayDyn::<T>::new(py, dims, false) };
    fill(&array, values, "observations")?;
    Ok(array.into_any())
}

/// Copies `values` into `array`, which must be C-contiguous and of the same length.
fn fill<T: numpy::Element + Copy, D: numpy::ndarray::Dimension>(
    array: &Bound<'_, numpy::PyArray<T, D>>,
    values: &[T],
    what: &str,
) -> PyResult<()> {
    let mut view = array
        .try_readwrite()
        .map_err(|e| PyValueError::new_err(format!("{what}: cannot write the array ({e})")))?;
    let slice = view
        .as_slice_mut()
        .map_err(|_| PyValueError::new_err(format!("{what}: expected a C-contiguous array")))?;
    if slice.len() != values.len() {
        return Err(PyValueError::new_err(format!(
            "{what}: array of {} elements; expected {}",
            slice.len(),
            values.len()
        )));
    }
    slice.copy_from_slice(values);
    Ok(())
}
