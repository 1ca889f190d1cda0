//! The policy file, format `bevy_gym.policy` (written by `algos/policy_export.py`): a safetensors
//! file of float32 tensors whose string metadata says how to run them
//! (docs/policy_in_game.md#the-file-format). Version 1 holds dense layers on a vector
//! observation; version 2 adds convolutions, flatten and layer norm, and `image`: the frames a
//! pixel policy sees and how they are stacked and scaled. Reading it checks everything a forward
//! pass needs.

use bevy_gym_server::Space;
use safetensors::{Dtype, SafeTensors};
use serde_json::{Map, Value};

use crate::conv::{Conv2d, LayerNorm};
use crate::frames::ImageInput;
use crate::mlp::{Activation, Dense};
use crate::network::{Layer, Network, Shape};
use crate::space;

/// The `format` metadata value of a policy file.
pub const FORMAT: &str = "bevy_gym.policy";
/// The newest `format_version` this build reads (it reads every version from 1 on).
pub const FORMAT_VERSION: &str = "2";
const VERSIONS: [&str; 2] = ["1", "2"];

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
    /// `rows × observation length`; for a pixel policy, `rows` stacks of frames (byte values as
    /// floats, frames oldest first, each H×W×C).
    pub observations: Vec<f32>,
    /// `rows × output length`: the network's outputs after the head's scaling.
    pub outputs: Vec<f32>,
    /// `rows` indices (argmax) or `rows × action length` values (scaled), as float32.
    pub actions: Vec<f32>,
}

/// A policy file's contents, checked.
pub struct Contents {
    pub metadata: Metadata,
    /// A pixel policy's images (version 2 with `image`).
    pub image: Option<ImageInput>,
    pub network: Network,
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
    if !VERSIONS.contains(&version) {
        return Err(format!(
            "format_version is {version:?}; expected one of {VERSIONS:?} (re-export the policy, or use a game built for that version)"
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
    let image = match strings.get("image") {
        Some(_) if version == "1" => {
            return Err("has \"image\" in a version 1 file; expected format_version 2".into());
        }
        Some(_) => Some(image(&json("image")?, &metadata.observation_space)?),
        None => None,
    };
    let input = match &image {
        Some(image) => Shape::Maps(image.maps()),
        None => Shape::Flat(metadata.observation_space.flat_len()),
    };
    let network = network(&tensors, &json("layers")?, input, version)?;
    let head = head(
        &tensors,
        text("output")?,
        &strings,
        &metadata.action_space,
        network.outputs(),
    )?;
    let row_shape = match &image {
        Some(i) => vec![i.frame_stack, i.height, i.width, i.channels],
        None => vec![network.inputs()],
    };
    let test = test_set(
        &tensors,
        &row_shape,
        network.outputs(),
        &metadata.action_space,
    )?;
    Ok(Contents {
        metadata,
        image,
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

fn network(
    tensors: &Tensors,
    layers: &Value,
    input: Shape,
    version: &str,
) -> Result<Network, String> {
    let list = layers
        .as_array()
        .filter(|l| !l.is_empty())
        .ok_or("metadata \"layers\" is not a non-empty JSON list; expected [{\"weight\": NAME, \"bias\": NAME, \"activation\": \"relu\"|\"tanh\"|\"none\"}, …]")?;
    let mut built = Vec::with_capacity(list.len());
    let mut shape = input;
    for (l, layer) in list.iter().enumerate() {
        let kind = match layer.get("type") {
            None => "dense",
            Some(_) if version == "1" => {
                return Err(format!("layer {l} has a \"type\" in a version 1 file; expected format_version 2"));
            }
            Some(kind) => kind.as_str().ok_or_else(|| {
                format!("layer {l} has a \"type\" that is not text; expected dense, conv2d, flatten or layer_norm")
            })?,
        };
        let (next, out) = match kind {
            "dense" => dense(tensors, layer, l, shape)?,
            "conv2d" => conv2d(tensors, layer, l, shape)?,
            "flatten" => match shape {
                Shape::Maps(maps) => (Layer::Flatten, Shape::Flat(maps.len())),
                Shape::Flat(_) => {
                    return Err(format!(
                        "layer {l} flattens a flat row; expected feature maps (after a conv2d)"
                    ));
                }
            },
            "layer_norm" => layer_norm(tensors, layer, l, shape)?,
            other => {
                return Err(format!(
                    "layer {l} has type {other:?}; expected dense, conv2d, flatten or layer_norm"
                ));
            }
        };
        built.push(next);
        shape = out;
    }
    match shape {
        Shape::Flat(outputs) => Ok(Network::new(built, input, outputs)),
        Shape::Maps(_) => Err(
            "the last layer gives feature maps; expected a flat row (a flatten and a dense layer)"
                .into(),
        ),
    }
}

/// What a layer takes, for messages.
fn source(l: usize, shape: Shape) -> String {
    let what = match shape {
        Shape::Maps(m) => format!("{}×{}×{} feature maps", m.channels, m.height, m.width),
        Shape::Flat(n) => format!("{n} values"),
    };
    if l == 0 {
        match shape {
            Shape::Maps(_) => format!("the stacked frames give {what}"),
            Shape::Flat(n) => format!("the observation space has {n} values"),
        }
    } else {
        format!("layer {} gives {what}", l - 1)
    }
}

fn name<'a>(layer: &'a Value, l: usize, key: &str) -> Result<&'a str, String> {
    layer[key].as_str().ok_or_else(|| {
        format!(
            "layer {l} has no \"{key}\" name; expected {{\"weight\", \"bias\", \"activation\"}}"
        )
    })
}

fn activation(layer: &Value, l: usize) -> Result<Activation, String> {
    let activation_name = name(layer, l, "activation")?;
    Activation::parse(activation_name).ok_or_else(|| {
        format!("layer {l} has activation {activation_name:?}; expected relu, tanh or none")
    })
}

/// What every layer with weights has: its weight (shape and values), bias and activation.
struct Weights {
    shape: Vec<usize>,
    weight: Vec<f32>,
    bias: Vec<f32>,
    activation: Activation,
}

/// A layer's weight and bias tensors (the bias of `outputs` values, the weight's first size)
/// and its activation.
fn weights(tensors: &Tensors, layer: &Value, l: usize) -> Result<Weights, String> {
    let activation = activation(layer, l)?;
    let (w_shape, weight) =
        tensors.get(name(layer, l, "weight")?, &format!("layer {l}'s weight"))?;
    let (b_shape, bias) = tensors.get(name(layer, l, "bias")?, &format!("layer {l}'s bias"))?;
    let outputs = w_shape.first().copied().unwrap_or(0);
    if b_shape != [outputs] {
        return Err(format!(
            "layer {l}'s bias has shape {b_shape:?}; expected [{outputs}] (the weight's outputs)"
        ));
    }
    Ok(Weights {
        shape: w_shape,
        weight,
        bias,
        activation,
    })
}

fn dense(
    tensors: &Tensors,
    layer: &Value,
    l: usize,
    shape: Shape,
) -> Result<(Layer, Shape), String> {
    let w = weights(tensors, layer, l)?;
    let w_shape = &w.shape;
    let [outputs, inputs] = w_shape[..] else {
        return Err(format!(
            "layer {l}'s weight has shape {w_shape:?}; expected (outputs, inputs)"
        ));
    };
    if shape != Shape::Flat(inputs) {
        return Err(format!(
            "layer {l} takes {inputs} inputs but {}; expected equal sizes",
            source(l, shape)
        ));
    }
    Ok((
        Layer::Dense(Dense::new(&w.weight, &w.bias, w.activation)),
        Shape::Flat(outputs),
    ))
}

fn conv2d(
    tensors: &Tensors,
    layer: &Value,
    l: usize,
    shape: Shape,
) -> Result<(Layer, Shape), String> {
    let w = weights(tensors, layer, l)?;
    let w_shape = &w.shape;
    let [_, channels, kh, kw] = w_shape[..] else {
        return Err(format!(
            "layer {l}'s weight has shape {w_shape:?}; expected (outputs, channels, kernel height, kernel width)"
        ));
    };
    let count = |key: &str, least: u64| {
        layer[key]
            .as_u64()
            .filter(|&v| v >= least)
            .map(|v| v as usize)
            .ok_or_else(|| {
                format!("layer {l} (conv2d) has no valid \"{key}\"; expected an integer ≥ {least}")
            })
    };
    let (stride, padding) = (count("stride", 1)?, count("padding", 0)?);
    let Shape::Maps(maps) = shape else {
        return Err(format!(
            "layer {l} (conv2d) takes feature maps but {}; expected the image or a conv2d before it",
            source(l, shape)
        ));
    };
    if maps.channels != channels {
        return Err(format!(
            "layer {l} (conv2d) takes {channels} channels but {}; expected equal channels",
            source(l, shape)
        ));
    }
    let conv = Conv2d::new(maps, &w.weight, &w.bias, (kh, kw), stride, padding, w.activation)
        .ok_or_else(|| {
            format!(
                "layer {l} (conv2d): a {kh}×{kw} kernel with padding {padding} does not fit {}×{} maps; expected a kernel within the padded maps",
                maps.height, maps.width
            )
        })?;
    let out = conv.output();
    Ok((Layer::Conv2d(conv), Shape::Maps(out)))
}

fn layer_norm(
    tensors: &Tensors,
    layer: &Value,
    l: usize,
    shape: Shape,
) -> Result<(Layer, Shape), String> {
    let w = weights(tensors, layer, l)?;
    let w_shape = &w.shape;
    let eps = layer["eps"].as_f64().filter(|&e| e > 0.0).ok_or_else(|| {
        format!("layer {l} (layer_norm) has no valid \"eps\"; expected a positive number")
    })?;
    if w_shape.len() != 1 || shape != Shape::Flat(w_shape[0]) {
        return Err(format!(
            "layer {l} (layer_norm) has a weight of shape {w_shape:?} but {}; expected one weight per value",
            source(l, shape)
        ));
    }
    let norm =
        LayerNorm::new(&w.weight, &w.bias, eps, w.activation).expect("sizes and eps checked");
    Ok((Layer::LayerNorm(norm), shape))
}

/// A pixel policy's `image` metadata, checked against its observation space (one frame).
fn image(json: &Value, observation: &Space) -> Result<ImageInput, String> {
    let size = |key: &str| {
        json[key]
            .as_u64()
            .filter(|&v| v > 0)
            .map(|v| v as usize)
            .ok_or_else(|| {
                format!("metadata \"image\" has no valid \"{key}\"; expected a positive integer")
            })
    };
    let divide_by = json["divide_by"]
        .as_f64()
        .filter(|&d| d > 0.0)
        .ok_or("metadata \"image\" has no valid \"divide_by\"; expected a positive number (255)")?;
    let options = match json.get("options") {
        None => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err("metadata \"image\"'s \"options\" is not a JSON object; expected e.g. {\"image_size\": 64}".into()),
    };
    let input = ImageInput {
        height: size("height")?,
        width: size("width")?,
        channels: size("channels")?,
        frame_stack: size("frame_stack")?,
        divide_by,
        source: json["source"].as_str().unwrap_or("raster").to_string(),
        options,
    };
    let frame = [input.height, input.width, input.channels];
    match observation {
        Space::Box {
            shape,
            dtype: bevy_gym_server::Dtype::Uint8,
            ..
        } if shape[..] == frame => Ok(input),
        other => Err(format!(
            "observation_space is {} but \"image\" says {}; expected a uint8 Box of shape {frame:?}",
            space::describe(other),
            input.describe()
        )),
    }
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

fn test_set(
    tensors: &Tensors,
    row_shape: &[usize],
    outputs_len: usize,
    action: &Space,
) -> Result<Option<TestSet>, String> {
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
            [&[rows], row_shape].concat(),
        ),
        ("test.outputs", &out_shape, vec![rows, outputs_len]),
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
