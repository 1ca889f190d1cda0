//! The hand-over between the simulation thread and the window: the simulation publishes a
//! [`Frame`] only when the window has asked for one since the last, so it never waits for
//! drawing and pays for at most one copy per drawn frame, whatever its step rate.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use bevy::prelude::World;
use bevy_gym_server::{AgentIo, Moment, Spectator};

use crate::LiveGame;

/// An agent as every view shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AgentStats {
    pub agent: usize,
    /// Its public id (`GymGame::agent_id`: `agent_0`, `dodger_0`, …).
    pub id: String,
    /// Neither terminated nor truncated.
    pub live: bool,
    /// Its return so far this episode.
    pub episode_return: f32,
}

/// An arena as every view shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ArenaStats {
    /// Its agents, in agent order.
    pub agents: Vec<AgentStats>,
    /// Episodes begun in this arena since the view started (the current one included).
    pub episode: u64,
    /// Steps of the current episode.
    pub episode_steps: u32,
}

/// One moment as the window draws it: what every game has, and the game's own part.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frame<F> {
    /// Steps taken since the view started.
    pub step: u64,
    pub arenas: Vec<ArenaStats>,
    /// The game's part ([`LiveGame::capture`]).
    pub game: F,
}

struct Slot<F> {
    frame: F,
    /// Bumped by every publication, so the window copies a frame once.
    version: u64,
    /// Set when the simulation has stopped: `Some(None)` cleanly, `Some(Some(why))` on error.
    ended: Option<Option<String>>,
}

/// Shared by the simulation thread (which publishes) and the window (which asks and reads).
pub struct Feed<F> {
    wanted: AtomicBool,
    slot: Mutex<Slot<F>>,
    published: Condvar,
}

impl<F: Clone + Default> Feed<F> {
    /// A feed that wants the first moment published (the start).
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            wanted: AtomicBool::new(true),
            slot: Mutex::new(Slot {
                frame: F::default(),
                version: 0,
                ended: None,
            }),
            published: Condvar::new(),
        })
    }

    /// Asks for the state after the next reset or step.
    pub fn request(&self) {
        self.wanted.store(true, Ordering::Release);
    }

    /// Whether a frame is wanted; clears the request (the simulation then publishes one).
    fn take_request(&self) -> bool {
        self.wanted.swap(false, Ordering::AcqRel)
    }

    /// The newest frame if it is newer than `seen` (a version), with its version.
    pub fn newer_than(&self, seen: u64) -> Option<(F, u64)> {
        let slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        (slot.version > seen).then(|| (slot.frame.clone(), slot.version))
    }

    /// Waits (at most `timeout`) for a frame newer than `seen`.
    pub fn wait_newer_than(&self, seen: u64, timeout: Duration) -> Option<(F, u64)> {
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

    fn publish(&self, fill: impl FnOnce(&mut F)) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        fill(&mut slot.frame);
        slot.version += 1;
        self.published.notify_all();
    }
}

/// The [`Spectator`] that keeps the returns and episode counts and fills the feed.
pub struct Publisher<G: LiveGame> {
    feed: Arc<Feed<Frame<G::Frame>>>,
    returns: Vec<f32>,
    episodes: Vec<u64>,
    step: u64,
    _game: PhantomData<G>,
}

impl<G: LiveGame> Publisher<G> {
    pub fn new(feed: Arc<Feed<Frame<G::Frame>>>) -> Self {
        Self {
            feed,
            returns: Vec::new(),
            episodes: Vec::new(),
            step: 0,
            _game: PhantomData,
        }
    }
}

impl<G: LiveGame> Spectator for Publisher<G> {
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
        if !self.feed.take_request() {
            return;
        }
        let arenas = arena_stats::<G>(world, |a| self.returns[a], |a| self.episodes[a]);
        let step = self.step;
        self.feed.publish(|frame| {
            frame.step = step;
            frame.arenas = arenas;
            G::capture(world, &mut frame.game);
        });
    }
}

/// Every arena as the views show it, read from the world: ids, who is live and the episode's
/// steps from the plugin, returns and episode counts from whoever keeps them.
pub fn arena_stats<G: LiveGame>(
    world: &World,
    episode_return: impl Fn(usize) -> f32,
    episode: impl Fn(usize) -> u64,
) -> Vec<ArenaStats> {
    let io = world.resource::<AgentIo>();
    let layout = io.layout();
    (0..layout.num_arenas())
        .map(|arena| ArenaStats {
            agents: layout
                .agents_in(arena)
                .map(|agent| AgentStats {
                    agent,
                    id: G::agent_id(world, agent),
                    live: io.is_live(agent),
                    episode_return: episode_return(agent),
                })
                .collect(),
            episode: episode(arena),
            episode_steps: io.episode_steps(arena),
        })
        .collect()
}
