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

/// Whether all agents share one arena or each arena holds its own group of agents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ArenaMode {
    /// One arena holding every agent.
    Shared,
    /// Independent arenas of `agents_per_arena` agents each (one agent each unless set).
    Separate,
}

/// Which agents live in which arena; fixed for the life of the process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub mode: ArenaMode,
    pub num_agents: usize,
    /// Separate arenas: arena `a` holds agents `a·k .. (a+1)·k` for `k = agents_per_arena` (a
    /// game with roles, e.g. a dodger and its thrower); ignored in shared mode.
    pub agents_per_arena: usize,
}

impl Layout {
    /// `num_agents` agents in one shared arena, or one agent per separate arena.
    pub fn new(mode: ArenaMode, num_agents: usize) -> Self {
        Self {
            mode,
            num_agents,
            agents_per_arena: 1,
        }
    }

    /// `num_agents` agents in separate arenas of `agents_per_arena` each.
    pub fn grouped(num_agents: usize, agents_per_arena: usize) -> Self {
        Self {
            mode: ArenaMode::Separate,
            num_agents,
            agents_per_arena,
        }
    }

    /// Agents per arena.
    pub fn group(&self) -> usize {
        match self.mode {
            ArenaMode::Shared => self.num_agents,
            ArenaMode::Separate => self.agents_per_arena,
        }
    }

    /// Why this layout cannot be served, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        let k = self.agents_per_arena;
        match self.mode {
            _ if self.num_agents == 0 => Err("no agents; expected at least 1".into()),
            ArenaMode::Shared if k != 1 => Err(format!(
                "agents_per_arena={k} with one shared arena; expected 1 (it groups separate arenas)"
            )),
            ArenaMode::Separate if k == 0 || !self.num_agents.is_multiple_of(k) => Err(format!(
                "{} agents do not fill separate arenas of {k}; expected a multiple of {k}",
                self.num_agents
            )),
            _ => Ok(()),
        }
    }

    /// Number of arenas.
    pub fn num_arenas(&self) -> usize {
        self.num_agents / self.group()
    }

    /// The arena agent `agent` lives in.
    pub fn arena_of(&self, agent: usize) -> usize {
        agent / self.group()
    }

    /// The agents living in `arena`, in agent order.
    pub fn agents_in(&self, arena: usize) -> std::ops::Range<usize> {
        let k = self.group();
        arena * k..(arena + 1) * k
    }

    /// An agent's public id when its game gives no other (`agent_3`).
    pub fn agent_id(agent: usize) -> String {
        format!("agent_{agent}")
    }

    /// An id that names the agent's role, numbered across arenas in agent order, for a game
    /// whose every arena holds `roles` (name, count) in slot order: with
    /// `[("pursuer", 1), ("evader", 2)]`, arena 1's agents are `pursuer_1`, `evader_2`,
    /// `evader_3`. Multi-agent libraries group agents into teams by this prefix.
    pub fn role_id(&self, agent: usize, roles: &[(&str, usize)]) -> String {
        let mut slot = agent - self.agents_in(self.arena_of(agent)).start;
        for &(name, count) in roles {
            if slot < count {
                return format!("{name}_{}", self.arena_of(agent) * count + slot);
            }
            slot -= count;
        }
        Self::agent_id(agent) // slots beyond the roles given: the plain id
    }
}
