//! A per-arena snapshot of every body in body order (agents by index, then bots), rebuilt when a
//! tick needs positions of others and when observing, drawing or reporting state: the one place
//! that turns ECS query order into a stable order.

use bevy::prelude::*;
use bevy_gym_server::AgentIo;

use crate::arena::{Body, BodyId, Caught, Motion, Role};

/// A body as the snapshot sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BodyView {
    pub entity: Entity,
    pub id: BodyId,
    pub role: Role,
    pub position: Vec2,
    pub velocity: Vec2,
    pub caught: bool,
}

impl BodyView {
    /// An evader still in play, or any pursuer.
    pub fn in_play(&self) -> bool {
        !self.caught
    }
}

/// Bodies grouped by arena, each group in body order; the vectors are reused between rebuilds.
#[derive(Resource, Debug, Default)]
pub struct Roster {
    pub arenas: Vec<Vec<BodyView>>,
}

impl Roster {
    /// Refills the snapshot from the given bodies.
    pub fn rebuild<'a>(
        &mut self,
        num_arenas: usize,
        bodies: impl Iterator<Item = (Entity, &'a Body, &'a Motion, &'a Caught)>,
    ) {
        self.arenas.resize_with(num_arenas, Vec::new);
        self.arenas.iter_mut().for_each(Vec::clear);
        for (entity, body, motion, caught) in bodies {
            self.arenas[body.arena].push(BodyView {
                entity,
                id: body.id,
                role: body.role,
                position: motion.position,
                velocity: motion.velocity,
                caught: caught.0,
            });
        }
        for bodies in &mut self.arenas {
            bodies.sort_unstable_by_key(|b| b.id);
        }
    }
}

/// The query [`refresh`] runs, built once (building a query state costs more than running it).
#[derive(Resource)]
pub struct RosterQuery(QueryState<(Entity, &'static Body, &'static Motion, &'static Caught)>);

impl FromWorld for RosterQuery {
    fn from_world(world: &mut World) -> Self {
        Self(world.query())
    }
}

/// Rebuilds the world's [`Roster`] from its entities (outside the tick: observe, render, state).
pub fn refresh(world: &mut World) {
    if !world.contains_resource::<RosterQuery>() {
        world.init_resource::<RosterQuery>();
    }
    world.resource_scope(|world, mut query: Mut<RosterQuery>| {
        query.0.update_archetypes(world);
        let num_arenas = world.resource::<AgentIo>().layout().num_arenas();
        world.resource_scope(|world, mut roster: Mut<Roster>| {
            roster.rebuild(num_arenas, query.0.iter_manual(world));
        });
    });
}

/// Indices into `bodies` of the `k` nearest in-play bodies of `role` to `from`, nearest first
/// (ties in body order). `scratch` is reused storage.
pub fn nearest<'s>(
    from: Vec2,
    bodies: &[BodyView],
    role: Role,
    k: usize,
    scratch: &'s mut Vec<(f32, usize)>,
) -> &'s [(f32, usize)] {
    scratch.clear();
    scratch.extend(
        bodies
            .iter()
            .enumerate()
            .filter(|(_, b)| b.role == role && b.in_play())
            .map(|(i, b)| (b.position.distance_squared(from), i)),
    );
    let by_distance = |a: &(f32, usize), b: &(f32, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
    if scratch.len() > k {
        scratch.select_nth_unstable_by(k, by_distance);
        scratch.truncate(k);
    }
    scratch.sort_unstable_by(by_distance);
    scratch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(id: BodyId, role: Role, x: f32, caught: bool) -> BodyView {
        BodyView {
            entity: Entity::PLACEHOLDER,
            id,
            role,
            position: Vec2::new(x, 0.0),
            velocity: Vec2::ZERO,
            caught,
        }
    }

    #[test]
    fn nearest_skips_caught_and_breaks_ties_in_body_order() {
        let bodies = [
            view(BodyId::Agent(0), Role::Pursuer, 0.0, false),
            view(BodyId::Agent(1), Role::Evader, 2.0, false),
            view(BodyId::Agent(2), Role::Evader, 1.0, true),
            view(BodyId::Bot(0), Role::Evader, -2.0, false),
            view(BodyId::Bot(1), Role::Evader, 3.0, false),
        ];
        let mut scratch = Vec::new();
        let found: Vec<usize> = nearest(Vec2::ZERO, &bodies, Role::Evader, 2, &mut scratch)
            .iter()
            .map(|&(_, i)| i)
            .collect();
        assert_eq!(found, [1, 3]);
        assert_eq!(
            nearest(Vec2::ZERO, &bodies, Role::Evader, 9, &mut scratch).len(),
            3
        );
    }
}
