//! Dodge's options: level presets, runtime overrides and their validation (`/reset?options=`).

use bevy::prelude::Resource;
use serde_json::{Map, Value};

/// Which action space the players use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// Discrete(5): IDLE, UP, DOWN, LEFT, RIGHT.
    Discrete,
    /// Box(3) in [-1, 1]: vx, vy, sprint.
    Continuous,
}

/// Every tunable of the game; one resource, changed only between episodes.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct DodgeConfig {
    pub level: u8,
    pub action_kind: ActionKind,
    /// Image width and height in pixels.
    pub image_size: usize,
    pub grayscale: bool,
    /// Reward per survived tick.
    pub survival_reward: f32,
    /// Subtracted from the reward on the tick a player is hit.
    pub hit_penalty: f32,
    /// Distance (units) under which a near miss earns a bonus.
    pub dodge_bonus_threshold: f32,
    /// Bonus per tick per unit of distance inside the threshold.
    pub dodge_bonus_multiplier: f32,
    /// Walking speed (units/s).
    pub player_speed: f32,
    /// Full sprint multiplies speed by (1 + this).
    pub sprint_multiplier: f32,
    /// Seconds between throws.
    pub projectile_spawn_interval: f32,
    /// Seconds from throw to reaching the target point.
    pub projectile_flight_time: f32,
    /// Most projectiles in flight per player.
    pub max_projectiles: u32,
    /// Throw from anywhere on the spawn arc instead of from the far end.
    pub random_spawn_position: bool,
    /// Half-angle of the spawn arc (degrees from +Y).
    pub spawn_angle_degrees: f32,
}

impl DodgeConfig {
    /// The gameplay values of `level` (1 easy, 2 hard), keeping the given presentation settings.
    pub fn preset(level: u8, action_kind: ActionKind, image_size: usize, grayscale: bool) -> Self {
        let hard = level >= 2;
        Self {
            level,
            action_kind,
            image_size,
            grayscale,
            survival_reward: 1.0,
            hit_penalty: 100.0,
            dodge_bonus_threshold: 2.0,
            dodge_bonus_multiplier: 0.5,
            player_speed: 5.0,
            sprint_multiplier: 2.0,
            projectile_spawn_interval: if hard { 0.5 } else { 2.0 },
            projectile_flight_time: if hard { 0.8 } else { 2.0 },
            max_projectiles: if hard { 25 } else { 10 },
            random_spawn_position: hard,
            spawn_angle_degrees: 60.0,
        }
    }

    /// The complete option set, as `/spec` reports it.
    pub fn to_options(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("level".into(), self.level.into());
        m.insert(
            "action_space".into(),
            match self.action_kind {
                ActionKind::Discrete => "discrete",
                ActionKind::Continuous => "continuous",
            }
            .into(),
        );
        m.insert("image_size".into(), self.image_size.into());
        m.insert("grayscale".into(), self.grayscale.into());
        m.insert("survival_reward".into(), self.survival_reward.into());
        m.insert("hit_penalty".into(), self.hit_penalty.into());
        m.insert(
            "dodge_bonus_threshold".into(),
            self.dodge_bonus_threshold.into(),
        );
        m.insert(
            "dodge_bonus_multiplier".into(),
            self.dodge_bonus_multiplier.into(),
        );
        m.insert("player_speed".into(), self.player_speed.into());
        m.insert("sprint_multiplier".into(), self.sprint_multiplier.into());
        m.insert(
            "projectile_spawn_interval".into(),
            self.projectile_spawn_interval.into(),
        );
        m.insert(
            "projectile_flight_time".into(),
            self.projectile_flight_time.into(),
        );
        m.insert("max_projectiles".into(), self.max_projectiles.into());
        m.insert(
            "random_spawn_position".into(),
            self.random_spawn_position.into(),
        );
        m.insert(
            "spawn_angle_degrees".into(),
            self.spawn_angle_degrees.into(),
        );
        m
    }

    /// This config with `options` applied: `level` first, then every other key. Errors name the
    /// first bad key and what it expects; `self` is never modified.
    pub fn with_options(&self, options: &Map<String, Value>) -> Result<Self, String> {
        let mut next = self.clone();
        if let Some(level) = options.get("level") {
            let level = match level.as_u64() {
                Some(l @ 1..=2) => l as u8,
                _ => return Err(format!("option \"level\" is {level}; expected 1 or 2")),
            };
            next = Self::preset(level, next.action_kind, next.image_size, next.grayscale);
        }
        for (key, value) in options {
            match key.as_str() {
                "level" => {}
                "action_space" => {
                    next.action_kind = match value.as_str() {
                        Some("discrete") => ActionKind::Discrete,
                        Some("continuous") => ActionKind::Continuous,
                        _ => {
                            return Err(format!(
                                "option \"action_space\" is {value}; expected \"discrete\" or \"continuous\""
                            ));
                        }
                    }
                }
                "image_size" => next.image_size = integer(key, value, 32, 512)? as usize,
                "grayscale" => next.grayscale = boolean(key, value)?,
                "survival_reward" => next.survival_reward = number(key, value, -1e6, 1e6)?,
                "hit_penalty" => next.hit_penalty = number(key, value, -1e6, 1e6)?,
                "dodge_bonus_threshold" => {
                    next.dodge_bonus_threshold = number(key, value, 0.0, 20.0)?
                }
                "dodge_bonus_multiplier" => {
                    next.dodge_bonus_multiplier = number(key, value, -1e6, 1e6)?;
                }
                "player_speed" => next.player_speed = number(key, value, 0.0, 100.0)?,
                "sprint_multiplier" => next.sprint_multiplier = number(key, value, 0.0, 10.0)?,
                "projectile_spawn_interval" => {
                    next.projectile_spawn_interval = number(key, value, 0.05, 60.0)?;
                }
                "projectile_flight_time" => {
                    next.projectile_flight_time = number(key, value, 0.1, 10.0)?;
                }
                "max_projectiles" => next.max_projectiles = integer(key, value, 0, 1000)? as u32,
                "random_spawn_position" => next.random_spawn_position = boolean(key, value)?,
                "spawn_angle_degrees" => next.spawn_angle_degrees = number(key, value, 0.0, 180.0)?,
                unknown => {
                    let known: Vec<String> = self.to_options().keys().cloned().collect();
                    return Err(format!(
                        "unknown option {unknown:?}; expected one of action_repeat, max_episode_steps, {}",
                        known.join(", ")
                    ));
                }
            }
        }
        Ok(next)
    }
}

fn number(key: &str, value: &Value, low: f32, high: f32) -> Result<f32, String> {
    value
        .as_f64()
        .map(|v| v as f32)
        .filter(|v| v.is_finite() && (low..=high).contains(v))
        .ok_or_else(|| format!("option {key:?} is {value}; expected a number in [{low}, {high}]"))
}

fn integer(key: &str, value: &Value, low: u64, high: u64) -> Result<u64, String> {
    value
        .as_u64()
        .filter(|v| (low..=high).contains(v))
        .ok_or_else(|| format!("option {key:?} is {value}; expected an integer in {low}..={high}"))
}

fn boolean(key: &str, value: &Value) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| format!("option {key:?} is {value}; expected true or false"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> DodgeConfig {
        DodgeConfig::preset(1, ActionKind::Discrete, 84, false)
    }

    fn opts(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn level_applies_first_then_overrides() {
        let c = base()
            .with_options(&opts(json!({"max_projectiles": 3, "level": 2})))
            .unwrap();
        assert_eq!(c.level, 2);
        assert_eq!(c.projectile_spawn_interval, 0.5);
        assert_eq!(c.max_projectiles, 3);
        assert!(c.random_spawn_position);
    }

    #[test]
    fn round_trips_through_options() {
        let c = base()
            .with_options(&opts(json!({"level": 2, "grayscale": true})))
            .unwrap();
        assert_eq!(base().with_options(&c.to_options()).unwrap(), c);
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
        ] {
            let err = base().with_options(&opts(bad)).unwrap_err();
            assert!(err.contains(needle), "{err}");
            assert!(err.contains("expected"), "{err}");
        }
    }
}
