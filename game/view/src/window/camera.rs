//! The camera: frames every arena (or one, chosen with Tab) and orbits and zooms with the mouse
//! (left drag, wheel) or the keyboard (arrows when no one plays, PageUp/PageDown).

use std::marker::PhantomData;

use bevy::core_pipeline::tonemapping::Tonemapping;
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll};
use bevy::prelude::*;

use super::layout::{arena_centre, framing_distance};
use super::{Scene, ViewConfig};

/// Where the camera looks from: around `focus`, at `distance`, turned by `yaw` and `pitch`.
#[derive(Resource)]
pub struct Orbit<G: Scene> {
    pub focus: Vec3,
    pub yaw: f32,
    pub pitch: f32,
    pub distance: f32,
    /// The arena framed alone, or `None` for all of them.
    pub arena: Option<usize>,
    _game: PhantomData<G>,
}

impl<G: Scene> Orbit<G> {
    /// Frames `arena` (or every arena) from the scene's default angle.
    pub fn framing(arena: Option<usize>, num_arenas: usize) -> Self {
        let (focus, distance) = match arena {
            Some(a) => (arena_centre::<G>(a, num_arenas), framing_distance::<G>(1)),
            None => (
                (arena_centre::<G>(0, num_arenas) + arena_centre::<G>(num_arenas - 1, num_arenas))
                    / 2.0,
                framing_distance::<G>(num_arenas),
            ),
        };
        Self {
            focus,
            yaw: 0.0,
            pitch: G::CAMERA_PITCH,
            distance,
            arena,
            _game: PhantomData,
        }
    }

    fn transform(&self) -> Transform {
        let turn = Quat::from_euler(EulerRot::YXZ, self.yaw, self.pitch, 0.0);
        Transform::from_translation(self.focus + turn * Vec3::Z * self.distance)
            .looking_at(self.focus, Vec3::Y)
    }
}

pub fn spawn_camera<G: Scene>(mut commands: Commands, config: Res<ViewConfig>) {
    let orbit = Orbit::<G>::framing(None, config.layout.num_arenas());
    // No tonemapping: colours stay as set (and no lookup tables need to be compiled in).
    commands.spawn((Camera3d::default(), Tonemapping::None, orbit.transform()));
    commands.insert_resource(orbit);
}

/// Mouse and keys move the orbit; Tab cycles the framed arena.
pub fn steer<G: Scene>(
    mut orbit: ResMut<Orbit<G>>,
    config: Res<ViewConfig>,
    keys: Res<ButtonInput<KeyCode>>,
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    time: Res<Time>,
) {
    let arenas = config.layout.num_arenas();
    if keys.just_pressed(KeyCode::Tab) {
        let next = match orbit.arena {
            None => Some(0),
            Some(a) if a + 1 < arenas => Some(a + 1),
            Some(_) => None,
        };
        *orbit = Orbit::framing(next, arenas);
    }
    let dt = time.delta_secs();
    if buttons.pressed(MouseButton::Left) {
        orbit.yaw -= motion.delta.x * 0.005;
        orbit.pitch -= motion.delta.y * 0.005;
    }
    if config.play.is_none() {
        let axis = |plus: KeyCode, minus: KeyCode| {
            f32::from(u8::from(keys.pressed(plus))) - f32::from(u8::from(keys.pressed(minus)))
        };
        orbit.yaw += axis(KeyCode::ArrowLeft, KeyCode::ArrowRight) * dt * 1.2;
        orbit.pitch += axis(KeyCode::ArrowUp, KeyCode::ArrowDown) * dt * 0.8;
    }
    let zoom = scroll.delta.y * 0.1 + f32::from(u8::from(keys.pressed(KeyCode::PageUp))) * dt
        - f32::from(u8::from(keys.pressed(KeyCode::PageDown))) * dt;
    orbit.distance = (orbit.distance * (1.0 - zoom)).clamp(5.0, 600.0);
    orbit.pitch = orbit.pitch.clamp(-1.5, -0.05);
}

pub fn place_camera<G: Scene>(
    orbit: Res<Orbit<G>>,
    mut camera: Single<&mut Transform, With<Camera3d>>,
) {
    if orbit.is_changed() {
        **camera = orbit.transform();
    }
}
