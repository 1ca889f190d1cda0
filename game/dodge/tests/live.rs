//! Dodge on `bevy_gym_view`'s simulation thread, headless: the modes a window drives (random
//! actions, a policy, an evaluation, serving) play the same episodes as the plain environment,
//! and the window is handed only the frames it asks for.

use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use bevy_gym_dodge::Dodge;
use bevy_gym_dodge::live::DodgeFrame;
use bevy_gym_policy::{Policy, PolicyArgs, PolicyDriver, Summary, Team, evaluate};
use bevy_gym_server::{ArenaMode, Environment, Layout, ServeArgs, SimSettings};
use bevy_gym_view::sim::{self, Pace, Request, Run};
use bevy_gym_view::{Feed, Frame, Mode};

const POLICY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../policy/tests/fixtures/dqn_tiny.safetensors"
);

fn settings(seed: u64, agents: usize) -> SimSettings {
    let mut settings = SimSettings::new::<Dodge>(Layout::new(ArenaMode::Separate, agents));
    settings.seed = seed;
    settings
}

fn run(settings: SimSettings, mode: Mode, policy: PolicyArgs) -> Run {
    Run {
        settings,
        mode,
        serve: ServeArgs::default(),
        policy,
        pad: None,
    }
}

fn policy(agents: Option<Vec<usize>>, episodes: Option<u64>) -> PolicyArgs {
    PolicyArgs {
        policy: Some(POLICY.into()),
        policy_agents: agents,
        episodes,
        ..PolicyArgs::default()
    }
}

type DodgeFeed = std::sync::Arc<Feed<Frame<DodgeFrame>>>;

/// Starts a per-frame demo and takes `steps` frames, one step each.
fn demo(seed: u64, steps: usize, requests: Receiver<Request>) -> Vec<Frame<DodgeFrame>> {
    let feed: DodgeFeed = Feed::new();
    let (tokens, rx) = mpsc::channel();
    let started = sim::start::<Dodge>(
        bevy_gym_dodge::app,
        run(settings(seed, 2), Mode::Random, PolicyArgs::default()),
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
            .any(|f| f.game.arenas.iter().any(|a| !a.projectiles.is_empty())),
        "the thrower throws"
    );
    let last = &a.last().unwrap().arenas;
    assert!(
        last.iter().any(|arena| arena.episode > 1),
        "done arenas are reset: {last:?}"
    );
    let agents = a.iter().flat_map(|f| &f.arenas).flat_map(|a| &a.agents);
    assert!(agents.clone().any(|p| !p.live), "random players get hit");
    assert!(
        agents.clone().any(|p| p.episode_return > 10.0),
        "returns add up"
    );
    assert!(agents.clone().all(|p| p.id == format!("agent_{}", p.agent)));
}

#[test]
fn the_window_can_reset_and_only_asked_for_frames_are_copied() {
    let (requests, rx) = mpsc::channel();
    requests.send(Request::Reset).unwrap();
    let frames = demo(5, 3, rx);
    // The first token resets (no step); the next two step.
    assert_eq!(frames[1].arenas[0].episode, 2);
    assert_eq!(frames[3].step, 2);

    let feed: DodgeFeed = Feed::new();
    let (tokens, pace) = mpsc::channel();
    let (_keep, idle) = mpsc::channel();
    sim::start::<Dodge>(
        bevy_gym_dodge::app,
        run(settings(1, 1), Mode::Random, PolicyArgs::default()),
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
    let (tokens, pace) = mpsc::channel();
    let (_keep, idle) = mpsc::channel();
    let started = sim::start::<Dodge>(
        bevy_gym_dodge::app,
        run(settings(7, 3), Mode::Policy, policy(None, None)),
        Pace::PerFrame(pace),
        idle,
        Feed::new(),
    )
    .expect("starts");
    for _ in 0..150 {
        tokens.send(()).unwrap();
    }
    drop(tokens);
    let threaded = started
        .thread
        .join()
        .unwrap()
        .state
        .expect("the final state");

    let mut plain = Environment::<Dodge>::new(bevy_gym_dodge::app(settings(7, 3))).unwrap();
    let driver = PolicyDriver::new(Policy::load(POLICY).unwrap(), vec![0, 1, 2]);
    plain.set_driver(Box::new(driver)).unwrap();
    for _ in 0..150 {
        let done = plain.finished_arenas();
        plain.step(vec![None; 3], &done).unwrap();
    }
    assert_eq!(threaded, plain.state_json());
}

#[test]
fn an_evaluation_in_the_view_plays_the_headless_binary_s_episodes() {
    let (tokens, pace) = mpsc::channel::<()>();
    let (_keep, idle) = mpsc::channel();
    let started = sim::start::<Dodge>(
        bevy_gym_dodge::app,
        run(settings(3, 4), Mode::Evaluate(6), policy(None, Some(6))),
        Pace::PerFrame(pace),
        idle,
        Feed::new(),
    )
    .expect("starts");
    // A window that draws a few frames and goes: the rest plays unpaced.
    for _ in 0..20 {
        tokens.send(()).unwrap();
    }
    drop(tokens);
    let summary = started.thread.join().unwrap().summary.expect("a summary");

    let mut plain = Environment::<Dodge>::new(bevy_gym_dodge::app(settings(3, 4))).unwrap();
    let mut every = Team::one(
        Policy::load(POLICY).unwrap(),
        (0..plain.layout().num_agents).collect(),
    );
    let episodes = evaluate(&mut plain, &mut every, 6);
    assert_eq!(summary, Summary::of(&episodes).to_json());
}

#[test]
fn serving_with_a_policy_for_a_missing_agent_fails_the_start_with_its_reason() {
    let (_keep, idle) = mpsc::channel();
    let (_keep2, pace) = mpsc::channel();
    let err = sim::start::<Dodge>(
        bevy_gym_dodge::app,
        run(settings(1, 3), Mode::Serve, policy(Some(vec![0, 5]), None)),
        Pace::PerFrame(pace),
        idle,
        Feed::new(),
    )
    .err()
    .expect("refused");
    assert!(err.contains("agent"), "{err}");
    assert!(err.contains('5'), "{err}");
}

#[test]
fn a_bad_policy_file_fails_the_start_with_its_reason() {
    let (_keep, idle) = mpsc::channel();
    let (_keep2, pace) = mpsc::channel();
    let missing = PolicyArgs {
        policy: Some("/nonexistent/policy.safetensors".into()),
        ..PolicyArgs::default()
    };
    let err = sim::start::<Dodge>(
        bevy_gym_dodge::app,
        run(settings(1, 1), Mode::Policy, missing),
        Pace::PerFrame(pace),
        idle,
        Feed::new(),
    )
    .err()
    .expect("refused");
    assert!(err.contains("/nonexistent/policy.safetensors"), "{err}");
}
