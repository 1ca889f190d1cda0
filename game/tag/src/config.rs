//! Tag's options, declared once in [`OPTIONS`] (the plugin validates `/reset?options=` and the
//! CLI against them and publishes them in `/spec`), and the configuration built from them,
//! including the checks that need the agent layout (which agents are pursuers, who fills which
//! arena).

use bevy::prelude::Resource;
use bevy_gym_server::{ArenaMode, EnvError, Layout, OptionKind, OptionSpec, options};
use serde_json::{Map, Value};

use crate::arena::Role;

/// Every option of the game; the flags of `bevy-tag` are these names in kebab case.
pub const OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        name: "pursuers",
        kind: OptionKind::Integer { min: 0, max: 4096 },
        default: Some("1"),
        help: "The first `pursuers` agents pursue (Discrete(5); all of them if there are fewer), the rest evade (Box(2)); under rules_version 1, the first `pursuers` agents of every arena.",
    },
    OptionSpec {
        name: "rules_version",
        kind: OptionKind::Integer { min: 0, max: 1 },
        default: Some("0"),
        help: "0 (tag_v0, pinned: roles by global agent index, ids agent_N) or 1 (tag_v1: roles per arena, ids that name the role: pursuer_0, evader_0).",
    },
    OptionSpec {
        name: "pursuer_shaping",
        kind: OptionKind::Number {
            min: 0.0,
            max: 10.0,
        },
        default: Some("0"),
        help: "Per tick, each pursuer agent earns this times how much closer (units) it came to the nearest evader in play (potential-based shaping; 0: off).",
    },
    OptionSpec {
        name: "pursuer_speed",
        kind: OptionKind::Number {
            min: 0.0,
            max: 10.0,
        },
        default: Some("4"),
        help: "Pursuers' speed (units/s).",
    },
    OptionSpec {
        name: "evader_speed",
        kind: OptionKind::Number {
            min: 0.0,
            max: 10.0,
        },
        default: Some("3"),
        help: "Evaders' top speed (units/s).",
    },
    OptionSpec {
        name: "catch_radius",
        kind: OptionKind::Number { min: 0.1, max: 3.0 },
        default: Some("0.6"),
        help: "An evader this close (units) to a pursuer is caught.",
    },
    OptionSpec {
        name: "bot_pursuers",
        kind: OptionKind::Integer { min: 0, max: 8 },
        default: Some("0"),
        help: "Scripted pursuers added to every arena (chase the nearest evader).",
    },
    OptionSpec {
        name: "bot_evaders",
        kind: OptionKind::Integer { min: 0, max: 8 },
        default: Some("0"),
        help: "Scripted evaders added to every arena (flee the nearest pursuer).",
    },
    OptionSpec {
        name: "image_size",
        kind: OptionKind::Integer { min: 32, max: 256 },
        default: Some("64"),
        help: "Width and height of each agent's RGB image in pixels.",
    },
];

/// Every tunable of the game; one resource, changed only between episodes. Fields mirror
/// [`OPTIONS`] one to one.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct TagConfig {
    /// Pursuer agents (per arena under rules version 1).
    pub pursuers: usize,
    /// 0: tag_v0's roles and ids; 1: roles per arena, role-named ids.
    pub version: u8,
    /// Reward per unit a pursuer agent closes on the nearest evader in a tick.
    pub pursuer_shaping: f32,
    pub bot_pursuers: usize,
    pub bot_evaders: usize,
    /// Units/s.
    pub pursuer_speed: f32,
    /// Units/s.
    pub evader_speed: f32,
    /// Units.
    pub catch_radius: f32,
    /// Image width and height in pixels.
    pub image_size: usize,
}

impl Default for TagConfig {
    /// Every option at its declared default, derived from [`OPTIONS`]: the config unit tests
    /// and code outside an environment start from. A running game does not depend on it: the
    /// plugin starts it with the declared defaults.
    fn default() -> Self {
        let mut config = Self {
            pursuers: 0,
            version: 0,
            pursuer_shaping: 0.0,
            bot_pursuers: 0,
            bot_evaders: 0,
            pursuer_speed: 0.0,
            evader_speed: 0.0,
            catch_radius: 0.0,
            image_size: 0,
        };
        config.apply(&options::defaults(OPTIONS));
        config
    }
}

impl TagConfig {
    /// The role of agent `agent`: the first `pursuers` agents pursue (of its arena, under
    /// rules version 1).
    pub fn role_of(&self, layout: &Layout, agent: usize) -> Role {
        let index = match self.version {
            0 => agent,
            _ => agent - layout.agents_in(layout.arena_of(agent)).start,
        };
        if index < self.pursuers {
            Role::Pursuer
        } else {
            Role::Evader
        }
    }

    // ANCHOR: agent_id
    /// The agent's public id: `agent_N` under version 0 (tag_v0 unchanged), else the role
    /// numbered across arenas in agent order (`pursuer_0`, `evader_0`, …).
    pub fn agent_id(&self, layout: &Layout, agent: usize) -> String {
        if self.version == 0 {
            return Layout::agent_id(agent);
        }
        let pursuers = self.pursuers.min(layout.group());
        let roles = [("pursuer", pursuers), ("evader", layout.group() - pursuers)];
        layout.role_id(agent, &roles)
    }
    // ANCHOR_END: agent_id

    /// The complete option set, as `/spec` reports it.
    pub fn to_options(&self) -> Map<String, Value> {
        let values: [Value; 9] = [
            self.pursuers.into(),
            self.version.into(),
            self.pursuer_shaping.into(),
            self.pursuer_speed.into(),
            self.evader_speed.into(),
            self.catch_radius.into(),
            self.bot_pursuers.into(),
            self.bot_evaders.into(),
            self.image_size.into(),
        ];
        OPTIONS
            .iter()
            .zip(values)
            .map(|(spec, value)| (spec.name.to_string(), value))
            .collect()
    }

    /// This config with `options` applied, if the result makes sense for `layout`; `self` is
    /// never modified.
    pub fn with_options(
        &self,
        options: &Map<String, Value>,
        layout: &Layout,
    ) -> Result<Self, EnvError> {
        let checked = options::validate(OPTIONS, options, &[])?;
        let mut next = self.clone();
        next.apply(&checked);
        next.check_layout(layout)?;
        Ok(next)
    }

    fn apply(&mut self, options: &Map<String, Value>) {
        for (key, value) in options {
            let count = value.as_u64().unwrap_or_default() as usize;
            let number = value.as_f64().unwrap_or_default() as f32;
            match key.as_str() {
                "pursuers" => self.pursuers = count,
                "rules_version" => self.version = count as u8,
                "pursuer_shaping" => self.pursuer_shaping = number,
                "bot_pursuers" => self.bot_pursuers = count,
                "bot_evaders" => self.bot_evaders = count,
                "pursuer_speed" => self.pursuer_speed = number,
                "evader_speed" => self.evader_speed = number,
                "catch_radius" => self.catch_radius = number,
                "image_size" => self.image_size = count,
                _ => {} // unreachable: validated against OPTIONS
            }
        }
    }

    /// Every arena must hold a pursuer and an evader (agents or bots): otherwise nothing can
    /// happen in it but waiting for truncation.
    fn check_layout(&self, layout: &Layout) -> Result<(), EnvError> {
        if self.version >= 1 {
            return self.check_arena_roles(layout);
        }
        let agents = layout.num_agents;
        let refuse = |why: String| Err(EnvError::InvalidOptions(why));
        // `pursuers` beyond the number of agents makes every agent a pursuer.
        let pursuer_agents = self.pursuers.min(agents);
        let evader_agents = agents - pursuer_agents;
        match layout.mode {
            ArenaMode::Shared if pursuer_agents + self.bot_pursuers == 0 => refuse(
                "the arena has no pursuer (pursuers=0, bot_pursuers=0); expected pursuers or bot_pursuers at least 1".into(),
            ),
            ArenaMode::Shared if evader_agents + self.bot_evaders == 0 => refuse(format!(
                "the arena has no evader (pursuers={} of {agents} agents, bot_evaders=0); expected pursuers below the number of agents, or bot_evaders at least 1",
                self.pursuers
            )),
            ArenaMode::Separate if pursuer_agents > 0 && self.bot_evaders == 0 => refuse(
                "separate arenas of pursuer agents have no evader (bot_evaders=0); expected bot_evaders at least 1, or pursuers=0".into(),
            ),
            ArenaMode::Separate if evader_agents > 0 && self.bot_pursuers == 0 => refuse(
                "separate arenas of evader agents have no pursuer (bot_pursuers=0); expected bot_pursuers at least 1, or pursuers equal to the number of agents".into(),
            ),
            _ => Ok(()),
        }
    }

    /// Version 1: every arena holds the same roles, so one arena's count decides.
    fn check_arena_roles(&self, layout: &Layout) -> Result<(), EnvError> {
        let group = layout.group();
        let pursuer_agents = self.pursuers.min(group);
        let evader_agents = group - pursuer_agents;
        let missing = if pursuer_agents + self.bot_pursuers == 0 {
            "pursuer (pursuers=0, bot_pursuers=0); expected pursuers or bot_pursuers at least 1"
        } else if evader_agents + self.bot_evaders == 0 {
            "evader (bot_evaders=0); expected pursuers below the agents per arena, or bot_evaders at least 1"
        } else {
            return Ok(());
        };
        Err(EnvError::InvalidOptions(format!(
            "an arena of {group} agents with pursuers={} has no {missing}",
            self.pursuers
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn layout(mode: ArenaMode, num_agents: usize) -> Layout {
        Layout::new(mode, num_agents)
    }

    #[test]
    fn every_option_round_trips_and_has_its_field() {
        let shared = layout(ArenaMode::Shared, 8);
        let c = TagConfig::default();
        assert_eq!((c.pursuers, c.image_size, c.catch_radius), (1, 64, 0.6));
        let keys: Vec<String> = c.to_options().keys().cloned().collect();
        let mut names: Vec<&str> = OPTIONS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        assert_eq!(keys, names, "to_options covers exactly OPTIONS");
        assert_eq!(c.with_options(&c.to_options(), &shared).unwrap(), c);
        for spec in OPTIONS {
            let value = match spec.kind {
                OptionKind::Integer { min, .. } if spec.name == "pursuers" => json!(min + 2),
                OptionKind::Integer { max, .. } => json!(max),
                OptionKind::Number { max, .. } => json!(max),
                _ => unreachable!("tag has only numeric options"),
            };
            let changed = c
                .with_options(&opts(json!({spec.name: value})), &shared)
                .unwrap();
            assert_eq!(changed.to_options()[spec.name], value, "{}", spec.name);
        }
    }

    #[test]
    fn roles_follow_the_pursuers_option() {
        let c = TagConfig {
            pursuers: 2,
            ..TagConfig::default()
        };
        let shared = layout(ArenaMode::Shared, 3);
        assert_eq!(
            (0..3).map(|a| c.role_of(&shared, a)).collect::<Vec<_>>(),
            [Role::Pursuer, Role::Pursuer, Role::Evader]
        );
        assert_eq!(
            c.agent_id(&shared, 2),
            "agent_2",
            "version 0 keeps tag_v0's ids"
        );
    }

    #[test]
    fn version_1_gives_roles_per_arena_and_ids_that_name_them() {
        let c = TagConfig {
            pursuers: 1,
            version: 1,
            ..TagConfig::default()
        };
        let arenas = Layout::grouped(6, 3);
        let roles: Vec<Role> = (0..6).map(|a| c.role_of(&arenas, a)).collect();
        let (p, e) = (Role::Pursuer, Role::Evader);
        assert_eq!(roles, [p, e, e, p, e, e]);
        let ids: Vec<String> = (0..6).map(|a| c.agent_id(&arenas, a)).collect();
        assert_eq!(
            ids,
            [
                "pursuer_0",
                "evader_0",
                "evader_1",
                "pursuer_1",
                "evader_2",
                "evader_3"
            ]
        );
        let shared = layout(ArenaMode::Shared, 3);
        let ids: Vec<String> = (0..3).map(|a| c.agent_id(&shared, a)).collect();
        assert_eq!(ids, ["pursuer_0", "evader_0", "evader_1"]);
        // Arenas of pursuers alone need scripted evaders, and say so.
        let pursuers_only = TagConfig {
            pursuers: 4096,
            ..c.clone()
        };
        let err = pursuers_only
            .with_options(&Map::new(), &Layout::grouped(4, 2))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("has no evader") && err.contains("; expected "),
            "{err}"
        );
        assert!(
            pursuers_only
                .with_options(&opts(json!({"bot_evaders": 1})), &Layout::grouped(4, 2))
                .is_ok()
        );
        let ids: Vec<String> = (0..4)
            .map(|a| pursuers_only.agent_id(&Layout::grouped(4, 2), a))
            .collect();
        assert_eq!(ids, ["pursuer_0", "pursuer_1", "pursuer_2", "pursuer_3"]);
    }

    #[test]
    fn refuses_arenas_without_both_roles() {
        let c = TagConfig::default();
        for (mode, agents, bad, needle) in [
            (ArenaMode::Shared, 2, json!({"pursuers": 3}), "no evader"),
            (ArenaMode::Shared, 1, json!({}), "no evader"),
            (ArenaMode::Shared, 2, json!({"pursuers": 0}), "no pursuer"),
            (
                ArenaMode::Separate,
                2,
                json!({"bot_pursuers": 1}),
                "no evader",
            ),
            (
                ArenaMode::Separate,
                2,
                json!({"bot_evaders": 1}),
                "no pursuer",
            ),
            (ArenaMode::Shared, 2, json!({"speed": 1}), "unknown option"),
        ] {
            let err = c
                .with_options(&opts(bad.clone()), &layout(mode, agents))
                .unwrap_err();
            assert_eq!(err.code(), "invalid_options");
            let text = err.to_string();
            assert!(
                text.contains(needle) && text.contains("; expected "),
                "{bad}: {text}"
            );
        }
        for (mode, agents, good) in [
            (ArenaMode::Shared, 2, json!({})),
            (ArenaMode::Shared, 1, json!({"bot_evaders": 1})),
            (
                ArenaMode::Shared,
                1,
                json!({"pursuers": 0, "bot_pursuers": 1}),
            ),
            (
                ArenaMode::Separate,
                3,
                json!({"bot_pursuers": 1, "bot_evaders": 2}),
            ),
            (
                ArenaMode::Separate,
                3,
                json!({"pursuers": 0, "bot_pursuers": 1}),
            ),
            (
                ArenaMode::Separate,
                2,
                json!({"pursuers": 2, "bot_evaders": 1}),
            ),
        ] {
            assert!(
                c.with_options(&opts(good.clone()), &layout(mode, agents))
                    .is_ok(),
                "{good}"
            );
        }
    }
}
