//! Walker, a minimal game for tests that need a game but none of dodge's or tag's rules (the
//! policy crate's): agents walk on the square [-1, 1]² towards a target drawn from their arena's
//! random stream. Its spaces fit the committed policy fixtures
//! ([`policy_fixture`](crate::policy_fixture)): 72 observations in [-1, 1], and Discrete(5)
//! (IDLE, UP, DOWN, LEFT, RIGHT) or, with `action_space=continuous`, Box [3] ([vx, vy, sprint]
//! in [-1, 1]). Reaching the target (+1) or leaving the square (−1) ends an agent's episode;
//! every tick costs a hundredth of its distance to the target.

use bevy::math::Vec2;
use bevy::prelude::*;
use bevy_gym_server::raster::{Canvas, Rgb};
use bevy_gym_server::{
    Action, AgentIo, AgentSpaces, ArenaRngs, EnvError, EnvPlugin, Environment, GymGame, ImageSpec,
    OptionKind, OptionSpec, ServeArgs, SimSettings, SimTick, Space, uniform,
};
use serde_json::{Map, Value, json};

/// The game's marker type.
pub struct Walker;

/// Observation length: the fixtures' (dodge's version 0).
pub const OBSERVATION_LEN: usize = 72;
/// Distance a full step covers in a tick (sprinting doubles it).
const STRIDE: f32 = 0.05;
/// Closer than this to its target, an agent has reached it.
const REACH: f32 = 0.1;
const ACTION_NAMES: [&str; 5] = ["IDLE", "UP", "DOWN", "LEFT", "RIGHT"];

/// Walker's one option.
pub const OPTIONS: &[OptionSpec] = &[OptionSpec {
    name: "action_space",
    kind: OptionKind::Choice(&["discrete", "continuous"]),
    default: Some("discrete"),
    help: "`discrete` (IDLE, UP, DOWN, LEFT, RIGHT) or `continuous` ([vx, vy, sprint] in [-1, 1]).",
}];

/// Every agent's position and target, and the option.
#[derive(Resource, Default)]
struct Walkers {
    continuous: bool,
    position: Vec<Vec2>,
    target: Vec<Vec2>,
}

impl GymGame for Walker {
    const NAME: &'static str = "walker";
    const OPTIONS: &'static [OptionSpec] = OPTIONS;
    const DEFAULT_MAX_EPISODE_STEPS: u32 = 200;

    fn tick_seconds(_: &World) -> f32 {
        0.1
    }

    fn spaces(world: &World, _: usize) -> AgentSpaces {
        AgentSpaces {
            action: if world.resource::<Walkers>().continuous {
                Space::float_box(&[3], -1.0, 1.0)
            } else {
                Space::discrete_named(&ACTION_NAMES)
            },
            observation: Space::float_box(&[OBSERVATION_LEN], -1.0, 1.0),
        }
    }

    fn image(_: &World) -> ImageSpec {
        ImageSpec {
            channels: 1,
            height: 8,
            width: 8,
        }
    }

    fn options(world: &World) -> Map<String, Value> {
        let continuous = world.resource::<Walkers>().continuous;
        let mut options = Map::new();
        options.insert(
            "action_space".into(),
            if continuous { "continuous" } else { "discrete" }.into(),
        );
        options
    }

    fn configure(world: &mut World, options: &Map<String, Value>) -> Result<(), EnvError> {
        if let Some(kind) = options.get("action_space").and_then(Value::as_str) {
            world.resource_mut::<Walkers>().continuous = kind == "continuous";
        }
        Ok(())
    }

    fn reset_arenas(world: &mut World, arenas: &[usize]) {
        let layout = world.resource::<AgentIo>().layout().clone();
        world.resource_scope(|world, mut rngs: Mut<ArenaRngs>| {
            let mut walkers = world.resource_mut::<Walkers>();
            walkers.position.resize(layout.num_agents, Vec2::ZERO);
            walkers.target.resize(layout.num_agents, Vec2::ZERO);
            for &arena in arenas {
                let rng = rngs.arena(arena);
                for agent in layout.agents_in(arena) {
                    walkers.position[agent] =
                        Vec2::new(uniform(rng, -0.5, 0.5), uniform(rng, -0.5, 0.5));
                    walkers.target[agent] =
                        Vec2::new(uniform(rng, -0.8, 0.8), uniform(rng, -0.8, 0.8));
                }
            }
        });
    }

    /// Its position, half the way to its target, then half the way to each other agent of its
    /// arena in agent order (as many as fit), zeros after.
    fn observe(world: &mut World, out: &mut [f32]) {
        let walkers = world.resource::<Walkers>();
        let layout = world.resource::<AgentIo>().layout();
        let stride = out.len() / layout.num_agents;
        for agent in 0..layout.num_agents {
            let me = walkers.position[agent].clamp(Vec2::NEG_ONE, Vec2::ONE);
            let toward = |p: Vec2| (p.clamp(Vec2::NEG_ONE, Vec2::ONE) - me) / 2.0;
            let others = layout
                .agents_in(layout.arena_of(agent))
                .filter(|&other| other != agent)
                .map(|other| toward(walkers.position[other]));
            let values = [me, toward(walkers.target[agent])]
                .into_iter()
                .chain(others)
                .flat_map(|v| [v.x, v.y]);
            for (slot, value) in out[agent * stride..agent * stride + OBSERVATION_LEN]
                .iter_mut()
                .zip(values)
            {
                *slot = value;
            }
        }
    }

    /// Black, the target grey, the agent white.
    fn render(world: &mut World, out: &mut [u8]) {
        let spec = Self::image(world);
        let walkers = world.resource::<Walkers>();
        let pixel = |p: Vec2| {
            let (x, y) = ((p + Vec2::ONE) / 2.0 * 7.0).round().into();
            (x as i64, 7 - y as i64)
        };
        for (agent, pixels) in out.chunks_exact_mut(spec.bytes()).enumerate() {
            let mut canvas = Canvas::new(pixels, spec);
            canvas.fill(Rgb(0, 0, 0));
            let (x, y) = pixel(walkers.target[agent]);
            canvas.put(x, y, Rgb(128, 128, 128));
            let (x, y) = pixel(walkers.position[agent]);
            canvas.put(x, y, Rgb(255, 255, 255));
        }
    }

    fn state(world: &mut World) -> Value {
        let walkers = world.resource::<Walkers>();
        let pairs =
            |points: &[Vec2]| -> Vec<[f32; 2]> { points.iter().map(|p| [p.x, p.y]).collect() };
        json!({ "position": pairs(&walkers.position), "target": pairs(&walkers.target) })
    }
}

/// Moves every live agent of a running arena by its action, then rewards and ends it.
fn walk(mut io: ResMut<AgentIo>, mut walkers: ResMut<Walkers>) {
    for agent in 0..io.layout().num_agents {
        if !io.arena_running(io.layout().arena_of(agent)) || !io.is_live(agent) {
            continue;
        }
        let velocity = match io.action(agent) {
            Some(Action::Discrete(index)) => match index {
                1 => Vec2::Y,
                2 => Vec2::NEG_Y,
                3 => Vec2::NEG_X,
                4 => Vec2::X,
                _ => Vec2::ZERO,
            },
            Some(Action::Continuous(values)) => {
                let at = |i: usize| values.get(i).copied().unwrap_or(0.0).clamp(-1.0, 1.0);
                Vec2::new(at(0), at(1)) * (1.0 + at(2).max(0.0))
            }
            None => Vec2::ZERO,
        };
        walkers.position[agent] += velocity * STRIDE;
        let (position, target) = (walkers.position[agent], walkers.target[agent]);
        let distance = position.distance(target);
        io.add_reward(agent, -0.01 * distance);
        if distance < REACH {
            io.add_reward(agent, 1.0);
            io.terminate(agent);
        } else if position.abs().max_element() > 1.0 {
            io.add_reward(agent, -1.0);
            io.terminate(agent);
        }
    }
}

/// Walker's command line (the plugin's flags and `--action-space`), as a binary would parse it.
pub fn parse_from<I, T>(args: I) -> Result<(SimSettings, ServeArgs), clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    bevy_gym_server::parse_cli::<Walker, _, _>(
        "walker",
        "Walker, the test kit's minimal game.",
        args,
    )
}

/// A Walker app to drive in process (`Environment::new`).
pub fn app(settings: SimSettings) -> App {
    let mut app = App::new();
    app.add_plugins(EnvPlugin::<Walker>::new(settings))
        .init_resource::<Walkers>()
        .add_systems(SimTick, walk);
    app
}

/// An in-process Walker environment built from command-line arguments.
pub fn env(args: &[&str]) -> Environment<Walker> {
    crate::env(parse_from, app, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walkers_reach_their_targets_or_leave_and_run_their_declared_defaults() {
        let mut e = env(&["--agents", "3", "--arena-mode", "separate", "--seed", "2"]);
        assert_eq!(
            crate::default_mismatches(&e.spec_json().unwrap()),
            Vec::<String>::new()
        );
        // Each walker heads for its target along the longer axis.
        for _ in 0..60 {
            let observations = e.observe().to_vec();
            let actions = observations
                .chunks_exact(OBSERVATION_LEN)
                .map(|o| {
                    let (dx, dy) = (o[2], o[3]);
                    let index = if dx.abs() > dy.abs() {
                        if dx > 0.0 { 4 } else { 3 }
                    } else if dy > 0.0 {
                        1
                    } else {
                        2
                    };
                    Some(Action::Discrete(index))
                })
                .collect();
            e.step(actions, &[]).unwrap();
        }
        assert_eq!(e.terminated(), &[true, true, true], "every target reached");
        // Sprinting right, a walker leaves the square (or crosses its target) within 15 ticks.
        let mut sprinter = env(&["--action-space", "continuous"]);
        for _ in 0..15 {
            let sprint = vec![Some(Action::Continuous(vec![1.0, 0.0, 1.0]))];
            sprinter.step(sprint, &[]).unwrap();
        }
        assert!(sprinter.terminated()[0]);
    }

    #[test]
    fn a_build_without_the_camera_sensor_refuses_camera_images() {
        let (settings, _) = parse_from(["walker", "--image-source", "camera"]).unwrap();
        let Err(err) = Environment::<Walker>::new(app(settings)) else {
            panic!("walker has no camera sensor, yet started with --image-source camera");
        };
        assert!(
            err.to_string().contains("no camera sensor in this build"),
            "{err}"
        );
        let mut e = env(&[]);
        assert!(
            e.spec_json()
                .unwrap()
                .contains("\"image_source\":\"raster\"")
        );
        let reset = |e: &mut Environment<Walker>, source: &str| {
            let mut options = Map::new();
            options.insert("image_source".into(), source.into());
            e.reset(bevy_gym_server::ResetRequest {
                seed: None,
                arenas: None,
                options: Some(options),
            })
        };
        let err = reset(&mut e, "camera").unwrap_err();
        assert!(
            err.to_string().contains("fixed when the server starts"),
            "{err}"
        );
        reset(&mut e, "raster").unwrap();
    }
}
