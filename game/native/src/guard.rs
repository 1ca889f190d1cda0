//! Running the game's code from Python: a panic is caught and returned as its message (never
//! unwinding into the interpreter), and the GIL is released while the game computes.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::Python;

/// Runs `work`, with the GIL released when `release_gil` is set (other Python threads run
/// meanwhile); a panic inside it comes back as `Err(message)`.
pub fn guarded<T>(
    py: Python<'_>,
    release_gil: bool,
    work: impl FnOnce() -> T,
) -> Result<T, String> {
    let caught =
        move || catch_unwind(AssertUnwindSafe(work)).map_err(|p| panic_message(p.as_ref()));
    if release_gil {
        // The closure runs on this very thread (detach only lets other Python threads run
        // meanwhile), so a `!Send` app never changes threads.
        let job = SameThread(caught);
        py.detach(move || SameThread(job.run())).0
    } else {
        caught()
    }
}

/// Runs `work`, a panic inside it coming back as `Err(message)` (dropping a poisoned world, say).
pub fn contained(work: impl FnOnce()) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(work)).map_err(|p| panic_message(p.as_ref()))
}

/// Moves a value into `Python::detach`'s closure, which needs `Send`. Sound because detach runs
/// the closure on the calling thread: nothing crosses threads.
struct SameThread<T>(T);

// SAFETY: see the type's docs; the value is created, used and dropped on one thread.
unsafe impl<T> Send for SameThread<T> {}

impl<T, F: FnOnce() -> T> SameThread<F> {
    fn run(self) -> T {
        (self.0)()
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_string()
    }
}
