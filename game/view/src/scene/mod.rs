//! A game's 3D scene, apart from any window (cargo feature `scene`): the [`Scene`] a game
//! implements (its visuals, spawned once and updated from the [`Shown`] frame in the [`Draw`]
//! set), where arenas sit ([`layout`]), and the camera sensor that renders the same scene for
//! agents with no window ([`sensor`]). The window (feature `window`) draws it for people.

pub mod layout;
pub mod sensor;

use std::sync::Arc;
use std::sync::mpsc::Sender;

use bevy::prelude::*;
use bevy_gym_server::Layout;

use crate::LiveGame;
use crate::drivers::Pad;
use crate::feed::Frame;
use crate::sim::Request;

/// The scene's background where nothing is drawn, in the window and in the camera sensor.
pub const CLEAR_COLOUR: Color = Color::srgb(0.08, 0.09, 0.12);

/// A game's look in the window: the visuals it adds, and where the camera looks.
pub trait Scene: LiveGame + Sized {
    /// Distance between neighbouring arenas' origins on the grid: across (X) and in depth (Z).
    const ARENA_SPACING: Vec2;
    /// The point of an arena the camera looks at, from the arena's origin.
    const ARENA_FOCUS: Vec3 = Vec3::ZERO;
    /// The camera distance that frames one arena.
    const FRAMING_DISTANCE: f32;
    /// The camera's angle below the horizon (radians, negative; -π/2 looks straight down).
    const CAMERA_PITCH: f32 = -0.95;

    /// Adds the game's visuals to the window's app: systems that spawn them (in `Startup`;
    /// [`ViewConfig`] holds the layout, [`layout::arena_origin`] places each arena) and update
    /// them from `Res<Shown<Self>>` (in `Update`, in the [`Draw`] set, so frame N shows step N).
    fn build(app: &mut App);

    /// Where arena `arena`'s camera sensor looks from (the `sensor` module): by default as the
    /// window frames one arena, from [`Self::CAMERA_PITCH`] at [`Self::FRAMING_DISTANCE`].
    fn sensor_transform(arena: usize, num_arenas: usize) -> Transform {
        let focus = layout::arena_centre::<Self>(arena, num_arenas);
        // The rotation that looks at `focus` from there (as `looking_at` with Y up would,
        // except that it also holds straight down).
        let turn = Quat::from_rotation_x(Self::CAMERA_PITCH);
        Transform::from_translation(focus + turn * Vec3::Z * Self::FRAMING_DISTANCE)
            .with_rotation(turn)
    }

    /// The HUD's words about the game as a whole (e.g. "level 2"); none by default.
    fn status(_frame: &Self::Frame) -> String {
        String::new()
    }

    /// The HUD's words about one arena (e.g. "next throw 0.4 s"); none by default.
    fn arena_status(_frame: &Self::Frame, _arena: usize) -> String {
        String::new()
    }
}

/// The systems that draw the shown frame: they run after it is taken and before the HUD and the
/// captures.
#[derive(SystemSet, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Draw;

/// The frame on screen and its version.
#[derive(Resource)]
pub struct Shown<G: LiveGame> {
    pub frame: Frame<G::Frame>,
    pub version: u64,
}

impl<G: LiveGame> Default for Shown<G> {
    fn default() -> Self {
        Self {
            frame: Frame::default(),
            version: 0,
        }
    }
}

/// What the window's systems need to know about this run.
#[derive(Resource)]
pub struct ViewConfig {
    /// The binary's name, for messages.
    pub name: &'static str,
    pub layout: Layout,
    /// What drives the agents, for the HUD.
    pub describe: String,
    /// The keys line of the HUD.
    pub keys: &'static str,
    /// The human's keys (`--play`).
    pub play: Option<Arc<Pad>>,
    /// Requests to the simulation (absent in serve mode: there the clients reset).
    pub requests: Option<Sender<Request>>,
}
