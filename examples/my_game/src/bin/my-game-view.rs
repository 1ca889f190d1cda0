//! `my-game-view`: the game in a window (`my-game-view --help`; needs `--features viewer`).

// ANCHOR: view_main
use bevy::app::AppExit;
use my_game::MyGame;

const ABOUT: &str = "my_game in a window: serve it as my-game does and watch the clients play \
(the default), play it (--play), watch a policy (--policy FILE) or random actions (--demo).";

fn main() -> AppExit {
    bevy_gym_view::window::run::<MyGame>("my-game-view", ABOUT, my_game::app)
}
// ANCHOR_END: view_main
