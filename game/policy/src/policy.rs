//! A loaded policy: checks itself against a game's spaces and turns observations (or, for a pixel
//! policy, stacks of frames) into the deterministic action (greedy for DQN, the mean action for
//! SAC), many agents in one batch.

use std::path::Path;

use bevy::prelude::Resource;
use bevy_gym_server::{Action, AgentSpaces, Dtype, ImageSpec, Layout, Space};

use crate::error::PolicyError;
use crate::format::{self, Head, Metadata, TestSet};
use crate::frames::ImageInput;
use crate::network::Network;
use crate::space;

/// A trained policy, ready to act. A plain resource: its weights are `Vec<f32>`s, so it is
/// `Send + Sync` and a Bevy system can use it directly.
#[derive(Resource, Clone, Debug)]
pub struct Policy {
    metadata: Metadata,
    image: Option<ImageInput>,
    network: Network,
    head: Head,
    test: Option<TestSet>,
}

impl Policy {
    /// Reads and checks a policy file (`policy.safetensors`).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, PolicyError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| PolicyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_bytes(&bytes, &path.display().to_string())
    }

    /// A policy from a file's bytes; `source` names it in errors.
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<Self, PolicyError> {
        let contents = format::parse(bytes).map_err(|message| PolicyError::Format {
            path: source.to_string(),
            message,
        })?;
        Ok(Self {
            metadata: contents.metadata,
            image: contents.image,
            network: contents.network,
            head: contents.head,
            test: contents.test,
        })
    }

    /// Spaces, game, options and provenance from the file.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// A pixel policy's images: what it sees and how its frames are stacked; `None` for a
    /// policy of vector observations.
    pub fn image(&self) -> Option<&ImageInput> {
        self.image.as_ref()
    }

    /// How outputs become actions.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// The file's test inputs and PyTorch's outputs, if it has them.
    pub fn test_set(&self) -> Option<&TestSet> {
        self.test.as_ref()
    }

    /// Values in one observation: floats of a vector observation, or bytes of a pixel policy's
    /// stack of frames.
    pub fn observation_len(&self) -> usize {
        match &self.image {
            Some(image) => image.stack_bytes(),
            None => self.network.inputs(),
        }
    }

    /// Floats in one row of [`outputs`](Self::outputs).
    pub fn output_len(&self) -> usize {
        self.network.outputs()
    }

    /// Whether the policy can act for `agents` of a game with these spaces (every agent's, in
    /// agent order); the error names the first agent that does not fit and what was expected.
    pub fn check(&self, spaces: &[AgentSpaces], agents: &[usize]) -> Result<(), PolicyError> {
        let mine = &self.metadata;
        let expected = space::shape(&mine.observation_space);
        for &agent in agents {
            let id = Layout::agent_id(agent);
            let theirs = spaces.get(agent).ok_or_else(|| {
                PolicyError::Mismatch(format!(
                    "the policy is to drive {id} but the game has {} agents; expected indices 0..{}",
                    spaces.len(),
                    spaces.len().saturating_sub(1)
                ))
            })?;
            let float = matches!(
                theirs.observation,
                Space::Box {
                    dtype: Dtype::Float32,
                    ..
                }
            );
            if self.image.is_none() && (!float || space::shape(&theirs.observation) != expected) {
                return Err(PolicyError::Mismatch(format!(
                    "policy expects observations of shape {expected:?} but {id} observes {}",
                    match &theirs.observation {
                        Space::Box {
                            shape,
                            dtype: Dtype::Float32,
                            ..
                        } => format!("{shape:?}"),
                        other => space::describe(other),
                    }
                )));
            }
            if !space::same(&mine.action_space, &theirs.action) {
                return Err(PolicyError::Mismatch(format!(
                    "policy acts in {} but {id}'s actions are {}",
                    space::describe(&mine.action_space),
                    space::describe(&theirs.action)
                )));
            }
        }
        Ok(())
    }

    /// Whether a pixel policy can act on the game's images (a vector policy: always); the error
    /// says which images it needs and the options that give them.
    pub fn check_image(&self, image: ImageSpec) -> Result<(), PolicyError> {
        match &self.image {
            Some(mine) if !mine.fits(image) => {
                let options: Vec<String> = mine
                    .options
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect();
                Err(PolicyError::Mismatch(format!(
                    "policy sees {} images (height×width×channels) but the game renders {}×{}×{}; expected the options it was trained with ({})",
                    mine.describe(),
                    image.height,
                    image.width,
                    image.channels,
                    if options.is_empty() {
                        "none recorded".into()
                    } else {
                        options.join(", ")
                    }
                )))
            }
            _ => Ok(()),
        }
    }

    /// The outputs (after the head's scaling, as the file's `test.outputs`) for `observations`,
    /// one row of [`observation_len`](Self::observation_len) floats per agent; in f64, as the
    /// forward pass computes them (`src/network.rs` says why). A vector policy's only.
    pub fn outputs(&mut self, observations: &[f32]) -> &[f64] {
        assert!(
            self.image.is_none(),
            "a pixel policy takes stacks of frames: outputs_of_frames"
        );
        let width = self.network.inputs().max(1);
        let rows = observations.len() / width;
        assert_eq!(
            rows * width,
            observations.len(),
            "observations must be whole rows of observation_len() floats"
        );
        let out = self.network.forward(rows, |x| {
            x.extend(observations.iter().map(|v| f64::from(*v)))
        });
        Self::scale(&self.head, out)
    }

    /// A pixel policy's outputs for `stacks`: per agent, [`observation_len`](Self::observation_len)
    /// bytes, its last `frame_stack` frames (H×W×C each, as the game renders them) oldest first.
    pub fn outputs_of_frames(&mut self, stacks: &[u8]) -> &[f64] {
        let image = self
            .image
            .as_ref()
            .expect("a pixel policy: outputs for vector ones");
        let rows = stacks.len() / image.stack_bytes();
        assert_eq!(
            rows * image.stack_bytes(),
            stacks.len(),
            "whole stacks of frames"
        );
        let out = self.network.forward(rows, |x| image.preprocess(stacks, x));
        Self::scale(&self.head, out)
    }

    fn scale<'a>(head: &Head, out: &'a mut [f64]) -> &'a [f64] {
        if let Head::Scaled { scale, bias } = head {
            for row in out.chunks_exact_mut(scale.len()) {
                for ((y, s), b) in row.iter_mut().zip(scale).zip(bias) {
                    *y = *y * f64::from(*s) + f64::from(*b);
                }
            }
        }
        out
    }

    /// The action for each row of `observations` (one row per agent).
    pub fn act(&mut self, observations: &[f32]) -> Vec<Action> {
        let mut actions = Vec::new();
        self.act_into(observations, &mut actions);
        actions
    }

    /// A pixel policy's action for each stack of frames (see
    /// [`outputs_of_frames`](Self::outputs_of_frames)).
    pub fn act_on_frames(&mut self, stacks: &[u8]) -> Vec<Action> {
        let mut actions = Vec::new();
        self.act_on_frames_into(stacks, &mut actions);
        actions
    }

    /// [`act_on_frames`](Self::act_on_frames) into `actions`, reusing its buffers.
    pub fn act_on_frames_into(&mut self, stacks: &[u8], actions: &mut Vec<Action>) {
        let (width, bounds) = (self.output_len().max(1), self.bounds());
        let outputs = self.outputs_of_frames(stacks);
        to_actions(outputs, width, bounds, actions);
    }

    /// [`act`](Self::act) into `actions`, reusing its continuous actions' buffers.
    pub fn act_into(&mut self, observations: &[f32], actions: &mut Vec<Action>) {
        let (width, bounds) = (self.output_len().max(1), self.bounds());
        let outputs = self.outputs(observations);
        to_actions(outputs, width, bounds, actions);
    }

    /// A continuous action's bounds; `None` for the argmax.
    fn bounds(&self) -> Option<(f32, f32)> {
        match (&self.head, &self.metadata.action_space) {
            (Head::Argmax, _) => None,
            (_, Space::Box { low, high, .. }) => Some((*low as f32, *high as f32)),
            (_, Space::Discrete { .. }) => Some((0.0, 0.0)),
        }
    }
}

/// The actions of rows of outputs: the argmax (`bounds` `None`), or the values rounded to f32
/// once and kept within `bounds`.
fn to_actions(
    outputs: &[f64],
    width: usize,
    bounds: Option<(f32, f32)>,
    actions: &mut Vec<Action>,
) {
    actions.truncate(outputs.len() / width);
    for (r, row) in outputs.chunks_exact(width).enumerate() {
        let Some((low, high)) = bounds else {
            set(actions, r, Action::Discrete(argmax_of(row) as u32));
            continue;
        };
        // Rounded to f32 once; inside the bounds the server checks; NaN (never from finite
        // weights) becomes 0.
        let value = |y: &f64| match *y as f32 {
            v if v.is_nan() => 0.0,
            v => v.clamp(low, high),
        };
        match actions.get_mut(r) {
            Some(Action::Continuous(values)) => {
                values.clear();
                values.extend(row.iter().map(value));
            }
            _ => set(
                actions,
                r,
                Action::Continuous(row.iter().map(value).collect()),
            ),
        }
    }
}

fn set(actions: &mut Vec<Action>, index: usize, action: Action) {
    if index < actions.len() {
        actions[index] = action;
    } else {
        actions.push(action);
    }
}

/// The index of the largest value, the lowest one among equals (as numpy's `argmax`).
pub fn argmax_of(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate().skip(1) {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_lowest_index_of_equal_values() {
        assert_eq!(argmax_of(&[1.0, 3.0, 3.0, 2.0]), 1);
        assert_eq!(argmax_of(&[-1.0]), 0);
        assert_eq!(argmax_of(&[0.0, 0.0]), 0);
    }
}
