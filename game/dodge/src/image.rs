//! The top-down image of an arena, drawn on the CPU: the play zone, projectiles (lighter when
//! higher), other players, and the observing player in its own colour.

use bevy_gym_server::raster::{Canvas, Rgb};

use crate::arena::{VIEW_SIZE, ZONE_HALF_DEPTH, ZONE_HALF_WIDTH};
use crate::index::{PlayerView, ProjectileView};
use bevy::prelude::Vec3;

const BACKGROUND: Rgb = Rgb(30, 30, 40);
const ZONE_OUTLINE: Rgb = Rgb(200, 200, 50);
const SELF_COLOUR: Rgb = Rgb(50, 150, 255);
const OTHER_PLAYER: Rgb = Rgb(80, 200, 120);
/// Version 1's thrower's warning: the seed game's indicator colour.
const WARNING_COLOUR: Rgb = Rgb(255, 140, 0);
const WARNING_DRAW_RADIUS: f32 = 0.8;
/// Drawn radii (units), larger than the bodies so they stay visible at 84 pixels.
const PLAYER_DRAW_RADIUS: f32 = 0.6;
const PROJECTILE_DRAW_RADIUS: f32 = 0.5;
/// Height (units) at which a projectile is drawn at its lightest.
const LIGHTEST_HEIGHT: f32 = 6.0;

/// Pixel coordinates of a world point: +X right, +Y up, origin at the image centre.
fn to_pixel(x: f32, y: f32, width: usize, height: usize) -> (i64, i64) {
    let px = ((x + VIEW_SIZE / 2.0) / VIEW_SIZE * width as f32).floor() as i64;
    let py = ((VIEW_SIZE / 2.0 - y) / VIEW_SIZE * height as f32).floor() as i64;
    (px, py)
}

fn projectile_colour(z: f32) -> Rgb {
    let t = (z / LIGHTEST_HEIGHT).clamp(0.0, 1.0);
    let shade = (50.0 + 150.0 * t) as u8;
    Rgb(255, shade, shade)
}

/// Draws `me`'s view of its arena; `warning` (version 1) is where the next throw will start,
/// drawn on the image's edge towards it when it lies outside the view (throws start 20 units
/// away, the view shows 12 each side).
pub fn draw(
    canvas: &mut Canvas,
    me: &PlayerView,
    players: &[PlayerView],
    projectiles: &[ProjectileView],
    warning: Option<Vec3>,
) {
    let (w, h) = canvas.size();
    let radius = |r: f32| ((r * w as f32 / VIEW_SIZE).round() as i64).max(1);
    canvas.fill(BACKGROUND);
    let (x0, y0) = to_pixel(-ZONE_HALF_WIDTH, ZONE_HALF_DEPTH, w, h);
    let (x1, y1) = to_pixel(ZONE_HALF_WIDTH, -ZONE_HALF_DEPTH, w, h);
    canvas.rect_outline(x0, y0, x1, y1, ZONE_OUTLINE);
    if let Some(point) = warning {
        let edge = VIEW_SIZE / 2.0 - WARNING_DRAW_RADIUS;
        let reach = point.x.abs().max(point.y.abs());
        let scale = if reach > edge { edge / reach } else { 1.0 };
        let (px, py) = to_pixel(point.x * scale, point.y * scale, w, h);
        canvas.disc(px, py, radius(WARNING_DRAW_RADIUS), WARNING_COLOUR);
    }
    for q in projectiles {
        let (px, py) = to_pixel(q.position.x, q.position.y, w, h);
        canvas.disc(
            px,
            py,
            radius(PROJECTILE_DRAW_RADIUS),
            projectile_colour(q.position.z),
        );
    }
    for other in players.iter().filter(|o| o.live && o.agent != me.agent) {
        let (px, py) = to_pixel(other.position.x, other.position.y, w, h);
        canvas.disc(px, py, radius(PLAYER_DRAW_RADIUS), OTHER_PLAYER);
    }
    let (px, py) = to_pixel(me.position.x, me.position.y, w, h);
    canvas.disc(px, py, radius(PLAYER_DRAW_RADIUS), SELF_COLOUR);
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::prelude::Vec3;
    use bevy_gym_server::ImageSpec;

    #[test]
    fn self_is_drawn_at_the_centre_and_others_differ() {
        let spec = ImageSpec {
            channels: 3,
            height: 84,
            width: 84,
        };
        let me = PlayerView {
            agent: 0,
            position: Vec3::new(0.0, 0.0, 1.0),
            velocity: Vec3::ZERO,
            live: true,
        };
        let other = PlayerView {
            agent: 1,
            position: Vec3::new(3.0, 0.0, 1.0),
            ..me
        };
        let mut buf = vec![0u8; spec.bytes()];
        draw(
            &mut Canvas::new(&mut buf, spec),
            &me,
            &[me, other],
            &[],
            None,
        );
        let at = |x: usize, y: usize| &buf[(y * 84 + x) * 3..(y * 84 + x) * 3 + 3];
        assert_eq!(at(42, 42), &[50, 150, 255]);
        let (ox, oy) = to_pixel(3.0, 0.0, 84, 84);
        assert_eq!(at(ox as usize, oy as usize), &[80, 200, 120]);
        assert_eq!(at(1, 1), &[30, 30, 40]);
    }
}
