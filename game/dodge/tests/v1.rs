//! Dodge v1 (`--rules-version 1`): the seed game's jump, its action variants and the thrower's
//! warning, through the in-process environment. Version 0 is pinned by `v0_pin.rs`.

mod common;

use bevy_gym_dodge::arena::Arenas;
use bevy_gym_dodge::observation::{OBSERVATION_LEN, OBSERVATION_LEN_V1};
use bevy_gym_server::{Action, Space};
use common::env;
use serde_json::Value;

fn discrete(n: usize, index: u32) -> Vec<Option<Action>> {
    vec![Some(Action::Discrete(index)); n]
}

#[test]
fn v1_spaces_add_jump_height_and_the_warning() {
    let e = env(&["--rules-version", "1"]);
    let space = &e.spaces()[0];
    assert!(matches!(&space.action, Space::Discrete { n: 6, names } if names[5] == "JUMP"));
    assert_eq!(space.observation.flat_len(), OBSERVATION_LEN_V1);
    assert_eq!(OBSERVATION_LEN_V1, OBSERVATION_LEN + 6);
    for (name, len) in [
        ("continuous", 4),
        ("basic_3d", 3),
        ("basic_4d_jump", 4),
        ("tilt_5d", 5),
        ("full_6d", 6),
    ] {
        let e = env(&["--rules-version", "1", "--action-space", name]);
        assert_eq!(e.spaces()[0].action.flat_len(), len, "{name}");
    }
    let v0 = env(&["--action-space", "continuous"]);
    assert_eq!(
        v0.spaces()[0].action.flat_len(),
        3,
        "v0's continuous is unchanged"
    );
    assert_eq!(v0.spaces()[0].observation.flat_len(), OBSERVATION_LEN);
}

#[test]
fn a_jump_rises_and_lands_in_discrete_and_continuous() {
    for (args, jump, rest) in [
        (
            vec!["--rules-version", "1"],
            Action::Discrete(5),
            Action::Discrete(0),
        ),
        (
            vec!["--rules-version", "1", "--action-space", "continuous"],
            Action::Continuous(vec![0.0, 0.0, -1.0, 1.0]),
            Action::Continuous(vec![0.0, 0.0, -1.0, -1.0]),
        ),
        (
            vec!["--rules-version", "1", "--action-space", "full_6d"],
            Action::Continuous(vec![0.0, 0.0, 1.0, 0.5, -0.5, -1.0]),
            Action::Continuous(vec![0.0, 0.0, -1.0, 0.0, 0.0, -1.0]),
        ),
    ] {
        let mut e = env(&args);
        e.step(vec![Some(jump.clone())], &[]).unwrap();
        let height = e.observe()[OBSERVATION_LEN];
        let rising = e.observe()[OBSERVATION_LEN + 1];
        assert!(height > 0.1 && rising > 0.0, "{args:?}: {height} {rising}");
        // Holding the jump in the air does not jump again; the jump lasts 0.7 s (11 steps).
        for _ in 0..12 {
            e.step(vec![Some(rest.clone())], &[]).unwrap();
        }
        let landed = &e.observe()[OBSERVATION_LEN..OBSERVATION_LEN + 2];
        assert_eq!(landed, &[0.0, 0.0], "{args:?}");
    }
}

#[test]
fn jumping_at_the_right_moment_lets_the_ball_pass_beneath() {
    // A flat throw (0.8 s from the far line, as at level 2): it leaves at tick 120 and reaches
    // the player's centre at tick 168, passing within hit distance for about ticks 164 to 172.
    let fate = |jump_at: Option<usize>| {
        let args = [
            "--rules-version",
            "1",
            "--seed",
            "3",
            "--projectile-flight-time",
            "0.8",
        ];
        let mut e = env(&args);
        // The next throw (tick 240) is not this test's business.
        for step in 0..58 {
            let action = if Some(step) == jump_at { 5 } else { 0 };
            e.step(discrete(1, action), &[]).unwrap();
            if e.terminated()[0] {
                return Some(step);
            }
        }
        None
    };
    let standing = fate(None).expect("a player who stands still is hit");
    assert!((40..=42).contains(&standing), "hit at step {standing}");
    // A jump from tick 148 is 0.8 units up or more from tick 157 to tick 181.
    assert_eq!(fate(Some(37)), None, "the jump lets the ball pass beneath");
    assert!(
        fate(Some(30)).is_some(),
        "a jump too early lands before the ball arrives"
    );
}

#[test]
fn the_warning_announces_where_the_next_throw_starts() {
    // Throws from anywhere on the arc, every 2 s (level 1's interval: the warning shows for the
    // last 0.5 s of it; at level 2 the interval is 0.5 s and the warning never goes away).
    let mut e = env(&[
        "--rules-version",
        "1",
        "--random-spawn-position",
        "--seed",
        "9",
    ]);
    let warning = |e: &mut bevy_gym_server::Environment<bevy_gym_dodge::Dodge>| {
        e.observe()[OBSERVATION_LEN + 2..OBSERVATION_LEN_V1].to_vec()
    };
    assert_eq!(
        warning(&mut e),
        vec![0.0; 4],
        "no warning 2 s before the first throw"
    );
    let mut announced = None;
    for _ in 0..40 {
        e.step(discrete(1, 0), &[]).unwrap();
        let w = warning(&mut e);
        let state: Value = serde_json::from_str(&e.state_json()).unwrap();
        let next = &state["arenas"][0]["next_throw_from"];
        let left = state["arenas"][0]["next_throw_in_ticks"].as_u64().unwrap();
        if left as f32 / 60.0 <= 0.5 {
            assert!(w[3] > 0.0 && w[3] <= 1.0, "the warning shows: {w:?}");
            announced = Some(next.clone());
        } else {
            assert_eq!(w, vec![0.0; 4], "no warning {left} ticks before the throw");
            if let Some(point) = announced.take() {
                // The throw just happened, from the announced point.
                let from = e.world().resource::<Arenas>().0[0].last_throw.unwrap().from;
                let point: Vec<f32> = serde_json::from_value(point).unwrap();
                assert_eq!(vec![from.x, from.y, from.z], point);
                return;
            }
        }
    }
    panic!("no throw followed a warning in 40 steps");
}

#[test]
fn the_image_shows_the_warning_in_the_seed_games_orange() {
    let orange = |e: &mut bevy_gym_server::Environment<bevy_gym_dodge::Dodge>| {
        e.render().chunks(3).filter(|p| p == &[255, 140, 0]).count()
    };
    let mut v1 = env(&["--rules-version", "1"]);
    let mut v0 = env(&[]);
    let mut seen = 0;
    for _ in 0..30 {
        v1.step(discrete(1, 0), &[]).unwrap();
        v0.step(discrete(1, 0), &[]).unwrap();
        seen += orange(&mut v1);
        assert_eq!(orange(&mut v0), 0, "version 0 draws no warning");
    }
    assert!(seen > 0, "the warning is drawn before the first throw");
}

#[test]
fn seed_action_names_need_rules_version_1() {
    let (settings, _) =
        bevy_gym_dodge::cli::parse_from(["bevy-dodge", "--action-space", "tilt_5d"])
            .expect("the flag parses");
    let refused =
        bevy_gym_server::Environment::<bevy_gym_dodge::Dodge>::new(bevy_gym_dodge::app(settings));
    let err = refused.err().expect("refused").to_string();
    assert!(err.contains("rules_version 1"), "{err}");
}
