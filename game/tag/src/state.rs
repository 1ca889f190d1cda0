//! `GET /state`: every agent and bot of every arena with role, position, velocity and flags.

use bevy::prelude::Vec2;
use bevy_gym_server::AgentIo;
use serde_json::{Value, json};

use crate::arena::BodyId;
use crate::config::TagConfig;
use crate::roster::Roster;

fn vec2(v: Vec2) -> Value {
    json!([v.x, v.y])
}

/// The state document (keys come out sorted: serde_json maps are ordered).
pub fn state_document(roster: &Roster, clocks: &[u64], io: &AgentIo, config: &TagConfig) -> Value {
    let arenas: Vec<Value> = roster
        .arenas
        .iter()
        .enumerate()
        .map(|(arena, bodies)| {
            let mut agents = Vec::new();
            let mut bots = Vec::new();
            for b in bodies {
                let mut doc = json!({
                    "role": b.role.name(),
                    "position": vec2(b.position),
                    "velocity": vec2(b.velocity),
                    "caught": b.caught,
                });
                match b.id {
                    BodyId::Agent(agent) => {
                        doc["id"] = config.agent_id(io.layout(), agent).into();
                        doc["is_terminated"] = io.is_terminated(agent).into();
                        doc["is_truncated"] = io.is_truncated(agent).into();
                        agents.push(doc);
                    }
                    BodyId::Bot(bot) => {
                        doc["id"] = format!("bot_{bot}").into();
                        bots.push(doc);
                    }
                }
            }
            json!({
                "index": arena,
                "episode_steps": io.episode_steps(arena),
                "ticks": clocks[arena],
                "agents": agents,
                "bots": bots,
            })
        })
        .collect();
    json!({ "game": "tag", "arenas": arenas })
}
