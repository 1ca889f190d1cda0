//! Option defaults are declared once, in the game's `OptionSpec`s: a game whose resource
//! `Default` says otherwise still starts with the declared defaults (start options over them), and
//! `/spec` reports what runs. `configure` receives, at start, every declared default overlaid
//! with the start options, and on `/reset?options=` only the keys given.

use bevy::prelude::*;
use bevy_gym_server::{
    AgentIo, AgentSpaces, ArenaMode, EnvError, EnvPlugin, Environment, GymGame, ImageSpec, Layout,
    OptionKind, OptionSpec, ResetRequest, SimSettings, SimTick, Space,
};
use serde_json::{Map, Value, json};

/// A counter that climbs by `step` a tick; its options, as declared.
const OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        name: "step",
        kind: OptionKind::Integer { min: 1, max: 9 },
        default: Some("3"),
        help: "Added to the counter every tick.",
    },
    OptionSpec {
        name: "scale",
        kind: OptionKind::Number { min: 0.0, max: 4.0 },
        default: Some("0.5"),
        help: "The observation is the counter times this.",
    },
    OptionSpec {
        name: "colour",
        kind: OptionKind::Choice(&["red", "blue"]),
        default: Some("blue"),
        help: "Of the image.",
    },
    OptionSpec {
        name: "bonus",
        kind: OptionKind::Boolean,
        default: Some("true"),
        help: "A reward of 1 a tick.",
    },
    OptionSpec {
        name: "limit",
        kind: OptionKind::Integer { min: 0, max: 100 },
        default: None,
        help: "Decided by `step` (ten steps' worth) unless given.",
    },
];

/// The game's settings. Its `Default` (zeros, `red`, no bonus) differs from every declared
/// default on purpose: the plugin must not depend on it.
#[derive(Resource, Default, Debug)]
struct Knobs {
    step: u64,
    scale: f64,
    colour: String,
    bonus: bool,
    limit: u64,
    /// Every map `configure` received, in order.
    received: Vec<Map<String, Value>>,
}

#[derive(Resource, Default)]
struct Counter(u64);

struct Counting;

impl GymGame for Counting {
    const NAME: &'static str = "counting";
    const OPTIONS: &'static [OptionSpec] = OPTIONS;

    fn tick_seconds(_: &World) -> f32 {
        1.0
    }

    fn spaces(_: &World, _: usize) -> AgentSpaces {
        AgentSpaces {
            action: Space::discrete_named(&["WAIT"]),
            observation: Space::float_box(&[1], 0.0, 1000.0),
        }
    }

    fn image(_: &World) -> ImageSpec {
        ImageSpec {
            channels: 1,
            height: 1,
            width: 1,
        }
    }

    fn options(world: &World) -> Map<String, Value> {
        let k = world.resource::<Knobs>();
        let options = json!({"step": k.step, "scale": k.scale, "colour": k.colour, "bonus": k.bonus, "limit": k.limit});
        options.as_object().cloned().unwrap_or_default()
    }

    fn configure(world: &mut World, options: &Map<String, Value>) -> Result<(), EnvError> {
        let mut k = world.resource_mut::<Knobs>();
        k.received.push(options.clone());
        if let Some(step) = options.get("step").and_then(Value::as_u64) {
            k.step = step;
            k.limit = 10 * step;
        }
        for (key, value) in options {
            match key.as_str() {
                "scale" => k.scale = value.as_f64().unwrap_or_default(),
                "colour" => k.colour = value.as_str().unwrap_or_default().into(),
                "bonus" => k.bonus = value.as_bool().unwrap_or_default(),
                "limit" => k.limit = value.as_u64().unwrap_or_default(),
                _ => {}
            }
        }
        Ok(())
    }

    fn reset_arenas(world: &mut World, _: &[usize]) {
        world.resource_mut::<Counter>().0 = 0;
    }

    fn observe(world: &mut World, out: &mut [f32]) {
        let value = world.resource::<Counter>().0 as f64 * world.resource::<Knobs>().scale;
        out.fill(value as f32);
    }

    fn render(_: &mut World, out: &mut [u8]) {
        out.fill(0);
    }

    fn state(world: &mut World) -> Value {
        json!({ "counter": world.resource::<Counter>().0 })
    }
}

fn count(mut counter: ResMut<Counter>, knobs: Res<Knobs>, mut io: ResMut<AgentIo>) {
    counter.0 = (counter.0 + knobs.step).min(knobs.limit);
    if knobs.bonus {
        io.add_reward(0, 1.0);
    }
}

fn env(start_options: Value) -> Environment<Counting> {
    let mut settings = SimSettings::new::<Counting>(Layout::new(ArenaMode::Shared, 1));
    settings.options = start_options.as_object().cloned().unwrap_or_default();
    let mut app = App::new();
    app.add_plugins(EnvPlugin::<Counting>::new(settings))
        .init_resource::<Knobs>()
        .init_resource::<Counter>()
        .add_systems(SimTick, count);
    Environment::new(app).expect("starts")
}

fn spec(e: &Environment<Counting>) -> Value {
    serde_json::from_str(&e.spec_json().unwrap()).unwrap()
}

fn received(e: &mut Environment<Counting>) -> Vec<Map<String, Value>> {
    e.world().resource::<Knobs>().received.clone()
}

#[test]
fn a_game_starts_with_its_declared_defaults_whatever_its_resource_default() {
    let mut e = env(json!({}));
    let spec = spec(&e);
    // What /spec reports as running is each declared default, and what the schema declares.
    for option in OPTIONS.iter().filter(|o| o.default.is_some()) {
        let declared = &spec["option_schema"][option.name]["default"];
        assert_eq!(&spec["options"][option.name], declared, "{}", option.name);
    }
    assert_eq!(
        spec["options"],
        json!({"step": 3, "scale": 0.5, "colour": "blue", "bonus": true, "limit": 30,
               "action_repeat": 1, "max_episode_steps": 0, "image_source": "raster"})
    );
    // And the game runs them: 3 a tick, scaled by 0.5, a bonus each tick.
    e.step(vec![None], &[]).unwrap();
    assert_eq!((e.observe()[0], e.rewards()[0]), (1.5, 1.0));
    // `configure` saw every declared default once, at start (`limit` has none).
    assert_eq!(
        received(&mut e),
        [
            json!({"step": 3, "scale": 0.5, "colour": "blue", "bonus": true})
                .as_object()
                .unwrap()
                .clone()
        ]
    );
}

#[test]
fn start_options_override_the_defaults_and_resets_pass_only_the_keys_given() {
    let mut e = env(json!({"step": 5, "colour": "red"}));
    assert_eq!(
        received(&mut e),
        [
            json!({"step": 5, "scale": 0.5, "colour": "red", "bonus": true})
                .as_object()
                .unwrap()
                .clone()
        ],
        "at start: every declared default overlaid with the start options"
    );
    e.reset(ResetRequest {
        options: Some(json!({"bonus": false}).as_object().unwrap().clone()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        received(&mut e)[1],
        json!({"bonus": false}).as_object().unwrap().clone(),
        "on a reset with options: only the keys given"
    );
    assert_eq!(
        spec(&e)["options"],
        json!({"step": 5, "scale": 0.5, "colour": "red", "bonus": false, "limit": 50,
               "action_repeat": 1, "max_episode_steps": 0, "image_source": "raster"}),
        "the options not given are kept"
    );
}
