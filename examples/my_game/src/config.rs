//! The game's options, each declared once as an `OptionSpec` (the plugin builds the `--flag`,
//! checks `/reset?options=` and publishes the schema in `/spec`), and the resource they set.

// ANCHOR: options
use bevy::prelude::Resource;
use bevy_gym_server::{OptionKind, OptionSpec};
use serde_json::{Map, Value, json};

/// Every option; the flags of `my-game` are these names in kebab case (`--target-radius`).
pub const OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        name: "action_space",
        kind: OptionKind::Choice(&["discrete", "continuous"]),
        default: Some("discrete"),
        help: "`discrete`: Discrete(5) (IDLE, UP, DOWN, LEFT, RIGHT); `continuous`: [vx, vy] in [-1, 1].",
    },
    OptionSpec {
        name: "target_radius",
        kind: OptionKind::Number { min: 0.1, max: 3.0 },
        default: Some("0.5"),
        help: "An agent this close (units) to its arena's target reaches it.",
    },
    OptionSpec {
        name: "image_size",
        kind: OptionKind::Integer { min: 16, max: 256 },
        default: Some("32"),
        help: "Width and height of each agent's RGB image (pixels).",
    },
];

/// The options' current values. Its `Default` need not repeat the declared defaults: the
/// plugin applies every `OptionSpec` default before the first reset.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub continuous: bool,
    /// Units.
    pub target_radius: f32,
    /// Pixels.
    pub image_size: usize,
}

impl Config {
    /// Every option's current value, as `/spec` reports them.
    pub fn to_options(&self) -> Map<String, Value> {
        let action_space = if self.continuous {
            "continuous"
        } else {
            "discrete"
        };
        let options = json!({
            "action_space": action_space,
            "target_radius": self.target_radius,
            "image_size": self.image_size,
        });
        options.as_object().cloned().unwrap_or_default()
    }

    /// Applies `options`, already checked against `OPTIONS` by the plugin. It holds only the
    /// keys a reset changes (at start, every declared default and the flags given).
    pub fn apply(&mut self, options: &Map<String, Value>) {
        for (key, value) in options {
            match key.as_str() {
                "action_space" => self.continuous = value == "continuous",
                "target_radius" => self.target_radius = value.as_f64().unwrap_or_default() as f32,
                "image_size" => self.image_size = value.as_u64().unwrap_or_default() as usize,
                _ => {} // unreachable: the plugin refuses keys OPTIONS does not declare
            }
        }
    }
}
// ANCHOR_END: options
