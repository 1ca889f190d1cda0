//! dodge v0 cannot drift: seeded episodes in every action space, arena mode and level hash to the
//! values pinned below, taken before dodge v1 was built. Observations, rewards, termination and
//! truncation flags, images and the final `/state` all go into the hash (FNV-1a over their
//! bytes: stable across Rust versions, unlike `std`'s hasher). A change that moves any of them
//! breaks v0's promise (same seed, same actions, same episode) and fails here.

mod common;

use bevy_gym_server::ResetRequest;
use common::{Actions, env};

/// FNV-1a, 64 bits.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn floats(&mut self, values: &[f32]) {
        for v in values {
            self.bytes(&v.to_bits().to_le_bytes());
        }
    }

    fn flags(&mut self, values: &[bool]) {
        self.bytes(&values.iter().map(|&b| u8::from(b)).collect::<Vec<_>>());
    }
}

/// `steps` steps of seeded actions from `bevy-dodge args` reset with `seed`; arenas whose agents
/// are all done are reset in place of their next step. Images every 25 steps.
fn trajectory_hash(args: &[&str], seed: u64, steps: usize) -> u64 {
    let mut e = env(args);
    e.reset(ResetRequest {
        seed: Some(seed),
        arenas: None,
        options: None,
    })
    .unwrap();
    let layout = e.layout().clone();
    let mut actions = Actions(seed.wrapping_mul(2) + 1);
    let mut hash = Fnv::new();
    hash.floats(e.observe());
    for step in 0..steps {
        let done: Vec<usize> = (0..layout.num_arenas())
            .filter(|&a| {
                layout
                    .agents_in(a)
                    .all(|i| e.terminated()[i] || e.truncated()[i])
            })
            .collect();
        let chosen = actions.fitting(&e.action_spaces());
        e.step(chosen.into_iter().map(Some).collect(), &done)
            .unwrap();
        hash.floats(e.observe());
        hash.floats(e.rewards());
        hash.flags(e.terminated());
        hash.flags(e.truncated());
        if step % 25 == 0 {
            hash.bytes(e.render());
        }
    }
    hash.bytes(e.state_json().as_bytes());
    hash.0
}

/// (arguments, seed, pinned hash): discrete and continuous, shared and separate, both levels,
/// RGB and grey images, truncation inside the run.
const PINNED: &[(&[&str], u64, u64)] = &[
    (&["--agents", "1"], 1, 9193843700260293098),
    (
        &["--agents", "3", "--arena-mode", "shared"],
        2,
        9022377371737178304,
    ),
    (
        &["--agents", "4", "--arena-mode", "separate", "--level", "2"],
        3,
        14025786487620050612,
    ),
    (
        &[
            "--agents",
            "2",
            "--action-space",
            "continuous",
            "--level",
            "2",
            "--image-size",
            "48",
        ],
        4,
        3569154941590833805,
    ),
    (
        &[
            "--agents",
            "3",
            "--arena-mode",
            "separate",
            "--action-space",
            "continuous",
            "--grayscale=true",
            "--max-episode-steps",
            "120",
        ],
        5,
        5314931505242891129,
    ),
];

#[test]
fn v0_trajectories_are_unchanged() {
    let mut seen = Vec::new();
    for (args, seed, _) in PINNED {
        seen.push(trajectory_hash(args, *seed, 300));
    }
    let pinned: Vec<u64> = PINNED.iter().map(|(_, _, h)| *h).collect();
    assert_eq!(
        seen, pinned,
        "dodge v0 trajectories changed (seen vs pinned, in PINNED's order)"
    );
}
