//! The wire protocol's types and formats (docs/protocol.md): its version, query parameters in,
//! the spec document, JSON arrays and binary frames out.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{EnvError, quote_short};
use crate::spec::{ArenaMode, ImageSpec, Space};

/// Version of the wire protocol described in `docs/protocol.md`.
pub const PROTOCOL_VERSION: u32 = 1;

/// Magic bytes opening every binary frame.
pub const FRAME_MAGIC: &[u8; 4] = b"BGYM";

/// A reset request: which arenas, with which seed and options.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResetRequest {
    /// Reseed the reset arenas; `None` continues their random streams.
    pub seed: Option<u64>,
    /// Reset only these arenas; `None` resets all.
    pub arenas: Option<Vec<usize>>,
    /// Runtime options to apply before a full reset.
    pub options: Option<Map<String, Value>>,
}

/// One agent in the spec.
#[derive(Serialize)]
pub struct AgentSpecDoc<'a> {
    pub action_space: &'a Space,
    pub arena: usize,
    /// What drives the agent in process (an in-game policy), if anything: its actions in
    /// `/step` and `/v1/step` are then ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driven_by: Option<&'a str>,
    pub id: String,
    pub observation_space: &'a Space,
}

/// The body of `GET /spec` (fields in sorted order, as every reply of this protocol).
#[derive(Serialize)]
pub struct SpecDoc<'a> {
    pub action_repeat: u32,
    pub agents: Vec<AgentSpecDoc<'a>>,
    pub arena_mode: ArenaMode,
    pub game: &'a str,
    pub image: ImageSpec,
    /// Where images come from: "raster" (drawn by the game) or "camera" (its Bevy cameras).
    pub image_source: &'a str,
    pub max_episode_steps: u32,
    pub num_agents: usize,
    pub num_arenas: usize,
    /// Every option's JSON Schema (type, range, default, description), keyed by name.
    pub option_schema: Value,
    /// Every option's current value.
    pub options: Value,
    pub pixel_observation_space: Space,
    pub protocol_version: u32,
    pub tick_seconds: f32,
}

impl SpecDoc<'_> {
    /// The JSON text, keys sorted at every level (through `Value`, whose maps are sorted).
    pub fn to_json(&self) -> Result<String, EnvError> {
        serde_json::to_value(self)
            .map(|v| v.to_string())
            .map_err(|e| EnvError::Internal(format!("cannot write the spec: {e}")))
    }
}

/// What observation a binary frame (or a JSON reply) carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObsKind {
    None = 0,
    Vector = 1,
    Pixels = 2,
}

impl ObsKind {
    /// `none`, `vector` or `pixels` (the `obs=` query value).
    pub fn parse(text: &str) -> Result<Self, EnvError> {
        match text {
            "none" => Ok(ObsKind::None),
            "vector" => Ok(ObsKind::Vector),
            "pixels" => Ok(ObsKind::Pixels),
            other => Err(EnvError::InvalidQuery(format!(
                "obs={} is unknown; expected none, vector or pixels",
                quote_short(other)
            ))),
        }
    }
}

/// Decoded query parameters, each key at most once and every key known to the route.
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses `query` (form-url-encoded), accepting only the keys in `allowed`.
    pub fn parse(query: &str, allowed: &[&str]) -> Result<Self, EnvError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if !allowed.contains(&key.as_ref()) {
                return Err(EnvError::InvalidQuery(format!(
                    "unknown query parameter {}; expected {}",
                    quote_short(&key),
                    if allowed.is_empty() {
                        "none".to_string()
                    } else {
                        allowed.join(", ")
                    }
                )));
            }
            if pairs.iter().any(|(k, _)| *k == key) {
                return Err(EnvError::InvalidQuery(format!(
                    "query parameter {key:?} given twice; expected it once"
                )));
            }
            pairs.push((key.into_owned(), value.into_owned()));
        }
        Ok(Self { pairs })
    }

    /// The raw value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `observations=1` (or `true`) on the JSON routes.
    pub fn with_observations(&self) -> Result<bool, EnvError> {
        match self.get("observations") {
            None | Some("0") | Some("false") => Ok(false),
            Some("1") | Some("true") => Ok(true),
            Some(other) => Err(EnvError::InvalidQuery(format!(
                "observations={} is invalid; expected 1 or 0",
                quote_short(other)
            ))),
        }
    }

    /// `obs=` on the binary routes (default `vector`).
    pub fn obs_kind(&self) -> Result<ObsKind, EnvError> {
        self.get("obs").map_or(Ok(ObsKind::Vector), ObsKind::parse)
    }

    /// A comma-separated list of arena indices (`arenas=` or `reset=`).
    pub fn arena_list(&self, key: &str) -> Result<Option<Vec<usize>>, EnvError> {
        let Some(text) = self.get(key) else {
            return Ok(None);
        };
        if text.is_empty() {
            return Ok(Some(Vec::new()));
        }
        text.split(',')
            .map(|part| {
                part.trim().parse::<usize>().map_err(|_| {
                    EnvError::InvalidQuery(format!(
                        "{key}={} is invalid; expected comma-separated arena indices like 0,3",
                        quote_short(text)
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// The reset parameters `seed`, `arenas` and `options`.
    pub fn reset_request(&self) -> Result<ResetRequest, EnvError> {
        let seed = match self.get("seed") {
            None => None,
            Some(text) => Some(text.trim().parse::<u64>().map_err(|_| {
                EnvError::InvalidQuery(format!(
                    "seed={} is invalid; expected an integer in 0..=18446744073709551615",
                    quote_short(text)
                ))
            })?),
        };
        let options = match self.get("options") {
            None => None,
            Some(text) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => Some(map),
                _ => {
                    return Err(EnvError::InvalidOptions(format!(
                        "options={} is not a JSON object; expected e.g. {{\"level\":2}}",
                        quote_short(text)
                    )));
                }
            },
        };
        Ok(ResetRequest {
            seed,
            arenas: self.arena_list("arenas")?,
            options,
        })
    }
}

#[derive(Deserialize)]
struct AgentAction {
    #[serde(default)]
    action: Option<String>,
}

/// Parses a bevy_rl `/step` payload: a JSON array of `{"action": string|null}` objects.
pub fn parse_payload(payload: &str) -> Result<Vec<Option<String>>, EnvError> {
    let parsed: Vec<AgentAction> = serde_json::from_str(payload).map_err(|e| {
        EnvError::InvalidPayload(format!(
            "payload is not a JSON array of {{\"action\": string|null}} objects ({e}); got {}",
            quote_short(payload)
        ))
    })?;
    Ok(parsed.into_iter().map(|a| a.action).collect())
}

/// Every agent's vector observation in slots of `stride` floats, agent `i`'s the first `lens[i]`.
#[derive(Clone, Copy, Debug)]
pub struct ObservationSlots<'a> {
    pub values: &'a [f32],
    pub stride: usize,
    pub lens: &'a [usize],
}

/// The bevy_rl reply: `[{"is_terminated":…,"is_truncated":…,"reward":…}, …]`, keys sorted,
/// rewards as f32 widened to f64; with `observations`, each agent's `"observation"` too (as long
/// as that agent's own observation).
pub fn encode_json_results(
    rewards: &[f32],
    terminated: &[bool],
    truncated: &[bool],
    observations: Option<ObservationSlots>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 * rewards.len() + 2);
    out.push(b'[');
    for agent in 0..rewards.len() {
        if agent > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"is_terminated\":");
        out.extend_from_slice(bool_text(terminated[agent]));
        out.extend_from_slice(b",\"is_truncated\":");
        out.extend_from_slice(bool_text(truncated[agent]));
        if let Some(slots) = observations {
            out.extend_from_slice(b",\"observation\":[");
            let start = agent * slots.stride;
            for (i, v) in slots.values[start..start + slots.lens[agent]]
                .iter()
                .enumerate()
            {
                if i > 0 {
                    out.push(b',');
                }
                write_number(&mut out, *v);
            }
            out.push(b']');
        }
        out.extend_from_slice(b",\"reward\":");
        write_number(&mut out, rewards[agent]);
        out.push(b'}');
    }
    out.push(b']');
    out
}

fn bool_text(b: bool) -> &'static [u8] {
    if b { b"true" } else { b"false" }
}

/// Writes an f32 the way bevy_rl's `json!` does: widened to f64, shortest form, `null` if not finite.
fn write_number(out: &mut Vec<u8>, v: f32) {
    if serde_json::to_writer(&mut *out, &f64::from(v)).is_err() {
        out.extend_from_slice(b"null");
    }
}

/// The observations a binary frame carries.
#[derive(Clone, Copy, Debug)]
pub enum FrameObservations<'a> {
    None,
    /// Every agent's vector, agent-major.
    Vector(&'a [f32]),
    /// Every agent's image, agent-major, H×W×C each.
    Pixels(&'a [u8]),
}

/// A binary frame (layout in docs/protocol.md), built in one buffer with one copy of the
/// observations.
pub fn encode_frame(
    rewards: &[f32],
    terminated: &[bool],
    truncated: &[bool],
    observations: FrameObservations,
) -> Vec<u8> {
    let (kind, observation_bytes) = match observations {
        FrameObservations::None => (ObsKind::None, 0),
        FrameObservations::Vector(v) => (ObsKind::Vector, 4 * v.len()),
        FrameObservations::Pixels(p) => (ObsKind::Pixels, p.len()),
    };
    let n = rewards.len();
    let per_agent = observation_bytes.checked_div(n).unwrap_or(0);
    let flags_end = 16 + 6 * n;
    let obs_start = flags_end.div_ceil(4) * 4;
    let mut out = Vec::with_capacity(obs_start + observation_bytes);
    out.extend_from_slice(FRAME_MAGIC);
    out.extend_from_slice(&(PROTOCOL_VERSION as u16).to_le_bytes());
    out.extend_from_slice(&(kind as u16).to_le_bytes());
    out.extend_from_slice(&(n as u32).to_le_bytes());
    out.extend_from_slice(&(per_agent as u32).to_le_bytes());
    for r in rewards {
        out.extend_from_slice(&r.to_le_bytes());
    }
    out.extend(terminated.iter().map(|&b| u8::from(b)));
    out.extend(truncated.iter().map(|&b| u8::from(b)));
    out.resize(obs_start, 0);
    match observations {
        FrameObservations::None => {}
        FrameObservations::Vector(values) => {
            for v in values {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        FrameObservations::Pixels(pixels) => out.extend_from_slice(pixels),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_accepts_bevy_rl_forms() {
        let p =
            parse_payload("[{\"action\":\"UP\"},{\"action\":null},{},{\"action\":\"1\",\"x\":2}]")
                .unwrap();
        assert_eq!(p, vec![Some("UP".into()), None, None, Some("1".into())]);
        let spaced = parse_payload("[\n    {\n        \"action\": \"IDLE\"\n    }\n]").unwrap();
        assert_eq!(spaced, vec![Some("IDLE".into())]);
    }

    #[test]
    fn payload_rejects_wrong_shapes() {
        for bad in [
            "",
            "{}",
            "[1]",
            "[{\"action\":1}]",
            "[{\"action\":\"UP\"}",
            "null",
        ] {
            let err = parse_payload(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_payload", "{bad}");
            assert!(!err.to_string().contains('\n'));
        }
        let deep = "[".repeat(100_000);
        assert_eq!(parse_payload(&deep).unwrap_err().code(), "invalid_payload");
    }

    #[test]
    fn json_results_match_bevy_rl_bytes() {
        let body = encode_json_results(
            &[0.0, 0.1, f32::NAN],
            &[false, true, false],
            &[false, false, true],
            None,
        );
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "[{\"is_terminated\":false,\"is_truncated\":false,\"reward\":0.0},\
             {\"is_terminated\":true,\"is_truncated\":false,\"reward\":0.10000000149011612},\
             {\"is_terminated\":false,\"is_truncated\":true,\"reward\":null}]"
        );
        let slots = ObservationSlots {
            values: &[0.5, -0.25, 1.0, 0.0],
            stride: 2,
            lens: &[2, 1],
        };
        let with_obs = encode_json_results(&[4.0, 1.0], &[false; 2], &[false; 2], Some(slots));
        assert_eq!(
            String::from_utf8(with_obs).unwrap(),
            "[{\"is_terminated\":false,\"is_truncated\":false,\"observation\":[0.5,-0.25],\"reward\":4.0},\
             {\"is_terminated\":false,\"is_truncated\":false,\"observation\":[1.0],\"reward\":1.0}]"
        );
    }

    #[test]
    fn frame_layout() {
        let frame = encode_frame(
            &[1.0, 2.0, 3.0],
            &[true, false, false],
            &[false, false, true],
            FrameObservations::Vector(&[1.0, 2.0, 3.0]),
        );
        assert_eq!(&frame[0..4], b"BGYM");
        assert_eq!(u16::from_le_bytes([frame[4], frame[5]]), 1);
        assert_eq!(u16::from_le_bytes([frame[6], frame[7]]), 1);
        assert_eq!(u32::from_le_bytes(frame[8..12].try_into().unwrap()), 3);
        assert_eq!(u32::from_le_bytes(frame[12..16].try_into().unwrap()), 4);
        assert_eq!(f32::from_le_bytes(frame[20..24].try_into().unwrap()), 2.0);
        assert_eq!(&frame[28..31], &[1, 0, 0]);
        assert_eq!(&frame[31..34], &[0, 0, 1]);
        // 16 + 6·3 = 34, padded to 36.
        assert_eq!(frame.len(), 36 + 12);
        assert_eq!(f32::from_le_bytes(frame[40..44].try_into().unwrap()), 2.0);
    }

    #[test]
    fn query_rejects_unknown_and_duplicate_keys() {
        assert!(Query::parse("payload=1", &["payload"]).is_ok());
        assert_eq!(
            Query::parse("nope=1", &["payload"]).err().unwrap().code(),
            "invalid_query"
        );
        assert_eq!(
            Query::parse("seed=1&seed=2", &["seed"])
                .err()
                .unwrap()
                .code(),
            "invalid_query"
        );
        let q = Query::parse(
            "seed=7&arenas=0,%203&options=%7B%22level%22%3A2%7D",
            &["seed", "arenas", "options"],
        )
        .unwrap();
        let r = q.reset_request().unwrap();
        assert_eq!(r.seed, Some(7));
        assert_eq!(r.arenas, Some(vec![0, 3]));
        assert_eq!(r.options.unwrap()["level"], 2);
        let bad = Query::parse("seed=-1", &["seed"]).unwrap();
        assert_eq!(bad.reset_request().unwrap_err().code(), "invalid_query");
    }
}
