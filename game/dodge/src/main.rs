//! `bevy-dodge`: serve the dodge game as an RL environment until stopped; with `--policy FILE`,
//! a trained policy drives agents inside the game (`--episodes N` evaluates it headless).

// ANCHOR: main
use bevy_gym_dodge::{Dodge, cli};

fn main() -> bevy::app::AppExit {
    let (settings, serve, policy) =
        cli::parse_with_policy(std::env::args_os()).unwrap_or_else(|e| e.exit());
    bevy_gym_policy::run::<Dodge>(bevy_gym_dodge::app(settings), serve, policy)
}
// ANCHOR_END: main
