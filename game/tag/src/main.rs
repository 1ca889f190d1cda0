//! `bevy-tag`: serve the tag game as an RL environment until stopped.

// ANCHOR: main
use bevy_gym_server::ServePlugin;
use bevy_gym_tag::{Tag, cli};

fn main() -> bevy::app::AppExit {
    let (settings, serve) = cli::parse_from(std::env::args_os()).unwrap_or_else(|e| e.exit());
    let mut app = bevy_gym_tag::app(settings);
    app.add_plugins(ServePlugin::<Tag>::new(serve));
    app.run()
}
// ANCHOR_END: main
