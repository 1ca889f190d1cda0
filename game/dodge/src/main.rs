//! `bevy-dodge`: serve the dodge game as an RL environment until stopped.

use clap::Parser;

fn main() -> bevy::app::AppExit {
    let cli = bevy_gym_dodge::cli::Cli::parse();
    bevy_gym_dodge::app(cli.settings()).run()
}
