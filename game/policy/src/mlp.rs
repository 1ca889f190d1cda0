//! The dense layer, `y = act(x·Wᵀ + b)`, over a batch of rows, in plain loops: the kernel of
//! every layer with weights (a convolution is a dense layer over its input's patches, `conv.rs`).
//! Hand-written rather than a tensor library: for these sizes it builds in seconds and runs as
//! fast (docs/policy_in_game.md has the measurements).
//!
//! It computes in f64 from the file's f32 weights, and the action is rounded to f32 once, at the
//! end. In f32, two correct forward passes that sum in different orders (this one and PyTorch's
//! matmul) differ in the last bits, and a long continuous-action episode amplifies that into a
//! different trajectory. In f64 the two differ by about 1e-16, far below half an f32 step, so
//! both round to the same f32 action and the Python evaluation (which also computes in f64,
//! algos/policy_export.py) and the game play the same episodes.

/// A layer's activation, applied element-wise after the affine map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    Relu,
    Tanh,
    None,
}

impl Activation {
    /// The activation named in a policy file (`relu`, `tanh`, `none`).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "relu" => Some(Activation::Relu),
            "tanh" => Some(Activation::Tanh),
            "none" => Some(Activation::None),
            _ => None,
        }
    }

    pub(crate) fn apply(self, values: &mut [f64]) {
        match self {
            Activation::Relu => values.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::Tanh => values.iter_mut().for_each(|v| *v = v.tanh()),
            Activation::None => {}
        }
    }
}

/// One dense layer. The weight is repacked for the kernel: blocks of [`LANES`] outputs, each
/// block `inputs × LANES` (zero-padded), so the inner loop updates a block of outputs that stay in
/// registers. Each output still sums `bias + x₀w₀ + x₁w₁ + …` in input order, so it is the same on
/// every CPU and at every batch size.
#[derive(Clone, Debug)]
pub struct Dense {
    inputs: usize,
    outputs: usize,
    packed: Vec<f64>,
    bias: Vec<f64>,
    activation: Activation,
}

/// Outputs computed together: two AVX registers of f64.
const LANES: usize = 8;
/// Batch rows computed together, so each weight block loaded serves this many rows (2 × 8 f64
/// sums fit the registers; 4 rows spilled and ran 3.6× slower, docs/policy_in_game.md).
const ROWS: usize = 2;

impl Dense {
    /// A layer from a weight of shape `(outputs, inputs)`, row-major as PyTorch stores it.
    pub fn new(weight: &[f32], bias: &[f32], activation: Activation) -> Self {
        let outputs = bias.len();
        let inputs = weight.len().checked_div(outputs).unwrap_or(0);
        assert_eq!(
            weight.len(),
            inputs * outputs,
            "weight is (outputs, inputs)"
        );
        let blocks = outputs.div_ceil(LANES);
        let mut packed = vec![0.0; blocks * inputs * LANES];
        for (o, row) in weight.chunks_exact(inputs.max(1)).enumerate() {
            let (block, lane) = (o / LANES, o % LANES);
            for (i, w) in row.iter().enumerate() {
                packed[(block * inputs + i) * LANES + lane] = f64::from(*w);
            }
        }
        Self {
            inputs,
            outputs,
            packed,
            bias: bias.iter().map(|b| f64::from(*b)).collect(),
            activation,
        }
    }

    pub fn inputs(&self) -> usize {
        self.inputs
    }

    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// `y` (resized to `rows × outputs`) from `x` (`rows × inputs`).
    pub fn forward(&self, x: &[f64], rows: usize, y: &mut Vec<f64>) {
        y.clear();
        y.resize(rows * self.outputs, 0.0);
        for y_row in y.chunks_exact_mut(self.outputs.max(1)) {
            y_row.copy_from_slice(&self.bias);
        }
        self.accumulate(&x[..rows * self.inputs], y);
        self.activation.apply(y);
    }

    /// Adds `x·Wᵀ` to `y`.
    fn accumulate(&self, x: &[f64], y: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            return unsafe { accumulate_avx2(self, x, y) };
        }
        accumulate(self, x, y);
    }
}

/// [`accumulate`] compiled for AVX2: twice the lanes of the x86-64 baseline. Without FMA, so every
/// output is rounded exactly as on any other CPU.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn accumulate_avx2(layer: &Dense, x: &[f64], y: &mut [f64]) {
    accumulate(layer, x, y);
}

#[inline(always)]
fn accumulate(layer: &Dense, x: &[f64], y: &mut [f64]) {
    let (n_in, n_out) = (layer.inputs, layer.outputs);
    let mut x_tiles = x.chunks_exact(ROWS * n_in);
    let mut y_tiles = y.chunks_exact_mut(ROWS * n_out);
    for (x_tile, y_tile) in x_tiles.by_ref().zip(y_tiles.by_ref()) {
        rows::<ROWS>(layer, x_tile, y_tile);
    }
    let rest = x_tiles.remainder().chunks_exact(n_in);
    for (x_row, y_row) in rest.zip(y_tiles.into_remainder().chunks_exact_mut(n_out)) {
        rows::<1>(layer, x_row, y_row);
    }
}

/// `R` rows: for each block of outputs, `R × LANES` sums kept in registers over all inputs.
#[inline(always)]
fn rows<const R: usize>(layer: &Dense, x: &[f64], y: &mut [f64]) {
    let (n_in, n_out) = (layer.inputs, layer.outputs);
    for (block, weights) in layer.packed.chunks_exact(n_in * LANES).enumerate() {
        let start = block * LANES;
        let width = LANES.min(n_out - start);
        let mut sums = [[0.0f64; LANES]; R];
        for (r, sum) in sums.iter_mut().enumerate() {
            sum[..width].copy_from_slice(&y[r * n_out + start..][..width]);
        }
        let x_rows: [&[f64]; R] = std::array::from_fn(|r| &x[r * n_in..(r + 1) * n_in]);
        for (i, w) in weights.as_chunks::<LANES>().0.iter().enumerate() {
            let a: [f64; R] = std::array::from_fn(|r| x_rows[r][i]);
            if a.iter().all(|&a| a == 0.0) {
                continue; // common after a ReLU: the input adds nothing
            }
            for r in 0..R {
                for l in 0..LANES {
                    sums[r][l] += a[r] * w[l];
                }
            }
        }
        for (r, sum) in sums.iter().enumerate() {
            y[r * n_out + start..][..width].copy_from_slice(&sum[..width]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(weight: &[f32], bias: &[f32], x: &[f64]) -> Vec<f64> {
        let n_in = x.len();
        bias.iter()
            .enumerate()
            .map(|(o, b)| {
                let terms = (0..n_in).map(|i| x[i] * f64::from(weight[o * n_in + i]));
                f64::from(*b) + terms.sum::<f64>()
            })
            .collect()
    }

    #[test]
    fn dense_matches_the_definition_for_every_batch_size() {
        // (outputs 3, inputs 5), values small integers so sums are exact.
        let weight: Vec<f32> = (0..15).map(|k| (k % 7) as f32 - 3.0).collect();
        let bias = vec![0.5, -1.0, 2.0];
        let layer = Dense::new(&weight, &bias, Activation::None);
        for rows in [1, 3, 4, 5, 9] {
            let x: Vec<f64> = (0..rows * 5).map(|k| (k % 5) as f64 - 2.0).collect();
            let mut y = Vec::new();
            layer.forward(&x, rows, &mut y);
            for r in 0..rows {
                let expected = naive(&weight, &bias, &x[r * 5..(r + 1) * 5]);
                assert_eq!(
                    &y[r * 3..(r + 1) * 3],
                    expected.as_slice(),
                    "rows {rows}, row {r}"
                );
            }
        }
    }
}
