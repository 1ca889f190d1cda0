//! What the game crates' benchmarks share: whether `cargo bench` runs them (rather than
//! `cargo test --all-targets`, which runs each once as a smoke test) and how long to measure.

use std::time::Duration;

/// Whether this is a measurement: `cargo bench` passes `--bench`; `cargo test --all-targets`
/// runs a bench target without it, as a smoke run.
pub fn benching() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// How long each case runs: the seconds in the environment variable `variable` if set (`make
/// bench` shortens runs so), else `measure` under `cargo bench` and `smoke` otherwise.
pub fn measure_time(variable: &str, measure: Duration, smoke: Duration) -> Duration {
    std::env::var(variable)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(
            if benching() { measure } else { smoke },
            Duration::from_secs_f64,
        )
}
