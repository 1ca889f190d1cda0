//! Cost of in-game inference: `cargo bench -p bevy_gym_policy --bench inference` prints a
//! markdown table and a JSON line. Rows: the fixtures' DQN and SAC networks (72 → 256 → 256 →
//! 5 or 3, the training scripts' sizes) acting for 1, 16 and 256 agents in one batch, and a whole
//! dodge step at 256 agents with and without the policy driving every agent; a pixel policy of
//! algos/sac_pixels.py's architecture at its default images (3 stacked 64-px grey frames → convs
//! 32·8/4, 64·4/2, 64·3/1 → 50 → 256 → 256 → 3) acting on dodge's own images for 1 and 64
//! agents, and a dodge step with it driving 64 agents (rendering their images every step).

use std::time::{Duration, Instant};

use bevy_gym_dodge::Dodge;
use bevy_gym_policy::{Policy, PolicyDriver};
use bevy_gym_server::{Action, Environment};
use bevy_gym_testkit::bench::measure_time;
use bevy_gym_testkit::policy_file::{self, Tensor};
use serde_json::json;

/// How long each case runs after its warm-up, unless `INFERENCE_SECONDS` says otherwise.
const MEASURE: Duration = Duration::from_secs(2);
/// Under `cargo test --all-targets` (no `--bench` argument): a smoke run, not a measurement.
const SMOKE: Duration = Duration::from_millis(20);
const WARMUP_CALLS: usize = 50;

fn fixture(name: &str) -> Policy {
    Policy::load(bevy_gym_testkit::policy_fixture(name)).expect("fixture loads")
}

/// A dodge environment built from `bevy-dodge` command-line arguments.
fn env(args: &[&str]) -> Environment<Dodge> {
    bevy_gym_testkit::env(bevy_gym_dodge::cli::parse_from, bevy_gym_dodge::app, args)
}

struct Measured {
    case: String,
    agents: usize,
    calls: usize,
    us_per_call: f64,
}

/// Calls `f` repeatedly for the measuring time; µs per call.
fn time(mut f: impl FnMut()) -> (usize, f64) {
    for _ in 0..WARMUP_CALLS {
        f();
    }
    let (start, measure) = (
        Instant::now(),
        measure_time("INFERENCE_SECONDS", MEASURE, SMOKE),
    );
    let mut calls = 0;
    while start.elapsed() < measure {
        for _ in 0..10 {
            f();
        }
        calls += 10;
    }
    (calls, start.elapsed().as_secs_f64() / calls as f64 * 1e6)
}

fn inference(name: &str, agents: usize) -> Measured {
    let mut policy = fixture(name);
    let test = policy.test_set().expect("test inputs").clone();
    // The test rows repeated: real observations, so ReLU sparsity is realistic.
    let rows: Vec<f32> = test
        .observations
        .chunks_exact(policy.observation_len())
        .cycle()
        .take(agents)
        .flatten()
        .copied()
        .collect();
    let mut actions = Vec::new();
    let (calls, us_per_call) = time(|| {
        policy.act_into(&rows, &mut actions);
        std::hint::black_box(&actions);
    });
    Measured {
        case: format!("{name}: act, batch of {agents}"),
        agents,
        calls,
        us_per_call,
    }
}

/// A policy file of sac_pixels' architecture, its weights drawn as PyTorch initialises them.
fn pixel_policy() -> Policy {
    let mut seed = 0x2545_f491_4f6c_dd1d;
    let mut tensors = Vec::new();
    for (name, shape) in [
        ("c0", &[32, 3, 8, 8][..]),
        ("c1", &[64, 32, 4, 4]),
        ("c2", &[64, 64, 3, 3]),
        ("head", &[50, 1024]),
        ("t0", &[256, 50]),
        ("t1", &[256, 256]),
        ("mean", &[3, 256]),
    ] {
        tensors.extend(policy_file::layer(name, shape, &mut seed));
    }
    tensors.push(Tensor::new("norm.weight", &[50], vec![1.0; 50]));
    tensors.push(Tensor::new("norm.bias", &[50], vec![0.0; 50]));
    tensors.push(Tensor::new("scale", &[3], vec![1.0; 3]));
    tensors.push(Tensor::new("bias", &[3], vec![0.0; 3]));
    let layer = |name: &str, activation: &str| json!({"weight": format!("{name}.weight"), "bias": format!("{name}.bias"), "activation": activation});
    let conv = |name: &str, stride: u32| {
        let mut l = layer(name, "relu");
        l["type"] = json!("conv2d");
        l["stride"] = json!(stride);
        l["padding"] = json!(0);
        l
    };
    let mut norm = layer("norm", "tanh");
    norm["type"] = json!("layer_norm");
    norm["eps"] = json!(1e-5);
    let layers = json!([
        conv("c0", 4), conv("c1", 2), conv("c2", 1), {"type": "flatten"},
        layer("head", "none"), norm, layer("t0", "relu"), layer("t1", "relu"), layer("mean", "tanh"),
    ]);
    let options = json!({"image_size": 64, "grayscale": true});
    let metadata = policy_file::pixel_metadata(layers, [64, 64, 1], 3, options);
    let bytes = policy_file::safetensors(&tensors, metadata);
    Policy::from_bytes(&bytes, "sac_pixels-sized policy").expect("a valid pixel policy")
}

/// Dodge arenas rendering 64-px grey images, as sac_pixels trains.
fn pixel_env(agents: usize) -> Environment<Dodge> {
    let n = agents.to_string();
    env(&[
        "--agents",
        &n,
        "--arena-mode",
        "separate",
        "--level",
        "2",
        "--action-space",
        "continuous",
        "--image-size",
        "64",
        "--grayscale",
    ])
}

fn pixel_inference(agents: usize) -> Measured {
    let mut policy = pixel_policy();
    let mut e = pixel_env(agents);
    // The game's own images, each repeated into its stack (as at an episode's start).
    let frames = e.render().to_vec();
    let stacks: Vec<u8> = frames
        .chunks_exact(64 * 64)
        .flat_map(|frame| frame.repeat(3))
        .collect();
    let mut actions = Vec::new();
    let (calls, us_per_call) = time(|| {
        policy.act_on_frames_into(&stacks, &mut actions);
        std::hint::black_box(&actions);
    });
    Measured {
        case: format!("SAC pixels (3 × 64² grey, sac_pixels' encoder): act, batch of {agents}"),
        agents,
        calls,
        us_per_call,
    }
}

fn pixel_step(agents: usize) -> Measured {
    let mut e = pixel_env(agents);
    let driver = PolicyDriver::new(pixel_policy(), (0..agents).collect());
    e.set_driver(Box::new(driver))
        .expect("the policy fits dodge");
    let (calls, us_per_call) = time(|| {
        let done = e.finished_arenas();
        e.step(vec![None; agents], &done).expect("valid step");
    });
    Measured {
        case: format!(
            "dodge step + 64-px grey images, {agents} separate arenas, pixel SAC driving all"
        ),
        agents,
        calls,
        us_per_call,
    }
}

fn dodge_step(driven: bool) -> Measured {
    let agents = 256;
    let mut e = env(&[
        "--agents",
        "256",
        "--arena-mode",
        "separate",
        "--level",
        "1",
    ]);
    if driven {
        let driver = PolicyDriver::new(fixture("dqn_tiny"), (0..agents).collect());
        e.set_driver(Box::new(driver))
            .expect("the policy fits dodge");
    }
    let (calls, us_per_call) = time(|| {
        let done = e.finished_arenas();
        // Driven agents' actions come from the policy; the others stand still.
        let action = (!driven).then_some(Action::Discrete(0));
        let actions = vec![action; agents];
        e.step(actions, &done).expect("valid step");
        std::hint::black_box(e.observe());
    });
    Measured {
        case: format!(
            "dodge step + vector obs, 256 separate arenas, {}",
            if driven {
                "DQN driving all"
            } else {
                "no policy"
            }
        ),
        agents,
        calls,
        us_per_call,
    }
}

fn main() {
    let mut results = Vec::new();
    for name in ["dqn_tiny", "sac_tiny"] {
        for agents in [1, 16, 256] {
            results.push(inference(name, agents));
        }
    }
    results.push(dodge_step(false));
    results.push(dodge_step(true));
    for agents in [1, 64] {
        results.push(pixel_inference(agents));
    }
    results.push(pixel_step(64));
    println!("| case | agents | calls | µs/call | µs/agent-step |");
    println!("|---|---|---|---|---|");
    for r in &results {
        println!(
            "| {} | {} | {} | {:.1} | {:.2} |",
            r.case,
            r.agents,
            r.calls,
            r.us_per_call,
            r.us_per_call / r.agents as f64
        );
    }
    let json: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            serde_json::json!({
                "case": r.case, "agents": r.agents, "calls": r.calls,
                "us_per_call": r.us_per_call, "us_per_agent_step": r.us_per_call / r.agents as f64,
            })
        })
        .collect();
    println!("{}", serde_json::Value::Array(json));
}
