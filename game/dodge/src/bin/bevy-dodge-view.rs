//! `bevy-dodge-view`: the dodge game in a 3D window (see `bevy_gym_dodge::view`).

fn main() -> bevy::app::AppExit {
    let (settings, serve, view) =
        bevy_gym_dodge::view::parse_from(std::env::args_os()).unwrap_or_else(|e| e.exit());
    bevy_gym_dodge::view::run(settings, serve, view)
}
