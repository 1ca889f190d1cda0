//! Game rules through the in-process environment: catches and their rewards, who finishes when,
//! bots, roles, arenas, refused options and observation bounds.

mod common;

use bevy_gym_server::{Action, Environment, ResetRequest, Space};
use bevy_gym_tag::Tag;
use bevy_gym_tag::catching::{EVADER_TICK_REWARD, PURSUER_TICK_REWARD};
use bevy_gym_tag::spawn::MIN_START_DISTANCE;
use bevy_gym_testkit::default_mismatches;
use common::{Actions, env, position, state, toward};
use serde_json::{Value, json};

fn still() -> Option<Action> {
    Some(Action::Continuous(vec![0.0, 0.0]))
}

/// Every body of arena `arena` in `/state` (agents, then bots).
fn bodies(doc: &Value, arena: usize) -> Vec<Value> {
    let a = &doc["arenas"][arena];
    let mut all = a["agents"].as_array().unwrap().clone();
    all.extend(a["bots"].as_array().unwrap().iter().cloned());
    all
}

/// Pursuer agents head for the nearest evader still in play; evader agents stand still.
fn chase_actions(e: &mut Environment<Tag>) -> Vec<Option<Action>> {
    let doc = state(e);
    let everyone = bodies(&doc, 0);
    doc["arenas"][0]["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|me| {
            if me["role"] == "evader" {
                return still();
            }
            let at = position(me);
            let distance = |b: &&Value| {
                let p = position(b);
                (p[0] - at[0]).hypot(p[1] - at[1])
            };
            let target = everyone
                .iter()
                .filter(|b| b["role"] == "evader" && b["caught"] == false)
                .min_by(|a, b| distance(a).total_cmp(&distance(b)));
            target.map(|t| toward(at, position(t)))
        })
        .collect()
}

fn reset_with(e: &mut Environment<Tag>, options: Value) -> Result<(), bevy_gym_server::EnvError> {
    e.reset(ResetRequest {
        options: Some(options.as_object().unwrap().clone()),
        ..Default::default()
    })
}

#[test]
fn time_costs_pursuers_and_pays_evaders_every_tick() {
    let mut e = env(&["--agents", "2", "--pursuers", "1"]);
    e.step(vec![Some(Action::Discrete(0)), still()], &[])
        .unwrap();
    // Two ticks per step by default; start positions are too far apart for a catch.
    assert_eq!(
        e.rewards(),
        &[2.0 * PURSUER_TICK_REWARD, 2.0 * EVADER_TICK_REWARD]
    );
    assert_eq!(e.terminated(), &[false, false]);
}

#[test]
fn a_catch_costs_the_evader_ten_and_the_pursuers_share_ten() {
    let mut e = env(&["--agents", "3", "--pursuers", "2", "--action-repeat", "1"]);
    let mut steps = 0;
    while !e.terminated()[2] {
        let actions = chase_actions(&mut e);
        e.step(actions, &[]).unwrap();
        steps += 1;
        assert!(steps < 300, "two pursuers must reach a still evader");
        if !e.terminated()[2] {
            assert_eq!(
                e.rewards(),
                &[PURSUER_TICK_REWARD, PURSUER_TICK_REWARD, EVADER_TICK_REWARD]
            );
        }
    }
    // The catch tick: the penalty once, the bounty split; no evader is left, so the pursuers
    // finish on the same tick (and pay no time for it).
    assert_eq!(e.rewards(), &[5.0, 5.0, -10.0]);
    assert_eq!(e.terminated(), &[true, true, true]);
    assert_eq!(e.truncated(), &[false, false, false]);
    let doc = state(&mut e);
    assert_eq!(doc["arenas"][0]["agents"][2]["caught"], true);
    e.step(vec![None, None, None], &[]).unwrap();
    assert_eq!(
        e.rewards(),
        &[0.0, 0.0, 0.0],
        "a finished arena stands still"
    );
    assert_eq!(state(&mut e), doc);
}

#[test]
fn agents_finish_at_different_times() {
    let mut e = env(&[
        "--agents",
        "3",
        "--pursuers",
        "1",
        "--action-repeat",
        "1",
        "--seed",
        "2",
        "--max-episode-steps",
        "0",
    ]);
    let mut finished = [None; 3];
    for step in 0..2000 {
        let actions = chase_actions(&mut e);
        e.step(actions, &[]).unwrap();
        for agent in 0..3 {
            if e.terminated()[agent] && finished[agent].is_none() {
                finished[agent] = Some(step);
                if agent > 0 {
                    assert_eq!(e.rewards()[agent], -10.0);
                    let bounty = if finished[1].is_some() && finished[2].is_some() {
                        10.0 // the last catch: the pursuer is done and pays no time
                    } else {
                        10.0 + PURSUER_TICK_REWARD
                    };
                    assert_eq!(e.rewards()[0], bounty, "step {step}");
                }
            }
        }
        if finished.iter().all(Option::is_some) {
            break;
        }
    }
    let [Some(pursuer), Some(one), Some(two)] = finished else {
        panic!("everyone must finish: {finished:?}");
    };
    assert_ne!(one, two, "two still evaders are caught one after the other");
    assert_eq!(
        pursuer,
        one.max(two),
        "the pursuer finishes with the last catch"
    );
}

#[test]
fn bots_chase_flee_and_catch() {
    let mut e = env(&[
        "--agents",
        "1",
        "--pursuers",
        "0",
        "--bot-pursuers",
        "2",
        "--bot-evaders",
        "1",
        "--seed",
        "3",
        "--max-episode-steps",
        "0",
    ]);
    let before = state(&mut e);
    e.step(vec![still()], &[]).unwrap();
    let after = state(&mut e);
    let bots = |doc: &Value| doc["arenas"][0]["bots"].as_array().unwrap().clone();
    let roles: Vec<String> = bots(&after)
        .iter()
        .map(|b| b["role"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(roles, ["pursuer", "pursuer", "evader"]);
    for (b0, b1) in bots(&before).iter().zip(bots(&after).iter()) {
        assert_ne!(position(b0), position(b1), "bots move: {b1}");
    }
    // The bot evader runs away from the nearest pursuer.
    let evader = &bots(&after)[2];
    let (e_at, e_v) = (position(evader), evader["velocity"].clone());
    let threat = bots(&after)[..2]
        .iter()
        .map(position)
        .min_by(|a, b| {
            let d = |p: &[f64; 2]| (p[0] - e_at[0]).hypot(p[1] - e_at[1]);
            d(a).total_cmp(&d(b))
        })
        .unwrap();
    let away = (e_at[0] - threat[0]) * e_v[0].as_f64().unwrap()
        + (e_at[1] - threat[1]) * e_v[1].as_f64().unwrap();
    assert!(away > 0.0, "{after}");
    // A still evader agent is caught by the bots: the penalty, and the episode ends.
    let mut steps = 0;
    while !e.terminated()[0] {
        e.step(vec![still()], &[]).unwrap();
        steps += 1;
        assert!(steps < 500, "bot pursuers must catch a still evader");
    }
    let penalty = e.rewards()[0];
    assert!(
        penalty == -10.0 || penalty == -10.0 + EVADER_TICK_REWARD,
        "{penalty}"
    );
}

#[test]
fn a_pursuer_finishes_when_every_bot_evader_is_caught() {
    let mut e = env(&[
        "--agents",
        "1",
        "--bot-evaders",
        "2",
        "--catch-radius",
        "1",
        "--seed",
        "4",
        "--max-episode-steps",
        "0",
    ]);
    let mut bounty = 0.0;
    let mut steps = 0;
    while !e.terminated()[0] {
        let actions = chase_actions(&mut e);
        e.step(actions, &[]).unwrap();
        bounty += e.rewards()[0].max(0.0);
        steps += 1;
        assert!(steps < 3000, "a faster pursuer must corner two bots");
    }
    assert!(bounty >= 19.9, "two catches pay about 10 each: {bounty}");
    let doc = state(&mut e);
    let caught: Vec<&Value> = doc["arenas"][0]["bots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["caught"])
        .collect();
    assert_eq!(caught, [&json!(true), &json!(true)]);
}

#[test]
fn separate_arenas_hold_one_agent_each_plus_the_bots() {
    let mut e = env(&[
        "--agents",
        "3",
        "--arena-mode",
        "separate",
        "--bot-pursuers",
        "1",
        "--bot-evaders",
        "2",
    ]);
    let doc = state(&mut e);
    for (arena, role) in [(0, "pursuer"), (1, "evader"), (2, "evader")] {
        let a = &doc["arenas"][arena];
        assert_eq!(a["agents"].as_array().unwrap().len(), 1);
        assert_eq!(a["agents"][0]["id"], format!("agent_{arena}"));
        assert_eq!(a["agents"][0]["role"], role);
        let roles: Vec<&Value> = a["bots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| &b["role"])
            .collect();
        assert_eq!(
            roles,
            [&json!("pursuer"), &json!("evader"), &json!("evader")]
        );
        // Roomy arenas: no evader starts within reach of a pursuer's opening moves.
        let everyone = bodies(&doc, arena);
        for p in everyone.iter().filter(|b| b["role"] == "pursuer") {
            for v in everyone.iter().filter(|b| b["role"] == "evader") {
                let (a, b) = (position(p), position(v));
                assert!((a[0] - b[0]).hypot(a[1] - b[1]) >= f64::from(MIN_START_DISTANCE));
            }
        }
    }
    let actions = vec![Some(Action::Discrete(1)), still(), still()];
    e.step(actions.clone(), &[]).unwrap();
    e.step(actions, &[]).unwrap();
    let stepped = state(&mut e);
    e.reset(ResetRequest {
        arenas: Some(vec![1]),
        ..Default::default()
    })
    .unwrap();
    let reset = state(&mut e);
    assert_eq!(reset["arenas"][0], stepped["arenas"][0]);
    assert_eq!(reset["arenas"][2], stepped["arenas"][2]);
    assert_eq!(reset["arenas"][1]["ticks"], 0);
    assert_ne!(reset["arenas"][1], stepped["arenas"][1]);
}

#[test]
fn the_pursuers_option_sets_roles_and_spaces() {
    let mut e = env(&["--agents", "2", "--pursuers", "1"]);
    let kinds = |e: &Environment<Tag>| -> Vec<(bool, usize)> {
        e.spaces()
            .iter()
            .map(|s| {
                (
                    matches!(s.action, Space::Discrete { .. }),
                    s.observation.flat_len(),
                )
            })
            .collect()
    };
    assert_eq!(kinds(&e), [(true, 12), (false, 8)]);
    reset_with(&mut e, json!({"pursuers": 2, "bot_evaders": 1})).unwrap();
    assert_eq!(kinds(&e), [(true, 12), (true, 12)]);
    reset_with(&mut e, json!({"pursuers": 0, "bot_pursuers": 1})).unwrap();
    assert_eq!(kinds(&e), [(false, 8), (false, 8)]);
    assert_eq!(
        e.observe().len(),
        2 * 8,
        "the slot is the longest observation present"
    );
    let doc = state(&mut e);
    assert_eq!(doc["arenas"][0]["agents"][0]["role"], "evader");
    assert_eq!(doc["arenas"][0]["bots"][0]["role"], "pursuer");
}

#[test]
fn rules_version_1_puts_both_roles_in_every_arena_with_ids_that_name_them() {
    let mut e = env(&[
        "--agents",
        "4",
        "--arena-mode",
        "separate",
        "--agents-per-arena",
        "2",
        "--rules-version",
        "1",
    ]);
    let spec: Value = serde_json::from_str(&e.spec_json().unwrap()).unwrap();
    let ids: Vec<&Value> = spec["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["id"])
        .collect();
    assert_eq!(ids, ["pursuer_0", "evader_0", "pursuer_1", "evader_1"]);
    let doc = state(&mut e);
    for arena in 0..2 {
        let agents = doc["arenas"][arena]["agents"].as_array().unwrap();
        let roles: Vec<&Value> = agents.iter().map(|a| &a["role"]).collect();
        assert_eq!(roles, ["pursuer", "evader"], "arena {arena}");
        assert_eq!(agents[1]["id"], format!("evader_{arena}"));
        assert!(doc["arenas"][arena]["bots"].as_array().unwrap().is_empty());
    }
    // Version 0 of the same layout keeps tag_v0's rule for separate arenas (every opponent a
    // bot), so without bots it is refused, not silently played.
    let err = reset_with(&mut e, json!({"rules_version": 0})).unwrap_err();
    assert!(err.to_string().contains("have no evader"), "{err}");
}

#[test]
fn pursuit_shaping_pays_for_closing_in_and_is_off_by_default() {
    let run = |shaping: &str| {
        let mut e = env(&[
            "--agents",
            "2",
            "--rules-version",
            "1",
            "--pursuer-shaping",
            shaping,
        ]);
        let mut first = Vec::new();
        for _ in 0..3 {
            let actions = chase_actions(&mut e);
            e.step(actions, &[]).unwrap();
            first.push(e.rewards()[0]);
        }
        first
    };
    let plain = run("0");
    assert_eq!(plain, [2.0 * PURSUER_TICK_REWARD; 3]);
    let shaped = run("1");
    // The first step's first tick has no earlier distance; each later tick closes at up to
    // 4 units/s · 1/30 s against a still evader.
    let per_tick = 4.0 / 30.0;
    for (k, (s, p)) in shaped.iter().zip(&plain).enumerate() {
        let ticks = if k == 0 { 1.0 } else { 2.0 };
        let bonus = s - p;
        assert!(
            bonus > 0.0 && bonus <= ticks * per_tick + 1e-5,
            "step {k}: {bonus}"
        );
    }
}

/// Started without option flags (two agents: one alone has no evader), tag runs every default
/// its `/spec` declares.
#[test]
fn declared_defaults_are_what_runs() {
    let spec = env(&["--agents", "2"]).spec_json().unwrap();
    assert_eq!(default_mismatches(&spec), Vec::<String>::new());
}

#[test]
fn refused_options_change_nothing() {
    let mut e = env(&["--agents", "2", "--pursuers", "1", "--bot-evaders", "1"]);
    e.step(vec![Some(Action::Discrete(1)), still()], &[])
        .unwrap();
    let before = e.state_json();
    let spec_before = e.spec_json().unwrap();
    for bad in [
        json!({"pursuers": 3, "bot_evaders": 0}),
        json!({"pursuers": 0}),
        json!({"pursuers": 2, "bot_evaders": 0}),
        json!({"bot_pursuers": 9}),
        json!({"catch_radius": 0}),
        json!({"image_size": 16}),
        json!({"speed": 1}),
        json!({"action_repeat": 0}),
    ] {
        let err = reset_with(&mut e, bad.clone()).unwrap_err();
        assert_eq!(err.code(), "invalid_options", "{bad}");
        let message = err.to_string();
        assert!(
            message.contains("; expected ") && !message.contains('\n'),
            "{bad}: {message}"
        );
    }
    assert_eq!(e.state_json(), before);
    assert_eq!(e.spec_json().unwrap(), spec_before);
}

#[test]
fn observations_stay_in_bounds_padded_and_bodies_inside_the_walls() {
    let mut e = env(&[
        "--agents",
        "6",
        "--pursuers",
        "2",
        "--bot-pursuers",
        "2",
        "--bot-evaders",
        "2",
        "--max-episode-steps",
        "0",
    ]);
    let mut picker = Actions(99);
    for _ in 0..400 {
        let spaces = e.action_spaces().into_iter().cloned().collect::<Vec<_>>();
        let actions = picker.fitting(&spaces.iter().collect::<Vec<_>>());
        e.step(actions.into_iter().map(Some).collect(), &[])
            .unwrap();
        let obs = e.observe();
        assert_eq!(obs.len(), 6 * 12);
        assert!(
            obs.iter()
                .all(|v| v.is_finite() && (-1.0..=1.0).contains(v))
        );
        for evader in 2..6 {
            assert_eq!(
                &obs[evader * 12 + 8..(evader + 1) * 12],
                &[0.0; 4],
                "padding"
            );
        }
    }
    let doc = state(&mut e);
    for b in bodies(&doc, 0) {
        let [x, y] = position(&b);
        assert!(x.abs() <= 6.0 && y.abs() <= 6.0, "{b}");
    }
}
