//! `GET /state`: every player and projectile with its position and velocity, per arena.

use bevy_gym_server::AgentIo;
use serde_json::{Value, json};

use crate::arena::ArenaState;
use crate::config::DodgeConfig;
use crate::index::ArenaIndex;
use crate::throwers::{agent_id, roles};

fn vec3(v: bevy::prelude::Vec3) -> Value {
    json!([v.x, v.y, v.z])
}

/// The state document (keys come out sorted: serde_json maps are ordered).
pub fn state_document(
    index: &ArenaIndex,
    arenas: &[ArenaState],
    io: &AgentIo,
    config: &DodgeConfig,
) -> Value {
    let arenas: Vec<Value> = arenas
        .iter()
        .enumerate()
        .map(|(a, state)| {
            let players: Vec<Value> = index.players[a]
                .iter()
                .map(|p| {
                    json!({
                        "id": agent_id(io.layout(), config, p.agent),
                        "position": vec3(p.position),
                        "velocity": vec3(p.velocity),
                        "is_terminated": io.is_terminated(p.agent),
                        "is_truncated": io.is_truncated(p.agent),
                    })
                })
                .collect();
            let projectiles: Vec<Value> = index.projectiles[a]
                .iter()
                .map(|q| json!({"id": q.id, "position": vec3(q.position), "velocity": vec3(q.velocity)}))
                .collect();
            let mut doc = json!({
                "index": a,
                "episode_steps": io.episode_steps(a),
                "ticks": state.ticks,
                "next_throw_in_ticks": state.spawn_countdown,
                "players": players,
                "projectiles": projectiles,
            });
            // Version 1 only: version 0's document stays as it was.
            if let Some(point) = state.next_throw.filter(|_| config.version >= 1) {
                doc["next_throw_from"] = vec3(point);
            }
            let (_, throwers) = roles(io.layout(), config.throwers, a);
            if !throwers.is_empty() {
                doc["throwers"] = throwers
                    .zip(&state.plans)
                    .map(|(t, plan)| {
                        json!({
                            "id": agent_id(io.layout(), config, t),
                            "aim_from": plan.map(vec3),
                            "is_terminated": io.is_terminated(t),
                            "is_truncated": io.is_truncated(t),
                        })
                    })
                    .collect();
            }
            doc
        })
        .collect();
    let mut doc = json!({ "game": "dodge", "level": config.level, "arenas": arenas });
    if config.version >= 1 {
        doc["rules_version"] = config.version.into();
    }
    doc
}
