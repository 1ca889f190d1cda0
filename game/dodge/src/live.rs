//! Dodge watched live (`bevy_gym_view`): what the window draws of a moment, copied from the
//! world only when the window asks ([`DodgeFrame`]), and what the keys mean (a continuous
//! action's sprint and jump; the discrete space's named actions need nothing of dodge's own).

use bevy::prelude::*;
use bevy_gym_server::{Action, AgentIo, GymGame};
use bevy_gym_view::{Held, KeyMap, LiveGame};

use crate::Dodge;
use crate::arena::{Arenas, Throw};
use crate::config::{Control, DodgeConfig};
use crate::index::{self, ArenaIndex};
use crate::players::{Player, Tilt};
use crate::projectiles::warning;

/// A player as the window draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct PlayerFrame {
    pub agent: usize,
    pub position: Vec3,
    /// Its cosmetic lean (pitch, roll) in radians (rules version 1's tilt actions).
    pub tilt: Vec2,
}

/// One arena as the window draws it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ArenaFrame {
    pub players: Vec<PlayerFrame>,
    /// Projectile ids and positions, in id order.
    pub projectiles: Vec<(u64, Vec3)>,
    pub last_throw: Option<Throw>,
    /// Rules version 1: the announced start point of the next throw, while the warning shows.
    pub warning: Option<Vec3>,
    pub next_throw_ticks: u32,
}

/// Dodge's part of a frame, in simulation coordinates (Z up).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DodgeFrame {
    pub level: u8,
    pub arenas: Vec<ArenaFrame>,
}

impl LiveGame for Dodge {
    type Frame = DodgeFrame;

    fn capture(world: &mut World, frame: &mut DodgeFrame) {
        index::refresh(world);
        let mut tilts = vec![Vec2::ZERO; world.resource::<AgentIo>().layout().num_agents];
        for (player, tilt) in world.query::<(&Player, &Tilt)>().iter(world) {
            if let Some(slot) = tilts.get_mut(player.agent) {
                *slot = Vec2::new(tilt.pitch, tilt.roll);
            }
        }
        let (index, arenas) = (world.resource::<ArenaIndex>(), world.resource::<Arenas>());
        let config = world.resource::<DodgeConfig>();
        frame.level = config.level;
        frame
            .arenas
            .resize_with(arenas.0.len(), ArenaFrame::default);
        for (a, (out, state)) in frame.arenas.iter_mut().zip(&arenas.0).enumerate() {
            out.players.clear();
            out.players
                .extend(index.players[a].iter().map(|p| PlayerFrame {
                    agent: p.agent,
                    position: p.position,
                    tilt: tilts.get(p.agent).copied().unwrap_or_default(),
                }));
            out.projectiles.clear();
            out.projectiles
                .extend(index.projectiles[a].iter().map(|q| (q.id, q.position)));
            out.last_throw = state.last_throw;
            out.warning = warning(state, config).map(|(point, _)| point);
            out.next_throw_ticks = state.spawn_countdown;
        }
    }

    /// A continuous action's elements from the keys (sprint on shift and jump on space at full
    /// or none, tilt none); the discrete space's named actions by the default map.
    fn key_map(world: &World) -> KeyMap {
        let config = world.resource::<DodgeConfig>();
        match config.action_kind.layout(config.version) {
            Some(layout) => continuous_keys(layout.to_vec()),
            None => KeyMap::for_space(&Dodge::spaces(world, 0).action),
        }
    }
}

fn continuous_keys(layout: Vec<Control>) -> KeyMap {
    KeyMap::new(move |held: Held| {
        let full = |on: bool| if on { 1.0 } else { -1.0 };
        Action::Continuous(
            layout
                .iter()
                .map(|control| match control {
                    Control::Vx => held.x(),
                    Control::Vy => held.y(),
                    Control::Sprint => full(held.shift),
                    Control::Jump => full(held.space),
                    Control::Pitch | Control::Roll => 0.0,
                })
                .collect(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Control::*;

    #[test]
    fn held_keys_fill_every_continuous_layout() {
        let running = Held {
            up: true,
            right: true,
            shift: true,
            space: true,
            ..Held::default()
        };
        for (layout, expected) in [
            (vec![Vx, Vy, Sprint], vec![1.0, 1.0, 1.0]),
            (vec![Vx, Vy, Sprint, Jump], vec![1.0, 1.0, 1.0, 1.0]),
            (
                vec![Vx, Vy, Jump, Pitch, Roll, Sprint],
                vec![1.0, 1.0, 1.0, 0.0, 0.0, 1.0],
            ),
        ] {
            let keys = continuous_keys(layout);
            assert_eq!(keys.action(running), Action::Continuous(expected));
        }
        assert_eq!(
            continuous_keys(vec![Vx, Vy, Sprint]).action(Held::default()),
            Action::Continuous(vec![0.0, 0.0, -1.0])
        );
    }
}
