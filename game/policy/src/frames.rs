//! A pixel policy's input: the images it was trained on, and each agent's stack of its last
//! frames, kept inside the game as the Python side keeps them (algos/sac_pixels.py's
//! `FrameStacker` and replay buffer): at an episode's first observation every slot holds that
//! frame; after each step the oldest frame leaves and the new one enters last.

use bevy_gym_server::ImageSpec;
use serde_json::{Map, Value};

use crate::conv::MapShape;

/// The images a pixel policy sees and how they become its input: `frame_stack` frames of
/// `height × width × channels` bytes (H×W×C, as the game renders them), oldest first, as
/// `frame_stack · channels` maps (frame-major, then channel) of `byte / divide_by` in f64.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageInput {
    pub height: usize,
    pub width: usize,
    pub channels: usize,
    pub frame_stack: usize,
    pub divide_by: f64,
    /// Where the training images came from (`raster` or `camera`).
    pub source: String,
    /// The game options that make the game render these images (`{"image_size": 64,
    /// "grayscale": true}`), applied by `bevy_gym_policy::run` when the command line leaves them
    /// out.
    pub options: Map<String, Value>,
}

impl ImageInput {
    /// Bytes of one frame.
    pub fn frame_bytes(&self) -> usize {
        self.height * self.width * self.channels
    }

    /// Bytes of one agent's stack.
    pub fn stack_bytes(&self) -> usize {
        self.frame_bytes() * self.frame_stack
    }

    /// The network's input maps.
    pub fn maps(&self) -> MapShape {
        MapShape {
            channels: self.frame_stack * self.channels,
            height: self.height,
            width: self.width,
        }
    }

    /// Whether the game's images are the ones the policy was trained on.
    pub fn fits(&self, image: ImageSpec) -> bool {
        (image.height, image.width, image.channels) == (self.height, self.width, self.channels)
    }

    /// `height×width×channels`, for messages.
    pub fn describe(&self) -> String {
        format!("{}×{}×{}", self.height, self.width, self.channels)
    }

    /// Appends the network's input for `stacks` (whole stacks of [`stack_bytes`](Self::stack_bytes))
    /// to `x`: every frame's H×W×C bytes as channel-major maps, divided.
    pub fn preprocess(&self, stacks: &[u8], x: &mut Vec<f64>) {
        let (plane, c) = (self.height * self.width, self.channels);
        x.reserve(stacks.len());
        for frame in stacks.chunks_exact(self.frame_bytes()) {
            for channel in 0..c {
                x.extend(
                    frame[channel..]
                        .iter()
                        .step_by(c)
                        .take(plane)
                        .map(|&v| f64::from(v) / self.divide_by),
                );
            }
        }
    }
}

/// Every driven agent's last frames, in agent order: `frame_stack` frames each, oldest first.
#[derive(Clone, Debug, Default)]
pub struct FrameStacks {
    frame_bytes: usize,
    depth: usize,
    stacks: Vec<u8>,
}

impl FrameStacks {
    pub fn new(input: &ImageInput) -> Self {
        Self {
            frame_bytes: input.frame_bytes(),
            depth: input.frame_stack,
            stacks: Vec::new(),
        }
    }

    /// Takes in the new frame of each of `agents` (from `images`, every agent's image,
    /// agent-major): an agent whose episode starts (`episode_start[agent]`), or seen for the first
    /// time, gets it in every slot; the others drop their oldest frame.
    pub fn push(&mut self, agents: &[usize], images: &[u8], episode_start: &[bool]) {
        let (frame, depth) = (self.frame_bytes, self.depth);
        let stack = frame * depth;
        let known = self.stacks.len() / stack.max(1);
        self.stacks.resize(agents.len() * stack, 0);
        for (slot, &agent) in agents.iter().enumerate() {
            let new = &images[agent * frame..(agent + 1) * frame];
            let mine = &mut self.stacks[slot * stack..(slot + 1) * stack];
            if slot >= known || episode_start.get(agent).copied().unwrap_or(true) {
                for old in mine.chunks_exact_mut(frame) {
                    old.copy_from_slice(new);
                }
            } else {
                mine.copy_within(frame.., 0);
                mine[stack - frame..].copy_from_slice(new);
            }
        }
    }

    /// The stacks, one per agent given to [`push`](Self::push), in that order.
    pub fn stacks(&self) -> &[u8] {
        &self.stacks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(frame_stack: usize, channels: usize) -> ImageInput {
        ImageInput {
            height: 1,
            width: 2,
            channels,
            frame_stack,
            divide_by: 255.0,
            source: "raster".into(),
            options: Map::new(),
        }
    }

    #[test]
    fn a_stack_starts_with_its_first_frame_repeated_then_slides() {
        let mut frames = FrameStacks::new(&input(3, 1));
        // Two agents of three are driven: 0 and 2; each image is 2 bytes.
        let images = |t: u8| vec![t, t + 1, 100, 101, t + 10, t + 11];
        frames.push(&[0, 2], &images(0), &[true; 3]);
        assert_eq!(frames.stacks(), &[0, 1, 0, 1, 0, 1, 10, 11, 10, 11, 10, 11]);
        frames.push(&[0, 2], &images(2), &[false; 3]);
        frames.push(&[0, 2], &images(4), &[false; 3]);
        assert_eq!(frames.stacks(), &[0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
        // Agent 2's arena starts a new episode: its stack restarts, agent 0's goes on.
        frames.push(&[0, 2], &images(6), &[false, false, true]);
        assert_eq!(frames.stacks(), &[2, 3, 4, 5, 6, 7, 16, 17, 16, 17, 16, 17]);
    }

    #[test]
    fn frames_become_channel_major_maps_oldest_first() {
        // Two frames of 1×2 pixels, RGB: frame 0 = (1,2,3)(4,5,6), frame 1 = (7,8,9)(10,11,12).
        let stack: Vec<u8> = (1..=12).collect();
        let mut x = Vec::new();
        let mut rgb = input(2, 3);
        rgb.divide_by = 1.0;
        rgb.preprocess(&stack, &mut x);
        assert_eq!(
            x,
            [
                1.0, 4.0, 2.0, 5.0, 3.0, 6.0, 7.0, 10.0, 8.0, 11.0, 9.0, 12.0
            ]
        );
        assert_eq!(rgb.maps().channels, 6);
    }
}
