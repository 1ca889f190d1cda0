//! The heads-up text: game, what drives it and the step; per arena its episode, step, the
//! scene's own words and each agent's id and return (or that it is out); the keys.

use std::fmt::Write;

use bevy::prelude::*;

use super::camera::Orbit;
use super::{Scene, Shown, ViewConfig};

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

pub fn update_hud<G: Scene>(
    shown: Res<Shown<G>>,
    config: Res<ViewConfig>,
    orbit: Res<Orbit<G>>,
    mut hud: Single<&mut Text, With<Hud>>,
) {
    if !shown.is_changed() && !orbit.is_changed() {
        return;
    }
    let frame = &shown.frame;
    let status = G::status(&frame.game);
    let mut text = G::NAME.to_string();
    for part in [status.as_str(), config.describe.as_str()] {
        if !part.is_empty() {
            let _ = write!(text, " | {part}");
        }
    }
    let _ = writeln!(text, " | step {}", frame.step);
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
            "arena {a} | episode {} | step {} |",
            arena.episode, arena.episode_steps
        );
        let words = G::arena_status(&frame.game, a);
        if !words.is_empty() {
            let _ = write!(text, " {words} |");
        }
        for agent in &arena.agents {
            let state = if agent.live { "" } else { " out" };
            let _ = write!(text, " {} {:+.1}{state}", agent.id, agent.episode_return);
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
