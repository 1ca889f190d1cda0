//! Spaces in a policy file: read from the server's `/spec` JSON form, described in error
//! messages, and compared with a running game's.

use bevy_gym_server::{Dtype, Space};
use serde_json::Value;

/// A space from its `/spec` JSON (`{"type":"Discrete","n":5}`,
/// `{"type":"Box","shape":[72],"low":-1.0,"high":1.0,"dtype":"float32"}`), or why not.
pub fn parse(json: &Value) -> Result<Space, String> {
    let field = |name: &str| {
        json.get(name).ok_or_else(|| {
            format!("has no \"{name}\"; expected a Discrete or Box space as in /spec")
        })
    };
    match field("type")?.as_str() {
        Some("Discrete") => {
            let n = field("n")?
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|&n| n > 0)
                .ok_or("has an invalid \"n\"; expected a positive integer")?;
            Ok(Space::Discrete {
                n,
                names: Vec::new(),
            })
        }
        Some("Box") => {
            let shape = field("shape")?
                .as_array()
                .and_then(|dims| {
                    dims.iter()
                        .map(|d| d.as_u64().map(|d| d as usize))
                        .collect()
                })
                .ok_or("has an invalid \"shape\"; expected a list of sizes")?;
            let bound = |name: &str| {
                field(name)?
                    .as_f64()
                    .ok_or_else(|| format!("has an invalid \"{name}\"; expected one number"))
            };
            let dtype = match field("dtype")?.as_str() {
                Some("float32") => Dtype::Float32,
                Some("uint8") => Dtype::Uint8,
                _ => return Err("has an invalid \"dtype\"; expected float32 or uint8".into()),
            };
            Ok(Space::Box {
                dtype,
                high: bound("high")?,
                low: bound("low")?,
                shape,
            })
        }
        _ => Err("has an unknown \"type\"; expected Discrete or Box".into()),
    }
}

/// A space in a few words: `Discrete(5)`, `Box(shape [3], [-1, 1])`.
pub fn describe(space: &Space) -> String {
    match space {
        Space::Discrete { n, .. } => format!("Discrete({n})"),
        Space::Box {
            shape, low, high, ..
        } => format!("Box(shape {shape:?}, [{low}, {high}])"),
    }
}

/// The shape of an observation space, as error messages show it.
pub fn shape(space: &Space) -> Vec<usize> {
    match space {
        Space::Discrete { .. } => Vec::new(),
        Space::Box { shape, .. } => shape.clone(),
    }
}

/// Whether two spaces are the same for a policy (action names do not matter).
pub fn same(a: &Space, b: &Space) -> bool {
    match (a, b) {
        (Space::Discrete { n: x, .. }, Space::Discrete { n: y, .. }) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_forms() {
        let discrete: Value = serde_json::from_str(r#"{"type":"Discrete","n":5}"#).unwrap();
        assert_eq!(
            parse(&discrete),
            Ok(Space::Discrete {
                n: 5,
                names: Vec::new()
            })
        );
        let boxed: Value = serde_json::from_str(
            r#"{"type":"Box","shape":[72],"low":-1.0,"high":1.0,"dtype":"float32"}"#,
        )
        .unwrap();
        assert_eq!(parse(&boxed), Ok(Space::float_box(&[72], -1.0, 1.0)));
        assert_eq!(
            describe(&Space::float_box(&[3], -1.0, 1.0)),
            "Box(shape [3], [-1, 1])"
        );
        let named = Space::discrete_named(&["A", "B"]);
        assert!(same(
            &named,
            &parse(&serde_json::json!({"type":"Discrete","n":2})).unwrap()
        ));
    }

    #[test]
    fn refuses_what_is_not_a_space() {
        for bad in [
            r#"{"n":5}"#,
            r#"{"type":"Discrete","n":0}"#,
            r#"{"type":"Box","shape":[72],"low":-1.0,"high":1.0}"#,
            r#"{"type":"Tuple"}"#,
        ] {
            let err = parse(&serde_json::from_str(bad).unwrap()).unwrap_err();
            assert!(err.contains("expected"), "{bad}: {err}");
        }
    }
}
