//! The policy file, format `bevy_gym.policy` version 1 (written by `algos/policy_export.py`): a
//! safetensors file of float32 tensors whose string metadata says how to run them
//! (docs/policy_in_game.md#the-file-format). Reading it checks everything a forward pass needs.

use bevy_gym_server::Space;
use safetensors::{Dtype, SafeTensors};
use serde_json::{Map, Value};

use crate::mlp::{Activation, Dense, Mlp};
use crate::space;

/// The `format` metadata value of a policy file.
pub const FORMAT: &str = "bevy_gym.policy";
/// The only `format_version` this build reads.
pub const FORMAT_VERSION: &str = "1";

/// What the file says about the policy besides its weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Metadata {
    /// `dqn` or `sac` (informative: `output` says how outputs become actions).
    pub algorithm: String,
    pub observation_space: Space,
    pub action_space: Space,
    /// The game it was trained on (`dodge`), its environment id and options.
    pub game: String,
    pub env_id: String,
    pub options: Map<String, Value>,
    /// The seed of the Python evaluation, which `--episodes N --seed` reproduces.
    pub eval_seed: Option<u64>,
    pub created_by: String,
}

/// How the last layer's outputs become actions.
#[derive(Clone, Debug, PartialEq)]
pub enum Head {
    /// The index of the largest output (ties: the lowest index).
    Argmax,
    /// `y ⊙ scale + bias`, element-wise.
    Scaled { scale: Vec<f32>, bias: Vec<f32> },
}

/// Seeded test inputs and PyTorch's outputs for them, for parity checks.
#[derive(Clone, Debug, PartialEq)]
pub struct TestSet {
    pub rows: usize,
    /// `rows × observation length`.
    pub observations: Vec<f32>,
    /// `rows × output length`: the network's outputs after the head's scaling.
    pub outputs: Vec<f32>,
    /// `rows` indices (argmax) or `rows × action length` values (scaled), as float32.
    pub actions: Vec<f32>,
}

/// A policy file's contents, checked.
pub struct Contents {
    pub metadata: Metadata,
    pub network: Mlp,
    pub head: Head,
    pub test: Option<TestSet>,
}

/// Reads and checks a policy file's bytes; the error says what is wrong and what was expected.
pub fn parse(bytes: &[u8]) -> Result<Contents, String> {
    let file = SafeTensors::deserialize(bytes).map_err(|e| {
        format!("not a safetensors file ({e}); expected a policy.safetensors written by algos/ with --save-model")
    })?;
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| e.to_string())?;
    let strings: Strings = header
        .metadata()
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let text = |key: &str| {
        strings
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| format!("has no metadata \"{key}\"; expected a {FORMAT} file"))
    };
    let json = |key: &str| {
        serde_json::from_str::<Value>(text(key)?)
            .map_err(|e| format!("metadata \"{key}\" is not JSON ({e}); expected JSON text as algos/policy_export.py writes it"))
    };
    let format = text("format")?;
    if format != FORMAT {
        return Err(format!("format is {format:?}; expected {FORMAT:?}"));
    }
    let version = text("format_version")?;
    if version != FORMAT_VERSION {
        return Err(format!(
            "format_version is {version:?}; expected {FORMAT_VERSION:?} (re-export the policy, or use a game built for that version)"
        ));
    }
    let space_of =
        |key: &str| space::parse(&json(key)?).map_err(|e| format!("metadata \"{key}\" {e}"));
    let metadata =
        Metadata {
            algorithm: text("algorithm")?.to_string(),
            observation_space: space_of("observation_space")?,
            action_space: space_of("action_space")?,
            game: strings.get("game").cloned().unwrap_or_default(),
            env_id: strings.get("env_id").cloned().unwrap_or_default(),
            options: match strings.get("options") {
                None => Map::new(),
                Some(_) => match json("options")? {
                    Value::Object(map) => map,
                    _ => return Err(
                        "metadata \"options\" is not a JSON object; expected e.g. {\"level\": 1}"
                            .into(),
                    ),
                },
            },
            eval_seed: strings.get("eval_seed").and_then(|s| s.parse().ok()),
            created_by: strings.get("created_by").cloned().unwrap_or_default(),
        };
    let tensors = Tensors(&file);
    let network = network(&tensors, &json("layers")?, &metadata.observation_space)?;
    let head = head(
        &tensors,
        text("output")?,
        &strings,
        &metadata.action_space,
        network.outputs(),
    )?;
    let test = test_set(&tensors, &network, &metadata.action_space)?;
    Ok(Contents {
        metadata,
        network,
        head,
        test,
    })
}

/// The file's string metadata.
type Strings = std::collections::BTreeMap<String, String>;

/// The file's tensors, read as float32 with their shapes.
struct Tensors<'a>(&'a SafeTensors<'a>);

impl Tensors<'_> {
    /// The tensor `name` (described as `what` in errors), its shape and values.
    fn get(&self, name: &str, what: &str) -> Result<(Vec<usize>, Vec<f32>), String> {
        let view = self.0.tensor(name).map_err(|_| {
            format!("has no tensor {name:?} ({what}); expected a float32 tensor of that name")
        })?;
        if view.dtype() != Dtype::F32 {
            return Err(format!(
                "tensor {name:?} is {:?}; expected F32",
                view.dtype()
            ));
        }
        let values = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok((view.shape().to_vec(), values))
    }

    fn has(&self, name: &str) -> bool {
        self.0.tensor(name).is_ok()
    }
}

fn network(tensors: &Tensors, layers: &Value, observation: &Space) -> Result<Mlp, String> {
    let list = layers
        .as_array()
        .filter(|l| !l.is_empty())
        .ok_or("metadata \"layers\" is not a non-empty JSON list; expected [{\"weight\": NAME, \"bias\": NAME, \"activation\": \"relu\"|\"tanh\"|\"none\"}, …]")?;
    let mut dense = Vec::with_capacity(list.len());
    let mut expected_inputs = observation.flat_len();
    for (l, layer) in list.iter().enumerate() {
        let name = |key: &str| {
            layer[key]
                .as_str()
                .ok_or_else(|| format!("layer {l} has no \"{key}\" name; expected {{\"weight\", \"bias\", \"activation\"}}"))
        };
        let activation_name = name("activation")?;
        let activation = Activation::parse(activation_name).ok_or_else(|| {
            format!("layer {l} has activation {activation_name:?}; expected relu, tanh or none")
        })?;
        let (w_shape, weight) = tensors.get(name("weight")?, &format!("layer {l}'s weight"))?;
        let (b_shape, bias) = tensors.get(name("bias")?, &format!("layer {l}'s bias"))?;
        let [outputs, inputs] = w_shape[..] else {
            return Err(format!(
                "layer {l}'s weight has shape {w_shape:?}; expected (outputs, inputs)"
            ));
        };
        if b_shape != [outputs] {
            return Err(format!(
                "layer {l}'s bias has shape {b_shape:?}; expected [{outputs}] (the weight's outputs)"
            ));
        }
        if inputs != expected_inputs {
            let source = if l == 0 {
                format!("the observation space has {expected_inputs} values")
            } else {
                format!("layer {} gives {expected_inputs}", l - 1)
            };
            return Err(format!(
                "layer {l} takes {inputs} inputs but {source}; expected equal sizes"
            ));
        }
        dense.push(Dense::new(&weight, &bias, activation));
        expected_inputs = outputs;
    }
    Ok(Mlp::new(dense))
}

fn head(
    tensors: &Tensors,
    output: &str,
    strings: &Strings,
    action: &Space,
    outputs: usize,
) -> Result<Head, String> {
    match (output, action) {
        ("argmax", Space::Discrete { n, .. }) if *n as usize == outputs => Ok(Head::Argmax),
        ("scaled", Space::Box { .. }) if action.flat_len() == outputs => {
            let vector = |key: &str| {
                let name = strings
                    .get(key)
                    .ok_or_else(|| format!("has no metadata \"{key}\"; expected the name of a tensor of {outputs} values (output \"scaled\")"))?;
                let (shape, values) = tensors.get(name, key)?;
                if values.len() != outputs {
                    return Err(format!(
                        "tensor {name:?} ({key}) has shape {shape:?}; expected [{outputs}]"
                    ));
                }
                Ok(values)
            };
            Ok(Head::Scaled {
                scale: vector("output_scale")?,
                bias: vector("output_bias")?,
            })
        }
        ("argmax" | "scaled", _) => Err(format!(
            "output {output:?} with {outputs} network outputs does not fit the action space {}; expected {}",
            space::describe(action),
            if output == "argmax" {
                "Discrete(n) with n outputs"
            } else {
                "a Box with one output per element"
            }
        )),
        _ => Err(format!(
            "output is {output:?}; expected \"argmax\" or \"scaled\""
        )),
    }
}

fn test_set(tensors: &Tensors, network: &Mlp, action: &Space) -> Result<Option<TestSet>, String> {
    if !tensors.has("test.observations") {
        return Ok(None);
    }
    let (obs_shape, observations) = tensors.get("test.observations", "test inputs")?;
    let rows = obs_shape.first().copied().unwrap_or(0);
    let (out_shape, outputs) =
        tensors.get("test.outputs", "PyTorch's outputs for the test inputs")?;
    let (act_shape, actions) =
        tensors.get("test.actions", "PyTorch's actions for the test inputs")?;
    let action_shape = match action {
        Space::Discrete { .. } => vec![rows],
        Space::Box { .. } => vec![rows, action.flat_len()],
    };
    for (name, shape, expected) in [
        (
            "test.observations",
            &obs_shape,
            vec![rows, network.inputs()],
        ),
        ("test.outputs", &out_shape, vec![rows, network.outputs()]),
        ("test.actions", &act_shape, action_shape),
    ] {
        if *shape != expected {
            return Err(format!(
                "tensor {name:?} has shape {shape:?}; expected {expected:?}"
            ));
        }
    }
    Ok(Some(TestSet {
        rows,
        observations,
        outputs,
        actions,
    }))
}
