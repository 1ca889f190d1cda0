//! The keyboard: the human player's action (`--play`), R to reset, Esc to quit.

use bevy::prelude::*;
use bevy_gym_server::Action;

use super::ViewConfig;
use crate::live::sim::Control;

/// Arrows or WASD, as (right − left, up − down).
fn direction(keys: &ButtonInput<KeyCode>) -> (f32, f32) {
    let held = |a: KeyCode, b: KeyCode| f32::from(u8::from(keys.pressed(a) || keys.pressed(b)));
    (
        held(KeyCode::ArrowRight, KeyCode::KeyD) - held(KeyCode::ArrowLeft, KeyCode::KeyA),
        held(KeyCode::ArrowUp, KeyCode::KeyW) - held(KeyCode::ArrowDown, KeyCode::KeyS),
    )
}

/// The action the held keys mean: continuous `[vx, vy, sprint]` (shift sprints), or the
/// discrete UP, DOWN, LEFT, RIGHT (vertical first when two are held) or IDLE.
pub fn action_of(keys: &ButtonInput<KeyCode>, continuous: bool) -> Action {
    let (x, y) = direction(keys);
    if continuous {
        let sprint = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
        return Action::Continuous(vec![x, y, if sprint { 1.0 } else { -1.0 }]);
    }
    Action::Discrete(match (x, y) {
        (_, 1.0) => 1,
        (_, -1.0) => 2,
        (-1.0, _) => 3,
        (1.0, _) => 4,
        _ => 0,
    })
}

pub fn keyboard(
    keys: Res<ButtonInput<KeyCode>>,
    config: Res<ViewConfig>,
    mut exit: MessageWriter<AppExit>,
) {
    if keys.just_pressed(KeyCode::Escape) {
        exit.write(AppExit::Success);
    }
    if keys.just_pressed(KeyCode::KeyR)
        && let Some(controls) = &config.controls
    {
        // The simulation may have stopped; the window notices that on its own.
        let _ = controls.send(Control::Reset);
    }
    if let Some(pad) = &config.play {
        pad.set(Some(action_of(&keys, config.continuous)));
    }
}
