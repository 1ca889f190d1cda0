//! `bevy-dodge`: serve the dodge game as an RL environment until stopped.

use bevy_gym_dodge::{Dodge, cli};
use bevy_gym_server::ServePlugin;

fn main() -> bevy::app::AppExit {
    let (settings, serve) = cli::parse_from(std::env::args_os()).unwrap_or_else(|e| e.exit());
    let mut app = bevy_gym_dodge::app(settings);
    app.add_plugins(ServePlugin::<Dodge>::new(serve));
    app.run()
}
