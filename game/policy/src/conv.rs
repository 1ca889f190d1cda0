//! The layers of a pixel policy's encoder besides dense ones: a 2-D convolution (PyTorch's
//! `Conv2d`: stride, zero padding, no dilation or groups) and a layer norm (PyTorch's
//! `LayerNorm` over the last dimension), in f64 as the dense layers compute.
//!
//! A convolution is computed as im2col: every output position's input patch, in the weight's
//! `(channel, row, column)` order, is one row of a matrix, and the convolution is the dense
//! layer of the weight seen as `(outputs, channels × kernel rows × kernel columns)` over those
//! rows. So each output sums `bias + Σ x·w` in patch order with [`Dense`]'s kernel (AVX2 when the
//! CPU has it, no FMA): the same value on every CPU and at every batch size, and no second kernel
//! to keep fast. Its cost is in docs/policy_in_game.md.

use crate::mlp::{Activation, Dense};

/// A feature map's shape: `channels × height × width`, stored channel-major (PyTorch's layout
/// for one sample, so a flatten keeps the order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapShape {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
}

impl MapShape {
    pub fn len(&self) -> usize {
        self.channels * self.height * self.width
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A 2-D convolution with a square or rectangular kernel, one stride and one zero padding for
/// both axes.
#[derive(Clone, Debug)]
pub struct Conv2d {
    input: MapShape,
    output: MapShape,
    kernel: (usize, usize),
    stride: usize,
    padding: usize,
    dense: Dense,
}

impl Conv2d {
    /// A convolution of `input` maps by a weight of shape `(outputs, input.channels, kh, kw)`
    /// (row-major, as PyTorch stores it) and a bias of `outputs`; `None` when the kernel does
    /// not fit the padded input or the sizes disagree.
    pub fn new(
        input: MapShape,
        weight: &[f32],
        bias: &[f32],
        kernel: (usize, usize),
        stride: usize,
        padding: usize,
        activation: Activation,
    ) -> Option<Self> {
        let (kh, kw) = kernel;
        let outputs = bias.len();
        let patch = input.channels * kh * kw;
        if stride == 0 || patch == 0 || weight.len() != outputs * patch {
            return None;
        }
        let out_size = |size: usize, k: usize| {
            (size + 2 * padding)
                .checked_sub(k)
                .map(|room| room / stride + 1)
        };
        let output = MapShape {
            channels: outputs,
            height: out_size(input.height, kh)?,
            width: out_size(input.width, kw)?,
        };
        Some(Self {
            input,
            output,
            kernel,
            stride,
            padding,
            dense: Dense::new(weight, bias, activation),
        })
    }

    pub fn input(&self) -> MapShape {
        self.input
    }

    pub fn output(&self) -> MapShape {
        self.output
    }

    /// `y` (`output().len()` values) from one sample `x` (`input().len()` values); `patches` and
    /// `positions` are scratch buffers kept by the caller.
    pub fn forward_one(
        &self,
        x: &[f64],
        y: &mut [f64],
        patches: &mut Vec<f64>,
        positions: &mut Vec<f64>,
    ) {
        let MapShape {
            channels,
            height,
            width,
        } = self.input;
        let (kh, kw) = self.kernel;
        let (oh, ow) = (self.output.height, self.output.width);
        patches.clear();
        patches.reserve(oh * ow * channels * kh * kw);
        let pad = self.padding as isize;
        for oy in 0..oh {
            for ox in 0..ow {
                let top = (oy * self.stride) as isize - pad;
                let left = (ox * self.stride) as isize - pad;
                for c in 0..channels {
                    let plane = &x[c * height * width..(c + 1) * height * width];
                    for ky in 0..kh as isize {
                        let iy = top + ky;
                        if iy < 0 || iy >= height as isize {
                            patches.extend(std::iter::repeat_n(0.0, kw));
                            continue;
                        }
                        let row = &plane[iy as usize * width..(iy as usize + 1) * width];
                        for kx in 0..kw as isize {
                            let ix = left + kx;
                            let inside = ix >= 0 && ix < width as isize;
                            patches.push(if inside { row[ix as usize] } else { 0.0 });
                        }
                    }
                }
            }
        }
        // (positions × outputs), position-major; the map is channel-major.
        self.dense.forward(patches, oh * ow, positions);
        let outputs = self.output.channels;
        for (p, values) in positions.chunks_exact(outputs).enumerate() {
            for (o, v) in values.iter().enumerate() {
                y[o * oh * ow + p] = *v;
            }
        }
    }
}

/// PyTorch's `LayerNorm` over a row of `n` values: `(x − mean) / sqrt(var + eps) · w + b` with
/// the biased variance, then an activation.
#[derive(Clone, Debug)]
pub struct LayerNorm {
    weight: Vec<f64>,
    bias: Vec<f64>,
    eps: f64,
    activation: Activation,
}

impl LayerNorm {
    /// `None` when the weight and bias differ in length or `eps` is not positive.
    pub fn new(weight: &[f32], bias: &[f32], eps: f64, activation: Activation) -> Option<Self> {
        (weight.len() == bias.len() && eps > 0.0).then(|| Self {
            weight: weight.iter().map(|w| f64::from(*w)).collect(),
            bias: bias.iter().map(|b| f64::from(*b)).collect(),
            eps,
            activation,
        })
    }

    pub fn len(&self) -> usize {
        self.weight.len()
    }

    pub fn is_empty(&self) -> bool {
        self.weight.is_empty()
    }

    /// Normalises every row of `values` (rows of `len()` values) in place.
    pub fn forward(&self, values: &mut [f64]) {
        let n = self.len();
        for row in values.chunks_exact_mut(n.max(1)) {
            let mean = row.iter().sum::<f64>() / n as f64;
            let variance = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
            let rstd = 1.0 / (variance + self.eps).sqrt();
            for ((v, w), b) in row.iter_mut().zip(&self.weight).zip(&self.bias) {
                *v = (*v - mean) * rstd * w + b;
            }
            self.activation.apply(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition: out[o][y][x] = b[o] + Σ_{c,ky,kx} w[o][c][ky][kx] · in[c][y·s+ky−p][x·s+kx−p].
    fn naive(conv: &Conv2d, x: &[f64], weight: &[f32], bias: &[f32]) -> Vec<f64> {
        let (input, output, (kh, kw)) = (conv.input, conv.output, conv.kernel);
        let (stride, padding) = (conv.stride, conv.padding);
        let mut y = vec![0.0; output.len()];
        for o in 0..output.channels {
            for oy in 0..output.height {
                for ox in 0..output.width {
                    let mut sum = f64::from(bias[o]);
                    for c in 0..input.channels {
                        for ky in 0..kh {
                            for kx in 0..kw {
                                let iy = (oy * stride + ky) as isize - padding as isize;
                                let ix = (ox * stride + kx) as isize - padding as isize;
                                if iy < 0
                                    || ix < 0
                                    || iy >= input.height as isize
                                    || ix >= input.width as isize
                                {
                                    continue;
                                }
                                let v =
                                    x[(c * input.height + iy as usize) * input.width + ix as usize];
                                let w = weight[((o * input.channels + c) * kh + ky) * kw + kx];
                                sum += v * f64::from(w);
                            }
                        }
                    }
                    y[(o * output.height + oy) * output.width + ox] = sum;
                }
            }
        }
        y
    }

    #[test]
    fn convolution_matches_the_definition_with_stride_and_padding() {
        let input = MapShape {
            channels: 2,
            height: 7,
            width: 6,
        };
        // Small integers: every sum is exact, so the two orders agree to the bit.
        let x: Vec<f64> = (0..input.len()).map(|k| (k % 5) as f64 - 2.0).collect();
        for (kernel, stride, padding) in [((3, 3), 1, 0), ((3, 2), 2, 1), ((4, 4), 3, 2)] {
            let patch = 2 * kernel.0 * kernel.1;
            let weight: Vec<f32> = (0..3 * patch).map(|k| (k % 7) as f32 - 3.0).collect();
            let bias = [0.5, -1.0, 2.0];
            let conv = Conv2d::new(
                input,
                &weight,
                &bias,
                kernel,
                stride,
                padding,
                Activation::None,
            )
            .unwrap();
            let output = conv.output();
            let mut y = vec![f64::NAN; output.len()];
            conv.forward_one(&x, &mut y, &mut Vec::new(), &mut Vec::new());
            let expected = naive(&conv, &x, &weight, &bias);
            assert_eq!(
                y, expected,
                "kernel {kernel:?} stride {stride} padding {padding}"
            );
        }
    }

    #[test]
    fn output_sizes_follow_pytorch_and_a_kernel_too_large_is_refused() {
        let input = MapShape {
            channels: 3,
            height: 64,
            width: 64,
        };
        let conv = |k: usize, s: usize, p: usize| {
            let w = vec![0.0; 32 * 3 * k * k];
            Conv2d::new(input, &w, &[0.0; 32], (k, k), s, p, Activation::Relu)
                .map(|c| (c.output().height, c.output().width))
        };
        assert_eq!(conv(8, 4, 0), Some((15, 15)));
        assert_eq!(conv(3, 1, 1), Some((64, 64)));
        assert_eq!(conv(65, 1, 0), None);
        assert_eq!(conv(3, 0, 0), None);
    }

    #[test]
    fn layer_norm_normalises_each_row() {
        let norm = LayerNorm::new(&[1.0, 2.0], &[0.0, 1.0], 1e-5, Activation::None).unwrap();
        let mut rows = vec![1.0, 3.0, 5.0, 5.0];
        norm.forward(&mut rows);
        let r = 1.0 / (1.0f64 + 1e-5).sqrt();
        assert_eq!(&rows[..2], &[-r, 2.0 * r + 1.0]);
        // A constant row: (x − mean) is 0, so only the bias remains.
        assert_eq!(&rows[2..], &[0.0, 1.0]);
    }
}
