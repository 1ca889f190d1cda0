//! Game rules through the in-process environment: rewards over K ticks, hits, truncation,
//! resets, options and observation bounds.

mod common;

use bevy_gym_server::{Action, ResetRequest};
use bevy_gym_testkit::default_mismatches;
use common::env;
use serde_json::json;

fn idle(n: usize) -> Vec<Option<Action>> {
    vec![Some(Action::Discrete(0)); n]
}

#[test]
fn reward_is_summed_over_action_repeat_ticks() {
    let mut e = env(&["--action-repeat", "4"]);
    e.step(idle(1), &[]).unwrap();
    assert_eq!(e.rewards(), &[4.0]);
    let mut e = env(&["--action-repeat", "7"]);
    e.step(idle(1), &[]).unwrap();
    assert_eq!(e.rewards(), &[7.0]);
}

#[test]
fn standing_still_gets_hit_once_then_stays_terminated() {
    let mut e = env(&["--seed", "3"]);
    let mut steps = 0;
    while !e.terminated()[0] {
        e.step(idle(1), &[]).unwrap();
        steps += 1;
        assert!(
            steps < 200,
            "a projectile aimed at a still player must hit it"
        );
    }
    // The hit tick costs the penalty; the ticks before it in the step still earned survival
    // (up to 1 + 0.6 dodge bonus each).
    let hit_reward = e.rewards()[0];
    assert!((-100.0..=-95.2).contains(&hit_reward), "{hit_reward}");
    assert!(!e.truncated()[0]);
    e.step(vec![None], &[]).unwrap();
    assert_eq!(e.rewards(), &[0.0]);
    assert!(e.terminated()[0]);
}

#[test]
fn truncation_at_max_episode_steps() {
    let mut e = env(&[
        "--max-episode-steps",
        "5",
        "--arena-mode",
        "separate",
        "--agents",
        "2",
    ]);
    for step in 1..=5 {
        e.step(idle(2), &[]).unwrap();
        assert_eq!(e.truncated(), &[step == 5, step == 5]);
        assert_eq!(e.terminated(), &[false, false]);
    }
    // Done arenas stop: no reward, flags stay.
    e.step(idle(2), &[]).unwrap();
    assert_eq!(e.rewards(), &[0.0, 0.0]);
    assert_eq!(e.truncated(), &[true, true]);
}

#[test]
fn separate_arenas_reset_one_at_a_time() {
    let mut e = env(&[
        "--max-episode-steps",
        "2",
        "--arena-mode",
        "separate",
        "--agents",
        "3",
    ]);
    e.step(idle(3), &[]).unwrap();
    e.step(idle(3), &[]).unwrap();
    assert_eq!(e.truncated(), &[true, true, true]);
    e.reset(ResetRequest {
        arenas: Some(vec![1]),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(e.truncated(), &[true, false, true]);
    e.step(idle(3), &[]).unwrap();
    assert_eq!(e.rewards(), &[0.0, 4.0, 0.0]);
    // Next-step autoreset inside a step: arena 0 is reset instead of stepped.
    e.step(idle(3), &[0]).unwrap();
    assert_eq!(e.truncated(), &[false, true, true]);
    assert_eq!(e.rewards(), &[0.0, 4.0, 0.0]);
}

#[test]
fn shared_arena_continues_while_anyone_lives() {
    let mut e = env(&["--agents", "4", "--arena-mode", "shared", "--seed", "1"]);
    let (mut steps, mut first_death, mut rewarded_after) = (0u64, None, false);
    // Agent 0 stands still (gets hit); the others flee sideways and back.
    while steps < 300 && e.finished_arenas().is_empty() {
        let dir = if steps % 40 < 20 { 3 } else { 4 };
        let actions = (0..4)
            .map(|a| Some(Action::Discrete(if a == 0 { 0 } else { dir })))
            .collect();
        e.step(actions, &[]).unwrap();
        steps += 1;
        if first_death.is_some() {
            rewarded_after |= e.rewards()[1..].iter().any(|&r| r > 0.0);
        } else if e.terminated()[0] {
            first_death = Some(steps);
        }
    }
    let first_death = first_death.expect("agent 0 stood still and was hit");
    assert!(
        steps > first_death + 10,
        "the others outlive agent 0 by more than 10 steps ({first_death} of {steps})"
    );
    assert!(
        rewarded_after,
        "the live agents still earn after agent 0's death"
    );
    let doc: serde_json::Value = serde_json::from_str(&e.state_json()).unwrap();
    assert_eq!(
        doc["arenas"][0]["episode_steps"].as_u64(),
        Some(steps),
        "the arena ran every step while anyone lived, not only until the first death"
    );
}

/// Started without option flags, dodge runs every default its `/spec` declares (the level's
/// presets for the options declared `default: None`).
#[test]
fn declared_defaults_are_what_runs() {
    let e = env(&[]);
    let spec = e.spec_json().unwrap();
    assert_eq!(default_mismatches(&spec), Vec::<String>::new());
    let doc: serde_json::Value = serde_json::from_str(&spec).unwrap();
    assert_eq!(
        doc["options"]["projectile_spawn_interval"], 2.0,
        "level 1's"
    );
    let level_two: serde_json::Value =
        serde_json::from_str(&env(&["--level", "2"]).spec_json().unwrap()).unwrap();
    assert_eq!(level_two["options"]["max_projectiles"], 25, "level 2's");
    assert_eq!(level_two["options"]["image_size"], 84, "declared");
}

#[test]
fn bad_options_change_nothing() {
    let mut e = env(&[]);
    e.step(idle(1), &[]).unwrap();
    let before = e.state_json();
    let spec_before = e.spec_json();
    for bad in [
        json!({"level": 9}),
        json!({"nope": 1}),
        json!({"action_repeat": 0}),
        json!({"image_size": 1000}),
    ] {
        let err = e
            .reset(ResetRequest {
                options: Some(bad.as_object().unwrap().clone()),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(err.code(), "invalid_options", "{err}");
    }
    assert_eq!(e.state_json(), before);
    assert_eq!(e.spec_json(), spec_before);
}

/// Images past the buffer cap are refused as a whole, and the game is left as it was (the
/// options that would have applied with them included).
#[test]
fn image_buffers_past_the_cap_are_refused_and_change_nothing() {
    let mut e = env(&["--agents", "4096", "--arena-mode", "separate"]);
    let spec_before = e.spec_json().unwrap();
    let err = e
        .reset(ResetRequest {
            options: Some(
                json!({"image_size": 512, "level": 2})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.code(), "invalid_options");
    assert!(err.to_string().contains("at most 512 MiB"), "{err}");
    assert_eq!(e.spec_json().unwrap(), spec_before);
    // 4,096 grayscale images of 256² take 256 MiB: accepted.
    let fits = json!({"image_size": 256, "grayscale": true});
    e.reset(ResetRequest {
        options: Some(fits.as_object().unwrap().clone()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(e.image().height, 256);
}

#[test]
fn options_change_spaces_and_images() {
    let mut e = env(&[]);
    e.reset(ResetRequest {
        options: Some(
            json!({"action_space": "continuous", "image_size": 40, "grayscale": true, "action_repeat": 2, "level": 2})
                .as_object()
                .unwrap()
                .clone(),
        ),
        ..Default::default()
    })
    .unwrap();
    let spec: serde_json::Value = serde_json::from_str(&e.spec_json().unwrap()).unwrap();
    assert_eq!(spec["agents"][0]["action_space"]["type"], "Box");
    assert_eq!(spec["agents"][0]["action_space"]["shape"], json!([3]));
    assert_eq!(
        spec["image"],
        json!({"channels": 1, "height": 40, "width": 40})
    );
    assert_eq!(spec["action_repeat"], 2);
    assert_eq!(spec["options"]["level"], 2);
    assert_eq!(e.render().len(), 40 * 40);
    e.step(vec![Some(Action::Continuous(vec![1.0, 0.0, 1.0]))], &[])
        .unwrap();
    assert_eq!(e.rewards(), &[2.0]);
}

#[test]
fn observations_stay_in_bounds_and_players_in_the_zone() {
    let mut e = env(&[
        "--agents",
        "8",
        "--arena-mode",
        "shared",
        "--level",
        "2",
        "--action-space",
        "continuous",
    ]);
    let mut picker = common::Actions(99);
    for _ in 0..400 {
        let actions = (0..8)
            .map(|_| {
                let v: Vec<f32> = (0..3)
                    .map(|_| picker.next_index(201) as f32 / 100.0 - 1.0)
                    .collect();
                Some(Action::Continuous(v))
            })
            .collect();
        e.step(actions, &[]).unwrap();
        let obs = e.observe();
        assert_eq!(obs.len(), 8 * 72);
        assert!(
            obs.iter()
                .all(|v| v.is_finite() && (-1.0..=1.0).contains(v))
        );
    }
    let doc: serde_json::Value = serde_json::from_str(&e.state_json()).unwrap();
    for p in doc["arenas"][0]["players"].as_array().unwrap() {
        let x = p["position"][0].as_f64().unwrap();
        let y = p["position"][1].as_f64().unwrap();
        assert!(x.abs() <= 5.0 && y.abs() <= 4.0, "{p}");
    }
}
