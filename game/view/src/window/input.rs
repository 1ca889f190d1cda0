//! The keyboard: the held keys for the human player (`--play`; the game's key map turns them
//! into an action on the simulation thread), R to reset, Esc to quit.

use bevy::prelude::*;

use super::ViewConfig;
use crate::keys::Held;
use crate::sim::Request;

pub fn keyboard(
    keys: Res<ButtonInput<KeyCode>>,
    config: Res<ViewConfig>,
    mut exit: MessageWriter<AppExit>,
) {
    if keys.just_pressed(KeyCode::Escape) {
        exit.write(AppExit::Success);
    }
    if keys.just_pressed(KeyCode::KeyR)
        && let Some(requests) = &config.requests
    {
        // The simulation may have stopped; the window notices that on its own.
        let _ = requests.send(Request::Reset);
    }
    if let Some(pad) = &config.play {
        let any = |a: KeyCode, b: KeyCode| keys.pressed(a) || keys.pressed(b);
        pad.set(Held {
            up: any(KeyCode::ArrowUp, KeyCode::KeyW),
            down: any(KeyCode::ArrowDown, KeyCode::KeyS),
            left: any(KeyCode::ArrowLeft, KeyCode::KeyA),
            right: any(KeyCode::ArrowRight, KeyCode::KeyD),
            shift: any(KeyCode::ShiftLeft, KeyCode::ShiftRight),
            space: keys.pressed(KeyCode::Space),
        });
    }
}
