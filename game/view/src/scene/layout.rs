//! Where arenas are drawn: side by side on a grid, `Scene::ARENA_SPACING` apart, centred on the
//! origin (Bevy coordinates: Y up, the grid on the XZ plane).

use bevy::prelude::*;

use super::Scene;

/// The grid of arenas: columns, then rows.
pub fn grid(num_arenas: usize) -> (usize, usize) {
    let columns = (num_arenas as f32).sqrt().ceil().max(1.0) as usize;
    (columns, num_arenas.div_ceil(columns).max(1))
}

/// Where arena `arena` of `num_arenas` has its origin.
pub fn arena_origin<G: Scene>(arena: usize, num_arenas: usize) -> Vec3 {
    let (columns, rows) = grid(num_arenas);
    let (col, row) = (arena % columns, arena / columns);
    let centre = |i: usize, n: usize, spacing: f32| (i as f32 - (n as f32 - 1.0) / 2.0) * spacing;
    Vec3::new(
        centre(col, columns, G::ARENA_SPACING.x),
        0.0,
        centre(row, rows, G::ARENA_SPACING.y),
    )
}

/// The point of arena `arena` the camera looks at.
pub fn arena_centre<G: Scene>(arena: usize, num_arenas: usize) -> Vec3 {
    arena_origin::<G>(arena, num_arenas) + G::ARENA_FOCUS
}

/// The camera distance that frames `num_arenas` arenas.
pub fn framing_distance<G: Scene>(num_arenas: usize) -> f32 {
    let (columns, rows) = grid(num_arenas);
    let span =
        ((columns - 1) as f32 * G::ARENA_SPACING.x).max((rows - 1) as f32 * G::ARENA_SPACING.y);
    G::FRAMING_DISTANCE + span * 1.1
}

/// The size of a ground that reaches the horizon under every arena from any camera angle.
pub fn ground_size<G: Scene>(num_arenas: usize) -> Vec2 {
    let (columns, rows) = grid(num_arenas);
    Vec2::new(
        columns as f32 * G::ARENA_SPACING.x,
        rows as f32 * G::ARENA_SPACING.y,
    ) + Vec2::splat(400.0)
}
