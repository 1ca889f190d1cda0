//! The simulation thread. The environment lives here, never in the window's loop: serve mode
//! answers HTTP exactly as the game's headless binary does, and the other modes step it
//! themselves at real time (or one step per drawn frame, so a screenshot shows the same step on
//! any machine).

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bevy::app::App;
use bevy_gym_policy::{PolicyArgs, PolicyDriver, Summary, evaluate, image_options, load_for};
use bevy_gym_server::{
    Action, AgentSpaces, Driver, DriverInput, Environment, Layout, ResetRequest, ServeArgs,
    SimSettings, serve,
};

use crate::LiveGame;
use crate::drivers::{KeyboardDriver, Pad, RandomDriver};
use crate::feed::{Feed, Frame, Publisher};
use crate::plan::Mode;

/// What a run is: the game's settings, who drives, and the flags each mode reads.
pub struct Run {
    pub settings: SimSettings,
    pub mode: Mode,
    /// Serve mode's flags.
    pub serve: ServeArgs,
    /// The in-game policy's flags (Policy, Evaluate, and Serve with `--policy-agents`).
    pub policy: PolicyArgs,
    /// The human's keys (Keyboard).
    pub pad: Option<Arc<Pad>>,
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

/// What the simulation thread hands back when it ends.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Finished {
    /// The final `/state` document (modes that step themselves).
    pub state: Option<String>,
    /// Evaluate mode: the one JSON line the headless binary's `--episodes` prints.
    pub summary: Option<String>,
}

/// What the window needs to know once the simulation has started.
pub struct Started {
    pub layout: Layout,
    /// The thread; in the modes that step themselves it ends once the window's side of `pace`
    /// and `requests` is dropped (Evaluate: once the episodes are played).
    pub thread: JoinHandle<Finished>,
}

/// Starts the simulation thread, building the game's app there with `app` (Bevy apps stay on
/// the thread that made them); returns once the environment is built, or why it could not be.
pub fn start<G: LiveGame>(
    app: fn(SimSettings) -> App,
    run: Run,
    pace: Pace,
    requests: Receiver<Request>,
    feed: Arc<Feed<Frame<G::Frame>>>,
) -> Result<Started, String> {
    let (started_tx, started_rx) = mpsc::channel::<Result<Layout, String>>();
    let thread = std::thread::Builder::new()
        .name("simulation".into())
        .spawn(move || {
            let prepared = prepare::<G>(app, &run, &feed);
            let (mut env, policy) = match prepared {
                Ok(ready) => {
                    let _ = started_tx.send(Ok(ready.0.layout().clone()));
                    ready
                }
                Err(why) => {
                    let _ = started_tx.send(Err(why));
                    return Finished::default();
                }
            };
            let mut finished = Finished::default();
            let result = match run.mode {
                Mode::Serve => serve(env, &run.serve).map_err(|e| e.to_string()),
                Mode::Evaluate(episodes) => {
                    let pacer = Pacer::new(pace, step_seconds(&env));
                    let driver = PacingDriver {
                        pacer,
                        requests,
                        unpaced: false,
                    };
                    env.set_driver(Box::new(driver))
                        .map_err(|e| e.to_string())
                        .map(|()| {
                            let mut team = policy.expect("Evaluate loads the policy");
                            let played = evaluate(&mut env, &mut team, episodes as usize);
                            finished.summary = Some(Summary::of(&played).to_json());
                            finished.state = Some(env.state_json());
                        })
                }
                Mode::Policy | Mode::Random | Mode::Keyboard => {
                    let auto_reset = run.mode != Mode::Keyboard;
                    let pacer = Pacer::new(pace, step_seconds(&env));
                    let result = step_until_closed(&mut env, pacer, &requests, auto_reset);
                    finished.state = Some(env.state_json());
                    result
                }
            };
            feed.end(result.err());
            finished
        })
        .map_err(|e| format!("cannot start the simulation thread: {e}"))?;
    let layout = started_rx
        .recv()
        .map_err(|_| "the simulation thread stopped before starting".to_string())??;
    Ok(Started { layout, thread })
}

type Prepared<G> = (Environment<G>, Option<bevy_gym_policy::Team>);

/// The environment with the run's driver and the feed's publisher set; in Evaluate mode the
/// checked policy, which the evaluation drives itself.
fn prepare<G: LiveGame>(
    app: fn(SimSettings) -> App,
    run: &Run,
    feed: &Arc<Feed<Frame<G::Frame>>>,
) -> Result<Prepared<G>, String> {
    let mut app = app(run.settings.clone());
    for note in image_options(&mut app, &run.policy)? {
        eprintln!("{}: note: {note}", G::NAME);
    }
    let mut env = Environment::<G>::new(app).map_err(|e| format!("invalid start settings: {e}"))?;
    let policy = load_for(&env, &run.policy)?;
    let mut kept = None;
    match (&run.mode, policy) {
        (Mode::Serve | Mode::Policy, Some(team)) => {
            env.set_driver(Box::new(PolicyDriver::team(team)))
                .map_err(|e| e.to_string())?;
        }
        (Mode::Evaluate(_), Some(policy)) => kept = Some(policy),
        (Mode::Policy | Mode::Evaluate(_), None) => {
            return Err(
                "this mode plays a policy; expected --policy FILE or --role-policy ROLE=FILE"
                    .into(),
            );
        }
        (Mode::Serve, None) => {}
        (Mode::Random, _) => {
            let driver = RandomDriver::new(env.spaces(), run.settings.seed);
            env.set_driver(Box::new(driver))
                .map_err(|e| e.to_string())?;
        }
        (Mode::Keyboard, _) => {
            let pad = run.pad.clone().unwrap_or_default();
            let keys = G::key_map(env.world());
            env.set_driver(Box::new(KeyboardDriver::new(pad, keys)))
                .map_err(|e| e.to_string())?;
        }
    }
    env.set_spectator(Box::new(Publisher::<G>::new(feed.clone())));
    Ok((env, kept))
}

/// Simulated seconds per step (ticks per step × seconds per tick), from the spec.
fn step_seconds<G: LiveGame>(env: &Environment<G>) -> f64 {
    let spec: serde_json::Value = env
        .spec_json()
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let ticks = spec["action_repeat"].as_f64().unwrap_or(1.0);
    ticks * spec["tick_seconds"].as_f64().unwrap_or(1.0 / 60.0)
}

/// Waits for the next step's turn.
struct Pacer {
    pace: Pace,
    period: Duration,
    next: Instant,
}

impl Pacer {
    fn new(pace: Pace, step_seconds: f64) -> Self {
        let period = match &pace {
            Pace::RealTime { speed } => Duration::from_secs_f64(step_seconds / speed),
            Pace::PerFrame(_) => Duration::ZERO,
        };
        Self {
            pace,
            period,
            next: Instant::now(),
        }
    }

    /// Waits until the next step is due; false once the window has gone (per-frame pacing).
    fn wait(&mut self) -> bool {
        match &self.pace {
            Pace::RealTime { .. } => {
                self.next += self.period;
                let now = Instant::now();
                match self.next.checked_duration_since(now) {
                    Some(wait) => std::thread::sleep(wait),
                    // Far behind (a paused machine): start afresh rather than race to catch up.
                    None if now - self.next > Duration::from_millis(250) => self.next = now,
                    None => {}
                }
                true
            }
            Pace::PerFrame(tokens) => tokens.recv().is_ok(),
        }
    }
}

/// Steps until the window goes away: arenas whose agents are all done are reset in place of
/// their next step (with `auto_reset`; a human presses R instead).
fn step_until_closed<G: LiveGame>(
    env: &mut Environment<G>,
    mut pacer: Pacer,
    requests: &Receiver<Request>,
    auto_reset: bool,
) -> Result<(), String> {
    let n = env.layout().num_agents;
    loop {
        if !pacer.wait() {
            return Ok(());
        }
        match requests.try_recv() {
            Ok(Request::Reset) => {
                env.reset(ResetRequest::default())
                    .map_err(|e| e.to_string())?;
                continue;
            }
            Err(TryRecvError::Disconnected) => return Ok(()),
            Err(TryRecvError::Empty) => {}
        }
        let done = if auto_reset {
            env.finished_arenas()
        } else {
            Vec::new()
        };
        env.step(vec![None; n], &done).map_err(|e| e.to_string())?;
    }
}

/// Paces an evaluation: the policy's evaluation loop steps the environment itself, and the
/// environment asks its driver for actions before every step, so a driver of no agents is where
/// that loop waits for its turn. Once the window has gone the rest plays unpaced, so the
/// summary is still that of every episode asked for.
struct PacingDriver {
    pacer: Pacer,
    /// Only to notice that the window has gone (a reset would change the episodes).
    requests: Receiver<Request>,
    unpaced: bool,
}

impl Driver for PacingDriver {
    fn name(&self) -> &str {
        "pace"
    }

    fn agents(&self) -> &[usize] {
        &[]
    }

    fn check(&self, _spaces: &[AgentSpaces]) -> Result<(), String> {
        Ok(())
    }

    fn act(&mut self, _input: DriverInput<'_>, _actions: &mut [Option<Action>]) {
        if self.unpaced {
            return;
        }
        let gone = matches!(self.requests.try_recv(), Err(TryRecvError::Disconnected));
        self.unpaced = gone || !self.pacer.wait();
    }
}
