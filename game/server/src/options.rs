//! Options declared once: each option's name, kind, range, default and help live in one
//! [`OptionSpec`], which validates `/reset?options=` values, builds the command-line flag, and is
//! published in `/spec` as JSON Schema (so clients read ranges instead of copying them).

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::{Map, Value, json};

use crate::error::EnvError;

/// An option's type and range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptionKind {
    /// A whole number in `min..=max`.
    Integer {
        min: u64,
        max: u64,
    },
    /// A finite number in `[min, max]`.
    Number {
        min: f64,
        max: f64,
    },
    Boolean,
    /// One of these strings.
    Choice(&'static [&'static str]),
}

/// One option of a game (or of the server, like `action_repeat`).
///
/// ```
/// use bevy_gym_server::{OptionKind, OptionSpec};
///
/// const LEVEL: OptionSpec = OptionSpec {
///     name: "level",
///     kind: OptionKind::Integer { min: 1, max: 2 },
///     default: Some("1"),
///     help: "Difficulty preset.",
/// };
/// assert_eq!(LEVEL.parse_text("2"), Ok(serde_json::json!(2)));
/// assert!(LEVEL.check(&serde_json::json!(3)).is_err());
/// assert_eq!(LEVEL.arg().get_long(), Some("level"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptionSpec {
    /// The key in `/reset?options=`; the flag is the same name in kebab case (`--image-size`).
    pub name: &'static str,
    pub kind: OptionKind,
    /// The default as command-line text, which the game starts with unless the option is given;
    /// `None` when other options decide it (the help says how).
    pub default: Option<&'static str>,
    /// One line for `--help` and `/spec`.
    pub help: &'static str,
}

impl OptionSpec {
    /// Checks a JSON value against the kind and range; returns it normalised (integers as
    /// integers, numbers as f64).
    pub fn check(&self, value: &Value) -> Result<Value, EnvError> {
        let fits = match self.kind {
            OptionKind::Integer { min, max } => value
                .as_u64()
                .filter(|v| (min..=max).contains(v))
                .map(Value::from),
            OptionKind::Number { min, max } => value
                .as_f64()
                .filter(|v| v.is_finite() && (min..=max).contains(v))
                .map(Value::from),
            OptionKind::Boolean => value.as_bool().map(Value::from),
            OptionKind::Choice(choices) => value
                .as_str()
                .filter(|v| choices.contains(v))
                .map(Value::from),
        };
        fits.ok_or_else(|| {
            EnvError::InvalidOptions(format!(
                "option {:?} is {value}; expected {}",
                self.name,
                self.expected()
            ))
        })
    }

    /// Parses command-line text (`2`, `0.5`, `true`, `continuous`) into a checked value.
    pub fn parse_text(&self, text: &str) -> Result<Value, String> {
        let value = match self.kind {
            OptionKind::Integer { .. } => text.parse::<u64>().map(Value::from).ok(),
            OptionKind::Number { .. } => text.parse::<f64>().ok().map(Value::from),
            OptionKind::Boolean => text.parse::<bool>().map(Value::from).ok(),
            OptionKind::Choice(_) => Some(Value::from(text)),
        };
        let value = value.ok_or_else(|| format!("{text:?} is not {}", self.expected()))?;
        self.check(&value)
            .map_err(|_| format!("{text} is not {}", self.expected()))
    }

    /// What a valid value looks like, for error messages.
    pub fn expected(&self) -> String {
        match self.kind {
            OptionKind::Integer { min, max } => format!("an integer in {min}..={max}"),
            OptionKind::Number { min, max } => format!("a number in [{min}, {max}]"),
            OptionKind::Boolean => "true or false".into(),
            OptionKind::Choice(choices) => format!("one of {}", choices.join(", ")),
        }
    }

    /// The command-line flag: `--name-in-kebab-case VALUE` (a bare `--flag` means true).
    pub fn arg(&self) -> Arg {
        let spec = *self;
        let mut help = self.help.to_string();
        if let Some(default) = self.default {
            help.push_str(&format!(" [default: {default}]"));
        }
        let arg = Arg::new(self.name)
            .long(self.name.replace('_', "-"))
            .help(help)
            .action(ArgAction::Set)
            .value_parser(move |text: &str| spec.parse_text(text));
        match self.kind {
            OptionKind::Boolean => arg
                .num_args(0..=1)
                .require_equals(true)
                .default_missing_value("true"),
            OptionKind::Choice(choices) => arg.value_name(choices.join("|")),
            _ => arg,
        }
    }

    /// This option as a JSON Schema object.
    pub fn json_schema(&self) -> Value {
        let mut schema = match self.kind {
            OptionKind::Integer { min, max } => {
                json!({"type": "integer", "minimum": min, "maximum": max})
            }
            OptionKind::Number { min, max } => {
                json!({"type": "number", "minimum": min, "maximum": max})
            }
            OptionKind::Boolean => json!({"type": "boolean"}),
            OptionKind::Choice(choices) => json!({"type": "string", "enum": choices}),
        };
        schema["description"] = self.help.into();
        if let Some(default) = self.default.and_then(|d| self.parse_text(d).ok()) {
            schema["default"] = default;
        }
        schema
    }
}

/// Checks every option of `options` against `schema`; unknown keys are errors that list the
/// known ones (`also_known` names keys another schema accepts, for the message).
pub fn validate(
    schema: &[OptionSpec],
    options: &Map<String, Value>,
    also_known: &[OptionSpec],
) -> Result<Map<String, Value>, EnvError> {
    options
        .iter()
        .map(|(key, value)| {
            let spec = schema.iter().find(|s| s.name == key).ok_or_else(|| {
                let known: Vec<&str> = also_known.iter().chain(schema).map(|s| s.name).collect();
                EnvError::InvalidOptions(format!(
                    "unknown option {}; expected one of {}",
                    crate::error::quote_short(key),
                    known.join(", ")
                ))
            })?;
            Ok((key.clone(), spec.check(value)?))
        })
        .collect()
}

/// The options that have a default, with it.
pub fn defaults(schema: &[OptionSpec]) -> Map<String, Value> {
    schema
        .iter()
        .filter_map(|s| Some((s.name.to_string(), s.parse_text(s.default?).ok()?)))
        .collect()
}

/// `schema` as a JSON object of JSON Schemas, keyed by option name.
pub fn json_schema(schema: &[OptionSpec]) -> Value {
    Value::Object(
        schema
            .iter()
            .map(|s| (s.name.to_string(), s.json_schema()))
            .collect(),
    )
}

/// Adds one flag per option to a command (a game's CLI: `Cli::command()`).
pub fn augment(command: Command, schema: &[OptionSpec]) -> Command {
    command.args(schema.iter().map(OptionSpec::arg))
}

/// The options given on the command line (absent flags are absent, not defaulted).
pub fn from_matches(schema: &[OptionSpec], matches: &ArgMatches) -> Map<String, Value> {
    schema
        .iter()
        .filter_map(|s| {
            let value = matches.get_one::<Value>(s.name)?;
            Some((s.name.to_string(), value.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &[OptionSpec] = &[
        OptionSpec {
            name: "level",
            kind: OptionKind::Integer { min: 1, max: 2 },
            default: Some("1"),
            help: "Difficulty.",
        },
        OptionSpec {
            name: "speed",
            kind: OptionKind::Number {
                min: 0.0,
                max: 10.0,
            },
            default: None,
            help: "Speed.",
        },
        OptionSpec {
            name: "fast_mode",
            kind: OptionKind::Boolean,
            default: Some("false"),
            help: "Fast.",
        },
        OptionSpec {
            name: "mode",
            kind: OptionKind::Choice(&["a", "b"]),
            default: Some("a"),
            help: "Mode.",
        },
    ];

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn validates_kinds_and_ranges() {
        let ok = validate(
            SCHEMA,
            &map(json!({"level": 2, "speed": 3, "mode": "b"})),
            &[],
        )
        .unwrap();
        assert_eq!(ok["speed"], json!(3.0));
        for (bad, needle) in [
            (json!({"level": 3}), "an integer in 1..=2"),
            (json!({"level": 1.5}), "an integer in 1..=2"),
            (json!({"speed": "x"}), "a number in [0, 10]"),
            (json!({"fast_mode": 1}), "true or false"),
            (json!({"mode": "c"}), "one of a, b"),
            (
                json!({"nope": 1}),
                "unknown option \"nope\"; expected one of level",
            ),
        ] {
            let err = validate(SCHEMA, &map(bad), &[]).unwrap_err();
            assert_eq!(err.code(), "invalid_options");
            assert!(err.to_string().contains(needle), "{err}");
        }
    }

    #[test]
    fn flags_parse_like_options() {
        let command = augment(Command::new("game"), SCHEMA);
        let m = command
            .clone()
            .try_get_matches_from(["game", "--level", "2", "--fast-mode", "--mode", "b"])
            .unwrap();
        assert_eq!(
            Value::Object(from_matches(SCHEMA, &m)),
            json!({"level": 2, "fast_mode": true, "mode": "b"})
        );
        let m = command
            .clone()
            .try_get_matches_from(["game", "--fast-mode=false"])
            .unwrap();
        assert_eq!(from_matches(SCHEMA, &m)["fast_mode"], json!(false));
        assert!(
            command
                .try_get_matches_from(["game", "--level", "9"])
                .is_err()
        );
    }

    #[test]
    fn schema_and_defaults() {
        assert_eq!(
            Value::Object(defaults(SCHEMA)),
            json!({"level": 1, "fast_mode": false, "mode": "a"})
        );
        let schema = json_schema(SCHEMA);
        assert_eq!(schema["level"]["maximum"], 2);
        assert_eq!(schema["mode"]["enum"], json!(["a", "b"]));
        assert!(schema["speed"].get("default").is_none());
    }
}
