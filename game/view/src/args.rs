//! A view binary's command line: the game's own (simulation and serving flags, one flag per
//! option), the in-game policy's (`--policy`, `--policy-agents`, `--episodes`, flattened from
//! `bevy_gym_policy`, so they mean what they mean for the headless binary) and the view's.

use std::path::PathBuf;

use bevy_gym_policy::PolicyArgs;
use bevy_gym_server::{GymGame, ServeArgs, SimSettings, game_command, settings_from};
use clap::{Args, FromArgMatches};

// The view's flags. Not a doc comment: clap would make it the about text.
#[derive(clap::Args, Clone, Debug, PartialEq)]
#[command(next_help_heading = "View")]
pub struct ViewArgs {
    /// Play agent 0 with the keyboard: arrows or WASD move (shift and space as the game maps
    /// them), R resets, Esc quits. Other agents stand still.
    #[arg(long, conflicts_with_all = ["policy", "demo"])]
    pub play: bool,
    /// Watch seeded random actions (the default with --frames or --screenshot).
    #[arg(long, conflicts_with = "policy")]
    pub demo: bool,
    /// Simulation speed as a multiple of real time (--play, --policy, --demo).
    #[arg(long, default_value_t = 1.0, value_parser = positive_speed)]
    pub speed: f64,
    /// Draw N frames, then exit (saving --screenshot first). The simulation then takes one step
    /// per drawn frame, so frame N shows step N on any machine.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..),
          conflicts_with = "policy_agents")]
    pub frames: Option<u32>,
    /// Save the window as a PNG after --frames frames (default 120), then exit.
    #[arg(long, value_name = "PATH", conflicts_with = "policy_agents")]
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

impl Default for ViewArgs {
    fn default() -> Self {
        Self {
            play: false,
            demo: false,
            speed: 1.0,
            frames: None,
            screenshot: None,
            record: None,
            max_fps: 60.0,
            print_state: false,
            width: 1280,
            height: 720,
        }
    }
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

/// A view binary's whole parsed command line.
#[derive(Clone, Debug)]
pub struct ViewCli {
    pub settings: SimSettings,
    pub serve: ServeArgs,
    pub policy: PolicyArgs,
    pub view: ViewArgs,
}

/// Parses game `G`'s view command line (`name`, `about`): every flag of the game's headless
/// binary, the in-game policy's and the view's.
pub fn parse_cli<G, I, T>(
    name: &'static str,
    about: &'static str,
    args: I,
) -> Result<ViewCli, clap::Error>
where
    G: GymGame,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let command = ViewArgs::augment_args(PolicyArgs::augment_args(game_command::<G>(name, about)));
    let matches = command.try_get_matches_from(args)?;
    let (settings, serve) = settings_from::<G>(&matches)?;
    Ok(ViewCli {
        settings,
        serve,
        policy: PolicyArgs::from_arg_matches(&matches)?,
        view: ViewArgs::from_arg_matches(&matches)?,
    })
}
