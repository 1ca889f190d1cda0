//! Server-side cost of a step without HTTP: `cargo bench --bench step_cost` prints a markdown
//! table and a JSON line. CPU time comes from /proc/self/stat (all threads), wall time from
//! `Instant`; the simulation runs on one thread, so the two agree when the machine is quiet.

use std::time::{Duration, Instant};

use bevy_gym_dodge::Dodge;
use bevy_gym_server::{Action, Environment};
use bevy_gym_testkit::bench::{benching, measure_time};

/// How long each case runs after its warm-up, unless `STEP_COST_SECONDS` says otherwise
/// (`make bench` runs the cases for 1 s each).
const MEASURE: Duration = Duration::from_secs(2);
const WARMUP_STEPS: usize = 200;

/// Process CPU time (user + system) in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / clock_ticks_per_second()
}

fn clock_ticks_per_second() -> f64 {
    // USER_HZ is 100 on every Linux platform Rust supports.
    100.0
}

/// How long each case runs under `cargo test --all-targets` (no `--bench` argument): a smoke
/// run of every case, not a measurement.
const SMOKE: Duration = Duration::from_millis(20);
const SMOKE_WARMUP_STEPS: usize = 5;

struct Case {
    name: &'static str,
    args: Vec<&'static str>,
    observe: Observe,
}

#[derive(Clone, Copy)]
enum Observe {
    None,
    Vector,
    Pixels,
}

struct Measured {
    name: &'static str,
    agents: usize,
    steps: usize,
    wall_us: f64,
    cpu_us: f64,
}

fn run(case: &Case) -> Measured {
    let mut e: Environment<Dodge> = bevy_gym_testkit::env(
        bevy_gym_dodge::cli::parse_from,
        bevy_gym_dodge::app,
        &case.args,
    );
    let n = e.layout().num_agents;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut step = |e: &mut Environment<Dodge>| {
        let actions = (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                Some(Action::Discrete((state % 5) as u32))
            })
            .collect();
        let done = e.finished_arenas();
        e.step(actions, &done).expect("valid step");
        match case.observe {
            Observe::None => {}
            Observe::Vector => {
                std::hint::black_box(e.observe());
            }
            Observe::Pixels => {
                std::hint::black_box(e.render());
            }
        }
    };
    let warmup = if benching() {
        WARMUP_STEPS
    } else {
        SMOKE_WARMUP_STEPS
    };
    for _ in 0..warmup {
        step(&mut e);
    }
    let measure = measure_time("STEP_COST_SECONDS", MEASURE, SMOKE);
    let (start, cpu_start) = (Instant::now(), cpu_seconds());
    let mut steps = 0;
    while start.elapsed() < measure {
        for _ in 0..20 {
            step(&mut e);
        }
        steps += 20;
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_start;
    Measured {
        name: case.name,
        agents: n,
        steps,
        wall_us: wall / steps as f64 * 1e6,
        cpu_us: cpu / steps as f64 * 1e6,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument selects cases by name.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let cases = [
        Case {
            name: "1 agent, K=4, vector obs",
            args: vec!["--agents", "1"],
            observe: Observe::Vector,
        },
        Case {
            name: "1 agent, K=4, no obs",
            args: vec!["--agents", "1"],
            observe: Observe::None,
        },
        Case {
            name: "1 agent, K=4, 84x84 RGB",
            args: vec!["--agents", "1"],
            observe: Observe::Pixels,
        },
        Case {
            name: "1 agent, K=4, 84x84 grayscale",
            args: vec!["--agents", "1", "--grayscale"],
            observe: Observe::Pixels,
        },
        Case {
            name: "1 agent, K=4, level 2, vector obs",
            args: vec!["--agents", "1", "--level", "2"],
            observe: Observe::Vector,
        },
        Case {
            name: "16 separate arenas, K=4, vector obs",
            args: vec!["--agents", "16", "--arena-mode", "separate"],
            observe: Observe::Vector,
        },
        Case {
            name: "64 separate arenas, K=4, vector obs",
            args: vec!["--agents", "64", "--arena-mode", "separate"],
            observe: Observe::Vector,
        },
        Case {
            name: "256 separate arenas, K=4, vector obs",
            args: vec!["--agents", "256", "--arena-mode", "separate"],
            observe: Observe::Vector,
        },
        Case {
            name: "256 separate arenas, K=4, level 2, vector obs",
            args: vec![
                "--agents",
                "256",
                "--arena-mode",
                "separate",
                "--level",
                "2",
            ],
            observe: Observe::Vector,
        },
        Case {
            name: "16 agents shared arena, K=4, vector obs",
            args: vec!["--agents", "16", "--arena-mode", "shared"],
            observe: Observe::Vector,
        },
        Case {
            name: "64 agents shared arena, K=4, vector obs",
            args: vec!["--agents", "64", "--arena-mode", "shared"],
            observe: Observe::Vector,
        },
        Case {
            name: "256 agents shared arena, K=4, vector obs",
            args: vec!["--agents", "256", "--arena-mode", "shared"],
            observe: Observe::Vector,
        },
    ];
    let results: Vec<Measured> = cases
        .iter()
        .filter(|c| filter.as_deref().is_none_or(|f| c.name.contains(f)))
        .map(run)
        .collect();
    println!("| case | agents | steps measured | wall µs/step | CPU µs/step | agent-steps/s |");
    println!("|---|---|---|---|---|---|");
    for r in &results {
        println!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.0} |",
            r.name,
            r.agents,
            r.steps,
            r.wall_us,
            r.cpu_us,
            r.agents as f64 / r.wall_us * 1e6
        );
    }
    let json: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            serde_json::json!({
                "case": r.name, "agents": r.agents, "steps": r.steps,
                "wall_us_per_step": r.wall_us, "cpu_us_per_step": r.cpu_us,
            })
        })
        .collect();
    println!("{}", serde_json::Value::Array(json));
}
