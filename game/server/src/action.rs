//! Actions: the parsed form of a bevy_rl action string or a binary action, checked against a space.

use crate::error::{EnvError, quote_short};
use crate::spec::{Dtype, Space};

/// One agent's action for one step.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Discrete(u32),
    Continuous(Vec<f32>),
}

impl Action {
    /// The discrete index, or `None` for a continuous action.
    pub fn index(&self) -> Option<u32> {
        match self {
            Action::Discrete(i) => Some(*i),
            Action::Continuous(_) => None,
        }
    }
}

/// Parses a bevy_rl action string against `space`: an index (`"3"`) or a name (`"UP"`) for
/// `Discrete`; a JSON array inside the string (`"[0.5,-1,0]"`) for `Box`.
pub fn parse_action_string(space: &Space, agent: usize, raw: &str) -> Result<Action, EnvError> {
    let text = raw.trim();
    match space {
        Space::Discrete { n, names } => {
            let index = match text.parse::<u64>() {
                Ok(i) => Some(i),
                Err(_) => names.iter().position(|name| name == text).map(|i| i as u64),
            };
            match index {
                Some(i) if i < u64::from(*n) => Ok(Action::Discrete(i as u32)),
                _ => Err(EnvError::InvalidAction(format!(
                    "agent_{agent}: unknown action {raw:?}; expected {}",
                    describe_discrete(*n, names)
                ))),
            }
        }
        Space::Box { .. } => {
            let values: Vec<f64> = serde_json::from_str(text).map_err(|_| {
                EnvError::InvalidAction(format!(
                    "agent_{agent}: action {} is not a JSON array of numbers; expected {}",
                    quote_short(raw),
                    describe_box(space)
                ))
            })?;
            let values: Vec<f32> = values.into_iter().map(|v| v as f32).collect();
            check_box(space, agent, &values)?;
            Ok(Action::Continuous(values))
        }
    }
}

/// Decodes every agent's action from a binary body (little-endian `i32` or `f32`s per agent).
pub fn decode_binary_actions(spaces: &[&Space], body: &[u8]) -> Result<Vec<Action>, EnvError> {
    let actions = decode_binary_actions_except(spaces, body, &[])?;
    Ok(actions.into_iter().flatten().collect())
}

/// Like [`decode_binary_actions`], but the agents marked in `ignored` (missing entries: not
/// ignored) get `None` whatever their bytes say: their values are skipped, not validated.
pub(crate) fn decode_binary_actions_except(
    spaces: &[&Space],
    body: &[u8],
    ignored: &[bool],
) -> Result<Vec<Option<Action>>, EnvError> {
    let expected: usize = spaces.iter().map(|s| 4 * s.flat_len()).sum();
    if body.len() != expected {
        return Err(EnvError::InvalidBody(format!(
            "binary action body has {} bytes; expected {expected} (little-endian i32 per discrete agent, f32 per continuous element, {} agents)",
            body.len(),
            spaces.len()
        )));
    }
    let mut words = body.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]);
    let mut actions = Vec::with_capacity(spaces.len());
    for (agent, space) in spaces.iter().enumerate() {
        if ignored.get(agent).copied().unwrap_or(false) {
            words.by_ref().take(space.flat_len()).for_each(drop);
            actions.push(None);
            continue;
        }
        let action = match space {
            Space::Discrete { n, names } => {
                let i = i32::from_le_bytes(words.next().unwrap_or_default());
                if i < 0 || i as u32 >= *n {
                    return Err(EnvError::InvalidAction(format!(
                        "agent_{agent}: action {i} out of range; expected {}",
                        describe_discrete(*n, names)
                    )));
                }
                Action::Discrete(i as u32)
            }
            Space::Box { .. } => {
                let values: Vec<f32> = (0..space.flat_len())
                    .map(|_| f32::from_le_bytes(words.next().unwrap_or_default()))
                    .collect();
                check_box(space, agent, &values)?;
                Action::Continuous(values)
            }
        };
        actions.push(Some(action));
    }
    Ok(actions)
}

fn check_box(space: &Space, agent: usize, values: &[f32]) -> Result<(), EnvError> {
    let Space::Box {
        low, high, dtype, ..
    } = space
    else {
        return Ok(());
    };
    if *dtype != Dtype::Float32 {
        return Err(EnvError::InvalidAction(format!(
            "agent_{agent}: the game declared a non-float action space"
        )));
    }
    if values.len() != space.flat_len() {
        return Err(EnvError::InvalidAction(format!(
            "agent_{agent}: action has {} values; expected {}",
            values.len(),
            describe_box(space)
        )));
    }
    for (i, v) in values.iter().enumerate() {
        if !v.is_finite() || f64::from(*v) < *low || f64::from(*v) > *high {
            return Err(EnvError::InvalidAction(format!(
                "agent_{agent}: action element {i} is {v}; expected {}",
                describe_box(space)
            )));
        }
    }
    Ok(())
}

fn describe_discrete(n: u32, names: &[String]) -> String {
    if names.is_empty() {
        format!("an index 0..{}", n.saturating_sub(1))
    } else {
        format!(
            "an index 0..{} or one of {}",
            n.saturating_sub(1),
            names.join(", ")
        )
    }
}

fn describe_box(space: &Space) -> String {
    match space {
        Space::Box {
            low, high, shape, ..
        } => format!(
            "a JSON array string of {} finite numbers in [{low}, {high}] (shape {shape:?})",
            space.flat_len()
        ),
        Space::Discrete { n, names } => describe_discrete(*n, names),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discrete() -> Space {
        Space::discrete_named(&["IDLE", "UP", "DOWN", "LEFT", "RIGHT"])
    }

    #[test]
    fn discrete_accepts_index_and_name() {
        assert_eq!(
            parse_action_string(&discrete(), 0, "3"),
            Ok(Action::Discrete(3))
        );
        assert_eq!(
            parse_action_string(&discrete(), 0, " UP "),
            Ok(Action::Discrete(1))
        );
        assert_eq!(
            parse_action_string(&discrete(), 0, "IDLE"),
            Ok(Action::Discrete(0))
        );
    }

    #[test]
    fn discrete_rejects_unknown_and_out_of_range() {
        let err = parse_action_string(&discrete(), 2, "JUMP").unwrap_err();
        assert_eq!(err.code(), "invalid_action");
        assert_eq!(
            err.to_string(),
            "agent_2: unknown action \"JUMP\"; expected an index 0..4 or one of IDLE, UP, DOWN, LEFT, RIGHT"
        );
        assert!(parse_action_string(&discrete(), 0, "5").is_err());
        assert!(parse_action_string(&discrete(), 0, "-1").is_err());
        assert!(parse_action_string(&discrete(), 0, "up").is_err());
    }

    #[test]
    fn box_parses_json_array_strings() {
        let space = Space::float_box(&[3], -1.0, 1.0);
        assert_eq!(
            parse_action_string(&space, 0, "[0.5,-1,0]"),
            Ok(Action::Continuous(vec![0.5, -1.0, 0.0]))
        );
        assert_eq!(
            parse_action_string(&space, 0, "[\n  0.5,\n  -1,\n  0\n]"),
            Ok(Action::Continuous(vec![0.5, -1.0, 0.0]))
        );
    }

    #[test]
    fn box_rejects_bad_values() {
        let space = Space::float_box(&[3], -1.0, 1.0);
        for bad in [
            "[2,0,0]",
            "[0,0]",
            "[0,0,0,0]",
            "[NaN,0,0]",
            "nope",
            "[\"a\",0,0]",
            "1e999",
        ] {
            let err = parse_action_string(&space, 1, bad).unwrap_err();
            assert_eq!(err.code(), "invalid_action", "{bad}");
            assert!(err.to_string().starts_with("agent_1: "), "{err}");
        }
        let err = parse_action_string(&space, 0, "[1e39,0,0]").unwrap_err();
        assert!(err.to_string().contains("element 0 is inf"), "{err}");
    }

    #[test]
    fn binary_actions_decode_and_validate() {
        let d = discrete();
        let c = Space::float_box(&[2], -1.0, 1.0);
        let mut body = Vec::new();
        body.extend_from_slice(&4i32.to_le_bytes());
        body.extend_from_slice(&0.25f32.to_le_bytes());
        body.extend_from_slice(&(-1.0f32).to_le_bytes());
        let actions = decode_binary_actions(&[&d, &c], &body).unwrap();
        assert_eq!(
            actions,
            vec![Action::Discrete(4), Action::Continuous(vec![0.25, -1.0])]
        );
        assert_eq!(
            decode_binary_actions(&[&d, &c], &body[..8])
                .unwrap_err()
                .code(),
            "invalid_body"
        );
        let mut bad = body.clone();
        bad[0..4].copy_from_slice(&7i32.to_le_bytes());
        assert_eq!(
            decode_binary_actions(&[&d, &c], &bad).unwrap_err().code(),
            "invalid_action"
        );
        // An ignored agent's bytes are skipped unread, however invalid.
        assert_eq!(
            decode_binary_actions_except(&[&d, &c], &bad, &[true, false]).unwrap(),
            vec![None, Some(Action::Continuous(vec![0.25, -1.0]))]
        );
    }
}
