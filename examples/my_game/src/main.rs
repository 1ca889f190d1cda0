//! `my-game`: serves the game as an RL environment until stopped (`my-game --help`).

// ANCHOR: main
use bevy::app::AppExit;
use bevy_gym_server::{ServePlugin, parse_cli};
use my_game::MyGame;

const ABOUT: &str = "my_game as a headless, lockstep RL environment server for bevy_gym. \
Prints `http://HOST:PORT` on the first stdout line once listening.";

fn main() -> AppExit {
    let (settings, serve) = parse_cli::<MyGame, _, _>("my-game", ABOUT, std::env::args_os())
        .unwrap_or_else(|e| e.exit());
    let mut app = my_game::app(settings);
    app.add_plugins(ServePlugin::<MyGame>::new(serve));
    app.run()
}
// ANCHOR_END: main
