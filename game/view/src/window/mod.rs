//! The window (cargo feature `window`): an ordinary Bevy app that draws the newest frame the
//! simulation handed over ([`Shown`]) with the game's [`Scene`], frames the arenas with an orbit
//! camera ([`camera`]), writes a HUD ([`hud`]), reads the keyboard ([`input`]) and saves
//! screenshots and recordings ([`capture`]). It never steps the game: the simulation thread does
//! ([`crate::sim`]), at real time or one step per drawn frame.

pub mod camera;
pub mod capture;
pub mod hud;
pub mod input;

pub use crate::scene::{Draw, Scene, Shown, ViewConfig, layout};

use std::sync::Arc;
use std::sync::mpsc::{self, Sender};
use std::time::Duration;

use bevy::app::TerminalCtrlCHandlerPlugin;
use bevy::log::{Level, LogPlugin};
use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};
use bevy::winit::{UpdateMode, WinitSettings};
use bevy_gym_server::{Environment, SimSettings, serve};

use crate::LiveGame;
use crate::args::{ViewCli, parse_cli};
use crate::drivers::Pad;
use crate::feed::{Feed, Frame};
use crate::plan::{Mode, Plan, plan};
use crate::sim::{self, Pace, Request, Run, Started};

#[derive(Resource)]
struct Link<G: LiveGame> {
    feed: Arc<Feed<Frame<G::Frame>>>,
    /// One token per drawn frame, when the simulation steps per frame.
    tokens: Option<Sender<()>>,
}

/// The whole of a view binary's `main`: parses its command line (`name`, `about`; the game's
/// flags, the in-game policy's and the view's), builds the game's app with `app` on the
/// simulation thread and opens the window. Returns how the process should exit.
pub fn run<G: Scene>(
    name: &'static str,
    about: &'static str,
    app: fn(SimSettings) -> App,
) -> AppExit {
    let cli = parse_cli::<G, _, _>(name, about, std::env::args_os()).unwrap_or_else(|e| e.exit());
    match launch::<G>(name, app, cli) {
        Ok(exit) => exit,
        Err(why) => {
            eprintln!("{name}: {why}");
            AppExit::error()
        }
    }
}

/// Runs a parsed command line; an `AppExit::Error` means the reason was already printed.
fn launch<G: Scene>(
    name: &'static str,
    app: fn(SimSettings) -> App,
    cli: ViewCli,
) -> Result<AppExit, String> {
    if cli.serve.print_spec {
        // The launchers read the spec this way: no window for it.
        let env = Environment::<G>::new(app(cli.settings)).map_err(|e| e.to_string())?;
        serve(env, &cli.serve).map_err(|e| e.to_string())?;
        return Ok(AppExit::Success);
    }
    let plan = plan(&cli.view, &cli.policy)?;
    check_display()?;
    if let Some(dir) = &cli.view.record {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("--record {}: cannot create it: {e}", dir.display()))?;
    }
    let (simulation, window) = start_simulation::<G>(app, &cli, &plan)?;
    explain_missing_gpu(name);
    let exit = window_app::<G>(name, &cli, &plan, &simulation, window).run();
    // The app (and with it the window's ends of the channels) is gone: a simulation that steps
    // itself then stops and hands over its final state. A server keeps serving until the
    // process ends.
    if plan.mode != Mode::Serve {
        let finished = simulation
            .thread
            .join()
            .map_err(|_| "the simulation thread panicked".to_string())?;
        if let Some(summary) = finished.summary {
            println!("{summary}");
        }
        if cli.view.print_state
            && let Some(state) = finished.state
        {
            println!("{state}");
        }
    }
    Ok(exit)
}

fn check_display() -> Result<(), String> {
    if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
        return Err(
            "no display: DISPLAY is not set; run it on a desktop or under `xvfb-run -a` \
                    (for a headless server use the game's headless binary)"
                .into(),
        );
    }
    Ok(())
}

/// The window's ends of the links to the simulation.
struct WindowSide<G: LiveGame> {
    link: Link<G>,
    requests: Sender<Request>,
    pad: Option<Arc<Pad>>,
}

fn start_simulation<G: Scene>(
    app: fn(SimSettings) -> App,
    cli: &ViewCli,
    plan: &Plan,
) -> Result<(Started, WindowSide<G>), String> {
    let (tokens, pace) = if plan.per_frame {
        let (tx, rx) = mpsc::channel();
        (Some(tx), Pace::PerFrame(rx))
    } else {
        (
            None,
            Pace::RealTime {
                speed: cli.view.speed,
            },
        )
    };
    let pad = (plan.mode == Mode::Keyboard).then(|| Arc::new(Pad::default()));
    let (requests, requests_rx) = mpsc::channel();
    let feed = Feed::new();
    let run = Run {
        settings: cli.settings.clone(),
        mode: plan.mode.clone(),
        serve: cli.serve.clone(),
        policy: cli.policy.clone(),
        pad: pad.clone(),
    };
    let started = sim::start::<G>(app, run, pace, requests_rx, feed.clone())?;
    let link = Link { feed, tokens };
    Ok((
        started,
        WindowSide {
            link,
            requests,
            pad,
        },
    ))
}

fn window_app<G: Scene>(
    name: &'static str,
    cli: &ViewCli,
    plan: &Plan,
    simulation: &Started,
    side: WindowSide<G>,
) -> App {
    let view = &cli.view;
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: format!("bevy_gym - {}", G::NAME),
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
    .insert_resource(if side.link.tokens.is_some() {
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
    .insert_resource(ClearColor(crate::scene::CLEAR_COLOUR))
    .insert_resource(ViewConfig {
        name,
        layout: simulation.layout.clone(),
        describe: plan.describe.clone(),
        keys: plan.keys,
        play: side.pad,
        requests: (plan.mode != Mode::Serve).then_some(side.requests),
    })
    .insert_resource(side.link)
    .init_resource::<Shown<G>>()
    .insert_resource(capture::Capture::new(
        plan.frames,
        view.screenshot.clone(),
        view.record.clone(),
    ))
    .init_resource::<capture::Saved>()
    .add_systems(Startup, (camera::spawn_camera::<G>, hud::spawn_hud))
    .configure_sets(
        Update,
        Draw.after(camera::place_camera::<G>)
            .before(hud::update_hud::<G>),
    )
    .add_systems(
        Update,
        (
            pull::<G>,
            input::keyboard,
            camera::steer::<G>,
            camera::place_camera::<G>,
            hud::update_hud::<G>,
            capture::count_frames,
        )
            .chain(),
    );
    G::build(&mut app);
    app
}

/// Takes the newest frame (in per-frame mode: steps once and waits for it); exits when the
/// simulation has stopped.
fn pull<G: LiveGame>(
    link: Res<Link<G>>,
    config: Res<ViewConfig>,
    mut shown: ResMut<Shown<G>>,
    mut exit: MessageWriter<AppExit>,
) {
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
            eprintln!("{}: {why}", config.name);
            exit.write(AppExit::error());
        }
    }
}

/// Without a usable Vulkan device Bevy's renderer panics with a generic message: say what is
/// missing and how to get it.
fn explain_missing_gpu(name: &'static str) {
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
                "{name}: no usable Vulkan device ({message}); install a Vulkan driver: \
                 `make viewer-deps` installs Mesa's software one (lavapipe)"
            );
        }
        previous(info);
    }));
}
