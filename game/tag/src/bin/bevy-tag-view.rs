//! `bevy-tag-view`: the tag game in a 3D window (see `bevy_gym_tag::view`).

use bevy_gym_tag::Tag;
use bevy_gym_tag::view::{ABOUT, NAME};

fn main() -> bevy::app::AppExit {
    bevy_gym_view::window::run::<Tag>(NAME, ABOUT, bevy_gym_tag::app)
}
