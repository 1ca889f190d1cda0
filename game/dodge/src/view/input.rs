//! The keyboard: the human player's action (`--play`, through `live::drivers::action_of`), R to
//! reset, Esc to quit.

use bevy::prelude::*;

use super::ViewConfig;
use crate::live::drivers::{Held, action_of};
use crate::live::sim::Request;

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
        let held = Held {
            up: any(KeyCode::ArrowUp, KeyCode::KeyW),
            down: any(KeyCode::ArrowDown, KeyCode::KeyS),
            left: any(KeyCode::ArrowLeft, KeyCode::KeyA),
            right: any(KeyCode::ArrowRight, KeyCode::KeyD),
            sprint: any(KeyCode::ShiftLeft, KeyCode::ShiftRight),
            jump: keys.pressed(KeyCode::Space),
        };
        pad.set(Some(action_of(held, &config.controls)));
    }
}
