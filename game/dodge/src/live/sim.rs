//! The simulation thread. The environment lives here, never in the window's loop: serve mode
//! answers HTTP exactly as `bevy-dodge` does, and the other modes step it themselves at real
//! time (or one step per drawn frame, so a screenshot shows the same step on any machine).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bevy_gym_policy::{Policy, PolicyDriver};
use bevy_gym_server::{Environment, Layout, ResetRequest, ServeArgs, SimSettings, serve};

use super::drivers::{Controls, KeyboardDriver, Pad, RandomDriver};
use super::feed::{Feed, Publisher};
use crate::Dodge;
use crate::arena::TICK_SECONDS;
use crate::config::{Control, DodgeConfig};

/// Who acts for the agents.
pub enum Drive {
    /// HTTP clients, as with `bevy-dodge` (the launcher's handshake line included); a policy
    /// file may drive some agents inside the game (`bevy-dodge --policy F --policy-agents L`).
    Serve(ServeArgs, Option<PolicyFor>),
    /// A trained policy file, for every agent.
    Policy(PathBuf),
    /// Seeded random actions.
    Random,
    /// A human: agent 0 follows the keys; the others stand still.
    Keyboard(Arc<Pad>),
}

/// A policy file and the agents it drives while clients drive the others.
pub struct PolicyFor {
    pub path: PathBuf,
    pub agents: Vec<usize>,
}

/// When the simulation steps, in the modes that step it themselves.
pub enum Pace {
    /// At `speed` times real time.
    RealTime { speed: f64 },
    /// One step each time the window sends a token.
    PerFrame(Receiver<()>),
}

/// What the window asks of the simulation.
pub enum Request {
    /// Reset every arena (the R key).
    Reset,
}

/// What the window needs to know once the simulation has started.
pub struct Started {
    pub layout: Layout,
    /// What the players' actions look like (for the keyboard).
    pub controls: Controls,
    /// The thread; in the modes that step themselves it ends once the window's side of `pace`
    /// and `requests` is dropped, with the final `/state` document.
    pub thread: JoinHandle<Option<String>>,
}

/// Starts the simulation thread; returns once the environment is built (or why it could not be).
pub fn start(
    settings: SimSettings,
    drive: Drive,
    pace: Pace,
    requests: Receiver<Request>,
    feed: Arc<Feed>,
) -> Result<Started, String> {
    let (started_tx, started_rx) = mpsc::channel::<Result<(Layout, Controls), String>>();
    let seed = settings.seed;
    let thread = std::thread::Builder::new()
        .name("simulation".into())
        .spawn(move || {
            let env = prepare(settings, &drive, seed, &feed);
            let mut env = match env {
                Ok((env, started)) => {
                    let _ = started_tx.send(Ok(started));
                    env
                }
                Err(why) => {
                    let _ = started_tx.send(Err(why));
                    return None;
                }
            };
            let (result, last) = match drive {
                Drive::Serve(args, _) => (serve(env, &args).map_err(|e| e.to_string()), None),
                _ => {
                    let auto_reset = !matches!(drive, Drive::Keyboard(_));
                    let result = run(&mut env, pace, &requests, auto_reset);
                    (result, Some(env.state_json()))
                }
            };
            feed.end(result.err());
            last
        })
        .map_err(|e| format!("cannot start the simulation thread: {e}"))?;
    let (layout, controls) = started_rx
        .recv()
        .map_err(|_| "the simulation thread stopped before starting".to_string())??;
    Ok(Started {
        layout,
        controls,
        thread,
    })
}

fn drive_with_policy(
    env: &mut Environment<Dodge>,
    path: &Path,
    mut agents: Vec<usize>,
) -> Result<(), String> {
    let policy = Policy::load(path).map_err(|e| e.to_string())?;
    agents.sort_unstable();
    agents.dedup();
    env.set_driver(Box::new(PolicyDriver::new(policy, agents)))
        .map_err(|e| e.to_string())
}

fn prepare(
    settings: SimSettings,
    drive: &Drive,
    seed: u64,
    feed: &Arc<Feed>,
) -> Result<(Environment<Dodge>, (Layout, Controls)), String> {
    let mut env = Environment::<Dodge>::new(crate::app(settings))
        .map_err(|e| format!("invalid start settings: {e}"))?;
    let layout = env.layout().clone();
    let n = layout.num_agents;
    match drive {
        Drive::Serve(_, None) => {}
        Drive::Serve(_, Some(PolicyFor { path, agents })) => {
            drive_with_policy(&mut env, path, agents.clone())?;
        }
        Drive::Policy(path) => drive_with_policy(&mut env, path, (0..n).collect())?,
        Drive::Random => {
            let driver = RandomDriver::new(n, env.spaces(), seed);
            env.set_driver(Box::new(driver))
                .map_err(|e| e.to_string())?;
        }
        Drive::Keyboard(pad) => {
            env.set_driver(Box::new(KeyboardDriver::new(pad.clone())))
                .map_err(|e| e.to_string())?;
        }
    }
    env.set_spectator(Box::new(Publisher::new(feed.clone())));
    let config = env.world().resource::<DodgeConfig>();
    let controls = Controls {
        continuous: config
            .action_kind
            .layout(config.version)
            .map(<[Control]>::to_vec),
        discrete_jump: config.version >= 1,
    };
    Ok((env, (layout, controls)))
}

/// Steps until the window goes away: arenas whose agents are all done are reset in place of
/// their next step (with `auto_reset`; a human presses R instead).
fn run(
    env: &mut Environment<Dodge>,
    pace: Pace,
    requests: &Receiver<Request>,
    auto_reset: bool,
) -> Result<(), String> {
    let spec: serde_json::Value =
        serde_json::from_str(&env.spec_json().map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    let ticks = spec["action_repeat"].as_f64().unwrap_or(1.0);
    let layout = env.layout().clone();
    let n = layout.num_agents;
    let mut next = Instant::now();
    loop {
        match &pace {
            Pace::RealTime { speed } => {
                let period = Duration::from_secs_f64(ticks * f64::from(TICK_SECONDS) / speed);
                next += period;
                let now = Instant::now();
                match next.checked_duration_since(now) {
                    Some(wait) => std::thread::sleep(wait),
                    // Far behind (a paused machine): start afresh rather than race to catch up.
                    None if now - next > Duration::from_millis(250) => next = now,
                    None => {}
                }
            }
            Pace::PerFrame(tokens) => {
                if tokens.recv().is_err() {
                    return Ok(());
                }
            }
        }
        match requests.try_recv() {
            Ok(Request::Reset) => {
                env.reset(ResetRequest {
                    seed: None,
                    arenas: None,
                    options: None,
                })
                .map_err(|e| e.to_string())?;
                continue;
            }
            Err(TryRecvError::Disconnected) => return Ok(()),
            Err(TryRecvError::Empty) => {}
        }
        let done: Vec<usize> = if auto_reset {
            let (terminated, truncated) = (env.terminated(), env.truncated());
            (0..layout.num_arenas())
                .filter(|&a| layout.agents_in(a).all(|i| terminated[i] || truncated[i]))
                .collect()
        } else {
            Vec::new()
        };
        env.step(vec![None; n], &done).map_err(|e| e.to_string())?;
    }
}

#[cfg(test)]
mod tests {
    use bevy_gym_server::{ArenaMode, Layout};

    use super::*;
    use crate::live::feed::Frame;

    fn settings(seed: u64, agents: usize) -> SimSettings {
        let mut settings = SimSettings::new::<Dodge>(Layout::new(ArenaMode::Separate, agents));
        settings.seed = seed;
        settings
    }

    /// Starts a per-frame demo and takes `steps` frames, one step each.
    fn demo(seed: u64, steps: usize, requests: Receiver<Request>) -> Vec<Frame> {
        let feed = Feed::new();
        let (tokens, rx) = mpsc::channel();
        let started = start(
            settings(seed, 2),
            Drive::Random,
            Pace::PerFrame(rx),
            requests,
            feed.clone(),
        )
        .expect("starts");
        assert_eq!(started.layout.num_arenas(), 2);
        let (first, mut version) = feed.newer_than(0).expect("the start is published");
        let mut frames = vec![first];
        for _ in 0..steps {
            feed.request();
            tokens.send(()).unwrap();
            let (frame, v) = feed
                .wait_newer_than(version, Duration::from_secs(10))
                .expect("a frame per step");
            version = v;
            frames.push(frame);
        }
        drop(tokens);
        let deadline = Instant::now() + Duration::from_secs(10);
        while feed.ended().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(
            feed.ended(),
            Some(None),
            "stops cleanly when the window goes"
        );
        frames
    }

    #[test]
    fn a_demo_is_the_same_for_the_same_seed_and_plays_whole_episodes() {
        let (_keep, idle) = mpsc::channel();
        let a = demo(3, 400, idle);
        let (_keep, idle) = mpsc::channel();
        let b = demo(3, 400, idle);
        let (_keep, idle) = mpsc::channel();
        let c = demo(4, 400, idle);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.last().unwrap().step, 400);
        assert!(
            a.iter()
                .any(|f| f.arenas.iter().any(|a| !a.projectiles.is_empty())),
            "the thrower throws"
        );
        let last = &a.last().unwrap().arenas;
        assert!(
            last.iter().any(|arena| arena.episode > 1),
            "done arenas are reset: {last:?}"
        );
        let hits = a.iter().flat_map(|f| &f.arenas).flat_map(|a| &a.players);
        assert!(hits.clone().any(|p| !p.live), "random players get hit");
        assert!(
            hits.clone().any(|p| p.episode_return > 10.0),
            "returns add up"
        );
    }

    #[test]
    fn the_window_can_reset_and_only_asked_for_frames_are_copied() {
        let (requests, rx) = mpsc::channel();
        requests.send(Request::Reset).unwrap();
        let frames = demo(5, 3, rx);
        // The first token resets (no step); the next two step.
        assert_eq!(frames[1].arenas[0].episode, 2);
        assert_eq!(frames[3].step, 2);

        let feed = Feed::new();
        let (tokens, pace) = mpsc::channel();
        let (_keep, idle) = mpsc::channel();
        start(
            settings(1, 1),
            Drive::Random,
            Pace::PerFrame(pace),
            idle,
            feed.clone(),
        )
        .unwrap();
        let (_, version) = feed.newer_than(0).unwrap();
        for _ in 0..5 {
            tokens.send(()).unwrap();
        }
        feed.request();
        tokens.send(()).unwrap();
        let (_, newer) = feed
            .wait_newer_than(version, Duration::from_secs(10))
            .unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(newer, version + 1, "one request, one copy");
        assert!(
            feed.newer_than(newer).is_none(),
            "unasked steps copy nothing"
        );
    }

    #[test]
    fn the_threaded_policy_run_is_the_plain_environment_stepped_by_hand() {
        let policy = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../policy/tests/fixtures/dqn_tiny.safetensors"
        );
        let (tokens, pace) = mpsc::channel();
        let (_keep, idle) = mpsc::channel();
        let drive = Drive::Policy(policy.into());
        let started = start(
            settings(7, 3),
            drive,
            Pace::PerFrame(pace),
            idle,
            Feed::new(),
        )
        .expect("starts");
        for _ in 0..150 {
            tokens.send(()).unwrap();
        }
        drop(tokens);
        let threaded = started.thread.join().unwrap().expect("the final state");

        let mut plain = Environment::<Dodge>::new(crate::app(settings(7, 3))).unwrap();
        let driver = PolicyDriver::new(Policy::load(policy).unwrap(), vec![0, 1, 2]);
        plain.set_driver(Box::new(driver)).unwrap();
        let layout = plain.layout().clone();
        for _ in 0..150 {
            let (terminated, truncated) = (plain.terminated(), plain.truncated());
            let done: Vec<usize> = (0..layout.num_arenas())
                .filter(|&a| layout.agents_in(a).all(|i| terminated[i] || truncated[i]))
                .collect();
            plain.step(vec![None; 3], &done).unwrap();
        }
        assert_eq!(threaded, plain.state_json());
    }

    #[test]
    fn serving_with_a_policy_for_a_missing_agent_fails_the_start_with_its_reason() {
        let (_keep, idle) = mpsc::channel();
        let (_keep2, pace) = mpsc::channel();
        let policy = PolicyFor {
            path: concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../policy/tests/fixtures/dqn_tiny.safetensors"
            )
            .into(),
            agents: vec![0, 5],
        };
        let drive = Drive::Serve(ServeArgs::default(), Some(policy));
        let err = start(
            settings(1, 3),
            drive,
            Pace::PerFrame(pace),
            idle,
            Feed::new(),
        )
        .err()
        .expect("refused");
        assert!(err.contains("agent_5, which does not exist"), "{err}");
    }

    #[test]
    fn a_bad_policy_file_fails_the_start_with_its_reason() {
        let (_keep, idle) = mpsc::channel();
        let (_keep2, pace) = mpsc::channel();
        let err = start(
            settings(1, 1),
            Drive::Policy("/nonexistent/policy.safetensors".into()),
            Pace::PerFrame(pace),
            idle,
            Feed::new(),
        )
        .err()
        .expect("refused");
        assert!(err.contains("/nonexistent/policy.safetensors"), "{err}");
    }
}
