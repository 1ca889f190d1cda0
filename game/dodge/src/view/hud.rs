//! The heads-up text: game, level, mode and step; per arena its episode, step and each agent's
//! return (or that it is out); the keys.

use std::fmt::Write;

use bevy::prelude::*;

use super::camera::Orbit;
use super::{Shown, ViewConfig};
use crate::arena::TICK_SECONDS;

/// Arenas listed in full; the rest are counted.
const LISTED_ARENAS: usize = 6;

#[derive(Component)]
pub struct Hud;

pub fn spawn_hud(mut commands: Commands, windows: Query<&Window>) {
    let height = windows.iter().next().map_or(720.0, |w| w.height());
    commands.spawn((
        Text::new(""),
        TextFont {
            font_size: FontSize::Px((height / 45.0).clamp(9.0, 18.0)),
            ..default()
        },
        TextColor(Color::srgb(0.95, 0.95, 0.95)),
        Node {
            position_type: PositionType::Absolute,
            top: px(6),
            left: px(8),
            ..default()
        },
        Hud,
    ));
}

pub fn update_hud(
    shown: Res<Shown>,
    config: Res<ViewConfig>,
    orbit: Res<Orbit>,
    mut hud: Single<&mut Text, With<Hud>>,
) {
    if !shown.is_changed() && !orbit.is_changed() {
        return;
    }
    let frame = &shown.frame;
    let mut text = format!(
        "dodge | level {} | {} | step {}\n",
        frame.level, config.mode, frame.step
    );
    let chosen: Vec<usize> = match orbit.arena {
        Some(a) => vec![a],
        None => (0..frame.arenas.len()).take(LISTED_ARENAS).collect(),
    };
    for &a in &chosen {
        let Some(arena) = frame.arenas.get(a) else {
            continue;
        };
        let _ = write!(
            text,
            "arena {a} | episode {} | step {} | next throw {:.1} s |",
            arena.episode,
            arena.episode_steps,
            arena.next_throw_ticks as f32 * TICK_SECONDS
        );
        for p in &arena.players {
            let state = if p.live { "" } else { " out" };
            let _ = write!(text, " agent_{} {:+.1}{state}", p.agent, p.episode_return);
        }
        text.push('\n');
    }
    if orbit.arena.is_none() && frame.arenas.len() > LISTED_ARENAS {
        let _ = writeln!(
            text,
            "... {} more arenas (Tab shows one at a time)",
            frame.arenas.len() - LISTED_ARENAS
        );
    }
    text.push_str(config.keys);
    hud.0 = text;
}
