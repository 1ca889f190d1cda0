//! The hand-over between the simulation thread and the window: the simulation publishes a
//! [`Frame`] only when the window has asked for one since the last, so it never waits for
//! drawing and pays for at most one copy per drawn frame, whatever its step rate.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use bevy::prelude::*;
use bevy_gym_server::{AgentIo, Moment, Spectator};

use crate::arena::{Arenas, Throw};
use crate::config::DodgeConfig;
use crate::index::{self, ArenaIndex};
use crate::players::{Player, Tilt};
use crate::projectiles::warning;

/// A player as the window draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct PlayerFrame {
    pub agent: usize,
    pub position: Vec3,
    pub live: bool,
    /// Its return so far this episode.
    pub episode_return: f32,
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
    /// Episodes begun in this arena since the view started (the current one included).
    pub episode: u64,
    pub episode_steps: u32,
    pub next_throw_ticks: u32,
}

/// Everything the window draws, in simulation coordinates (Z up).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frame {
    /// Steps taken since the view started.
    pub step: u64,
    pub level: u8,
    pub arenas: Vec<ArenaFrame>,
}

#[derive(Default)]
struct Slot {
    frame: Frame,
    /// Bumped by every publication, so the window copies a frame once.
    version: u64,
    /// Set when the simulation has stopped: `Some(None)` cleanly, `Some(Some(why))` on error.
    ended: Option<Option<String>>,
}

/// Shared by the simulation thread (which publishes) and the window (which asks and reads).
#[derive(Default)]
pub struct Feed {
    wanted: AtomicBool,
    slot: Mutex<Slot>,
    published: Condvar,
}

impl Feed {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            wanted: AtomicBool::new(true),
            ..Self::default()
        })
    }

    /// Asks for the state after the next reset or step.
    pub fn request(&self) {
        self.wanted.store(true, Ordering::Release);
    }

    /// The newest frame if it is newer than `seen` (a version), with its version.
    pub fn newer_than(&self, seen: u64) -> Option<(Frame, u64)> {
        let slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        (slot.version > seen).then(|| (slot.frame.clone(), slot.version))
    }

    /// Waits (at most `timeout`) for a frame newer than `seen`.
    pub fn wait_newer_than(&self, seen: u64, timeout: Duration) -> Option<(Frame, u64)> {
        let slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        let (slot, _) = self
            .published
            .wait_timeout_while(slot, timeout, |s| s.version <= seen && s.ended.is_none())
            .unwrap_or_else(|e| e.into_inner());
        (slot.version > seen).then(|| (slot.frame.clone(), slot.version))
    }

    /// The simulation has stopped (`why`: the error, if it failed).
    pub fn end(&self, why: Option<String>) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.ended = Some(why);
        self.published.notify_all();
    }

    /// `Some` once the simulation has stopped, with its error if it failed.
    pub fn ended(&self) -> Option<Option<String>> {
        self.slot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ended
            .clone()
    }

    fn publish(&self, fill: impl FnOnce(&mut Frame)) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        fill(&mut slot.frame);
        slot.version += 1;
        self.published.notify_all();
    }
}

/// The [`Spectator`] that keeps the returns and episode counts and fills the feed.
pub struct Publisher {
    feed: Arc<Feed>,
    returns: Vec<f32>,
    episodes: Vec<u64>,
    step: u64,
}

impl Publisher {
    pub fn new(feed: Arc<Feed>) -> Self {
        Self {
            feed,
            returns: Vec::new(),
            episodes: Vec::new(),
            step: 0,
        }
    }
}

impl Spectator for Publisher {
    fn watch(&mut self, world: &mut World, moment: Moment<'_>) {
        let io = world.resource::<AgentIo>();
        let layout = io.layout();
        self.returns.resize(layout.num_agents, 0.0);
        self.episodes.resize(layout.num_arenas(), 0);
        let reset = match moment {
            Moment::Reset { arenas } => arenas,
            Moment::Step { reset } => {
                self.step += 1;
                for (agent, total) in self.returns.iter_mut().enumerate() {
                    *total += io.reward(agent);
                }
                reset
            }
        };
        for &arena in reset {
            self.episodes[arena] += 1;
            for agent in layout.agents_in(arena) {
                self.returns[agent] = 0.0;
            }
        }
        if !self.feed.wanted.swap(false, Ordering::AcqRel) {
            return;
        }
        index::refresh(world);
        let mut tilts = vec![Vec2::ZERO; self.returns.len()];
        for (player, tilt) in world.query::<(&Player, &Tilt)>().iter(world) {
            tilts[player.agent] = Vec2::new(tilt.pitch, tilt.roll);
        }
        let (index, arenas) = (world.resource::<ArenaIndex>(), world.resource::<Arenas>());
        let io = world.resource::<AgentIo>();
        let config = world.resource::<DodgeConfig>();
        let level = config.level;
        self.feed.publish(|frame| {
            frame.step = self.step;
            frame.level = level;
            frame
                .arenas
                .resize_with(arenas.0.len(), ArenaFrame::default);
            for (a, (out, state)) in frame.arenas.iter_mut().zip(&arenas.0).enumerate() {
                out.players.clear();
                out.players
                    .extend(index.players[a].iter().map(|p| PlayerFrame {
                        agent: p.agent,
                        position: p.position,
                        live: p.live,
                        episode_return: self.returns[p.agent],
                        tilt: tilts[p.agent],
                    }));
                out.projectiles.clear();
                out.projectiles
                    .extend(index.projectiles[a].iter().map(|q| (q.id, q.position)));
                out.last_throw = state.last_throw;
                out.warning = warning(state, config).map(|(point, _)| point);
                out.episode = self.episodes[a];
                out.episode_steps = io.episode_steps(a);
                out.next_throw_ticks = state.spawn_countdown;
            }
        });
    }
}
