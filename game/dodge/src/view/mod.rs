//! `bevy-dodge-view` (cargo feature `viewer`): the dodge game in a 3D window, to watch and play,
//! on `bevy_gym_view`'s window. All that is dodge's own is its [`scene`] (ground, play zones,
//! players, projectiles with their shadows, the thrower and its aim) and the HUD's words about
//! the level and the next throw; the simulation thread, the modes, the camera, the HUD, the
//! keyboard and the captures are the view crate's.

pub mod scene;

use bevy::prelude::*;
use bevy_gym_view::scene::{Draw, Scene, layout};

use crate::Dodge;
use crate::arena::{SPAWN_DISTANCE, TICK_SECONDS, VIEW_SIZE};
use crate::live::DodgeFrame;

/// The binary's name and what `--help` says about it.
pub const NAME: &str = "bevy-dodge-view";
pub const ABOUT: &str = "Dodge in a 3D window: serve it over HTTP as bevy-dodge does and watch \
the clients play (the default), play it (--play), watch a trained policy (--policy FILE) or \
random actions (--demo). Needs a display (DISPLAY) and a Vulkan driver.";

/// Simulation (X right, Y towards the thrower, Z up) to Bevy (X right, Y up, Z towards the
/// camera): the thrower stands at the far side of the arena.
pub fn to_bevy(p: Vec3) -> Vec3 {
    Vec3::new(p.x, p.z, -p.y)
}

impl Scene for Dodge {
    // Wide enough for throws from the arc.
    const ARENA_SPACING: Vec2 = Vec2::new(44.0, 36.0);
    // The middle of what an arena shows: play zone to thrower.
    const ARENA_FOCUS: Vec3 = Vec3::new(0.0, 0.0, -SPAWN_DISTANCE / 2.0 + 3.0);
    const FRAMING_DISTANCE: f32 = 34.0;

    fn build(app: &mut App) {
        app.add_systems(Startup, scene::setup).add_systems(
            Update,
            (
                scene::sync_players,
                scene::sync_projectiles,
                scene::sync_throwers,
                scene::draw_lines,
            )
                .chain()
                .in_set(Draw),
        );
    }

    /// The agents' camera looks as the raster image does: straight down on the play zone, the
    /// thrower's side up, `VIEW_SIZE` units across (a 45° field of view from this height).
    fn sensor_transform(arena: usize, num_arenas: usize) -> Transform {
        let centre = layout::arena_origin::<Self>(arena, num_arenas);
        let height = VIEW_SIZE / 2.0 / std::f32::consts::FRAC_PI_8.tan();
        Transform::from_translation(centre + Vec3::Y * height).looking_to(Vec3::NEG_Y, Vec3::NEG_Z)
    }

    fn status(frame: &DodgeFrame) -> String {
        format!("level {}", frame.level)
    }

    fn arena_status(frame: &DodgeFrame, arena: usize) -> String {
        frame.arenas.get(arena).map_or_else(String::new, |a| {
            format!(
                "next throw {:.1} s",
                a.next_throw_ticks as f32 * TICK_SECONDS
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulation_coordinates_turn_into_bevy_ones() {
        assert_eq!(to_bevy(Vec3::new(1.0, 2.0, 3.0)), Vec3::new(1.0, 3.0, -2.0));
    }
}
