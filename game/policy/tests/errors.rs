//! Every way a policy file or a game can be wrong gives one line that names what was found and
//! what was expected.

use bevy_gym_policy::{Policy, PolicyError};
use bevy_gym_server::{AgentSpaces, Space};
use bevy_gym_testkit::{policy_fixture, walker};
use serde_json::{Value, json};

/// The fixture `name` with its safetensors header (metadata included) edited by `edit`.
fn edited(name: &str, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let bytes = std::fs::read(policy_fixture(name)).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut header: Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    edit(&mut header);
    let text = header.to_string();
    let mut out = (text.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&bytes[8 + n..]);
    out
}

fn set_metadata(key: &'static str, value: &'static str) -> impl FnOnce(&mut Value) {
    move |header| header["__metadata__"][key] = json!(value)
}

fn layers_of(header: &Value) -> Vec<Value> {
    serde_json::from_str(header["__metadata__"]["layers"].as_str().unwrap()).unwrap()
}

fn set_layers(header: &mut Value, layers: &[Value]) {
    header["__metadata__"]["layers"] = json!(Value::from(layers.to_vec()).to_string());
}

fn format_error(bytes: &[u8]) -> String {
    let err = Policy::from_bytes(bytes, "p.safetensors").unwrap_err();
    assert!(matches!(err, PolicyError::Format { .. }), "{err:?}");
    let message = err.to_string();
    assert!(!message.contains('\n'), "one line: {message}");
    assert!(
        message.starts_with("policy file p.safetensors: "),
        "{message}"
    );
    assert!(message.contains("expected"), "{message}");
    message
}

#[test]
fn corrupt_files_and_metadata_are_named() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"not a policy".to_vec(), "not a safetensors file"),
        (
            edited("dqn_tiny", set_metadata("format_version", "3")),
            "format_version is \"3\"; expected one of [\"1\", \"2\"]",
        ),
        (
            edited("dqn_tiny", set_metadata("format", "other")),
            "format is \"other\"; expected \"bevy_gym.policy\"",
        ),
        (
            edited("dqn_tiny", |h| {
                h["__metadata__"]
                    .as_object_mut()
                    .unwrap()
                    .remove("algorithm");
            }),
            "has no metadata \"algorithm\"",
        ),
        (
            edited("dqn_tiny", set_metadata("layers", "[")),
            "metadata \"layers\" is not JSON",
        ),
        (
            edited("dqn_tiny", set_metadata("output", "softmax")),
            "output is \"softmax\"; expected \"argmax\" or \"scaled\"",
        ),
        (
            edited("dqn_tiny", |h| {
                let mut layers = layers_of(h);
                layers[1]["weight"] = json!("nope");
                set_layers(h, &layers);
            }),
            "has no tensor \"nope\" (layer 1's weight)",
        ),
        (
            edited("dqn_tiny", |h| {
                let mut layers = layers_of(h);
                layers[2]["activation"] = json!("gelu");
                set_layers(h, &layers);
            }),
            "layer 2 has activation \"gelu\"; expected relu, tanh or none",
        ),
        (
            edited("dqn_tiny", |h| {
                let layers = layers_of(h);
                set_layers(h, &[layers[0].clone(), layers[0].clone()]);
            }),
            "layer 1 takes 72 inputs but layer 0 gives 256 values; expected equal sizes",
        ),
        (
            edited(
                "dqn_tiny",
                set_metadata(
                    "observation_space",
                    r#"{"type":"Box","shape":[71],"low":-1.0,"high":1.0,"dtype":"float32"}"#,
                ),
            ),
            "layer 0 takes 72 inputs but the observation space has 71 values",
        ),
        (
            edited(
                "dqn_tiny",
                set_metadata("action_space", r#"{"type":"Discrete","n":4}"#),
            ),
            "output \"argmax\" with 5 network outputs does not fit the action space Discrete(4)",
        ),
        (
            edited("sac_tiny", |h| {
                h["__metadata__"]
                    .as_object_mut()
                    .unwrap()
                    .remove("output_scale");
            }),
            "has no metadata \"output_scale\"",
        ),
        // Format 2: the pixel fixture's layers and image.
        (
            edited("pixels_tiny", set_metadata("format_version", "1")),
            "has \"image\" in a version 1 file; expected format_version 2",
        ),
        (
            edited("pixels_tiny", |h| {
                let mut layers = layers_of(h);
                layers[0]["type"] = json!("conv3d");
                set_layers(h, &layers);
            }),
            "layer 0 has type \"conv3d\"; expected dense, conv2d, flatten or layer_norm",
        ),
        (
            edited("pixels_tiny", |h| {
                let mut layers = layers_of(h);
                layers[1]["stride"] = json!(0);
                set_layers(h, &layers);
            }),
            "layer 1 (conv2d) has no valid \"stride\"; expected an integer ≥ 1",
        ),
        (
            edited("pixels_tiny", |h| {
                let layers = layers_of(h);
                set_layers(h, &[layers[0].clone(), layers[0].clone()]);
            }),
            "layer 1 (conv2d) takes 6 channels but layer 0 gives 8×15×15 feature maps; expected equal channels",
        ),
        (
            edited("pixels_tiny", |h| {
                let mut layers = layers_of(h);
                layers.remove(2); // the flatten
                set_layers(h, &layers);
            }),
            "layer 2 takes 392 inputs but layer 1 gives 8×7×7 feature maps; expected equal sizes",
        ),
        (
            edited(
                "pixels_tiny",
                set_metadata(
                    "observation_space",
                    r#"{"type":"Box","shape":[32,32,1],"low":0.0,"high":255.0,"dtype":"uint8"}"#,
                ),
            ),
            "observation_space is Box(shape [32, 32, 1], [0, 255]) but \"image\" says 32×32×3; expected a uint8 Box of shape [32, 32, 3]",
        ),
        (
            edited(
                "pixels_tiny",
                set_metadata(
                    "image",
                    r#"{"height":32,"width":32,"channels":3,"frame_stack":3,"divide_by":255.0}"#,
                ),
            ),
            "layer 0 (conv2d) takes 6 channels but the stacked frames give 9×32×32 feature maps",
        ),
    ];
    for (bytes, expected) in cases {
        let message = format_error(&bytes);
        assert!(
            message.contains(expected),
            "{message:?} should say {expected:?}"
        );
    }
}

fn spaces(observation: &[usize], action: Space) -> AgentSpaces {
    AgentSpaces {
        action,
        observation: Space::float_box(observation, -1.0, 1.0),
    }
}

#[test]
fn a_game_that_does_not_fit_is_named_agent_by_agent() {
    let policy = Policy::load(policy_fixture("dqn_tiny")).unwrap();
    let five = || Space::discrete_named(&["IDLE", "UP", "DOWN", "LEFT", "RIGHT"]);
    let game = [spaces(&[72], five()), spaces(&[8], five())];
    assert!(policy.check(&game, &[0]).is_ok());
    assert_eq!(
        policy.check(&game, &[0, 1]).unwrap_err().to_string(),
        "policy expects observations of shape [72] but agent_1 observes [8]"
    );
    assert_eq!(
        policy.check(&game, &[2]).unwrap_err().to_string(),
        "the policy is to drive agent_2 but the game has 2 agents; expected indices 0..1"
    );

    let continuous = walker::env(&["--action-space", "continuous"]);
    assert_eq!(
        policy
            .check(continuous.spaces(), &[0])
            .unwrap_err()
            .to_string(),
        "policy acts in Discrete(5) but agent_0's actions are Box(shape [3], [-1, 1])"
    );
    let sac = Policy::load(policy_fixture("sac_tiny")).unwrap();
    assert!(sac.check(continuous.spaces(), &[0]).is_ok());
    let discrete = walker::env(&[]);
    assert_eq!(
        sac.check(discrete.spaces(), &[0]).unwrap_err().to_string(),
        "policy acts in Box(shape [3], [-1, 1]) but agent_0's actions are Discrete(5)"
    );
}
