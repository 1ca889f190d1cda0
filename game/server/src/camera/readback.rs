//! The render-world half of the camera sensor: after the frame's render pass, one command
//! encoder copies every sensor target into one mappable buffer (rows padded to wgpu's 256-byte
//! alignment), one submit, one wait; the rows are unpadded into the frame the main world takes.
//! Bevy's own `Readback` component arrives a frame or two late, which lockstep cannot use.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bevy::prelude::*;
use bevy::render::render_asset::RenderAssets;
use bevy::render::render_resource::{
    Buffer, BufferDescriptor, BufferUsages, CommandEncoderDescriptor, Extent3d, MapMode,
    PipelineCache, PollType, TexelCopyBufferInfo, TexelCopyBufferLayout,
};
use bevy::render::renderer::{RenderDevice, RenderQueue};
use bevy::render::texture::GpuImage;
use bevy::render::{Render, RenderApp, RenderSystems};

/// Longest the sensor waits for the device to finish a frame: a lost or hung device fails the
/// request instead of hanging it.
const FRAME_LIMIT: Duration = Duration::from_secs(60);

/// What to read this frame: every sensor camera's target, in order, all of one size.
#[derive(Clone, Default)]
pub(super) struct Request {
    pub targets: Vec<AssetId<Image>>,
    pub width: u32,
    pub height: u32,
}

#[derive(Default)]
struct Shared {
    request: Request,
    /// The last frame read: every target's RGBA pixels, rows unpadded, in request order; or why
    /// it could not be read.
    frame: Option<Result<Vec<u8>, String>>,
}

/// Held by both worlds: the main world sets the request and takes the frame.
#[derive(Resource, Clone, Default)]
pub(super) struct Readback(Arc<Mutex<Shared>>);

impl Readback {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_request(&self, request: Request) {
        self.lock().request = request;
    }

    pub fn request(&self) -> Request {
        self.lock().request.clone()
    }

    /// The frame the last render read (`None` when it read none: the renderer was not ready, or
    /// a target was not prepared yet).
    pub fn take(&self) -> Result<Option<Vec<u8>>, String> {
        self.lock().frame.take().transpose()
    }
}

/// The mappable buffer, kept between frames while the size holds.
#[derive(Resource, Default)]
struct Staging(Option<(Buffer, u64)>);

pub(super) fn build(app: &mut App) {
    let readback = Readback::default();
    app.insert_resource(readback.clone());
    if let Some(render_app) = app.get_sub_app_mut(RenderApp) {
        render_app
            .insert_resource(readback)
            .init_resource::<Staging>()
            .add_systems(
                Render,
                read_back
                    .after(RenderSystems::Render)
                    .before(RenderSystems::Cleanup),
            );
    }
}

/// Pipelines the render world is still compiling.
pub(super) fn pipelines_waiting(app: &App) -> usize {
    app.get_sub_app(RenderApp)
        .and_then(|render| render.world().get_resource::<PipelineCache>())
        .map_or(0, |cache| cache.waiting_pipelines().count())
}

fn read_back(
    readback: Res<Readback>,
    images: Res<RenderAssets<GpuImage>>,
    device: Res<RenderDevice>,
    queue: Res<RenderQueue>,
    mut staging: ResMut<Staging>,
) {
    let request = readback.request();
    if request.targets.is_empty() {
        return;
    }
    let frame = copy_targets(&request, &images, &device, &queue, &mut staging);
    readback.lock().frame = frame.transpose();
}

fn copy_targets(
    request: &Request,
    images: &RenderAssets<GpuImage>,
    device: &RenderDevice,
    queue: &RenderQueue,
    staging: &mut Staging,
) -> Result<Option<Vec<u8>>, String> {
    let (width, height) = (request.width as usize, request.height as usize);
    let row = width * 4;
    let padded_row = RenderDevice::align_copy_bytes_per_row(row);
    let per_target = (padded_row * height) as u64;
    let size = per_target * request.targets.len() as u64;
    let Some(textures) = request
        .targets
        .iter()
        .map(|id| images.get(*id))
        .collect::<Option<Vec<_>>>()
    else {
        return Ok(None);
    };
    if staging.0.as_ref().is_none_or(|(_, s)| *s != size) {
        let buffer = device.create_buffer(&BufferDescriptor {
            label: Some("bevy_gym camera sensor readback"),
            size,
            usage: BufferUsages::MAP_READ | BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        staging.0 = Some((buffer, size));
    }
    let (buffer, _) = staging.0.as_ref().expect("just made");
    let mut encoder = device.create_command_encoder(&CommandEncoderDescriptor {
        label: Some("bevy_gym camera sensor copy"),
    });
    for (i, texture) in textures.iter().enumerate() {
        encoder.copy_texture_to_buffer(
            texture.texture.as_image_copy(),
            TexelCopyBufferInfo {
                buffer,
                layout: TexelCopyBufferLayout {
                    offset: i as u64 * per_target,
                    bytes_per_row: Some(padded_row as u32),
                    rows_per_image: None,
                },
            },
            Extent3d {
                width: request.width,
                height: request.height,
                depth_or_array_layers: 1,
            },
        );
    }
    queue.submit([encoder.finish()]);
    let slice = buffer.slice(..);
    let (sender, receiver) = std::sync::mpsc::channel();
    slice.map_async(MapMode::Read, move |result| {
        let _ = sender.send(result);
    });
    device
        .poll(PollType::Wait {
            submission_index: None,
            timeout: Some(FRAME_LIMIT),
        })
        .map_err(|e| format!("the camera sensor's frame did not finish: {e}"))?;
    receiver
        .recv_timeout(FRAME_LIMIT)
        .map_err(|_| "the camera sensor's buffer was never mapped".to_string())?
        .map_err(|e| format!("the camera sensor could not map its buffer: {e}"))?;
    let mut frame = Vec::with_capacity(row * height * textures.len());
    {
        let mapped = slice.get_mapped_range();
        for target in mapped.chunks_exact(per_target as usize) {
            for padded in target.chunks_exact(padded_row) {
                frame.extend_from_slice(&padded[..row]);
            }
        }
    }
    buffer.unmap();
    Ok(Some(frame))
}
