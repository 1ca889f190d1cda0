//! The game's scene as its agents' camera sensor: the same [`Scene`] the window draws, added to
//! the simulation's own app with Bevy's renderer and no window (`bevy_gym_server::camera`),
//! with one sensor camera per arena placed by [`Scene::sensor_transform`]. Before each render
//! the frame the scene reads ([`Shown`]) is filled from the world as it is after the step, so
//! agents see exactly the state they act on.

use std::marker::PhantomData;

use bevy::gizmos::GizmoPlugin;
use bevy::gizmos_render::GizmoRenderPlugin;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy_gym_server::camera::{CameraSensorPlugin, SensorView, sensor_camera};
use bevy_gym_server::{AgentIo, ImageSource, SimSettings};

use super::{CLEAR_COLOUR, Draw, Scene, Shown, ViewConfig};
use crate::feed::arena_stats;

/// Adds game `G`'s scene to its simulation app as the agents' camera sensor when the settings
/// ask for it (`--image-source camera`), and nothing otherwise. Add it after the game's
/// `EnvPlugin` (it reads the settings and the layout). When no graphics adapter exists it adds
/// nothing else, and the environment refuses to start, naming the packages to install.
pub struct SensorScene<G: Scene>(PhantomData<G>);

impl<G: Scene> Default for SensorScene<G> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<G: Scene> Plugin for SensorScene<G> {
    fn build(&self, app: &mut App) {
        if app.world().resource::<SimSettings>().image_source != ImageSource::Camera {
            return;
        }
        app.add_plugins(CameraSensorPlugin);
        if !app.is_plugin_added::<RenderPlugin>() {
            return;
        }
        let layout = app.world().resource::<AgentIo>().layout().clone();
        app.add_plugins((GizmoPlugin, GizmoRenderPlugin))
            .insert_resource(ClearColor(CLEAR_COLOUR))
            .insert_resource(ViewConfig {
                name: G::NAME,
                layout,
                describe: String::new(),
                keys: "",
                play: None,
                requests: None,
            })
            .init_resource::<Shown<G>>()
            .add_systems(Startup, spawn_sensor_cameras::<G>)
            .add_systems(PostStartup, no_shadows)
            .add_systems(Update, show_state::<G>.before(Draw));
        G::build(app);
    }
}

fn spawn_sensor_cameras<G: Scene>(mut commands: Commands, config: Res<ViewConfig>) {
    let arenas = config.layout.num_arenas();
    for arena in 0..arenas {
        commands.spawn(sensor_camera(
            SensorView::Arena(arena),
            G::sensor_transform(arena, arenas),
        ));
    }
}

/// Shadow maps are drawn again for every camera (a directional light's cascades per view): on a
/// CPU renderer they cost more than the scene itself, so the sensor's scene has none.
fn no_shadows(mut lights: Query<&mut DirectionalLight>, mut points: Query<&mut PointLight>) {
    for mut light in &mut lights {
        light.shadow_maps_enabled = false;
    }
    for mut light in &mut points {
        light.shadow_maps_enabled = false;
    }
}

/// Fills the frame the scene draws from the world as it is now (after the step).
fn show_state<G: Scene>(world: &mut World) {
    world.resource_scope(|world, mut shown: Mut<Shown<G>>| {
        // What the scene reads of them: who is live (returns and episode counts are the HUD's).
        let arenas = arena_stats::<G>(world, |_| 0.0, |_| 0);
        shown.frame.arenas = arenas;
        shown.frame.step += 1;
        shown.version += 1;
        G::capture(world, &mut shown.frame.game);
    });
}
