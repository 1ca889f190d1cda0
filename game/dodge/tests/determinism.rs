//! Determinism: the same seed and actions give bit-identical states, observations and rewards;
//! another seed differs. In process (fast) here; across processes in `http.rs`.

mod common;

use bevy_gym_server::{Action, ResetRequest};
use common::{Actions, env};

fn trajectory(args: &[&str], seed: u64, steps: usize) -> Vec<String> {
    let mut e = env(args);
    e.reset(ResetRequest {
        seed: Some(seed),
        ..Default::default()
    })
    .unwrap();
    let n = e.layout().num_agents;
    let arenas = e.layout().num_arenas();
    let mut picker = Actions(12345);
    let mut out = Vec::with_capacity(steps);
    for _ in 0..steps {
        let actions = (0..n)
            .map(|_| Some(Action::Discrete(picker.next_index(5) as u32)))
            .collect();
        // Autoreset finished arenas in the same step, as a vector env would.
        let done: Vec<usize> = (0..arenas)
            .filter(|&a| {
                e.layout()
                    .agents_in(a)
                    .all(|i| e.terminated()[i] || e.truncated()[i])
            })
            .collect();
        e.step(actions, &done).unwrap();
        let obs: Vec<u32> = e.observe().iter().map(|v| v.to_bits()).collect();
        let rewards: Vec<u32> = e.rewards().iter().map(|v| v.to_bits()).collect();
        out.push(format!(
            "{}|{obs:?}|{rewards:?}|{:?}|{:?}",
            e.state_json(),
            e.terminated(),
            e.truncated()
        ));
    }
    out
}

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
    let a = trajectory(&args, 7, 1000);
    assert_eq!(a, trajectory(&args, 7, 1000));
    assert_ne!(a, trajectory(&args, 8, 1000));
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
    let a = trajectory(&args, 11, 1000);
    assert_eq!(a, trajectory(&args, 11, 1000));
    assert_ne!(a, trajectory(&args, 12, 1000));
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
