//! `--frames N`, `--screenshot PATH` and `--record DIR`: count drawn frames; save the window as
//! a PNG (the last frame, or every frame into DIR as an image sequence); exit once every file
//! is written.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};

use super::ViewConfig;

/// Frames drawn after the last capture was asked for, before giving up on it.
const CAPTURE_PATIENCE: u32 = 300;

#[derive(Resource)]
pub struct Capture {
    pub frames: Option<u32>,
    pub screenshot: Option<PathBuf>,
    pub record: Option<PathBuf>,
    drawn: u32,
    /// Captures asked for and not yet saved, and the frame of the latest request.
    pending: u32,
    asked_at: u32,
    /// Whether the last frame (or the screenshot) has been asked for: only saving is left.
    finishing: bool,
}

impl Capture {
    pub fn new(frames: Option<u32>, screenshot: Option<PathBuf>, record: Option<PathBuf>) -> Self {
        Self {
            frames,
            screenshot,
            record,
            drawn: 0,
            pending: 0,
            asked_at: 0,
            finishing: false,
        }
    }
}

/// What the screenshots' observers report: saved files, and the first failure.
#[derive(Resource, Default)]
pub struct Saved {
    count: u32,
    failure: Option<String>,
}

pub fn count_frames(
    mut commands: Commands,
    config: Res<ViewConfig>,
    mut capture: ResMut<Capture>,
    mut saved: ResMut<Saved>,
    mut exit: MessageWriter<AppExit>,
) {
    capture.drawn += 1;
    capture.pending -= saved.count.min(capture.pending);
    saved.count = 0;
    if let Some(why) = saved.failure.take() {
        eprintln!("{}: {why}", config.name);
        exit.write(AppExit::error());
        return;
    }
    if capture.finishing {
        if capture.pending == 0 {
            exit.write(AppExit::Success);
        } else if capture.drawn - capture.asked_at > CAPTURE_PATIENCE {
            eprintln!(
                "{}: {} screenshots were not captured within {CAPTURE_PATIENCE} frames",
                config.name, capture.pending
            );
            exit.write(AppExit::error());
        }
        return;
    }
    let frame = capture.drawn;
    if let Some(dir) = capture.record.clone() {
        ask(
            &mut commands,
            &mut capture,
            dir.join(format!("frame_{frame:05}.png")),
        );
    }
    if capture.frames.is_some_and(|n| frame >= n) {
        if let Some(path) = capture.screenshot.clone() {
            ask(&mut commands, &mut capture, path);
        }
        capture.finishing = true;
    }
}

fn ask(commands: &mut Commands, capture: &mut Capture, path: PathBuf) {
    capture.pending += 1;
    capture.asked_at = capture.drawn;
    commands.spawn(Screenshot::primary_window()).observe(
        move |captured: On<ScreenshotCaptured>, mut saved: ResMut<Saved>| match save_png(
            &captured.image,
            &path,
        ) {
            Ok(()) => saved.count += 1,
            Err(why) => {
                saved.failure.get_or_insert(why);
            }
        },
    );
}

fn save_png(image: &Image, path: &Path) -> Result<(), String> {
    let rgba = image
        .clone()
        .try_into_dynamic()
        .map_err(|e| format!("cannot read the screenshot: {e}"))?;
    // Alpha carries no coverage in a window capture: drop it.
    rgba.to_rgb8()
        .save(path)
        .map_err(|e| format!("cannot save the screenshot to {}: {e}", path.display()))
}
