//! Determinism: the same seed and actions give bit-identical states, observations and rewards;
//! another seed differs. In process (fast) here; across processes in `http.rs`.

mod common;

use bevy_gym_server::Action;
use bevy_gym_testkit::trajectory;
use common::env;

#[test]
fn same_seed_same_trajectory_shared() {
    let args = [
        "--agents",
        "4",
        "--arena-mode",
        "shared",
        "--level",
        "2",
        "--max-episode-steps",
        "300",
    ];
    let a = trajectory(env(&args), 7, 1000);
    assert_eq!(a, trajectory(env(&args), 7, 1000));
    assert_ne!(a, trajectory(env(&args), 8, 1000));
}

#[test]
fn same_seed_same_trajectory_separate() {
    let args = [
        "--agents",
        "16",
        "--arena-mode",
        "separate",
        "--max-episode-steps",
        "200",
    ];
    let a = trajectory(env(&args), 11, 1000);
    assert_eq!(a, trajectory(env(&args), 11, 1000));
    assert_ne!(a, trajectory(env(&args), 12, 1000));
}

#[test]
fn separate_arenas_differ_from_each_other() {
    let mut e = env(&["--agents", "2", "--arena-mode", "separate", "--level", "2"]);
    for _ in 0..30 {
        e.step(vec![Some(Action::Discrete(0)); 2], &[]).unwrap();
    }
    let doc: serde_json::Value = serde_json::from_str(&e.state_json()).unwrap();
    assert_ne!(
        doc["arenas"][0]["projectiles"],
        doc["arenas"][1]["projectiles"]
    );
}
