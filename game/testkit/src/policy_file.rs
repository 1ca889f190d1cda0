//! Policy files written in code, for tests and benchmarks that need a network of a given shape
//! (the committed fixtures are small and few): the safetensors layout (an 8-byte little-endian
//! header length, the JSON header with `__metadata__`, the little-endian float32 tensors), and
//! weights from a fixed pseudo-random sequence scaled as PyTorch's default initialisation.

use serde_json::{Value, json};

/// A named float32 tensor.
pub struct Tensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

impl Tensor {
    pub fn new(name: &str, shape: &[usize], values: Vec<f32>) -> Self {
        assert_eq!(shape.iter().product::<usize>(), values.len(), "{name}");
        Self {
            name: name.into(),
            shape: shape.to_vec(),
            values,
        }
    }
}

/// Values of `shape` uniform in ±1/√`fan_in` (PyTorch's default for a layer's weight and bias),
/// drawn from the xorshift state `seed`.
pub fn weights(shape: &[usize], fan_in: usize, seed: &mut u64) -> Vec<f32> {
    let bound = 1.0 / (fan_in.max(1) as f32).sqrt();
    (0..shape.iter().product::<usize>())
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            ((*seed >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * bound
        })
        .collect()
}

/// A conv or dense layer's weight and bias, named `{name}.weight` and `{name}.bias`.
pub fn layer(name: &str, shape: &[usize], seed: &mut u64) -> [Tensor; 2] {
    let fan_in = shape[1..].iter().product();
    [
        Tensor::new(
            &format!("{name}.weight"),
            shape,
            weights(shape, fan_in, seed),
        ),
        Tensor::new(
            &format!("{name}.bias"),
            &shape[..1],
            weights(&shape[..1], fan_in, seed),
        ),
    ]
}

/// The bytes of a safetensors file of `tensors` with string `metadata` (a JSON object whose
/// values are strings).
pub fn safetensors(tensors: &[Tensor], metadata: Value) -> Vec<u8> {
    let mut header = json!({ "__metadata__": metadata });
    let mut data = Vec::new();
    for t in tensors {
        let start = data.len();
        data.extend(t.values.iter().flat_map(|v| v.to_le_bytes()));
        header[&t.name] =
            json!({"dtype": "F32", "shape": t.shape, "data_offsets": [start, data.len()]});
    }
    let header = header.to_string().into_bytes();
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend(header);
    bytes.extend(data);
    bytes
}

/// The metadata of a format-2 pixel SAC policy: `layers` (the JSON list), frames of
/// `[height, width, channels]` stacked `frame_stack` deep, actions in Box [3] in [-1, 1] scaled
/// by the tensors `scale` and `bias`; `image_options` the game options that give the frames.
pub fn pixel_metadata(
    layers: Value,
    frame: [usize; 3],
    frame_stack: usize,
    image_options: Value,
) -> Value {
    let [height, width, channels] = frame;
    let observation =
        json!({"type": "Box", "shape": frame, "low": 0.0, "high": 255.0, "dtype": "uint8"});
    let action = json!({"type": "Box", "shape": [3], "low": -1.0, "high": 1.0, "dtype": "float32"});
    let image = json!({"height": height, "width": width, "channels": channels,
        "frame_stack": frame_stack, "divide_by": 255.0, "options": image_options});
    json!({
        "format": "bevy_gym.policy", "format_version": "2", "algorithm": "sac",
        "layers": layers.to_string(), "output": "scaled", "output_scale": "scale", "output_bias": "bias",
        "observation_space": observation.to_string(), "action_space": action.to_string(),
        "image": image.to_string(),
    })
}
