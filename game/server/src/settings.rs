//! Simulation settings: everything an [`Environment`](crate::Environment) is built from besides
//! the game itself (agents, arenas, seed, ticks per step, truncation, start options), and the
//! command-line flags that fill them. Serving settings (`ServeArgs`) are not simulation settings.

use bevy::prelude::Resource;
use serde_json::{Map, Value};

use crate::game::GymGame;
use crate::options::{OptionKind, OptionSpec};
use crate::spec::{ArenaMode, Layout};

/// Most agents one server holds.
pub const MAX_AGENTS: u32 = 4096;

/// Ticks per step (also a `/reset?options=` key).
pub const ACTION_REPEAT: OptionSpec = OptionSpec {
    name: "action_repeat",
    kind: OptionKind::Integer { min: 1, max: 1000 },
    default: None,
    help: "Simulation ticks per step (the game's default unless given).",
};

/// Steps before truncation (also a `/reset?options=` key).
pub const MAX_EPISODE_STEPS: OptionSpec = OptionSpec {
    name: "max_episode_steps",
    kind: OptionKind::Integer {
        min: 0,
        max: u32::MAX as u64,
    },
    default: None,
    help: "Steps before an episode is truncated, 0 for never (the game's default unless given).",
};

/// Where agents' images come from (also a `/reset?options=` key, which may only repeat it).
pub const IMAGE_SOURCE: OptionSpec = OptionSpec {
    name: "image_source",
    kind: OptionKind::Choice(&["raster", "camera"]),
    default: None,
    help: "Where agents' images come from: `raster` (drawn by the game, cheap) or `camera` (rendered by the game's own Bevy cameras; needs a build with the game's `camera` feature). Fixed at start.",
};

/// The options every server owns, whatever the game.
pub const SERVER_OPTIONS: &[OptionSpec] = &[ACTION_REPEAT, MAX_EPISODE_STEPS, IMAGE_SOURCE];

/// Where agents' images come from ([`IMAGE_SOURCE`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ImageSource {
    /// Drawn by the game ([`GymGame::render`]).
    #[default]
    Raster,
    /// Rendered by the game's Bevy cameras (the `camera` feature's sensor).
    Camera,
}

impl ImageSource {
    /// The option's value for it.
    pub fn name(self) -> &'static str {
        match self {
            ImageSource::Raster => "raster",
            ImageSource::Camera => "camera",
        }
    }
}

/// What an environment is built from, besides the game.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct SimSettings {
    pub layout: Layout,
    /// Seed of the first reset.
    pub seed: u64,
    /// Ticks per step.
    pub action_repeat: u32,
    /// Steps before truncation (0: never).
    pub max_episode_steps: u32,
    /// Where agents' images come from; a game that has a camera sensor adds it to its app when
    /// this says [`ImageSource::Camera`].
    pub image_source: ImageSource,
    /// The game's start options (the same keys as `/reset?options=`): the ones given; the game
    /// starts with every declared default and these over them.
    pub options: Map<String, Value>,
}

impl SimSettings {
    /// `layout` with game `G`'s defaults, seed 0 and no start options.
    pub fn new<G: GymGame>(layout: Layout) -> Self {
        Self {
            layout,
            seed: 0,
            action_repeat: G::DEFAULT_ACTION_REPEAT,
            max_episode_steps: G::DEFAULT_MAX_EPISODE_STEPS,
            image_source: ImageSource::Raster,
            options: Map::new(),
        }
    }
}

/// The simulation flags every game's CLI flattens (`#[command(flatten)]`).
#[derive(clap::Args, Clone, Debug, PartialEq)]
pub struct SimArgs {
    /// Number of agents.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=MAX_AGENTS as i64))]
    pub agents: u32,
    /// `shared`: all agents in one arena; `separate`: one independent arena per agent.
    #[arg(long, value_enum, default_value_t = ArenaMode::Shared)]
    pub arena_mode: ArenaMode,
    /// With `--arena-mode separate`: agents per arena (e.g. a dodger and its thrower); the agent
    /// count must be a multiple of it.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=MAX_AGENTS as i64))]
    pub agents_per_arena: u32,
    /// Seed of the first reset.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, help = ACTION_REPEAT.help, value_parser = option_u32(ACTION_REPEAT))]
    pub action_repeat: Option<u32>,
    #[arg(long, help = MAX_EPISODE_STEPS.help, value_parser = option_u32(MAX_EPISODE_STEPS))]
    pub max_episode_steps: Option<u32>,
    #[arg(long, help = IMAGE_SOURCE.help, value_enum, default_value_t = ImageSource::Raster)]
    pub image_source: ImageSource,
}

impl SimArgs {
    /// The settings for game `G` (its defaults where a flag is absent) with start `options`.
    pub fn settings<G: GymGame>(&self, options: Map<String, Value>) -> SimSettings {
        let mut settings = SimSettings::new::<G>(Layout {
            mode: self.arena_mode,
            num_agents: self.agents as usize,
            agents_per_arena: self.agents_per_arena as usize,
        });
        settings.seed = self.seed;
        settings.action_repeat = self.action_repeat.unwrap_or(settings.action_repeat);
        settings.max_episode_steps = self.max_episode_steps.unwrap_or(settings.max_episode_steps);
        settings.image_source = self.image_source;
        settings.options = options;
        settings
    }
}

/// A clap value parser that reads a u32 option within its declared range.
fn option_u32(spec: OptionSpec) -> impl Fn(&str) -> Result<u32, String> + Clone {
    move |text| {
        spec.parse_text(text)
            .map(|v| v.as_u64().unwrap_or_default() as u32)
    }
}
