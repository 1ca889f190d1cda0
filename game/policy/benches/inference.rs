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

/// A policy file of sac_pixels' architecture (weights from a fixed pseudo-random sequence, scaled
/// as PyTorch's default initialisation), written here as safetensors: an 8-byte header length,
/// the JSON header, the little-endian tensors.
fn pixel_policy() -> Policy {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut tensor = |shape: &[usize]| -> (Vec<usize>, Vec<f32>) {
        let fan_in: usize = shape[1..].iter().product::<usize>().max(1);
        let bound = 1.0 / (fan_in as f32).sqrt();
        let values = (0..shape.iter().product::<usize>())
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ((state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * bound
            })
            .collect();
        (shape.to_vec(), values)
    };
    let tensors = [
        ("c0.w", tensor(&[32, 3, 8, 8])),
        ("c0.b", tensor(&[32, 1])),
        ("c1.w", tensor(&[64, 32, 4, 4])),
        ("c1.b", tensor(&[64, 1])),
        ("c2.w", tensor(&[64, 64, 3, 3])),
        ("c2.b", tensor(&[64, 1])),
        ("h.w", tensor(&[50, 1024])),
        ("h.b", tensor(&[50, 1])),
        ("n.w", (vec![50, 1], vec![1.0; 50])),
        ("n.b", (vec![50, 1], vec![0.0; 50])),
        ("t0.w", tensor(&[256, 50])),
        ("t0.b", tensor(&[256, 1])),
        ("t1.w", tensor(&[256, 256])),
        ("t1.b", tensor(&[256, 1])),
        ("m.w", tensor(&[3, 256])),
        ("m.b", tensor(&[3, 1])),
        ("scale", (vec![3, 1], vec![1.0; 3])),
        ("bias", (vec![3, 1], vec![0.0; 3])),
    ];
    let conv = |w: &str, b: &str, stride: u32| serde_json::json!({"type": "conv2d", "weight": w, "bias": b, "stride": stride, "padding": 0, "activation": "relu"});
    let dense = |w: &str, b: &str, activation: &str| serde_json::json!({"weight": w, "bias": b, "activation": activation});
    let layers = serde_json::json!([
        conv("c0.w", "c0.b", 4),
        conv("c1.w", "c1.b", 2),
        conv("c2.w", "c2.b", 1),
        {"type": "flatten"},
        dense("h.w", "h.b", "none"),
        {"type": "layer_norm", "weight": "n.w", "bias": "n.b", "eps": 1e-5, "activation": "tanh"},
        dense("t0.w", "t0.b", "relu"),
        dense("t1.w", "t1.b", "relu"),
        dense("m.w", "m.b", "tanh"),
    ]);
    let box_space = |shape: [usize; 3], low: f64, high: f64, dtype: &str| {
        serde_json::json!({"type": "Box", "shape": shape, "low": low, "high": high, "dtype": dtype})
            .to_string()
    };
    let mut header = serde_json::json!({"__metadata__": {
        "format": "bevy_gym.policy", "format_version": "2", "algorithm": "sac",
        "layers": layers.to_string(), "output": "scaled",
        "output_scale": "scale", "output_bias": "bias",
        "observation_space": box_space([64, 64, 1], 0.0, 255.0, "uint8"),
        "action_space": serde_json::json!({"type": "Box", "shape": [3], "low": -1.0, "high": 1.0, "dtype": "float32"}).to_string(),
        "image": serde_json::json!({"height": 64, "width": 64, "channels": 1, "frame_stack": 3,
            "divide_by": 255.0, "options": {"image_size": 64, "grayscale": true}}).to_string(),
    }});
    let mut data = Vec::new();
    for (name, (shape, values)) in &tensors {
        // Biases and norms were drawn as (n, 1) for the fan-in; stored as (n).
        let shape = if shape.len() == 2 && shape[1] == 1 {
            vec![shape[0]]
        } else {
            shape.clone()
        };
        let start = data.len();
        data.extend(values.iter().flat_map(|v| v.to_le_bytes()));
        header[name] = serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [start, data.len()]});
    }
    let header = header.to_string().into_bytes();
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend(header);
    bytes.extend(data);
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
