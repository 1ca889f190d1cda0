//! Spaces, images and the arena layout, in Gymnasium's terms (the parts of `GET /spec` a game
//! describes).

use serde::Serialize;

/// One agent's action or observation space.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type")]
pub enum Space {
    /// `n` choices `0..n`, optionally named (the names are also accepted as action strings).
    Discrete {
        n: u32,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        names: Vec<String>,
    },
    /// An array of `shape` with every element in `[low, high]`.
    Box {
        dtype: Dtype,
        high: f64,
        low: f64,
        shape: Vec<usize>,
    },
}

/// Element type of a `Box` space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    Float32,
    Uint8,
}

impl Space {
    /// A discrete space whose actions also answer to `names`.
    pub fn discrete_named(names: &[&str]) -> Self {
        Space::Discrete {
            n: names.len() as u32,
            names: names.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// A float32 box.
    pub fn float_box(shape: &[usize], low: f64, high: f64) -> Self {
        Space::Box {
            dtype: Dtype::Float32,
            high,
            low,
            shape: shape.to_vec(),
        }
    }

    /// Number of scalar elements in one value of this space (1 for `Discrete`).
    pub fn flat_len(&self) -> usize {
        match self {
            Space::Discrete { .. } => 1,
            Space::Box { shape, .. } => shape.iter().product(),
        }
    }
}

/// Size of each agent's top-down image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ImageSpec {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
}

impl ImageSpec {
    /// Bytes of one agent's image (H×W×C, u8).
    pub fn bytes(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// The image as a Gymnasium observation space.
    pub fn space(&self) -> Space {
        Space::Box {
            dtype: Dtype::Uint8,
            high: 255.0,
            low: 0.0,
            shape: vec![self.height, self.width, self.channels],
        }
    }
}

/// What the game says about one agent's spaces.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentSpaces {
    pub action: Space,
    pub observation: Space,
}

/// Whether all agents share one arena or each has its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ArenaMode {
    /// One arena holding every agent.
    Shared,
    /// Arena `i` holds agent `i` alone.
    Separate,
}

/// Which agents live in which arena; fixed for the life of the process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub mode: ArenaMode,
    pub num_agents: usize,
}

impl Layout {
    /// Number of arenas.
    pub fn num_arenas(&self) -> usize {
        match self.mode {
            ArenaMode::Shared => 1,
            ArenaMode::Separate => self.num_agents,
        }
    }

    /// The arena agent `agent` lives in.
    pub fn arena_of(&self, agent: usize) -> usize {
        match self.mode {
            ArenaMode::Shared => 0,
            ArenaMode::Separate => agent,
        }
    }

    /// The agents living in `arena`, in agent order.
    pub fn agents_in(&self, arena: usize) -> std::ops::Range<usize> {
        match self.mode {
            ArenaMode::Shared => 0..self.num_agents,
            ArenaMode::Separate => arena..arena + 1,
        }
    }

    /// The agent's public id.
    pub fn agent_id(agent: usize) -> String {
        format!("agent_{agent}")
    }
}
