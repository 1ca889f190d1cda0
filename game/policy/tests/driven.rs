//! A policy driving some agents of a running environment through the plugin's driver hook: it
//! acts exactly as the policy would if a client sent its actions, and client actions for its
//! agents are ignored. Played on the test kit's minimal game (Walker).

use bevy_gym_policy::{Policy, PolicyDriver};
use bevy_gym_testkit::{policy_fixture, walker};
use serde_json::Value;

const ARGS: [&str; 4] = ["--agents", "2", "--seed", "5"];

#[test]
fn a_driven_agent_plays_as_the_policy_and_ignores_client_actions() {
    let policy = Policy::load(policy_fixture("dqn_tiny")).unwrap();
    let driven = || {
        let mut env = walker::env(&ARGS);
        env.set_driver(Box::new(PolicyDriver::new(policy.clone(), vec![0])))
            .unwrap();
        env
    };
    let (mut a, mut b) = (driven(), driven());
    let spec: Value = serde_json::from_str(&a.spec_json().unwrap()).unwrap();
    assert_eq!(spec["agents"][0]["driven_by"], "policy");
    assert!(spec["agents"][1].get("driven_by").is_none());

    // The reference: no driver, the policy's action for agent 0 sent as a client would.
    let mut reference = walker::env(&ARGS);
    let mut by_hand = policy.clone();
    let width = by_hand.observation_len();
    for step in 0..60 {
        let other = Some(format!("{}", step % 5));
        let parsed = a
            .parse_actions(&[Some("JUMP".into()), other.clone()])
            .expect("agent 0's string is ignored, however invalid");
        a.step(parsed, &[]).unwrap();
        let parsed = b
            .parse_actions(&[Some("UP".into()), other.clone()])
            .unwrap();
        b.step(parsed, &[]).unwrap();
        let observation = reference.observe()[..width].to_vec();
        let mine = by_hand.act(&observation).remove(0);
        let theirs = reference.parse_actions(&[None, other]).unwrap()[1].clone();
        reference.step(vec![Some(mine), theirs], &[]).unwrap();
    }
    assert_eq!(a.state_json(), b.state_json());
    assert_eq!(a.state_json(), reference.state_json());
}

#[test]
fn options_that_the_policy_cannot_play_are_refused() {
    let policy = Policy::load(policy_fixture("dqn_tiny")).unwrap();
    let mut env = walker::env(&ARGS);
    env.set_driver(Box::new(PolicyDriver::new(policy, vec![1])))
        .unwrap();
    let before = env.spec_json().unwrap();
    let refused = env.reset(bevy_gym_server::ResetRequest {
        options: Some(
            serde_json::json!({"action_space": "continuous"})
                .as_object()
                .unwrap()
                .clone(),
        ),
        ..Default::default()
    });
    assert_eq!(
        refused.unwrap_err().to_string(),
        "policy acts in Discrete(5) but agent_1's actions are Box(shape [3], [-1, 1])"
    );
    assert_eq!(
        env.spec_json().unwrap(),
        before,
        "a refused reset changes nothing"
    );
}
