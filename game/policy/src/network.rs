//! A policy's network: its layers in order over a batch of rows, with scratch buffers reused
//! from call to call. A vector policy is dense layers; a pixel policy starts with convolutions on
//! its stacked frames, flattens and goes on as a vector policy.
//!
//! It computes in f64 from the file's f32 weights, and the action is rounded to f32 once, at the
//! end. In f32, two correct forward passes that sum in different orders (this one and PyTorch's)
//! differ in the last bits, and a long continuous-action episode amplifies that into a
//! different trajectory. In f64 the two differ by about 1e-16, far below half an f32 step, so
//! both round to the same f32 action and the Python evaluation (which also computes in f64,
//! algos/policy_export.py) and the game play the same episodes.

use crate::conv::{Conv2d, LayerNorm, MapShape};
use crate::mlp::Dense;

/// One layer of a [`Network`].
#[derive(Clone, Debug)]
pub enum Layer {
    Dense(Dense),
    Conv2d(Conv2d),
    /// Feature maps to a flat row (channel-major, as PyTorch's `Flatten`): no work, maps are
    /// stored that way.
    Flatten,
    LayerNorm(LayerNorm),
}

/// What flows between layers: feature maps or a flat row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Maps(MapShape),
    Flat(usize),
}

impl Shape {
    pub fn len(&self) -> usize {
        match self {
            Shape::Maps(maps) => maps.len(),
            Shape::Flat(n) => *n,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Layers whose shapes chain (checked when the file is read), from `input` to a flat output.
#[derive(Clone, Debug)]
pub struct Network {
    layers: Vec<Layer>,
    input: Shape,
    output: usize,
    values: [Vec<f64>; 2],
    patches: Vec<f64>,
    positions: Vec<f64>,
}

impl Network {
    /// A network over rows of `input`; `output` is the last layer's width.
    pub fn new(layers: Vec<Layer>, input: Shape, output: usize) -> Self {
        Self {
            layers,
            input,
            output,
            values: [Vec::new(), Vec::new()],
            patches: Vec::new(),
            positions: Vec::new(),
        }
    }

    pub fn input(&self) -> Shape {
        self.input
    }

    /// Values in one input row.
    pub fn inputs(&self) -> usize {
        self.input.len()
    }

    pub fn outputs(&self) -> usize {
        self.output
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The outputs (`rows × outputs()`) for the input rows that `fill` writes into the (cleared)
    /// buffer it is given (`rows × inputs()` values), in f64.
    pub fn forward(&mut self, rows: usize, fill: impl FnOnce(&mut Vec<f64>)) -> &mut [f64] {
        let [a, b] = &mut self.values;
        let (mut x, mut y) = (a, b);
        x.clear();
        fill(x);
        assert_eq!(x.len(), rows * self.input.len(), "whole input rows");
        for layer in &self.layers {
            match layer {
                Layer::Dense(dense) => {
                    dense.forward(x, rows, y);
                    std::mem::swap(&mut x, &mut y);
                }
                Layer::Conv2d(conv) => {
                    let (n_in, n_out) = (conv.input().len(), conv.output().len());
                    y.clear();
                    y.resize(rows * n_out, 0.0);
                    for (x_row, y_row) in x.chunks_exact(n_in).zip(y.chunks_exact_mut(n_out)) {
                        conv.forward_one(x_row, y_row, &mut self.patches, &mut self.positions);
                    }
                    std::mem::swap(&mut x, &mut y);
                }
                Layer::Flatten => {}
                Layer::LayerNorm(norm) => norm.forward(x),
            }
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mlp::Activation;

    #[test]
    fn activations_and_chaining() {
        let first = Dense::new(&[1.0, -1.0], &[0.0, 0.0], Activation::Relu);
        let second = Dense::new(&[1.0, 1.0], &[0.0], Activation::Tanh);
        let layers = vec![Layer::Dense(first), Layer::Dense(second)];
        let mut network = Network::new(layers, Shape::Flat(1), 1);
        assert_eq!((network.inputs(), network.outputs()), (1, 1));
        // x = 2: relu([2, -2]) = [2, 0]; tanh(2).
        let out = network.forward(2, |x| x.extend([2.0, -0.5]));
        assert_eq!(out, &[2f64.tanh(), 0.5f64.tanh()]);
    }

    #[test]
    fn a_batch_of_images_gives_each_row_what_it_gives_alone() {
        let maps = MapShape {
            channels: 2,
            height: 5,
            width: 5,
        };
        let weight: Vec<f32> = (0..3 * 2 * 9)
            .map(|k| ((k * 7) % 11) as f32 / 11.0 - 0.5)
            .collect();
        let conv = Conv2d::new(
            maps,
            &weight,
            &[0.1, -0.2, 0.3],
            (3, 3),
            2,
            1,
            Activation::Relu,
        )
        .unwrap();
        let flat = conv.output().len();
        let dense_w: Vec<f32> = (0..2 * flat).map(|k| (k % 5) as f32 / 5.0 - 0.4).collect();
        let layers = vec![
            Layer::Conv2d(conv),
            Layer::Flatten,
            Layer::Dense(Dense::new(&dense_w, &[0.0, 0.5], Activation::None)),
            Layer::LayerNorm(
                LayerNorm::new(&[1.0, 1.0], &[0.0, 0.0], 1e-5, Activation::Tanh).unwrap(),
            ),
        ];
        let mut network = Network::new(layers, Shape::Maps(maps), 2);
        let rows: Vec<Vec<f64>> = (0..3)
            .map(|r| {
                (0..maps.len())
                    .map(|k| ((k + r * 13) % 17) as f64 / 17.0)
                    .collect()
            })
            .collect();
        let batch = network
            .forward(3, |x| rows.iter().for_each(|r| x.extend(r)))
            .to_vec();
        for (r, row) in rows.iter().enumerate() {
            let alone = network.forward(1, |x| x.extend(row)).to_vec();
            assert_eq!(&batch[r * 2..r * 2 + 2], alone.as_slice(), "row {r}");
        }
    }
}
