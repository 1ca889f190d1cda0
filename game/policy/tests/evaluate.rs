//! In-process evaluation plays exactly the Python evaluation's episodes (algos/algos_utils.py
//! `evaluate`: one episode per arena of one server, seeded once) and owes nothing to timing. Played
//! on the test kit's minimal game (Walker).

use bevy_gym_policy::{Episode, Policy, Summary, Team, evaluate};
use bevy_gym_server::Action;
use bevy_gym_testkit::{policy_fixture, walker};

/// algos' evaluation, transcribed: step every arena until each has finished its first episode;
/// returns and lengths in arena order.
fn python_style(args: &[&str], policy: &mut Policy) -> Vec<(f64, u64)> {
    let mut env = walker::env(args);
    let n = env.layout().num_agents;
    let (mut returns, mut lengths, mut finished) = (vec![0f64; n], vec![0u64; n], vec![false; n]);
    while !finished.iter().all(|f| *f) {
        let actions: Vec<Option<Action>> =
            policy.act(env.observe()).into_iter().map(Some).collect();
        env.step(actions, &[]).unwrap();
        for a in 0..n {
            if !finished[a] {
                returns[a] += f64::from(env.rewards()[a]);
                lengths[a] += 1;
            }
            finished[a] |= env.terminated()[a] || env.truncated()[a];
        }
    }
    returns.into_iter().zip(lengths).collect()
}

fn sorted(mut episodes: Vec<(f64, u64)>) -> Vec<(f64, u64)> {
    episodes.sort_by(|a, b| a.partial_cmp(b).unwrap());
    episodes
}

#[test]
fn n_separate_arenas_play_the_python_evaluations_episodes() {
    for (name, extra) in [("dqn_tiny", "discrete"), ("sac_tiny", "continuous")] {
        let args = [
            "--agents",
            "6",
            "--arena-mode",
            "separate",
            "--seed",
            "10001",
            "--action-space",
            extra,
            "--max-episode-steps",
            "300",
        ];
        let mut policy = Policy::load(policy_fixture(name)).unwrap();
        let expected = python_style(&args, &mut policy);
        let mut env = walker::env(&args);
        let episodes = evaluate(
            &mut env,
            &mut Team::one(policy.clone(), (0..6).collect()),
            6,
        );
        let mine: Vec<(f64, u64)> = episodes.iter().map(|e| (e.reward, e.length)).collect();
        assert_eq!(sorted(mine), sorted(expected.clone()), "{name}");
        for e in &episodes {
            assert_eq!(
                (e.reward, e.length),
                expected[e.agent],
                "{name}: agent {}",
                e.agent
            );
        }
    }
}

#[test]
fn more_episodes_than_arenas_continue_each_arenas_stream_and_stop_at_exactly_n() {
    let policy = Policy::load(policy_fixture("dqn_tiny")).unwrap();
    let every = |n: usize| Team::one(policy.clone(), (0..n).collect());
    let args = [
        "--agents",
        "3",
        "--arena-mode",
        "separate",
        "--seed",
        "4",
        "--max-episode-steps",
        "50",
    ];
    let run = || evaluate(&mut walker::env(&args), &mut every(3), 7);
    let episodes = run();
    assert_eq!(episodes.len(), 7);
    // Agent 0 owes 3 episodes, agents 1 and 2 owe 2 each.
    let owed: Vec<usize> = (0..3)
        .map(|a| episodes.iter().filter(|e| e.agent == a).count())
        .collect();
    assert_eq!(owed, [3, 2, 2]);
    assert!(episodes.iter().all(|e| e.length <= 50));
    assert_eq!(episodes, run(), "the same seed plays the same episodes");
    let shared = evaluate(
        &mut walker::env(&["--agents", "3", "--seed", "4", "--max-episode-steps", "50"]),
        &mut every(3),
        5,
    );
    assert_eq!(shared.len(), 5);
}

#[test]
fn the_summary_is_over_the_finished_episodes() {
    let episodes: Vec<Episode> = [(4.0, 3), (-96.0, 20), (10.0, 8)]
        .into_iter()
        .enumerate()
        .map(|(agent, (reward, length))| Episode {
            agent,
            reward,
            length,
        })
        .collect();
    let summary = Summary::of(&episodes);
    assert_eq!(summary.episodes, 3);
    assert!((summary.mean_return - (-82.0 / 3.0)).abs() < 1e-12);
    let json: serde_json::Value = serde_json::from_str(&summary.to_json()).unwrap();
    assert_eq!(json["mean_length"], 31.0 / 3.0);
}

/// A pixel policy for walker's 8×8 grey images (any game's images serve): two stacked frames, a
/// padded convolution, a dense tanh head to [vx, vy, sprint].
fn walker_pixel_policy() -> Policy {
    use bevy_gym_testkit::policy_file::{self, Tensor};
    use serde_json::json;
    let mut seed = 7;
    let mut tensors = Vec::from(policy_file::layer("conv", &[4, 2, 3, 3], &mut seed));
    tensors.extend(policy_file::layer("mean", &[3, 4 * 8 * 8], &mut seed));
    tensors.push(Tensor::new("scale", &[3], vec![1.0; 3]));
    tensors.push(Tensor::new("bias", &[3], vec![0.0; 3]));
    let layers = json!([
        {"type": "conv2d", "weight": "conv.weight", "bias": "conv.bias", "stride": 1, "padding": 1, "activation": "relu"},
        {"type": "flatten"},
        {"weight": "mean.weight", "bias": "mean.bias", "activation": "tanh"},
    ]);
    let metadata = policy_file::pixel_metadata(layers, [8, 8, 1], 2, json!({}));
    Policy::from_bytes(
        &policy_file::safetensors(&tensors, metadata),
        "walker pixels",
    )
    .unwrap()
}

#[test]
fn a_pixel_policy_keeps_each_agents_frames_across_its_episodes_on_any_game() {
    let args = [
        "--agents",
        "4",
        "--arena-mode",
        "separate",
        "--seed",
        "5",
        "--action-space",
        "continuous",
        "--max-episode-steps",
        "60",
    ];
    let (agents, episodes) = (4, 12); // three episodes per arena, each arena reset between
    let mut policy = walker_pixel_policy();

    // The evaluation, transcribed with stacks kept by hand and one agent at a time.
    let mut env = walker::env(&args);
    let frame = env.image().bytes();
    let mut stacks: Vec<Vec<u8>> = vec![Vec::new(); agents];
    let mut fresh = vec![true; agents];
    let (mut done, mut reward, mut length) =
        (vec![0; agents], vec![0f64; agents], vec![0u64; agents]);
    let mut playing = vec![true; agents];
    let mut expected = Vec::new();
    while expected.len() < episodes {
        let images = env.render().to_vec();
        let mut actions = Vec::new();
        for agent in 0..agents {
            let image = &images[agent * frame..(agent + 1) * frame];
            if fresh[agent] {
                stacks[agent] = image.repeat(2);
                fresh[agent] = false;
            } else {
                stacks[agent].drain(..frame);
                stacks[agent].extend_from_slice(image);
            }
            actions.push(policy.act_on_frames(&stacks[agent]).pop());
        }
        env.step(actions, &[]).unwrap();
        let mut again = Vec::new();
        for agent in 0..agents {
            if !playing[agent] {
                continue;
            }
            reward[agent] += f64::from(env.rewards()[agent]);
            length[agent] += 1;
            if env.terminated()[agent] || env.truncated()[agent] {
                expected.push((reward[agent], length[agent]));
                done[agent] += 1;
                playing[agent] = false;
                if done[agent] < episodes / agents {
                    again.push(agent); // one agent per arena: its arena
                }
            }
        }
        if !again.is_empty() {
            for &agent in &again {
                (reward[agent], length[agent], playing[agent], fresh[agent]) = (0.0, 0, true, true);
            }
            env.reset(bevy_gym_server::ResetRequest {
                arenas: Some(again),
                ..Default::default()
            })
            .unwrap();
        }
    }

    let mut env = walker::env(&args);
    let mut team = Team::one(policy.clone(), (0..agents).collect());
    let played = evaluate(&mut env, &mut team, episodes);
    let mine: Vec<(f64, u64)> = played.iter().map(|e| (e.reward, e.length)).collect();
    assert_eq!(sorted(mine), sorted(expected));
    // The stacks mattered: some agent's episodes differ from its first one.
    assert!(played.iter().any(|e| e.length != played[0].length));
}
