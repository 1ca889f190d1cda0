//! `bevy-dodge-view` (cargo feature `viewer`): the dodge game in a 3D window, to watch and play.
//!
//! The simulation runs on its own thread exactly as in `bevy-dodge` ([`crate::live::sim`]), and
//! a [`Spectator`](bevy_gym_server::Spectator) hands the window a copy of the state only when the
//! window asks for one ([`crate::live::feed`]): the window never paces the lockstep, and the episode is the
//! same with and without it. The window is an ordinary Bevy app that draws the copy
//! ([`scene`], [`hud`], [`camera`]) and reads the keyboard ([`input`]).
//!
//! Modes: serve (the default: HTTP clients drive, e.g. a Python env with `render_mode="human"`),
//! `--play` (a human plays agent 0), `--policy FILE` (a trained policy plays) and `--demo`
//! (seeded random actions; the default with `--frames`/`--screenshot`).

pub mod camera;
pub mod capture;
pub mod hud;
pub mod input;
pub mod layout;
pub mod scene;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Sender};
use std::time::Duration;

use bevy::app::TerminalCtrlCHandlerPlugin;
use bevy::log::{Level, LogPlugin};
use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};
use bevy::winit::{UpdateMode, WinitSettings};
use bevy_gym_server::{
    Environment, Layout, ServeArgs, SimSettings, game_command, serve, settings_from,
};
use clap::{Args, FromArgMatches};

use crate::Dodge;
use crate::live::drivers::{Controls, Pad};
use crate::live::feed::{Feed, Frame};
use crate::live::sim::{self, Drive, Pace, PolicyFor, Request};

/// The binary's name and what `--help` says about it.
pub const NAME: &str = "bevy-dodge-view";
pub const ABOUT: &str = "Dodge in a 3D window: serve it over HTTP as bevy-dodge does and watch \
the clients play (the default), play it (--play), watch a trained policy (--policy FILE) or \
random actions (--demo). Needs a display (DISPLAY) and a Vulkan driver.";

// The view's flags. Not a doc comment: clap would make it the about text.
#[derive(clap::Args, Clone, Debug, PartialEq)]
#[command(next_help_heading = "View")]
pub struct ViewArgs {
    /// Play agent 0 with the keyboard: arrows or WASD move, shift sprints (continuous actions),
    /// space jumps (--rules-version 1), R resets, Esc quits. Other agents stand still.
    #[arg(long, conflicts_with_all = ["policy", "demo"])]
    pub play: bool,
    /// Watch a trained policy (policy.safetensors, saved by algos/ with --save-model) drive
    /// every agent, in real time.
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    pub policy: Option<PathBuf>,
    /// With --policy: serve as bevy-dodge does, the policy driving these agents (e.g. 0,2)
    /// inside the game and HTTP clients the others (a learner against a frozen opponent).
    #[arg(long, value_name = "LIST", value_delimiter = ',', requires = "policy",
          conflicts_with_all = ["frames", "screenshot"])]
    pub policy_agents: Option<Vec<usize>>,
    /// Watch seeded random actions (the default with --frames or --screenshot).
    #[arg(long)]
    pub demo: bool,
    /// Simulation speed as a multiple of real time (--play, --policy, --demo).
    #[arg(long, default_value_t = 1.0, value_parser = positive_speed)]
    pub speed: f64,
    /// Draw N frames, then exit (saving --screenshot first). The simulation then takes one step
    /// per drawn frame, so frame N shows step N on any machine.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub frames: Option<u32>,
    /// Save the window as a PNG after --frames frames (default 120), then exit.
    #[arg(long, value_name = "PATH")]
    pub screenshot: Option<PathBuf>,
    /// Save every drawn frame into DIR (frame_00001.png, ...): an image sequence at the step rate
    /// (one step per frame), to make a clip from. Use with --frames.
    #[arg(long, value_name = "DIR", requires = "frames")]
    pub record: Option<PathBuf>,
    /// Draw at most this many frames a second (vsync caps it too, at the display's refresh);
    /// --frames runs draw as fast as they can.
    #[arg(long, default_value_t = 60.0, value_parser = positive_fps)]
    pub max_fps: f64,
    /// On exit, print the final `/state` document on stdout (not in serve mode): with --frames,
    /// the same seed gives the same document on any machine.
    #[arg(long)]
    pub print_state: bool,
    /// Window width in pixels.
    #[arg(long, default_value_t = 1280, value_parser = clap::value_parser!(u32).range(64..=7680))]
    pub width: u32,
    /// Window height in pixels.
    #[arg(long, default_value_t = 720, value_parser = clap::value_parser!(u32).range(64..=4320))]
    pub height: u32,
}

/// A number in `range`, or a one-line reason: `raw` is not `what`, `expected` instead.
fn number_in(
    raw: &str,
    range: std::ops::RangeInclusive<f64>,
    what: &str,
    expected: &str,
) -> Result<f64, String> {
    raw.parse::<f64>()
        .ok()
        .filter(|x| range.contains(x))
        .ok_or_else(|| format!("{raw:?} is not {what}; expected {expected}"))
}

fn positive_speed(raw: &str) -> Result<f64, String> {
    number_in(
        raw,
        f64::MIN_POSITIVE..=1000.0,
        "a speed",
        "a number in (0, 1000]",
    )
}

fn positive_fps(raw: &str) -> Result<f64, String> {
    number_in(raw, 1.0..=1000.0, "a frame rate", "a number in [1, 1000]")
}

/// The parsed command line: simulation settings, serving flags and the view's flags.
pub fn parse_from<I, T>(args: I) -> Result<(SimSettings, ServeArgs, ViewArgs), clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let command = ViewArgs::augment_args(game_command::<Dodge>(NAME, ABOUT));
    let matches = command.try_get_matches_from(args)?;
    let (settings, serve) = settings_from::<Dodge>(&matches)?;
    Ok((settings, serve, ViewArgs::from_arg_matches(&matches)?))
}

/// What the window's systems need to know about this run.
#[derive(Resource)]
pub struct ViewConfig {
    pub layout: Layout,
    /// What drives the agents, for the HUD.
    pub mode: String,
    /// The keys line of the HUD.
    pub keys: &'static str,
    /// What the players' actions look like (for the keyboard).
    pub controls: Controls,
    /// The human's keys (`--play`).
    pub play: Option<Arc<Pad>>,
    /// Requests to the simulation (absent in serve mode: there the clients reset).
    pub requests: Option<Sender<Request>>,
}

/// The frame on screen and its version.
#[derive(Resource, Default)]
pub struct Shown {
    pub frame: Frame,
    pub version: u64,
}

#[derive(Resource)]
struct Link {
    feed: Arc<Feed>,
    /// One token per drawn frame, when the simulation steps per frame.
    tokens: Option<Sender<()>>,
}

/// Runs the viewer with a parsed command line; returns how the process should exit.
pub fn run(settings: SimSettings, serve_args: ServeArgs, view: ViewArgs) -> AppExit {
    if serve_args.print_spec {
        // The launchers read the spec this way: no window for it.
        let printed = Environment::<Dodge>::new(crate::app(settings))
            .map_err(|e| e.to_string())
            .and_then(|env| serve(env, &serve_args).map_err(|e| e.to_string()));
        return exit_with(printed);
    }
    exit_with(open(settings, serve_args, view))
}

fn exit_with(outcome: Result<(), String>) -> AppExit {
    match outcome {
        Ok(()) => AppExit::Success,
        Err(why) => {
            eprintln!("{NAME}: {why}");
            AppExit::error()
        }
    }
}

fn open(settings: SimSettings, serve_args: ServeArgs, view: ViewArgs) -> Result<(), String> {
    if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
        return Err(
            "no display: DISPLAY is not set; run it on a desktop or under `xvfb-run -a` \
                    (for a headless server use bevy-dodge)"
                .into(),
        );
    }
    if let Some(path) = &view.screenshot
        && path
            .extension()
            .is_none_or(|e| !e.eq_ignore_ascii_case("png"))
    {
        return Err(format!(
            "--screenshot {}: expected a path ending in .png",
            path.display()
        ));
    }
    if let Some(dir) = &view.record {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("--record {}: cannot create it: {e}", dir.display()))?;
    }
    let capturing = view.frames.is_some() || view.screenshot.is_some();
    let frames = view
        .frames
        .or_else(|| view.screenshot.is_some().then_some(120));
    // With --policy-agents the policy shares the server with clients (clap keeps it off
    // captures); --policy alone is the watch mode.
    let policy_for = view.policy.clone().zip(view.policy_agents.clone());
    let watching = view.play || view.demo || (view.policy.is_some() && policy_for.is_none());
    let serving = !watching && !capturing;
    let pad = view.play.then(|| Arc::new(Pad::default()));
    let (drive, mode, keys) = if serving {
        let (mode, policy) = match policy_for {
            None => ("serving: the clients drive".to_string(), None),
            Some((path, agents)) => (
                format!(
                    "serving: policy {} drives agents {agents:?}",
                    path.display()
                ),
                Some(PolicyFor { path, agents }),
            ),
        };
        (Drive::Serve(serve_args, policy), mode, KEYS_WATCH)
    } else if let Some(pad) = &pad {
        (
            Drive::Keyboard(pad.clone()),
            "you play agent_0".to_string(),
            KEYS_PLAY,
        )
    } else if let Some(path) = &view.policy {
        let mode = format!("policy {} at {}x", path.display(), view.speed);
        (Drive::Policy(path.clone()), mode, KEYS_WATCH_RESET)
    } else {
        let mode = format!("random actions at {}x", view.speed);
        (Drive::Random, mode, KEYS_WATCH_RESET)
    };
    let (tokens, pace) = if capturing && !serving {
        let (tx, rx) = mpsc::channel();
        (Some(tx), Pace::PerFrame(rx))
    } else {
        (None, Pace::RealTime { speed: view.speed })
    };
    let (requests_tx, requests_rx) = mpsc::channel();
    let feed = Feed::new();
    let started = sim::start(settings, drive, pace, requests_rx, feed.clone())?;
    explain_missing_gpu();
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: "bevy_gym - dodge".into(),
                    resolution: WindowResolution::new(view.width, view.height)
                        .with_scale_factor_override(1.0),
                    // At most one drawn frame per display refresh.
                    present_mode: PresentMode::AutoVsync,
                    ..default()
                }),
                ..default()
            })
            .set(LogPlugin {
                level: Level::WARN,
                filter: "wgpu=error,naga=warn,bevy_render::renderer=info".into(),
                ..default()
            })
            // Signals belong to the simulation's stop watchers (serve mode).
            .disable::<TerminalCtrlCHandlerPlugin>(),
    )
    .insert_resource(if tokens.is_some() {
        WinitSettings::continuous()
    } else {
        // A software renderer would otherwise draw as fast as it can, taking CPU from the
        // simulation and its clients; keyboard and window events still wake it at once.
        let wait = Duration::from_secs_f64(1.0 / view.max_fps);
        WinitSettings {
            focused_mode: UpdateMode::reactive_low_power(wait),
            unfocused_mode: UpdateMode::reactive_low_power(wait),
        }
    })
    .insert_resource(ClearColor(Color::srgb(0.08, 0.09, 0.12)))
    .insert_resource(ViewConfig {
        layout: started.layout.clone(),
        mode,
        keys,
        controls: started.controls.clone(),
        play: pad,
        requests: (!serving).then_some(requests_tx),
    })
    .insert_resource(Link { feed, tokens })
    .init_resource::<Shown>()
    .insert_resource(capture::Capture::new(
        frames,
        view.screenshot.clone(),
        view.record.clone(),
    ))
    .init_resource::<capture::Saved>()
    .add_systems(
        Startup,
        (scene::setup, camera::spawn_camera, hud::spawn_hud),
    )
    .add_systems(
        Update,
        (
            pull,
            input::keyboard,
            camera::steer,
            camera::place_camera,
            scene::sync_players,
            scene::sync_projectiles,
            scene::sync_throwers,
            scene::draw_lines,
            hud::update_hud,
            capture::count_frames,
        )
            .chain(),
    );
    let exit = app.run();
    // Dropping the app drops the window's ends of the channels: a simulation that steps itself
    // then stops, and hands over its final state. A server keeps serving until the process ends.
    drop(app);
    if !serving {
        let last = started
            .thread
            .join()
            .map_err(|_| "the simulation thread panicked".to_string())?;
        if view.print_state
            && let Some(state) = last
        {
            println!("{state}");
        }
    }
    match exit {
        AppExit::Success => Ok(()),
        // The reason was printed where it happened.
        AppExit::Error(code) => std::process::exit(i32::from(code.get())),
    }
}

const KEYS_WATCH: &str =
    "mouse drag/arrows: orbit | wheel/PgUp/PgDn: zoom | Tab: arena | Esc: quit";
const KEYS_WATCH_RESET: &str =
    "mouse drag/arrows: orbit | wheel/PgUp/PgDn: zoom | Tab: arena | R: reset | Esc: quit";
const KEYS_PLAY: &str = "arrows/WASD: move | shift: sprint | space: jump | R: reset | mouse: orbit | wheel: zoom | Esc: quit";

/// Takes the newest frame (in per-frame mode: steps once and waits for it); exits when the
/// simulation has stopped.
fn pull(link: Res<Link>, mut shown: ResMut<Shown>, mut exit: MessageWriter<AppExit>) {
    let fresh = match &link.tokens {
        Some(tokens) => {
            // The start (or a reset) may be waiting: take it first, so frame N shows step N.
            if let Some((frame, version)) = link.feed.newer_than(shown.version) {
                *shown = Shown { frame, version };
            }
            link.feed.request();
            tokens.send(()).ok().and_then(|()| {
                link.feed
                    .wait_newer_than(shown.version, Duration::from_secs(10))
            })
        }
        None => {
            let fresh = link.feed.newer_than(shown.version);
            link.feed.request();
            fresh
        }
    };
    if let Some((frame, version)) = fresh {
        *shown = Shown { frame, version };
    }
    match link.feed.ended() {
        None => {}
        Some(None) => {
            exit.write(AppExit::Success);
        }
        Some(Some(why)) => {
            eprintln!("{NAME}: {why}");
            exit.write(AppExit::error());
        }
    }
}

/// Without a usable Vulkan device Bevy's renderer panics with a generic message: say what is
/// missing and how to get it.
fn explain_missing_gpu() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("GPU") || message.contains("adapter") {
            eprintln!(
                "{NAME}: no usable Vulkan device ({message}); install a Vulkan driver: \
                 `make viewer-deps` installs Mesa's software one (lavapipe)"
            );
        }
        previous(info);
    }));
}
