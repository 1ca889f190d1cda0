//! The camera sensor (cargo feature `camera`): agents' images rendered by the game's own Bevy
//! cameras, in lockstep and with no window, written into the same pixel buffer the raster path
//! ([`GymGame::render`](crate::GymGame::render)) fills, so every route that serves pixels is
//! unchanged.
//!
//! A game adds [`CameraSensorPlugin`] (Bevy's render plugins, no window) and its 3D scene, and
//! marks cameras with [`SensorCamera`]: one per agent, or one per arena whose image every agent
//! of the arena gets. When the environment is asked for pixels after a step, it sizes the
//! cameras' targets to the game's [`ImageSpec`], runs the main schedule once (the scene's own
//! systems, transform propagation, visibility) and the render sub-app once, and a render-world
//! system copies every target into one buffer and waits for it ([`readback`]): the image shows
//! the state after the step, with no frame of lag. Nothing is rendered when no one asks for
//! pixels.

mod readback;

use std::time::{Duration, Instant};

use bevy::app::{PluginsState, TaskPoolPlugin};
use bevy::asset::{AssetPlugin, RenderAssetUsages};
use bevy::camera::{CameraPlugin, RenderTarget};
use bevy::core_pipeline::CorePipelinePlugin;
use bevy::diagnostic::FrameCountPlugin;
use bevy::image::ImagePlugin;
use bevy::light::LightPlugin;
use bevy::mesh::MeshPlugin;
use bevy::pbr::PbrPlugin;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::render::render_resource::{TextureFormat, TextureUsages};
use bevy::time::TimePlugin;
use bevy::transform::TransformPlugin;
use bevy::window::{ExitCondition, WindowPlugin};

use crate::error::EnvError;
use crate::raster::Rgb;
use crate::spec::{ImageSpec, Layout};

use readback::{Readback, Request};

/// Longest a warm-up may take (shaders compile on the first frames) before the start fails.
const WARM_UP_LIMIT: Duration = Duration::from_secs(120);
/// How long the warm-up waits for a flat first frame to show something.
const BLANK_GRACE: Duration = Duration::from_secs(10);

/// What a [`SensorCamera`] sees for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SensorView {
    /// Agent `i`'s own image.
    Agent(usize),
    /// The image of arena `a`, given to each of its agents that has no camera of its own.
    Arena(usize),
}

/// Makes a camera an agent's (or an arena's) sensor. The sensor gives it its render target, sized
/// to the game's image; give it a `Camera3d`, a `Transform` and, for exact colours,
/// `Tonemapping::None`, no dithering and `Msaa::Off` (what [`sensor_camera`] bundles).
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SensorCamera(pub SensorView);

/// The components of a sensor camera for `view`, placed at `transform`: no multisampling, no
/// tonemapping and no dithering, so a flat colour renders as itself.
pub fn sensor_camera(view: SensorView, transform: Transform) -> impl Bundle {
    (
        SensorCamera(view),
        Camera3d::default(),
        bevy::render::view::Msaa::Off,
        bevy::core_pipeline::tonemapping::Tonemapping::None,
        bevy::core_pipeline::tonemapping::DebandDither::Disabled,
        transform,
    )
}

/// The render target a sensor camera was given, and its size.
#[derive(Component)]
struct SensorTarget {
    image: Handle<Image>,
    width: u32,
    height: u32,
}

/// Present in the main world while the camera sensor is on; `failed` holds why the renderer
/// could not start (the environment refuses to start with it).
#[derive(Resource, Default)]
pub struct CameraSensor {
    failed: Option<String>,
    warmed_up: bool,
}

/// Bevy's rendering without a window (render, core pipeline, PBR, and the plugins they need),
/// and the sensor's readback. Add it to the game's app before its scene; when no graphics
/// adapter can be found it adds nothing but the reason, and the environment refuses to start
/// with that reason instead of Bevy panicking.
pub struct CameraSensorPlugin;

impl Plugin for CameraSensorPlugin {
    fn build(&self, app: &mut App) {
        if let Err(why) = probe_adapter() {
            app.insert_resource(CameraSensor {
                failed: Some(why),
                ..default()
            });
            return;
        }
        app.add_plugins((
            TaskPoolPlugin::default(),
            FrameCountPlugin,
            TimePlugin,
            TransformPlugin,
            WindowPlugin {
                primary_window: None,
                exit_condition: ExitCondition::DontExit,
                ..default()
            },
            AssetPlugin::default(),
            RenderPlugin {
                synchronous_pipeline_compilation: true,
                ..default()
            },
            ImagePlugin::default_nearest(),
            MeshPlugin,
            CameraPlugin,
            LightPlugin,
            CorePipelinePlugin,
            PbrPlugin::default(),
        ));
        app.insert_resource(CameraSensor::default());
        readback::build(app);
    }
}

/// The first graphics adapter wgpu finds, by name; or why there is none, naming what to install.
pub fn probe_adapter() -> Result<String, String> {
    use bevy::render::render_resource::WgpuAdapterInfo;
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter =
        bevy::tasks::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default()));
    match adapter {
        Ok(adapter) => {
            let info: WgpuAdapterInfo = adapter.get_info();
            Ok(format!(
                "{} ({:?}, {})",
                info.name, info.backend, info.driver_info
            ))
        }
        Err(e) => Err(format!(
            "the camera sensor found no graphics adapter ({e}); expected a Vulkan driver: on \
             Debian/Ubuntu install the packages libvulkan1 and mesa-vulkan-drivers (`make \
             viewer-deps`), which render on the CPU with no GPU and no display"
        )),
    }
}

/// Whether the camera sensor supplies this app's images.
pub(crate) fn is_on(world: &World) -> bool {
    world.contains_resource::<CameraSensor>()
}

/// Finishes the app's plugins (rendering needs `finish`), then refuses to go on if the renderer
/// could not start.
pub(crate) fn start(app: &mut App) -> Result<(), EnvError> {
    if let Some(why) = app
        .world()
        .get_resource::<CameraSensor>()
        .and_then(|s| s.failed.clone())
    {
        return Err(EnvError::InvalidOptions(why));
    }
    let started = Instant::now();
    while app.plugins_state() == PluginsState::Adding {
        if started.elapsed() > WARM_UP_LIMIT {
            return Err(EnvError::Internal(
                "the renderer did not start within 120 s".into(),
            ));
        }
        bevy::tasks::tick_global_task_pools_on_main_thread();
    }
    Ok(())
}

/// Renders every sensor camera once and writes each agent's image into `out` (agent-major,
/// H×W×C). The first call warms up: it renders until every pipeline is compiled and the images
/// stop changing from blank, so no observation is ever an empty frame.
pub(crate) fn capture(
    app: &mut App,
    image: ImageSpec,
    layout: &Layout,
    out: &mut [u8],
) -> Result<(), EnvError> {
    let views = size_targets(app.world_mut(), image)?;
    let warmed_up = app.world().resource::<CameraSensor>().warmed_up;
    let rgba = if warmed_up {
        render(app, &views)?
            .ok_or_else(|| EnvError::Internal("the camera sensor's render drew no frame".into()))?
    } else {
        let rgba = warm_up(app, &views)?;
        app.world_mut().resource_mut::<CameraSensor>().warmed_up = true;
        rgba
    };
    write_agents(&views, &rgba, image, layout, out)
}

/// Renders until the pipeline cache has nothing waiting and two frames in a row agree, then
/// returns the last: shaders load and compile during the first updates, and a frame rendered
/// before they are ready is blank or partly drawn. A frame of one flat colour per camera counts
/// as not drawn yet for [`BLANK_GRACE`] (a scene may truly show nothing).
fn warm_up(app: &mut App, views: &[SensorView]) -> Result<Vec<u8>, EnvError> {
    let started = Instant::now();
    let mut previous: Option<Vec<u8>> = None;
    loop {
        let rgba = render(app, views)?;
        let waiting = readback::pipelines_waiting(app);
        if let Some(rgba) = rgba {
            let drawn = !is_blank(&rgba, views.len()) || started.elapsed() > BLANK_GRACE;
            if waiting == 0 && drawn && previous.as_ref() == Some(&rgba) {
                return Ok(rgba);
            }
            previous = Some(rgba);
        }
        if started.elapsed() > WARM_UP_LIMIT {
            return Err(EnvError::Internal(format!(
                "the camera sensor's first frame did not settle within {} s ({waiting} pipelines \
                 still compiling)",
                WARM_UP_LIMIT.as_secs()
            )));
        }
    }
}

/// Whether every camera's image is one flat colour.
fn is_blank(rgba: &[u8], cameras: usize) -> bool {
    rgba.chunks_exact(rgba.len() / cameras.max(1))
        .all(|image| image.chunks_exact(4).all(|p| p == &image[..4]))
}

/// Gives every sensor camera a target of the image's size (a new one when the size changed) and
/// returns the cameras' views in render order (sorted).
fn size_targets(world: &mut World, image: ImageSpec) -> Result<Vec<SensorView>, EnvError> {
    let (width, height) = (image.width as u32, image.height as u32);
    let mut cameras: Vec<(SensorView, Entity, bool)> = world
        .query::<(Entity, &SensorCamera, Option<&SensorTarget>)>()
        .iter(world)
        .map(|(entity, camera, target)| {
            let fits = target.is_some_and(|t| t.width == width && t.height == height);
            (camera.0, entity, fits)
        })
        .collect();
    cameras.sort_unstable_by_key(|(view, ..)| *view);
    if cameras.is_empty() {
        return Err(EnvError::Internal(
            "the camera sensor has no cameras; expected the game to spawn one with \
             `SensorCamera` per agent or arena"
                .into(),
        ));
    }
    if let Some(pair) = cameras.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(EnvError::Internal(format!(
            "two sensor cameras see for {:?}; expected one camera per agent or arena",
            pair[0].0
        )));
    }
    for &(_, entity, fits) in &cameras {
        if fits {
            continue;
        }
        let mut target =
            Image::new_target_texture(width, height, TextureFormat::Rgba8UnormSrgb, None);
        target.texture_descriptor.usage |= TextureUsages::COPY_SRC;
        target.asset_usage = RenderAssetUsages::RENDER_WORLD;
        let handle = world.resource_mut::<Assets<Image>>().add(target);
        world.entity_mut(entity).insert((
            RenderTarget::Image(handle.clone().into()),
            SensorTarget {
                image: handle,
                width,
                height,
            },
        ));
    }
    let request = Request {
        targets: cameras
            .iter()
            .map(|&(_, entity, _)| {
                world
                    .get::<SensorTarget>(entity)
                    .map(|t| t.image.id())
                    .expect("just given a target")
            })
            .collect(),
        width,
        height,
    };
    world.resource::<Readback>().set_request(request);
    Ok(cameras.into_iter().map(|(view, ..)| view).collect())
}

/// One main-schedule update (the scene follows the state; transforms and visibility) and one
/// render; returns every camera's RGBA image, in `views` order, rows unpadded, or `None` when
/// the renderer drew nothing (not ready yet).
fn render(app: &mut App, views: &[SensorView]) -> Result<Option<Vec<u8>>, EnvError> {
    app.update();
    let readback = app.world().resource::<Readback>();
    let Some(frame) = readback.take().map_err(EnvError::Internal)? else {
        return Ok(None);
    };
    let request = readback.request();
    let expected = views.len() * request.width as usize * request.height as usize * 4;
    if frame.len() != expected {
        return Err(EnvError::Internal(format!(
            "the camera sensor read {} bytes; expected {expected} ({} cameras)",
            frame.len(),
            views.len()
        )));
    }
    Ok(Some(frame))
}

/// Each agent's image from its own camera, else from its arena's, converted to the image spec's
/// channels (RGB, or ITU-R 601 luma as the raster path computes it).
fn write_agents(
    views: &[SensorView],
    rgba: &[u8],
    image: ImageSpec,
    layout: &Layout,
    out: &mut [u8],
) -> Result<(), EnvError> {
    let pixels = image.width * image.height;
    for agent in 0..layout.num_agents {
        let source = views
            .binary_search(&SensorView::Agent(agent))
            .or_else(|_| views.binary_search(&SensorView::Arena(layout.arena_of(agent))))
            .map_err(|_| {
                EnvError::Internal(format!(
                    "agent_{agent} has no sensor camera; expected one for the agent or for \
                     arena {}",
                    layout.arena_of(agent)
                ))
            })?;
        let src = &rgba[source * pixels * 4..(source + 1) * pixels * 4];
        let dst = &mut out[agent * image.bytes()..(agent + 1) * image.bytes()];
        convert(src, image.channels, dst);
    }
    Ok(())
}

/// RGBA pixels to `channels` per pixel: 4 as they are, 3 without alpha, 1 as luma.
fn convert(rgba: &[u8], channels: usize, out: &mut [u8]) {
    match channels {
        4 => out.copy_from_slice(rgba),
        3 => {
            for (src, dst) in rgba.chunks_exact(4).zip(out.chunks_exact_mut(3)) {
                dst.copy_from_slice(&src[..3]);
            }
        }
        _ => {
            for (src, dst) in rgba.chunks_exact(4).zip(out.iter_mut()) {
                *dst = Rgb(src[0], src[1], src[2]).luma();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgba_converts_to_each_channel_count() {
        let rgba = [255, 50, 50, 255, 30, 30, 40, 255];
        let mut rgb = [0; 6];
        convert(&rgba, 3, &mut rgb);
        assert_eq!(rgb, [255, 50, 50, 30, 30, 40]);
        let mut grey = [0; 2];
        convert(&rgba, 1, &mut grey);
        assert_eq!(grey, [111, 31]);
    }

    #[test]
    fn agents_take_their_own_camera_before_their_arena_s() {
        let layout = Layout::grouped(4, 2);
        let views = [
            SensorView::Agent(1),
            SensorView::Arena(0),
            SensorView::Arena(1),
        ];
        let image = ImageSpec {
            channels: 1,
            height: 1,
            width: 1,
        };
        // Camera k's single pixel has red k·10.
        let rgba: Vec<u8> = (0..3).flat_map(|k| [k * 10, 0, 0, 255]).collect();
        let mut out = [0; 4];
        write_agents(&views, &rgba, image, &layout, &mut out).unwrap();
        let luma = |r: u8| Rgb(r, 0, 0).luma();
        assert_eq!(out, [luma(10), luma(0), luma(20), luma(20)]);
    }
}
