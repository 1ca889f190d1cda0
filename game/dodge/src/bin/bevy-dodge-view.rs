//! `bevy-dodge-view`: the dodge game in a 3D window (see `bevy_gym_dodge::view`).

use bevy_gym_dodge::Dodge;
use bevy_gym_dodge::view::{ABOUT, NAME};

fn main() -> bevy::app::AppExit {
    bevy_gym_view::window::run::<Dodge>(NAME, ABOUT, bevy_gym_dodge::app)
}
