//! The top-down image of an arena, drawn on the CPU: walls, pursuers red and evaders green (bots
//! in darker shades), caught evaders gone, and the observing agent ringed in white.

use bevy_gym_server::raster::{Canvas, Rgb};

use crate::arena::{BodyId, HALF_SIZE, Role};
use crate::roster::BodyView;

const BACKGROUND: Rgb = Rgb(20, 20, 30);
const WALLS: Rgb = Rgb(200, 200, 200);
const PURSUER: Rgb = Rgb(230, 60, 60);
const PURSUER_BOT: Rgb = Rgb(130, 35, 35);
const EVADER: Rgb = Rgb(60, 210, 90);
const EVADER_BOT: Rgb = Rgb(30, 115, 50);
const SELF_RING: Rgb = Rgb(255, 255, 255);
/// Side of the square the image shows (units): the arena and half a unit around it.
const VIEW_SIZE: f32 = 2.0 * HALF_SIZE + 1.0;
/// Drawn body radius (units): big enough to stay visible at 32 pixels.
const BODY_DRAW_RADIUS: f32 = 0.4;

/// Pixel coordinates of an arena point: +X right, +Y up, the origin at the image centre.
pub fn to_pixel(x: f32, y: f32, width: usize, height: usize) -> (i64, i64) {
    let px = ((x + VIEW_SIZE / 2.0) / VIEW_SIZE * width as f32).floor() as i64;
    let py = ((VIEW_SIZE / 2.0 - y) / VIEW_SIZE * height as f32).floor() as i64;
    (px, py)
}

fn colour(body: &BodyView) -> Rgb {
    match (body.role, body.id) {
        (Role::Pursuer, BodyId::Agent(_)) => PURSUER,
        (Role::Pursuer, BodyId::Bot(_)) => PURSUER_BOT,
        (Role::Evader, BodyId::Agent(_)) => EVADER,
        (Role::Evader, BodyId::Bot(_)) => EVADER_BOT,
    }
}

/// Draws `me`'s view of its arena (`bodies`, in body order; `me` drawn last, on top).
pub fn draw(canvas: &mut Canvas, me: &BodyView, bodies: &[BodyView]) {
    let (w, h) = canvas.size();
    let radius = ((BODY_DRAW_RADIUS * w as f32 / VIEW_SIZE).round() as i64).max(1);
    canvas.fill(BACKGROUND);
    let (x0, y0) = to_pixel(-HALF_SIZE, HALF_SIZE, w, h);
    let (x1, y1) = to_pixel(HALF_SIZE, -HALF_SIZE, w, h);
    canvas.rect_outline(x0, y0, x1, y1, WALLS);
    for body in bodies.iter().filter(|b| b.in_play() && b.id != me.id) {
        let (px, py) = to_pixel(body.position.x, body.position.y, w, h);
        canvas.disc(px, py, radius, colour(body));
    }
    let (px, py) = to_pixel(me.position.x, me.position.y, w, h);
    canvas.disc(px, py, radius + 1, SELF_RING);
    canvas.disc(px, py, radius, colour(me));
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::prelude::{Entity, Vec2};
    use bevy_gym_server::ImageSpec;

    #[test]
    fn roles_bots_and_self_have_their_colours() {
        let spec = ImageSpec {
            channels: 3,
            height: 64,
            width: 64,
        };
        let at = |id, role, x: f32| BodyView {
            entity: Entity::PLACEHOLDER,
            id,
            role,
            position: Vec2::new(x, 0.0),
            velocity: Vec2::ZERO,
            caught: false,
        };
        let me = at(BodyId::Agent(0), Role::Pursuer, 0.0);
        let bot = at(BodyId::Bot(0), Role::Evader, 4.0);
        let mut caught = at(BodyId::Bot(1), Role::Evader, -4.0);
        caught.caught = true;
        let mut buf = vec![0u8; spec.bytes()];
        draw(&mut Canvas::new(&mut buf, spec), &me, &[me, bot, caught]);
        let pixel = |x: f32, dx: i64| {
            let (px, py) = to_pixel(x, 0.0, 64, 64);
            let i = ((py * 64 + px + dx) * 3) as usize;
            [buf[i], buf[i + 1], buf[i + 2]]
        };
        assert_eq!(pixel(0.0, 0), [230, 60, 60]);
        assert_eq!(pixel(0.0, 3), [255, 255, 255], "the ring around self");
        assert_eq!(pixel(4.0, 0), [30, 115, 50]);
        assert_eq!(pixel(-4.0, 0), [20, 20, 30], "caught evaders are not drawn");
    }
}
