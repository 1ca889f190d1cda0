//! The Bevy plugin: installs the lockstep resources and a runner that serves the protocol.

use std::marker::PhantomData;

use bevy::ecs::schedule::{Schedule, SingleThreadedExecutor};
use bevy::prelude::*;
use serde_json::{Map, Value};

use crate::env::Environment;
use crate::game::GymGame;
use crate::lockstep::{AgentIo, ArenaRngs, SimTick};
use crate::spec::Layout;
use crate::transport::{self, Listener};
use crate::{http, process};

/// Everything the server is started with (a game's CLI fills it).
#[derive(Resource, Clone, Debug)]
pub struct ServerSettings {
    /// Address to bind; loopback unless the operator says otherwise.
    pub host: String,
    /// Port to bind; 0 picks a free one; bevy_rl's 7878 by default.
    pub port: u16,
    pub layout: Layout,
    /// Seed of the first reset.
    pub seed: u64,
    /// Ticks per step.
    pub action_repeat: u32,
    /// Steps before truncation (0: never).
    pub max_episode_steps: u32,
    /// Exit when stdin closes or the parent process dies.
    pub exit_with_parent: bool,
    /// Shared secret every request must carry (`Authorization: Bearer …`); required to bind
    /// anything but loopback.
    pub token: Option<String>,
    /// Permit binding a non-loopback address (the network can then reach the server).
    pub allow_remote: bool,
    /// The game's start options (the same keys as `/reset?options=`).
    pub game_options: Map<String, Value>,
}

/// Port bevy_rl servers listen on; old clients have it hard-coded.
pub const BEVY_RL_PORT: u16 = 7878;

/// Makes a Bevy app an environment server for game `G`; `App::run` then serves until stopped.
pub struct EnvServerPlugin<G: GymGame> {
    settings: ServerSettings,
    _game: PhantomData<G>,
}

impl<G: GymGame> EnvServerPlugin<G> {
    pub fn new(settings: ServerSettings) -> Self {
        Self {
            settings,
            _game: PhantomData,
        }
    }
}

impl<G: GymGame> Plugin for EnvServerPlugin<G> {
    fn build(&self, app: &mut App) {
        let layout = self.settings.layout.clone();
        let mut tick = Schedule::new(SimTick);
        // One thread in a fixed order: the simulation must be bit-reproducible.
        tick.set_executor(SingleThreadedExecutor::new());
        app.add_schedule(tick)
            .insert_resource(ArenaRngs::new(layout.num_arenas(), self.settings.seed))
            .insert_resource(AgentIo::new(layout))
            .insert_resource(self.settings.clone())
            .set_runner(run_server::<G>);
    }
}

fn run_server<G: GymGame>(app: App) -> AppExit {
    match serve::<G>(app) {
        Ok(()) => AppExit::Success,
        Err(message) => {
            eprintln!("{}: {message}", G::NAME);
            AppExit::error()
        }
    }
}

fn serve<G: GymGame>(app: App) -> Result<(), String> {
    let settings = app.world().resource::<ServerSettings>().clone();
    let mut env = Environment::<G>::new(app).map_err(|e| e.to_string())?;
    check_exposure(&settings)?;
    let listener = Listener::bind(&settings.host, settings.port, settings.token.as_deref())?;
    let (to_sim, mailbox) = transport::mailbox();
    process::install_stop_watchers(&to_sim, settings.exit_with_parent)?;
    let url = listener.url()?;
    listener.spawn_acceptor(to_sim);
    // The launcher's handshake: the first stdout line is the address, printed once serving.
    println!("{url}");
    use std::io::Write;
    std::io::stdout()
        .flush()
        .map_err(|e| format!("cannot write the address to stdout: {e}"))?;
    http::serve(&mut env, &mailbox);
    Ok(())
}

/// Whether `host` names this machine's loopback interface only.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Refuses to expose the server beyond loopback unless asked explicitly and protected by a token.
fn check_exposure(settings: &ServerSettings) -> Result<(), String> {
    if is_loopback(&settings.host) {
        return Ok(());
    }
    if !settings.allow_remote {
        return Err(format!(
            "refusing to listen on {}: a non-loopback address exposes the server to the network; expected 127.0.0.1, or --allow-remote together with --token <secret>",
            settings.host
        ));
    }
    match settings.token.as_deref() {
        Some(token) if token.len() >= 16 => Ok(()),
        _ => Err(format!(
            "refusing to listen on {} without a token of at least 16 characters; expected --token <secret> with --allow-remote",
            settings.host
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_names() {
        for host in ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["0.0.0.0", "192.168.1.2", "::", "example.com"] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
