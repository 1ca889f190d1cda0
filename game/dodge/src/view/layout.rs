//! Where things are drawn: simulation coordinates (Z up) to Bevy's (Y up), and the arenas laid
//! out side by side on a grid.

use bevy::prelude::*;

use crate::arena::SPAWN_DISTANCE;

/// Distance between neighbouring arenas' origins (units), wide enough for throws from the arc.
pub const ARENA_SPACING_X: f32 = 44.0;
pub const ARENA_SPACING_Z: f32 = 36.0;

/// Simulation (X right, Y towards the thrower, Z up) to Bevy (X right, Y up, Z towards the
/// camera): the thrower stands at the far side of the arena.
pub fn to_bevy(p: Vec3) -> Vec3 {
    Vec3::new(p.x, p.z, -p.y)
}

/// The grid of arenas: columns, then rows.
pub fn grid(num_arenas: usize) -> (usize, usize) {
    let columns = (num_arenas as f32).sqrt().ceil().max(1.0) as usize;
    (columns, num_arenas.div_ceil(columns).max(1))
}

/// Where arena `arena` of `num_arenas` has its origin, in Bevy coordinates.
pub fn arena_origin(arena: usize, num_arenas: usize) -> Vec3 {
    let (columns, rows) = grid(num_arenas);
    let (col, row) = (arena % columns, arena / columns);
    let centre = |i: usize, n: usize, spacing: f32| (i as f32 - (n as f32 - 1.0) / 2.0) * spacing;
    Vec3::new(
        centre(col, columns, ARENA_SPACING_X),
        0.0,
        centre(row, rows, ARENA_SPACING_Z),
    )
}

/// The middle of what an arena shows (play zone to thrower), in Bevy coordinates.
pub fn arena_centre(arena: usize, num_arenas: usize) -> Vec3 {
    arena_origin(arena, num_arenas) + Vec3::new(0.0, 0.0, -SPAWN_DISTANCE / 2.0 + 3.0)
}

/// The camera distance that frames `arenas` arenas (one arena: 34 units).
pub fn framing_distance(num_arenas: usize) -> f32 {
    let (columns, rows) = grid(num_arenas);
    let span = ((columns - 1) as f32 * ARENA_SPACING_X).max((rows - 1) as f32 * ARENA_SPACING_Z);
    34.0 + span * 1.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arenas_are_laid_out_centred_and_apart() {
        assert_eq!(arena_origin(0, 1), Vec3::ZERO);
        assert_eq!(grid(5), (3, 2));
        let spots: Vec<Vec3> = (0..5).map(|a| arena_origin(a, 5)).collect();
        assert_eq!(spots[0].x + spots[2].x, 0.0, "columns centred");
        for (i, a) in spots.iter().enumerate() {
            for b in &spots[i + 1..] {
                assert!(a.distance(*b) >= ARENA_SPACING_Z);
            }
        }
        assert_eq!(to_bevy(Vec3::new(1.0, 2.0, 3.0)), Vec3::new(1.0, 3.0, -2.0));
    }
}
