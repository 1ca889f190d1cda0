//! Dodge's options, declared once in [`OPTIONS`] (range, default, help; the plugin validates
//! `/reset?options=` and the CLI against it and publishes it in `/spec`), and the game's
//! configuration built from them: level presets first, then every other option.

use bevy::prelude::Resource;
use bevy_gym_server::{EnvError, OptionKind, OptionSpec, options};
use serde_json::{Map, Value};

/// Every option of the game; the flags of `bevy-dodge` are these names in kebab case.
pub const OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        name: "level",
        kind: OptionKind::Integer { min: 1, max: 2 },
        default: Some("1"),
        help: "Difficulty preset: 1 or 2; sets the four projectile options below unless they are given.",
    },
    OptionSpec {
        name: "action_space",
        kind: OptionKind::Choice(ACTION_SPACES),
        default: Some("discrete"),
        help: "`discrete` (IDLE, UP, DOWN, LEFT, RIGHT; version 1 adds JUMP) or `continuous` ([vx, vy, sprint] in [-1, 1]; version 1: [vx, vy, sprint, jump]); version 1 also takes the seed game's `basic_3d`, `basic_4d_jump`, `tilt_5d` ([vx, vy, pitch, roll, sprint]) and `full_6d` ([vx, vy, jump, pitch, roll, sprint]); tilt is cosmetic.",
    },
    OptionSpec {
        name: "image_size",
        kind: OptionKind::Integer { min: 32, max: 512 },
        default: Some("84"),
        help: "Width and height of each agent's image in pixels.",
    },
    OptionSpec {
        name: "grayscale",
        kind: OptionKind::Boolean,
        default: Some("false"),
        help: "One grey channel instead of RGB.",
    },
    OptionSpec {
        name: "survival_reward",
        kind: OptionKind::Number {
            min: -1e6,
            max: 1e6,
        },
        default: Some("1"),
        help: "Reward per survived tick.",
    },
    OptionSpec {
        name: "hit_penalty",
        kind: OptionKind::Number {
            min: -1e6,
            max: 1e6,
        },
        default: Some("100"),
        help: "Subtracted from the reward on the tick a player is hit.",
    },
    OptionSpec {
        name: "dodge_bonus_threshold",
        kind: OptionKind::Number {
            min: 0.0,
            max: 20.0,
        },
        default: Some("2"),
        help: "Distance (units) under which a near miss earns a bonus.",
    },
    OptionSpec {
        name: "dodge_bonus_multiplier",
        kind: OptionKind::Number {
            min: -1e6,
            max: 1e6,
        },
        default: Some("0.5"),
        help: "Bonus per tick per unit of distance inside the threshold.",
    },
    OptionSpec {
        name: "player_speed",
        kind: OptionKind::Number {
            min: 0.0,
            max: 100.0,
        },
        default: Some("5"),
        help: "Walking speed (units/s).",
    },
    OptionSpec {
        name: "sprint_multiplier",
        kind: OptionKind::Number {
            min: 0.0,
            max: 10.0,
        },
        default: Some("2"),
        help: "Full sprint multiplies the speed by (1 + this).",
    },
    OptionSpec {
        name: "projectile_spawn_interval",
        kind: OptionKind::Number {
            min: 0.05,
            max: 60.0,
        },
        default: None,
        help: "Seconds between throws (level 1: 2, level 2: 0.5).",
    },
    OptionSpec {
        name: "projectile_flight_time",
        kind: OptionKind::Number {
            min: 0.1,
            max: 10.0,
        },
        default: None,
        help: "Seconds from throw to reaching the target point (level 1: 2, level 2: 0.8).",
    },
    OptionSpec {
        name: "max_projectiles",
        kind: OptionKind::Integer { min: 0, max: 1000 },
        default: None,
        help: "Most projectiles in flight per player (level 1: 10, level 2: 25).",
    },
    OptionSpec {
        name: "random_spawn_position",
        kind: OptionKind::Boolean,
        default: None,
        help: "Throw from anywhere on the spawn arc, not from its far end (level 1: false, level 2: true).",
    },
    OptionSpec {
        name: "spawn_angle_degrees",
        kind: OptionKind::Number {
            min: 0.0,
            max: 180.0,
        },
        default: Some("60"),
        help: "Half-angle of the spawn arc (degrees from +Y).",
    },
    OptionSpec {
        name: "rules_version",
        kind: OptionKind::Integer { min: 0, max: 1 },
        default: Some("0"),
        help: "Rules: 0 (dodge_v0, pinned: same seed and actions, same episode) or 1 (dodge_v1: the thrower's warning in observations and images, jumping, the seed game's action variants).",
    },
    OptionSpec {
        name: "thrower_delay_seconds",
        kind: OptionKind::Number {
            min: 0.0,
            max: 10.0,
        },
        default: Some("0.5"),
        help: "Version 1: seconds before each throw that its start point is shown.",
    },
    OptionSpec {
        name: "throwers",
        kind: OptionKind::Integer { min: 0, max: 64 },
        default: Some("0"),
        help: "Learnable throwers per arena: the last N agents of every arena throw (Box(1) aim angle → ±spawn_angle_degrees on the spawn arc) instead of the scripted thrower; 0: the scripted thrower. Every arena keeps at least one dodger.",
    },
    OptionSpec {
        name: "thrower_hit_reward",
        kind: OptionKind::Number {
            min: -1e6,
            max: 1e6,
        },
        default: Some("100"),
        help: "A thrower's reward when its ball hits a dodger.",
    },
    OptionSpec {
        name: "thrower_aim_noise_degrees",
        kind: OptionKind::Number {
            min: 0.0,
            max: 90.0,
        },
        default: Some("5"),
        help: "A learnable thrower's aim wobbles by up to this many degrees either way (drawn from the arena's seeded stream), so two episodes between deterministic policies differ.",
    },
    OptionSpec {
        name: "thrower_tick_penalty",
        kind: OptionKind::Number {
            min: -1e6,
            max: 1e6,
        },
        default: Some("0.025"),
        help: "Subtracted from a thrower's reward every tick (0.1 per step of 4 ticks, the seed game's -0.1 per step).",
    },
];

/// The `action_space` choices; after the first two, the seed game's names (version 1 only).
pub const ACTION_SPACES: &[&str] = &[
    "discrete",
    "continuous",
    "basic_3d",
    "basic_4d_jump",
    "tilt_5d",
    "full_6d",
];

/// Which action space the players use: one of [`ACTION_SPACES`], by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionKind(usize);

impl ActionKind {
    pub const DISCRETE: Self = Self(0);
    pub const CONTINUOUS: Self = Self(1);

    pub fn name(self) -> &'static str {
        ACTION_SPACES[self.0]
    }

    fn named(name: &str) -> Self {
        Self(ACTION_SPACES.iter().position(|n| *n == name).unwrap_or(0))
    }

    /// What each element of a continuous action means under rules `version`; `None` for the
    /// discrete space.
    pub fn layout(self, version: u8) -> Option<&'static [Control]> {
        use Control::{Jump, Pitch, Roll, Sprint, Vx, Vy};
        match (self.0, version) {
            (0, _) => None,
            (1, 0) | (2, _) => Some(&[Vx, Vy, Sprint]),
            (1, _) | (3, _) => Some(&[Vx, Vy, Sprint, Jump]),
            (4, _) => Some(&[Vx, Vy, Pitch, Roll, Sprint]),
            _ => Some(&[Vx, Vy, Jump, Pitch, Roll, Sprint]),
        }
    }
}

/// One element of a continuous action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Vx,
    Vy,
    Sprint,
    Jump,
    Pitch,
    Roll,
}

/// Every tunable of the game; one resource, changed only between episodes. Fields mirror
/// [`OPTIONS`] one to one.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct DodgeConfig {
    pub level: u8,
    pub action_kind: ActionKind,
    /// Image width and height in pixels.
    pub image_size: usize,
    pub grayscale: bool,
    pub survival_reward: f32,
    pub hit_penalty: f32,
    pub dodge_bonus_threshold: f32,
    pub dodge_bonus_multiplier: f32,
    pub player_speed: f32,
    pub sprint_multiplier: f32,
    pub projectile_spawn_interval: f32,
    pub projectile_flight_time: f32,
    pub max_projectiles: u32,
    pub random_spawn_position: bool,
    pub spawn_angle_degrees: f32,
    /// Rules version: 0 (dodge_v0) or 1 (dodge_v1).
    pub version: u8,
    pub thrower_delay_seconds: f32,
    /// Learnable throwers per arena (the last agents of each arena); 0: the scripted thrower.
    pub throwers: usize,
    pub thrower_hit_reward: f32,
    pub thrower_aim_noise_degrees: f32,
    pub thrower_tick_penalty: f32,
}

impl Default for DodgeConfig {
    /// Every option at its declared default (level 1's presets), derived from [`OPTIONS`]: the
    /// config unit tests and code outside an environment start from. A running game does not
    /// depend on it: the plugin starts it with the declared defaults.
    fn default() -> Self {
        let mut config = Self {
            level: 1,
            action_kind: ActionKind::DISCRETE,
            image_size: 0,
            grayscale: false,
            survival_reward: 0.0,
            hit_penalty: 0.0,
            dodge_bonus_threshold: 0.0,
            dodge_bonus_multiplier: 0.0,
            player_speed: 0.0,
            sprint_multiplier: 0.0,
            projectile_spawn_interval: 0.0,
            projectile_flight_time: 0.0,
            max_projectiles: 0,
            random_spawn_position: false,
            spawn_angle_degrees: 0.0,
            version: 0,
            thrower_delay_seconds: 0.0,
            throwers: 0,
            thrower_hit_reward: 0.0,
            thrower_aim_noise_degrees: 0.0,
            thrower_tick_penalty: 0.0,
        };
        config.apply(&options::defaults(OPTIONS));
        config
    }
}

impl DodgeConfig {
    /// The complete option set, as `/spec` reports it.
    pub fn to_options(&self) -> Map<String, Value> {
        let values: [Value; 21] = [
            self.level.into(),
            self.action_kind.name().into(),
            self.image_size.into(),
            self.grayscale.into(),
            self.survival_reward.into(),
            self.hit_penalty.into(),
            self.dodge_bonus_threshold.into(),
            self.dodge_bonus_multiplier.into(),
            self.player_speed.into(),
            self.sprint_multiplier.into(),
            self.projectile_spawn_interval.into(),
            self.projectile_flight_time.into(),
            self.max_projectiles.into(),
            self.random_spawn_position.into(),
            self.spawn_angle_degrees.into(),
            self.version.into(),
            self.thrower_delay_seconds.into(),
            self.throwers.into(),
            self.thrower_hit_reward.into(),
            self.thrower_aim_noise_degrees.into(),
            self.thrower_tick_penalty.into(),
        ];
        OPTIONS
            .iter()
            .zip(values)
            .map(|(spec, value)| (spec.name.to_string(), value))
            .collect()
    }

    /// This config with `options` applied (`level` first, then every other key); errors name the
    /// first bad key and what it expects, and `self` is never modified.
    pub fn with_options(&self, options: &Map<String, Value>) -> Result<Self, EnvError> {
        let checked = options::validate(OPTIONS, options, &[])?;
        let mut next = self.clone();
        next.apply(&checked);
        if next.version == 0 && next.action_kind.0 > 1 {
            return Err(EnvError::InvalidOptions(format!(
                "action_space {:?} is a rules_version 1 action space; expected discrete or continuous with rules_version 0 (or rules_version 1)",
                next.action_kind.name()
            )));
        }
        Ok(next)
    }

    /// Applies checked options: a level sets its projectile presets, then every key its field.
    fn apply(&mut self, options: &Map<String, Value>) {
        if let Some(level) = options.get("level").and_then(Value::as_u64) {
            let hard = level >= 2;
            self.level = level as u8;
            self.projectile_spawn_interval = if hard { 0.5 } else { 2.0 };
            self.projectile_flight_time = if hard { 0.8 } else { 2.0 };
            self.max_projectiles = if hard { 25 } else { 10 };
            self.random_spawn_position = hard;
        }
        for (key, value) in options {
            let number = value.as_f64().unwrap_or_default() as f32;
            let flag = value.as_bool().unwrap_or_default();
            match key.as_str() {
                "action_space" => {
                    self.action_kind = ActionKind::named(value.as_str().unwrap_or_default())
                }
                "image_size" => self.image_size = value.as_u64().unwrap_or_default() as usize,
                "grayscale" => self.grayscale = flag,
                "survival_reward" => self.survival_reward = number,
                "hit_penalty" => self.hit_penalty = number,
                "dodge_bonus_threshold" => self.dodge_bonus_threshold = number,
                "dodge_bonus_multiplier" => self.dodge_bonus_multiplier = number,
                "player_speed" => self.player_speed = number,
                "sprint_multiplier" => self.sprint_multiplier = number,
                "projectile_spawn_interval" => self.projectile_spawn_interval = number,
                "projectile_flight_time" => self.projectile_flight_time = number,
                "max_projectiles" => {
                    self.max_projectiles = value.as_u64().unwrap_or_default() as u32
                }
                "random_spawn_position" => self.random_spawn_position = flag,
                "spawn_angle_degrees" => self.spawn_angle_degrees = number,
                "rules_version" => self.version = value.as_u64().unwrap_or_default() as u8,
                "thrower_delay_seconds" => self.thrower_delay_seconds = number,
                "throwers" => self.throwers = value.as_u64().unwrap_or_default() as usize,
                "thrower_hit_reward" => self.thrower_hit_reward = number,
                "thrower_aim_noise_degrees" => self.thrower_aim_noise_degrees = number,
                "thrower_tick_penalty" => self.thrower_tick_penalty = number,
                _ => {} // `level`, applied first
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn defaults_are_level_one() {
        let c = DodgeConfig::default();
        assert_eq!((c.level, c.image_size, c.max_projectiles), (1, 84, 10));
        assert_eq!((c.survival_reward, c.hit_penalty), (1.0, 100.0));
        assert_eq!(c.projectile_spawn_interval, 2.0);
        assert_eq!(c.spawn_angle_degrees, 60.0);
        assert!(!c.random_spawn_position && !c.grayscale);
    }

    #[test]
    fn level_applies_first_then_overrides() {
        let c = DodgeConfig::default()
            .with_options(&opts(json!({"max_projectiles": 3, "level": 2})))
            .unwrap();
        assert_eq!(c.level, 2);
        assert_eq!(c.projectile_spawn_interval, 0.5);
        assert_eq!(c.max_projectiles, 3);
        assert!(c.random_spawn_position);
    }

    #[test]
    fn every_option_round_trips_and_has_its_field() {
        let c = DodgeConfig::default()
            .with_options(&opts(json!({"level": 2, "grayscale": true})))
            .unwrap();
        assert_eq!(
            DodgeConfig::default()
                .with_options(&c.to_options())
                .unwrap(),
            c
        );
        let names: Vec<&str> = OPTIONS.iter().map(|s| s.name).collect();
        let keys: Vec<String> = c.to_options().keys().cloned().collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted, "to_options covers exactly OPTIONS");
        // Every option reaches its field: set each to a non-default value and see it change.
        for spec in OPTIONS.iter().filter(|s| s.name != "level") {
            let value = match spec.kind {
                OptionKind::Integer { max, .. } => json!(max),
                OptionKind::Number { max, .. } => json!(max),
                OptionKind::Boolean => json!(!c.to_options()[spec.name].as_bool().unwrap()),
                OptionKind::Choice(choices) => json!(choices[choices.len() - 1]),
            };
            // The seed game's action spaces need version 1.
            let changed = c
                .with_options(&opts(json!({spec.name: value, "rules_version": 1})))
                .unwrap();
            assert_eq!(changed.to_options()[spec.name], value, "{}", spec.name);
        }
        for spec in OPTIONS {
            if let Some(default) = spec.default {
                assert!(spec.parse_text(default).is_ok(), "{}", spec.name);
            }
        }
    }

    #[test]
    fn rejects_bad_options_and_names_them() {
        for (bad, needle) in [
            (json!({"level": 3}), "\"level\""),
            (json!({"image_size": 16}), "\"image_size\""),
            (json!({"action_space": 1}), "\"action_space\""),
            (json!({"player_speed": "fast"}), "\"player_speed\""),
            (json!({"grayscale": 1}), "\"grayscale\""),
            (json!({"jump": true}), "unknown option \"jump\""),
            (
                json!({"action_space": "tilt_5d"}),
                "\"tilt_5d\" is a rules_version 1",
            ),
        ] {
            let err = DodgeConfig::default().with_options(&opts(bad)).unwrap_err();
            assert_eq!(err.code(), "invalid_options");
            assert!(err.to_string().contains(needle), "{err}");
            assert!(err.to_string().contains("expected"), "{err}");
        }
    }
}
