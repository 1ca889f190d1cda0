//! Process lifetime: stop serving on SIGINT/SIGTERM and, when asked, when the parent goes away.

use std::io::Read;
use std::sync::mpsc::Sender;
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::error::StartError;
use crate::http::Incoming;

/// How often the parent process id is checked when watching the parent.
const PARENT_POLL: Duration = Duration::from_millis(200);

/// Sends a stop to the simulation thread when a stop is requested. Call before announcing the
/// address, so that a launcher's early signal is never lost.
pub fn install_stop_watchers(
    to_sim: &Sender<Incoming>,
    exit_with_parent: bool,
) -> Result<(), StartError> {
    let mut signals = Signals::new([SIGINT, SIGTERM]).map_err(StartError::io("watch signals"))?;
    let on_signal = to_sim.clone();
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let _ = on_signal.send(Incoming::Stop(if signal == SIGINT {
                "SIGINT"
            } else {
                "SIGTERM"
            }));
        }
    });
    if exit_with_parent {
        let on_eof = to_sim.clone();
        std::thread::spawn(move || {
            // Reads until the launcher's end of the pipe closes, which happens when it dies.
            let mut sink = [0u8; 256];
            let mut stdin = std::io::stdin();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
            let _ = on_eof.send(Incoming::Stop("stdin closed"));
        });
        let on_orphan = to_sim.clone();
        let parent = std::os::unix::process::parent_id();
        std::thread::spawn(move || {
            while std::os::unix::process::parent_id() == parent {
                std::thread::sleep(PARENT_POLL);
            }
            let _ = on_orphan.send(Incoming::Stop("parent process exited"));
        });
    }
    Ok(())
}
