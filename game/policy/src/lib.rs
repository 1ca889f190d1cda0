//! `bevy_gym_policy`: a trained policy inside the game, in pure Rust. It reads the
//! `policy.safetensors` that bevy_gym's training scripts save (format `bevy_gym.policy`,
//! docs/policy_in_game.md), checks it against the game's spaces, and computes the deterministic
//! action (greedy for DQN, the mean action for SAC) for many agents in one batch with a
//! hand-written forward pass.
//!
//! In a game binary, flatten [`PolicyArgs`] into the CLI and end `main` with [`run`]:
//! `--policy FILE --episodes N` evaluates headless and prints one JSON line; `--policy FILE`
//! alone serves with the policy driving `--policy-agents` (a [`PolicyDriver`] on the server's
//! in-process driver hook). In your own Bevy game, [`Policy`] is an ordinary resource: a system
//! feeds it observations and applies its actions.
//!
//! A pixel policy (format version 2, `algos/sac_pixels.py`) starts with convolutions on a stack of
//! the game's own images; each agent's stack is kept inside the game ([`FrameStacks`]).
//!
//! Modules depend one way: `error`, `space`, `mlp` → `conv` → `network`, `frames` → `format` →
//! `policy` → `team` → `driver`, `evaluate` → `run`.

mod conv;
mod driver;
mod error;
mod evaluate;
pub mod format;
mod frames;
mod mlp;
mod network;
mod policy;
mod run;
mod space;
mod team;

pub use conv::{Conv2d, LayerNorm, MapShape};
pub use driver::PolicyDriver;
pub use error::PolicyError;
pub use evaluate::{Episode, Summary, evaluate};
pub use format::{FORMAT, FORMAT_VERSION, Head, Metadata, TestSet};
pub use frames::{FrameStacks, ImageInput};
pub use mlp::{Activation, Dense};
pub use network::{Layer, Network, Shape};
pub use policy::{Policy, argmax_of};
pub use run::{PolicyArgs, image_options, load_for, parse_cli, run};
pub use team::{Team, role_agents};
