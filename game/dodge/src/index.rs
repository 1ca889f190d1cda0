//! A per-arena snapshot of players and projectiles in a stable order (agent index, projectile
//! id), rebuilt when scoring, observing, drawing or reporting state, so nothing depends on ECS
//! query order.

use bevy::prelude::*;
use bevy_gym_server::AgentIo;

use crate::arena::Motion;
use crate::players::Player;
use crate::projectiles::Projectile;

/// A player as the snapshot sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlayerView {
    pub agent: usize,
    pub position: Vec3,
    pub velocity: Vec3,
    pub live: bool,
}

/// A projectile as the snapshot sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProjectileView {
    pub id: u64,
    /// The learnable thrower that threw it (`None`: the scripted thrower).
    pub thrower: Option<usize>,
    pub position: Vec3,
    pub velocity: Vec3,
}

/// Players and projectiles grouped by arena; the inner vectors are reused between rebuilds.
#[derive(Resource, Debug, Default)]
pub struct ArenaIndex {
    pub players: Vec<Vec<PlayerView>>,
    pub projectiles: Vec<Vec<ProjectileView>>,
}

impl ArenaIndex {
    /// Refills the snapshot from the given entities.
    pub fn rebuild<'a>(
        &mut self,
        io: &AgentIo,
        players: impl Iterator<Item = (&'a Player, &'a Motion)>,
        projectiles: impl Iterator<Item = (&'a Projectile, &'a Motion)>,
    ) {
        let arenas = io.layout().num_arenas();
        self.players.resize_with(arenas, Vec::new);
        self.projectiles.resize_with(arenas, Vec::new);
        self.players.iter_mut().for_each(Vec::clear);
        self.projectiles.iter_mut().for_each(Vec::clear);
        for (player, motion) in players {
            self.players[player.arena].push(PlayerView {
                agent: player.agent,
                position: motion.position,
                velocity: motion.velocity,
                live: io.is_live(player.agent),
            });
        }
        for (projectile, motion) in projectiles {
            self.projectiles[projectile.arena].push(ProjectileView {
                id: projectile.id,
                thrower: projectile.thrower,
                position: motion.position,
                velocity: motion.velocity,
            });
        }
        for list in &mut self.players {
            list.sort_unstable_by_key(|p| p.agent);
        }
        for list in &mut self.projectiles {
            list.sort_unstable_by_key(|p| p.id);
        }
    }

    /// The player with index `agent` in `arena`.
    pub fn player(&self, arena: usize, agent: usize) -> Option<&PlayerView> {
        self.players[arena].iter().find(|p| p.agent == agent)
    }
}

/// The queries [`refresh`] runs, built once: building a query state on every observation
/// cost more than the rest of a one-agent observation.
#[derive(Resource)]
pub struct IndexQueries {
    players: QueryState<(&'static Player, &'static Motion)>,
    projectiles: QueryState<(&'static Projectile, &'static Motion)>,
}

impl FromWorld for IndexQueries {
    fn from_world(world: &mut World) -> Self {
        Self {
            players: world.query(),
            projectiles: world.query(),
        }
    }
}

/// Rebuilds the world's [`ArenaIndex`] from its entities.
pub fn refresh(world: &mut World) {
    if !world.contains_resource::<IndexQueries>() {
        world.init_resource::<IndexQueries>();
    }
    world.resource_scope(|world, mut queries: Mut<IndexQueries>| {
        let IndexQueries {
            players,
            projectiles,
        } = &mut *queries;
        players.update_archetypes(world);
        projectiles.update_archetypes(world);
        world.resource_scope(|world, mut index: Mut<ArenaIndex>| {
            let io = world.resource::<AgentIo>();
            index.rebuild(
                io,
                players.iter_manual(world),
                projectiles.iter_manual(world),
            );
        });
    });
}
