//! Command-line options of `bevy-dodge`, turned into the server's start settings.

use bevy_gym_server::{ArenaMode, BEVY_RL_PORT, Layout, ServerSettings};
use clap::Parser;
use serde_json::{Map, Value};

/// Dodge as a headless, lockstep RL environment server (bevy_rl REST protocol + extensions;
/// see docs/protocol.md). Prints `http://HOST:PORT` on the first stdout line once listening.
#[derive(Parser, Debug, Clone)]
#[command(name = "bevy-dodge", version)]
pub struct Cli {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = BEVY_RL_PORT)]
    pub port: u16,
    /// Address to bind. Anything but loopback exposes the server to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Number of agents (players).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub agents: u32,
    /// `shared`: all players in one arena; `separate`: one independent arena per player.
    #[arg(long, default_value = "shared", value_parser = ["shared", "separate"])]
    pub arena_mode: String,
    /// Seed of the first reset.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Simulation ticks (1/60 s each) per step.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub action_repeat: u32,
    /// Steps before an episode is truncated (0: never).
    #[arg(long, default_value_t = 1000)]
    pub max_episode_steps: u32,
    /// Difficulty preset: 1 or 2.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub level: u8,
    /// `discrete` (IDLE, UP, DOWN, LEFT, RIGHT) or `continuous` ([vx, vy, sprint] in [-1, 1]).
    #[arg(long, default_value = "discrete", value_parser = ["discrete", "continuous"])]
    pub action_space: String,
    /// Width and height of each agent's image in pixels (32–512).
    #[arg(long, default_value_t = 84, value_parser = clap::value_parser!(u16).range(32..=512))]
    pub image_size: u16,
    /// One grey channel instead of RGB.
    #[arg(long)]
    pub grayscale: bool,
    /// Exit when stdin closes or the parent process dies (set by launchers).
    #[arg(long)]
    pub exit_with_parent: bool,
    /// Permit a non-loopback --host (requires --token).
    #[arg(long)]
    pub allow_remote: bool,
    /// Shared secret (16+ characters) every request must send as `Authorization: Bearer <token>`.
    #[arg(long)]
    pub token: Option<String>,
}

impl Cli {
    /// The server's start settings; game options use the same keys as `/reset?options=`.
    pub fn settings(&self) -> ServerSettings {
        let mut options = Map::new();
        options.insert("level".into(), Value::from(self.level));
        options.insert(
            "action_space".into(),
            Value::from(self.action_space.clone()),
        );
        options.insert("image_size".into(), Value::from(self.image_size));
        options.insert("grayscale".into(), Value::from(self.grayscale));
        ServerSettings {
            host: self.host.clone(),
            port: self.port,
            layout: Layout {
                mode: ArenaMode::parse(&self.arena_mode).unwrap_or(ArenaMode::Shared),
                num_agents: self.agents as usize,
            },
            seed: self.seed,
            action_repeat: self.action_repeat,
            max_episode_steps: self.max_episode_steps,
            exit_with_parent: self.exit_with_parent,
            token: self.token.clone(),
            allow_remote: self.allow_remote,
            game_options: options,
        }
    }
}
