//! Learnable throwers (`--throwers N`): roles and ids, heterogeneous spaces, where an aim sends
//! the ball, hit credit and the end of a thrower's episode, determinism, and the refusals.

mod common;

use bevy_gym_dodge::observation::OBSERVATION_LEN_V1;
use bevy_gym_dodge::observation::THROWER_OBSERVATION_LEN;
use bevy_gym_server::{Action, ResetRequest, Space};
use common::env;
use serde_json::Value;

/// Separate arenas of one dodger (agent 2a) and one thrower (agent 2a + 1), level 2, rules v1.
const PAIRS: &[&str] = &[
    "--agents",
    "4",
    "--arena-mode",
    "separate",
    "--agents-per-arena",
    "2",
    "--throwers",
    "1",
    "--level",
    "2",
    "--rules-version",
    "1",
    "--action-space",
    "continuous",
];

fn state(e: &mut bevy_gym_server::Environment<bevy_gym_dodge::Dodge>) -> Value {
    serde_json::from_str(&e.state_json()).unwrap()
}

fn actions(dodger: Action, aim: f32) -> Vec<Option<Action>> {
    (0..4)
        .map(|a| {
            Some(if a % 2 == 0 {
                dodger.clone()
            } else {
                Action::Continuous(vec![aim])
            })
        })
        .collect()
}

#[test]
fn roles_ids_and_spaces() {
    let e = env(PAIRS);
    let spec: Value = serde_json::from_str(&e.spec_json().unwrap()).unwrap();
    assert_eq!(
        agent_ids(&spec),
        ["dodger_0", "thrower_0", "dodger_1", "thrower_1"]
    );
    let arenas: Vec<u64> = spec["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["arena"].as_u64().unwrap())
        .collect();
    assert_eq!(arenas, [0, 0, 1, 1]);
    assert_eq!(e.spaces()[0].observation.flat_len(), OBSERVATION_LEN_V1);
    assert_eq!(
        e.spaces()[1].observation.flat_len(),
        THROWER_OBSERVATION_LEN
    );
    assert!(
        matches!(&e.spaces()[1].action, Space::Box { shape, low, high, .. }
        if shape == &[1] && *low == -1.0 && *high == 1.0)
    );
    // Shared arena: dodgers first, then throwers.
    let shared = env(&["--agents", "3", "--throwers", "1"]);
    let spec: Value = serde_json::from_str(&shared.spec_json().unwrap()).unwrap();
    assert_eq!(agent_ids(&spec), ["dodger_0", "dodger_1", "thrower_0"]);
}

fn agent_ids(spec: &Value) -> Vec<&str> {
    spec["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect()
}

#[test]
fn an_aim_picks_the_start_on_the_arc_and_a_hit_pays_the_thrower() {
    let mut e = env(&[PAIRS, &["--thrower-aim-noise-degrees", "0"]].concat());
    let still = Action::Continuous(vec![0.0, 0.0, -1.0, -1.0]);
    // Aim hard right: every ball starts at +60 degrees on the radius-20 arc.
    let mut thrower_return = 0.0;
    let mut dodger_hit_at = None;
    for step in 0..400 {
        e.step(actions(still.clone(), 1.0), &[]).unwrap();
        thrower_return += e.rewards()[1];
        if let Some(aim) = state(&mut e)["arenas"][0]["throwers"][0]["aim_from"].as_array() {
            let (x, y) = (aim[0].as_f64().unwrap(), aim[1].as_f64().unwrap());
            assert!((x.atan2(y).to_degrees() - 60.0).abs() < 1e-3, "{x} {y}");
        }
        if e.terminated()[0] {
            dodger_hit_at = Some(step);
            break;
        }
    }
    let at = dodger_hit_at.expect("a dodger standing still is hit");
    assert!(
        e.terminated()[1],
        "the thrower's episode ends with its dodger's"
    );
    assert!(
        e.rewards()[1] > 90.0,
        "the hit pays +100: {}",
        e.rewards()[1]
    );
    let expected = 100.0 - 0.1 * (at + 1) as f32;
    assert!(
        (thrower_return - expected).abs() < 1e-2,
        "{thrower_return} vs {expected}"
    );
}

#[test]
fn the_same_seed_and_actions_give_the_same_episode_and_the_wobble_varies_arenas() {
    let run = || {
        let mut e = env(PAIRS);
        e.reset(ResetRequest {
            seed: Some(7),
            arenas: None,
            options: None,
        })
        .unwrap();
        let mut trace = Vec::new();
        for step in 0..120 {
            let aim = ((step % 7) as f32 - 3.0) / 3.0;
            e.step(
                actions(Action::Continuous(vec![0.5, -0.2, 0.0, -1.0]), aim),
                &[],
            )
            .unwrap();
            trace.push((e.observe().to_vec(), e.rewards().to_vec()));
        }
        (trace, state(&mut e))
    };
    let (a, state_a) = run();
    let (b, state_b) = run();
    assert_eq!(a, b);
    assert_eq!(state_a, state_b);
    let arenas = state_a["arenas"].as_array().unwrap();
    assert_ne!(
        arenas[0]["projectiles"], arenas[1]["projectiles"],
        "the same aims wobble differently in each arena"
    );
}

#[test]
fn refusals_name_the_problem() {
    for (args, expected) in [
        (
            vec!["--agents", "2", "--throwers", "2"],
            "throwers=2 leaves no dodger in an arena of 2 agents",
        ),
        (
            vec![
                "--agents",
                "3",
                "--arena-mode",
                "separate",
                "--agents-per-arena",
                "2",
            ],
            "3 agents do not fill separate arenas of 2",
        ),
        (
            vec!["--agents", "2", "--agents-per-arena", "2"],
            "agents_per_arena=2 with one shared arena",
        ),
    ] {
        let (settings, _) =
            bevy_gym_dodge::cli::parse_from(std::iter::once("bevy-dodge").chain(args.clone()))
                .unwrap();
        let err = bevy_gym_server::Environment::<bevy_gym_dodge::Dodge>::new(bevy_gym_dodge::app(
            settings,
        ))
        .err()
        .unwrap_or_else(|| panic!("{args:?} is refused"))
        .to_string();
        assert!(err.contains(expected), "{err}");
    }
}
