//! The 3D scene: ground, play zones, players, projectiles with their shadows, the thrower and
//! its aim, redrawn from the newest frame the window has ([`DodgeFrame`](crate::live::DodgeFrame)).

use bevy::prelude::*;

use bevy_gym_view::scene::layout::{self, ground_size};
use bevy_gym_view::scene::{Shown, ViewConfig};

use super::to_bevy;
use crate::Dodge;
use crate::arena::{
    PLAYER_CENTRE_HEIGHT, PLAYER_RADIUS, PROJECTILE_RADIUS, SPAWN_DISTANCE, ZONE_HALF_DEPTH,
    ZONE_HALF_WIDTH,
};
use crate::projectiles::FAR_LINE_HEIGHT;

/// Player colours by agent index (cycled): distinct hues, none of them the projectiles' red.
pub const PLAYER_COLOURS: [Color; 6] = [
    Color::srgb(0.15, 0.45, 1.0),
    Color::srgb(0.15, 0.85, 0.35),
    Color::srgb(0.95, 0.85, 0.1),
    Color::srgb(0.75, 0.3, 0.95),
    Color::srgb(0.1, 0.85, 0.9),
    Color::srgb(1.0, 0.45, 0.75),
];
pub const PROJECTILE_COLOUR: Color = Color::srgb(0.95, 0.1, 0.08);
const THROWER_COLOUR: Color = Color::srgb(1.0, 0.5, 0.0);
/// The seed game's indicator orange (255, 140, 0).
const WARNING_COLOUR: Color = Color::srgb(1.0, 0.55, 0.0);
const OUT_COLOUR: Color = Color::srgb(0.35, 0.35, 0.38);
const GROUND_COLOUR: Color = Color::srgb(0.16, 0.17, 0.2);
const ZONE_COLOUR: Color = Color::srgb(0.32, 0.36, 0.42);
const ZONE_EDGE: Color = Color::srgb(0.9, 0.85, 0.25);
/// Length of the thrower's aim pointer (units).
const AIM_POINTER_LENGTH: f32 = 5.0;
/// A shadow's size at this projectile height (units) and above is its smallest.
const SHADOW_FADE_HEIGHT: f32 = 8.0;

/// A player's body: its agent and the two looks it switches between.
#[derive(Component)]
pub struct Body {
    agent: usize,
    arena: usize,
    live: Handle<StandardMaterial>,
}

/// A projectile sphere (slot `slot` of its arena's pool) and its shadow.
#[derive(Component)]
pub struct Ball {
    arena: usize,
    slot: usize,
    shadow: bool,
}

/// An arena's thrower.
#[derive(Component)]
pub struct Thrower {
    arena: usize,
}

/// Meshes and materials made once and shared.
#[derive(Resource)]
pub struct Looks {
    ball: Handle<Mesh>,
    ball_material: Handle<StandardMaterial>,
    shadow: Handle<Mesh>,
    shadow_material: Handle<StandardMaterial>,
    out: Handle<StandardMaterial>,
}

/// How many projectile slots each arena has spawned so far (pools grow, never shrink).
#[derive(Resource, Default)]
pub struct Pools(Vec<usize>);

/// Ground, lights, zones, players and throwers.
pub fn setup(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    config: Res<ViewConfig>,
) {
    let arenas = config.layout.num_arenas();
    let size = ground_size::<Dodge>(arenas);
    commands.spawn((
        Mesh3d(meshes.add(Plane3d::default().mesh().size(size.x, size.y))),
        MeshMaterial3d(materials.add(StandardMaterial {
            base_color: GROUND_COLOUR,
            perceptual_roughness: 1.0,
            ..default()
        })),
        Transform::from_translation(layout::arena_origin::<Dodge>(0, 1) - Vec3::Y * 0.01),
    ));
    commands.spawn((
        DirectionalLight {
            illuminance: 6000.0,
            shadow_maps_enabled: true,
            ..default()
        },
        // Nearly overhead, so a shadow lies under what casts it.
        Transform::from_xyz(4.0, 20.0, 6.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
    commands.insert_resource(GlobalAmbientLight {
        brightness: 600.0,
        ..default()
    });
    let zone = meshes.add(
        Plane3d::default()
            .mesh()
            .size(2.0 * ZONE_HALF_WIDTH, 2.0 * ZONE_HALF_DEPTH),
    );
    let zone_material = materials.add(StandardMaterial {
        base_color: ZONE_COLOUR,
        perceptual_roughness: 1.0,
        ..default()
    });
    let body = meshes.add(Capsule3d::new(
        PLAYER_RADIUS,
        2.0 * (PLAYER_CENTRE_HEIGHT - PLAYER_RADIUS),
    ));
    let thrower = meshes.add(Cone::new(0.7, 2.4));
    let thrower_material = materials.add(THROWER_COLOUR);
    for arena in 0..arenas {
        let origin = layout::arena_origin::<Dodge>(arena, arenas);
        commands.spawn((
            Mesh3d(zone.clone()),
            MeshMaterial3d(zone_material.clone()),
            Transform::from_translation(origin),
        ));
        commands.spawn((
            Mesh3d(thrower.clone()),
            MeshMaterial3d(thrower_material.clone()),
            Transform::from_translation(origin + to_bevy(Vec3::new(0.0, SPAWN_DISTANCE, 1.2))),
            Thrower { arena },
        ));
        for agent in config.layout.agents_in(arena) {
            let live = materials.add(PLAYER_COLOURS[agent % PLAYER_COLOURS.len()]);
            commands.spawn((
                Mesh3d(body.clone()),
                MeshMaterial3d(live.clone()),
                Transform::from_translation(origin + Vec3::Y * PLAYER_CENTRE_HEIGHT),
                Body { agent, arena, live },
            ));
        }
    }
    commands.insert_resource(Looks {
        ball: meshes.add(Sphere::new(PROJECTILE_RADIUS)),
        ball_material: materials.add(PROJECTILE_COLOUR),
        shadow: meshes.add(Circle::new(PROJECTILE_RADIUS * 1.2)),
        shadow_material: materials.add(StandardMaterial {
            base_color: Color::srgba(0.0, 0.0, 0.0, 0.6),
            alpha_mode: AlphaMode::Blend,
            unlit: true,
            ..default()
        }),
        out: materials.add(OUT_COLOUR),
    });
    commands.insert_resource(Pools(vec![0; arenas]));
}

/// Players stand where the frame says; a player who is out lies grey on the ground.
pub fn sync_players(
    shown: Res<Shown<Dodge>>,
    config: Res<ViewConfig>,
    looks: Res<Looks>,
    mut bodies: Query<(&Body, &mut Transform, &mut MeshMaterial3d<StandardMaterial>)>,
) {
    if !shown.is_changed() {
        return;
    }
    let arenas = config.layout.num_arenas();
    for (body, mut transform, mut material) in &mut bodies {
        let Some(player) = shown
            .frame
            .game
            .arenas
            .get(body.arena)
            .and_then(|a| a.players.iter().find(|p| p.agent == body.agent))
        else {
            continue;
        };
        let live = shown
            .frame
            .arenas
            .get(body.arena)
            .and_then(|a| a.agents.iter().find(|s| s.agent == body.agent))
            .is_some_and(|s| s.live);
        let at = layout::arena_origin::<Dodge>(body.arena, arenas) + to_bevy(player.position);
        if live {
            // Pitch leans along the direction of travel (sim Y, Bevy -Z), roll sideways.
            let lean =
                Quat::from_rotation_x(-player.tilt.x) * Quat::from_rotation_z(-player.tilt.y);
            *transform = Transform::from_translation(at).with_rotation(lean);
            material.0 = body.live.clone();
        } else {
            *transform = Transform::from_translation(Vec3::new(at.x, PLAYER_RADIUS, at.z))
                .with_rotation(Quat::from_rotation_z(std::f32::consts::FRAC_PI_2));
            material.0 = looks.out.clone();
        }
    }
}

/// Projectiles and their shadows, from per-arena pools of entities (hidden when unused).
pub fn sync_projectiles(
    mut commands: Commands,
    shown: Res<Shown<Dodge>>,
    config: Res<ViewConfig>,
    looks: Res<Looks>,
    mut pools: ResMut<Pools>,
    mut balls: Query<(&Ball, &mut Transform, &mut Visibility)>,
) {
    if !shown.is_changed() {
        return;
    }
    let arenas = config.layout.num_arenas();
    for (arena, frame) in shown.frame.game.arenas.iter().enumerate().take(arenas) {
        let origin = layout::arena_origin::<Dodge>(arena, arenas);
        for slot in pools.0[arena]..frame.projectiles.len() {
            for shadow in [false, true] {
                let (mesh, material, turn) = if shadow {
                    let flat = Quat::from_rotation_x(-std::f32::consts::FRAC_PI_2);
                    (looks.shadow.clone(), looks.shadow_material.clone(), flat)
                } else {
                    (
                        looks.ball.clone(),
                        looks.ball_material.clone(),
                        Quat::IDENTITY,
                    )
                };
                commands.spawn((
                    Mesh3d(mesh),
                    MeshMaterial3d(material),
                    Transform::from_translation(origin).with_rotation(turn),
                    Visibility::Hidden,
                    Ball {
                        arena,
                        slot,
                        shadow,
                    },
                ));
            }
        }
        pools.0[arena] = pools.0[arena].max(frame.projectiles.len());
    }
    for (ball, mut transform, mut visibility) in &mut balls {
        let origin = layout::arena_origin::<Dodge>(ball.arena, arenas);
        let Some(&(_, position)) = shown
            .frame
            .game
            .arenas
            .get(ball.arena)
            .and_then(|a| a.projectiles.get(ball.slot))
        else {
            *visibility = Visibility::Hidden;
            continue;
        };
        *visibility = Visibility::Visible;
        let at = origin + to_bevy(position);
        if ball.shadow {
            // Smaller and fainter the higher the ball, so heights read from above.
            let scale = 1.0 - 0.6 * (position.z / SHADOW_FADE_HEIGHT).clamp(0.0, 1.0);
            transform.translation = Vec3::new(at.x, 0.02, at.z);
            transform.scale = Vec3::splat(scale);
        } else {
            transform.translation = at;
        }
    }
}

/// Each thrower stands where it last threw from (the far line before the first throw).
pub fn sync_throwers(
    shown: Res<Shown<Dodge>>,
    config: Res<ViewConfig>,
    mut throwers: Query<(&Thrower, &mut Transform)>,
) {
    if !shown.is_changed() {
        return;
    }
    let arenas = config.layout.num_arenas();
    for (thrower, mut transform) in &mut throwers {
        let throw = shown
            .frame
            .game
            .arenas
            .get(thrower.arena)
            .and_then(|a| a.last_throw);
        let from = throw.map_or(Vec3::new(0.0, SPAWN_DISTANCE, FAR_LINE_HEIGHT), |t| t.from);
        transform.translation = layout::arena_origin::<Dodge>(thrower.arena, arenas)
            + to_bevy(Vec3::new(from.x, from.y, 1.2));
    }
}

/// Lines: each zone's edge, and each thrower's latest aim (from its hand to the target point).
pub fn draw_lines(mut gizmos: Gizmos, shown: Res<Shown<Dodge>>, config: Res<ViewConfig>) {
    let arenas = config.layout.num_arenas();
    for arena in 0..arenas {
        let origin = layout::arena_origin::<Dodge>(arena, arenas) + Vec3::Y * 0.03;
        gizmos.rect(
            Isometry3d::new(origin, Quat::from_rotation_x(-std::f32::consts::FRAC_PI_2)),
            Vec2::new(2.0 * ZONE_HALF_WIDTH, 2.0 * ZONE_HALF_DEPTH),
            ZONE_EDGE,
        );
        if let Some(point) = shown.frame.game.arenas.get(arena).and_then(|a| a.warning) {
            // Rules version 1's warning: where the next throw will start.
            let ground = origin + to_bevy(Vec3::new(point.x, point.y, 0.0));
            gizmos.circle(
                Isometry3d::new(ground, Quat::from_rotation_x(-std::f32::consts::FRAC_PI_2)),
                1.2,
                WARNING_COLOUR,
            );
            gizmos.line(ground, origin + to_bevy(point), WARNING_COLOUR);
        }
        if let Some(throw) = shown
            .frame
            .game
            .arenas
            .get(arena)
            .and_then(|a| a.last_throw)
        {
            let target = origin + to_bevy(Vec3::new(throw.at.x, throw.at.y, 0.0));
            // A short pointer from the hand, not the whole line: that would hide the ball in flight.
            let hand = origin + to_bevy(throw.from);
            let towards = (target - hand).with_y(0.0).normalize_or_zero();
            gizmos.arrow(hand, hand + towards * AIM_POINTER_LENGTH, THROWER_COLOUR);
            gizmos.circle(
                Isometry3d::new(target, Quat::from_rotation_x(-std::f32::consts::FRAC_PI_2)),
                0.8,
                THROWER_COLOUR,
            );
        }
    }
}
