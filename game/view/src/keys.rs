//! The keyboard as an action: which keys a human holds ([`Held`]) and what they mean for a game
//! ([`KeyMap`]), by default read from the action space, so that any game can be played.

use std::fmt;
use std::sync::Arc;

use bevy_gym_server::{Action, Space};

/// The keys a human holds: the four directions (arrows or WASD), shift and space.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Held {
    pub up: bool,
    pub down: bool,
    pub left: bool,
    pub right: bool,
    pub shift: bool,
    pub space: bool,
}

impl Held {
    /// Right minus left: -1, 0 or 1.
    pub fn x(&self) -> f32 {
        f32::from(u8::from(self.right)) - f32::from(u8::from(self.left))
    }

    /// Up minus down: -1, 0 or 1.
    pub fn y(&self) -> f32 {
        f32::from(u8::from(self.up)) - f32::from(u8::from(self.down))
    }
}

/// What held keys mean as an action. Cheap to clone; shared with the simulation thread.
#[derive(Clone)]
pub struct KeyMap(Arc<dyn Fn(Held) -> Action + Send + Sync>);

impl KeyMap {
    /// A key map from a function.
    pub fn new(map: impl Fn(Held) -> Action + Send + Sync + 'static) -> Self {
        Self(Arc::new(map))
    }

    /// The action `held` means.
    pub fn action(&self, held: Held) -> Action {
        (self.0)(held)
    }

    /// The key map any action space gets: for a discrete space, space picks the action named
    /// JUMP and the arrows those named UP, DOWN, LEFT, RIGHT (vertical first when two are held),
    /// else the action named IDLE, NOOP or NONE (else action 0); a box's first two elements
    /// follow the arrows (x, y) and the others rest at the middle of the range.
    pub fn for_space(space: &Space) -> Self {
        match space {
            Space::Discrete { names, .. } => {
                let find = |wanted: &[&str]| {
                    names
                        .iter()
                        .position(|n| wanted.iter().any(|w| n.eq_ignore_ascii_case(w)))
                        .map(|i| i as u32)
                };
                let (jump, up, down) = (find(&["JUMP"]), find(&["UP"]), find(&["DOWN"]));
                let (left, right) = (find(&["LEFT"]), find(&["RIGHT"]));
                let idle = find(&["IDLE", "NOOP", "NONE"]).unwrap_or(0);
                Self::new(move |held| {
                    let chosen = [
                        (held.space, jump),
                        (held.y() > 0.0, up),
                        (held.y() < 0.0, down),
                        (held.x() < 0.0, left),
                        (held.x() > 0.0, right),
                    ]
                    .into_iter()
                    .find_map(|(on, action)| action.filter(|_| on));
                    Action::Discrete(chosen.unwrap_or(idle))
                })
            }
            Space::Box {
                low, high, shape, ..
            } => {
                let len: usize = shape.iter().product();
                let (low, high) = (*low as f32, *high as f32);
                let middle = (low + high) / 2.0;
                let scale = (high - low) / 2.0;
                Self::new(move |held| {
                    Action::Continuous(
                        (0..len)
                            .map(|i| match i {
                                0 => middle + held.x() * scale,
                                1 => middle + held.y() * scale,
                                _ => middle,
                            })
                            .collect(),
                    )
                })
            }
        }
    }
}

impl fmt::Debug for KeyMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyMap(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(up: bool, down: bool, left: bool, right: bool) -> Held {
        Held {
            up,
            down,
            left,
            right,
            ..Held::default()
        }
    }

    #[test]
    fn named_discrete_actions_follow_the_arrows() {
        let space = Space::discrete_named(&["IDLE", "UP", "DOWN", "LEFT", "RIGHT"]);
        let keys = KeyMap::for_space(&space);
        let pick = |h: Held| keys.action(h);
        assert_eq!(pick(Held::default()), Action::Discrete(0));
        assert_eq!(pick(held(true, false, false, false)), Action::Discrete(1));
        assert_eq!(pick(held(false, true, false, false)), Action::Discrete(2));
        assert_eq!(pick(held(false, false, true, false)), Action::Discrete(3));
        assert_eq!(pick(held(false, false, false, true)), Action::Discrete(4));
        assert_eq!(
            pick(held(true, false, false, true)),
            Action::Discrete(1),
            "vertical first"
        );
        assert_eq!(
            pick(held(false, false, true, true)),
            Action::Discrete(0),
            "they cancel"
        );
        let jumping = Held {
            space: true,
            ..held(true, false, false, false)
        };
        assert_eq!(
            pick(jumping),
            Action::Discrete(1),
            "no JUMP here: space does nothing"
        );
        let with_jump = Space::discrete_named(&["NOOP", "LEFT", "RIGHT", "JUMP"]);
        let keys = KeyMap::for_space(&with_jump);
        assert_eq!(keys.action(jumping), Action::Discrete(3));
        assert_eq!(
            keys.action(held(true, false, false, false)),
            Action::Discrete(0)
        );
        assert_eq!(
            keys.action(held(false, false, false, true)),
            Action::Discrete(2)
        );
    }

    #[test]
    fn unnamed_discrete_actions_idle_at_zero() {
        let keys = KeyMap::for_space(&Space::Discrete {
            n: 3,
            names: Vec::new(),
        });
        assert_eq!(
            keys.action(held(true, false, false, false)),
            Action::Discrete(0)
        );
    }

    #[test]
    fn a_box_follows_the_arrows_in_its_first_two_elements() {
        let keys = KeyMap::for_space(&Space::float_box(&[3], -1.0, 1.0));
        assert_eq!(
            keys.action(held(true, false, false, true)),
            Action::Continuous(vec![1.0, 1.0, 0.0])
        );
        assert_eq!(
            keys.action(held(false, true, true, false)),
            Action::Continuous(vec![-1.0, -1.0, 0.0])
        );
        let unit = KeyMap::for_space(&Space::float_box(&[2], 0.0, 1.0));
        assert_eq!(
            unit.action(Held::default()),
            Action::Continuous(vec![0.5, 0.5])
        );
    }
}
