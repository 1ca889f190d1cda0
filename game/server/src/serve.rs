//! Serving an environment: the serving flags every game's CLI flattens, the plugin that makes
//! `App::run` serve, and the start-up sequence (exposure check, bind, stop watchers, announce).

use std::io::Write;
use std::marker::PhantomData;

use bevy::prelude::*;

use crate::env::Environment;
use crate::error::StartError;
use crate::game::GymGame;
use crate::http::{self, Listener};
use crate::{process, routes};

/// Port bevy_rl servers listen on; old clients have it hard-coded.
pub const BEVY_RL_PORT: u16 = 7878;

/// How the server is reached and stopped; a game's CLI flattens these (`#[command(flatten)]`).
#[derive(clap::Args, Resource, Clone, Debug, PartialEq, Eq)]
pub struct ServeArgs {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = BEVY_RL_PORT)]
    pub port: u16,
    /// Address to bind. Anything but loopback exposes the server to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Exit when stdin closes or the parent process dies (set by launchers).
    #[arg(long)]
    pub exit_with_parent: bool,
    /// Permit a non-loopback --host (requires --token).
    #[arg(long)]
    pub allow_remote: bool,
    /// Shared secret (16+ characters) every request must send as `Authorization: Bearer <token>`.
    #[arg(long)]
    pub token: Option<String>,
    /// Print the `/spec` document these settings give, as one line, and exit without serving.
    #[arg(long)]
    pub print_spec: bool,
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            port: BEVY_RL_PORT,
            host: "127.0.0.1".into(),
            exit_with_parent: false,
            allow_remote: false,
            token: None,
            print_spec: false,
        }
    }
}

/// Makes `App::run` serve game `G` (built with [`EnvPlugin`](crate::EnvPlugin)) until stopped.
pub struct ServePlugin<G: GymGame> {
    args: ServeArgs,
    _game: PhantomData<G>,
}

impl<G: GymGame> ServePlugin<G> {
    pub fn new(args: ServeArgs) -> Self {
        Self {
            args,
            _game: PhantomData,
        }
    }
}

impl<G: GymGame> Plugin for ServePlugin<G> {
    fn build(&self, app: &mut App) {
        app.insert_resource(self.args.clone()).set_runner(run::<G>);
    }
}

fn run<G: GymGame>(mut app: App) -> AppExit {
    let args = app
        .world_mut()
        .remove_resource::<ServeArgs>()
        .unwrap_or_default();
    let served = Environment::<G>::new(app)
        .map_err(StartError::from)
        .and_then(|env| serve(env, &args));
    match served {
        Ok(()) => AppExit::Success,
        Err(err) => {
            eprintln!("{}: {err}", G::NAME);
            AppExit::error()
        }
    }
}

/// Serves `env` until a signal (or, with `--exit-with-parent`, the parent's exit) stops it; with
/// `--print-spec`, prints the spec instead. The first stdout line is the address, printed once
/// the server answers (the launchers' handshake).
pub fn serve<G: GymGame>(mut env: Environment<G>, args: &ServeArgs) -> Result<(), StartError> {
    if args.print_spec {
        let spec = env.spec_json()?;
        return writeln!(std::io::stdout(), "{spec}").map_err(StartError::io("print the spec"));
    }
    check_exposure(args)?;
    let listener = Listener::bind(&args.host, args.port, args.token.as_deref())?;
    let (to_sim, mailbox) = http::mailbox();
    // Before announcing the address, so that a launcher's early signal is never lost.
    process::install_stop_watchers(&to_sim, args.exit_with_parent)?;
    let url = listener.url()?;
    listener.spawn(to_sim)?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{url}")
        .and_then(|()| stdout.flush())
        .map_err(StartError::io("write the address to stdout"))?;
    routes::serve(&mut env, &mailbox);
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
fn check_exposure(args: &ServeArgs) -> Result<(), StartError> {
    if is_loopback(&args.host) {
        return Ok(());
    }
    if !args.allow_remote {
        return Err(StartError::RemoteNotAllowed(args.host.clone()));
    }
    match args.token.as_deref() {
        Some(token) if token.len() >= 16 => Ok(()),
        _ => Err(StartError::WeakToken(args.host.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names() {
        for host in ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["0.0.0.0", "192.168.1.2", "::", "example.com"] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn exposure_needs_allow_remote_and_a_long_token() {
        let open = ServeArgs {
            host: "0.0.0.0".into(),
            ..ServeArgs::default()
        };
        assert!(matches!(
            check_exposure(&open),
            Err(StartError::RemoteNotAllowed(_))
        ));
        let weak = ServeArgs {
            allow_remote: true,
            token: Some("short".into()),
            ..open.clone()
        };
        assert!(matches!(
            check_exposure(&weak),
            Err(StartError::WeakToken(_))
        ));
        let ok = ServeArgs {
            token: Some("0123456789abcdef".into()),
            ..weak
        };
        assert!(check_exposure(&ok).is_ok());
        assert!(check_exposure(&ServeArgs::default()).is_ok());
    }
}
