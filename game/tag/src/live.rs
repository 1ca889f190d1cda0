//! Tag watched live (`bevy_gym_view`): every body's role, position and whether it is caught,
//! copied from the world only when the window asks. The keys need nothing of tag's own: the
//! pursuer's named actions and the evader's two-element box follow the arrows by default.

use bevy::prelude::*;
use bevy_gym_view::LiveGame;

use crate::Tag;
use crate::arena::{BodyId, Role};
use crate::roster::{self, Roster};

/// A body as the window draws it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BodyFrame {
    pub id: BodyId,
    pub role: Role,
    pub position: Vec2,
    pub caught: bool,
}

/// Tag's part of a frame: each arena's bodies in body order (agents, then bots).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TagFrame {
    pub arenas: Vec<Vec<BodyFrame>>,
}

impl LiveGame for Tag {
    type Frame = TagFrame;

    fn capture(world: &mut World, frame: &mut TagFrame) {
        roster::refresh(world);
        let roster = world.resource::<Roster>();
        frame.arenas.resize_with(roster.arenas.len(), Vec::new);
        for (out, bodies) in frame.arenas.iter_mut().zip(&roster.arenas) {
            out.clear();
            out.extend(bodies.iter().map(|b| BodyFrame {
                id: b.id,
                role: b.role,
                position: b.position,
                caught: b.caught,
            }));
        }
    }
}
