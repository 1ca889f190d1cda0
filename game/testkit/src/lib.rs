//! Test support shared by the game crates' tests and benchmarks: a real server binary started on
//! a free port and driven over raw HTTP/1.1 ([`http`]), in-process environments built from a
//! game's command line and the trajectories determinism tests compare ([`in_process`]), a
//! deterministic action picker independent of the games' random streams ([`Actions`]), a
//! minimal game for tests that need a game but not a real one's rules ([`walker`]), and the
//! check that keeps docs' snippets equal to the code they show ([`snippets`]), policy files
//! written in code ([`policy_file`]), and what the benchmarks share ([`bench`]). Not published.

use std::path::{Path, PathBuf};

mod actions;
pub mod bench;
pub mod http;
pub mod in_process;
pub mod policy_file;
pub mod snippets;
pub mod walker;

pub use actions::Actions;
pub use http::{
    Connection, Reply, Server, encode, raw_request, refused_start, spawn_announcing, step_target,
};
pub use in_process::{default_mismatches, env, trajectory};

/// A committed policy file of the policy crate's tests (written by
/// algos/make_policy_fixtures.py): `dqn_tiny` (72 observations → Discrete(5)) or `sac_tiny`
/// (72 observations → Box [3] in [-1, 1]), both trained on dodge.
pub fn policy_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../policy/tests/fixtures")
        .join(format!("{name}.safetensors"))
}
