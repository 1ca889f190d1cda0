//! A second, unrelated game ("reach the number") served by the unchanged plugin: proof that the
//! plugin is generic. Each agent walks a counter towards a hidden target drawn from its arena's
//! random stream; reaching it terminates the agent.

use bevy::prelude::*;
use bevy_gym_server::raster::{Canvas, Rgb};
use bevy_gym_server::{
    Action, AgentIo, AgentSpaces, ArenaMode, ArenaRngs, Driver, DriverInput, EnvError, EnvPlugin,
    Environment, GymGame, ImageSpec, Layout, Moment, ResetRequest, SimSettings, SimTick, Space,
    Spectator,
};
use rand_core::RngCore;
use serde_json::{Map, Value, json};

#[derive(Resource, Default)]
struct Counters {
    value: Vec<i32>,
    target: Vec<i32>,
}

struct ReachTheNumber;

impl GymGame for ReachTheNumber {
    const NAME: &'static str = "reach_the_number";

    fn tick_seconds(_: &World) -> f32 {
        1.0
    }

    fn spaces(_: &World, _: usize) -> AgentSpaces {
        AgentSpaces {
            action: Space::discrete_named(&["DOWN", "STAY", "UP"]),
            observation: Space::float_box(&[1], -1.0, 1.0),
        }
    }

    fn image(_: &World) -> ImageSpec {
        ImageSpec {
            channels: 1,
            height: 4,
            width: 4,
        }
    }

    fn options(_: &World) -> Map<String, Value> {
        Map::new()
    }

    fn configure(_: &mut World, _: &Map<String, Value>) -> Result<(), EnvError> {
        // No options are declared, so the plugin has already refused any it was given.
        Ok(())
    }

    fn reset_arenas(world: &mut World, arenas: &[usize]) {
        let layout = world.resource::<AgentIo>().layout().clone();
        world.resource_scope(|world, mut rngs: Mut<ArenaRngs>| {
            let mut counters = world.resource_mut::<Counters>();
            counters.value.resize(layout.num_agents, 0);
            counters.target.resize(layout.num_agents, 0);
            for &arena in arenas {
                for agent in layout.agents_in(arena) {
                    counters.value[agent] = 0;
                    counters.target[agent] = (rngs.arena(arena).next_u32() % 9) as i32 - 4;
                }
            }
        });
    }

    fn observe(world: &mut World, out: &mut [f32]) {
        let c = world.resource::<Counters>();
        for (i, o) in out.iter_mut().enumerate() {
            *o = (c.target[i] - c.value[i]) as f32 / 10.0;
        }
    }

    fn render(world: &mut World, out: &mut [u8]) {
        let spec = Self::image(world);
        let c = world.resource::<Counters>();
        for (agent, pixels) in out.chunks_exact_mut(spec.bytes()).enumerate() {
            let shade = (128 + 10 * c.value[agent]) as u8;
            Canvas::new(pixels, spec).fill(Rgb(shade, shade, shade));
        }
    }

    fn state(world: &mut World) -> Value {
        let c = world.resource::<Counters>();
        json!({ "target": c.target, "value": c.value })
    }
}

fn walk(mut io: ResMut<AgentIo>, mut counters: ResMut<Counters>) {
    for agent in 0..io.layout().num_agents {
        let arena = io.layout().arena_of(agent);
        if !io.arena_running(arena) || !io.is_live(agent) {
            continue;
        }
        let delta = io
            .action(agent)
            .and_then(Action::index)
            .map_or(0, |i| i as i32 - 1);
        counters.value[agent] += delta;
        let distance = (counters.target[agent] - counters.value[agent]).abs();
        io.add_reward(agent, -(distance as f32));
        if distance == 0 {
            io.terminate(agent);
        }
    }
}

fn env(agents: usize, seed: u64) -> Environment<ReachTheNumber> {
    let mut app = App::new();
    let mut settings = SimSettings::new::<ReachTheNumber>(Layout::new(ArenaMode::Separate, agents));
    settings.seed = seed;
    settings.max_episode_steps = 20;
    app.add_plugins(EnvPlugin::<ReachTheNumber>::new(settings))
        .init_resource::<Counters>()
        .add_systems(SimTick, walk);
    Environment::new(app).expect("starts")
}

fn greedy(e: &mut Environment<ReachTheNumber>) -> Vec<Option<String>> {
    let obs = e.observe().to_vec();
    obs.iter()
        .map(|&o| {
            Some(
                if o > 0.0 {
                    "UP"
                } else if o < 0.0 {
                    "DOWN"
                } else {
                    "STAY"
                }
                .to_string(),
            )
        })
        .collect()
}

#[test]
fn second_game_runs_on_the_unchanged_plugin() {
    let mut e = env(3, 1);
    let spec: Value = serde_json::from_str(&e.spec_json().unwrap()).unwrap();
    assert_eq!(spec["game"], "reach_the_number");
    assert_eq!(
        spec["agents"][2]["action_space"]["names"],
        json!(["DOWN", "STAY", "UP"])
    );
    for _ in 0..10 {
        let strings = greedy(&mut e);
        let actions = e.parse_actions(&strings).unwrap();
        e.step(actions, &[]).unwrap();
    }
    assert_eq!(
        e.terminated(),
        &[true, true, true],
        "greedy play reaches every target"
    );
    assert!(e.parse_actions(&[Some("LEFT".into()), None, None]).is_err());
    e.reset(ResetRequest {
        arenas: Some(vec![1]),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(e.terminated(), &[true, false, true]);
    assert_eq!(e.render().len(), 3 * 16);
    let refused = e.reset(ResetRequest {
        options: Some(json!({"speed": 2}).as_object().unwrap().clone()),
        ..Default::default()
    });
    assert_eq!(refused.unwrap_err().code(), "invalid_options");
}

#[test]
fn second_game_is_seeded_by_the_plugin() {
    let targets = |seed| env(4, seed).state_json();
    assert_eq!(targets(5), targets(5));
    assert_ne!(targets(5), targets(6));
}

/// A scripted in-process driver: walks its agents towards their targets.
struct Walker {
    agents: Vec<usize>,
    accept: bool,
}

impl Driver for Walker {
    fn name(&self) -> &str {
        "walker"
    }

    fn agents(&self) -> &[usize] {
        &self.agents
    }

    fn check(&self, spaces: &[AgentSpaces]) -> Result<(), String> {
        match spaces.first() {
            Some(s) if self.accept && s.action.flat_len() == 1 => Ok(()),
            _ => Err("walker refuses; expected accept".into()),
        }
    }

    fn act(&mut self, input: DriverInput<'_>, actions: &mut [Option<Action>]) {
        for &agent in &self.agents {
            let o = input.observations.values[agent * input.observations.stride];
            actions[agent] = Some(Action::Discrete(if o > 0.0 {
                2
            } else if o < 0.0 {
                0
            } else {
                1
            }));
        }
    }
}

#[test]
fn a_driver_acts_for_its_agents_and_client_actions_for_them_are_ignored() {
    let mut e = env(3, 1);
    let refused = e.set_driver(Box::new(Walker {
        agents: vec![1],
        accept: false,
    }));
    assert_eq!(
        refused.unwrap_err().to_string(),
        "walker refuses; expected accept"
    );
    let missing = e.set_driver(Box::new(Walker {
        agents: vec![3],
        accept: true,
    }));
    assert!(missing.unwrap_err().to_string().contains("agent_3"));
    assert!(
        !e.spec_json().unwrap().contains("driven_by"),
        "refused drivers change nothing"
    );

    e.set_driver(Box::new(Walker {
        agents: vec![1],
        accept: true,
    }))
    .unwrap();
    let spec: Value = serde_json::from_str(&e.spec_json().unwrap()).unwrap();
    assert_eq!(spec["agents"][1]["driven_by"], "walker");
    assert!(spec["agents"][0].get("driven_by").is_none());
    assert_eq!(e.driven_by(1), Some("walker"));
    // The driven agent's string is not even parsed; the others' still are.
    let actions = e.parse_actions(&[None, Some("LEFT".into()), None]).unwrap();
    assert_eq!(actions, vec![None, None, None]);
    assert!(e.parse_actions(&[Some("LEFT".into()), None, None]).is_err());
    // Binary bodies keep their length; the driven agent's bytes are skipped unread.
    let body: Vec<u8> = [1i32, 99, 1].iter().flat_map(|v| v.to_le_bytes()).collect();
    assert_eq!(
        e.decode_binary_actions(&body).unwrap(),
        vec![Some(Action::Discrete(1)), None, Some(Action::Discrete(1))]
    );
    for _ in 0..10 {
        // The client asks agent 1 to go DOWN forever; the driver walks it to its target.
        let actions = e.parse_actions(&[None, Some("DOWN".into()), None]).unwrap();
        e.step(actions, &[]).unwrap();
    }
    let state: Value = serde_json::from_str(&e.state_json()).unwrap();
    assert_eq!(state["value"][1], state["target"][1]);
    assert!(e.terminated()[1]);
    assert_eq!(
        state["value"][0], 0,
        "client agents sent null and stood still"
    );
}

/// Records what it is shown: the moments, and every agent's value after each.
struct Recorder(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl Spectator for Recorder {
    fn watch(&mut self, world: &mut World, moment: Moment<'_>) {
        let values = &world.resource::<Counters>().value;
        let line = format!("{moment:?} {values:?}");
        self.0.lock().unwrap().push(line);
    }
}

#[test]
fn a_spectator_sees_every_reset_and_step_and_changes_nothing() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut watched = env(2, 7);
    let mut plain = env(2, 7);
    watched.set_spectator(Box::new(Recorder(seen.clone())));
    for e in [&mut watched, &mut plain] {
        for _ in 0..3 {
            let actions = greedy(e);
            let actions = e.parse_actions(&actions).unwrap();
            e.step(actions, &[]).unwrap();
        }
        e.reset(ResetRequest {
            seed: Some(3),
            arenas: None,
            options: None,
        })
        .unwrap();
    }
    assert_eq!(watched.state_json(), plain.state_json());
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert!(seen[0].starts_with("Reset { arenas: [0, 1] }"), "{seen:?}");
    assert!(seen[1].starts_with("Step { reset: [] }"), "{seen:?}");
    assert!(seen[4].starts_with("Reset { arenas: [0, 1] }"), "{seen:?}");
    assert_ne!(seen[0], seen[3], "the spectator saw the values change");
}
