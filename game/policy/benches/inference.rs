//! Cost of in-game inference: `cargo bench -p bevy_gym_policy --bench inference` prints a
//! markdown table and a JSON line. Rows: the fixtures' DQN and SAC networks (72 → 256 → 256 →
//! 5 or 3, the training scripts' sizes) acting for 1, 16 and 256 agents in one batch, and a whole
//! dodge step at 256 agents with and without the policy driving every agent.

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
