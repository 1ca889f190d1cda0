//! `bevy-tag-view` (cargo feature `viewer`): tag in a 3D window on `bevy_gym_view`, from its scene
//! alone: each arena a floor with walls seen from above, pursuers as red blocks, evaders as blue
//! balls (scripted bots paler), a caught evader grey and flat.

use bevy::prelude::*;
use bevy_gym_view::scene::layout::{arena_origin, ground_size};
use bevy_gym_view::scene::{Draw, Scene, Shown, ViewConfig};

use crate::Tag;
use crate::arena::{BodyId, HALF_SIZE, Role};
use crate::live::TagFrame;

/// The binary's name and what `--help` says about it.
pub const NAME: &str = "bevy-tag-view";
pub const ABOUT: &str = "Tag in a 3D window: serve it over HTTP as bevy-tag does and watch the \
clients play (the default), play it (--play: agent 0, arrows), watch a trained policy (--policy \
FILE) or random actions (--demo). Needs a display (DISPLAY) and a Vulkan driver.";

const BODY_RADIUS: f32 = 0.35;
const WALL_HEIGHT: f32 = 0.4;

impl Scene for Tag {
    const ARENA_SPACING: Vec2 = Vec2::new(2.0 * HALF_SIZE + 4.0, 2.0 * HALF_SIZE + 4.0);
    const FRAMING_DISTANCE: f32 = 19.0;
    const CAMERA_PITCH: f32 = -1.15;

    fn build(app: &mut App) {
        app.add_systems(Startup, setup)
            .add_systems(Update, sync_bodies.in_set(Draw));
    }

    fn arena_status(frame: &TagFrame, arena: usize) -> String {
        let left = frame.arenas.get(arena).map_or(0, |bodies| {
            bodies
                .iter()
                .filter(|b| b.role == Role::Evader && !b.caught)
                .count()
        });
        format!("evaders left {left}")
    }
}

/// Tag's plane (X right, Y up) on Bevy's ground (X right, Z towards the camera).
fn to_bevy(p: Vec2, height: f32) -> Vec3 {
    Vec3::new(p.x, height, -p.y)
}

/// The looks a body switches between.
#[derive(Resource)]
struct Looks {
    block: Handle<Mesh>,
    ball: Handle<Mesh>,
    /// Pursuer agent, pursuer bot, evader agent, evader bot, caught.
    materials: [Handle<StandardMaterial>; 5],
}

/// Body slot `slot` of arena `arena` (pools grow to the most bodies an arena has shown).
#[derive(Component)]
struct Slot {
    arena: usize,
    slot: usize,
}

fn setup(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    config: Res<ViewConfig>,
) {
    let arenas = config.layout.num_arenas();
    let size = ground_size::<Tag>(arenas);
    commands.spawn((
        Mesh3d(meshes.add(Plane3d::default().mesh().size(size.x, size.y))),
        MeshMaterial3d(materials.add(Color::srgb(0.12, 0.13, 0.16))),
        Transform::from_translation(Vec3::NEG_Y * 0.01),
    ));
    commands.spawn((
        DirectionalLight {
            illuminance: 6000.0,
            ..default()
        },
        Transform::from_xyz(3.0, 20.0, 5.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
    commands.insert_resource(GlobalAmbientLight {
        brightness: 700.0,
        ..default()
    });
    let floor = meshes.add(
        Plane3d::default()
            .mesh()
            .size(2.0 * HALF_SIZE, 2.0 * HALF_SIZE),
    );
    let floor_material = materials.add(Color::srgb(0.3, 0.33, 0.38));
    let wall_x = meshes.add(Cuboid::new(2.0 * HALF_SIZE + 0.4, WALL_HEIGHT, 0.2));
    let wall_z = meshes.add(Cuboid::new(0.2, WALL_HEIGHT, 2.0 * HALF_SIZE + 0.4));
    let wall_material = materials.add(Color::srgb(0.85, 0.8, 0.3));
    for arena in 0..arenas {
        let origin = arena_origin::<Tag>(arena, arenas);
        commands.spawn((
            Mesh3d(floor.clone()),
            MeshMaterial3d(floor_material.clone()),
            Transform::from_translation(origin),
        ));
        let h = HALF_SIZE + 0.1;
        for (mesh, at) in [
            (&wall_x, Vec3::new(0.0, 0.0, h)),
            (&wall_x, Vec3::new(0.0, 0.0, -h)),
            (&wall_z, Vec3::new(h, 0.0, 0.0)),
            (&wall_z, Vec3::new(-h, 0.0, 0.0)),
        ] {
            commands.spawn((
                Mesh3d(mesh.clone()),
                MeshMaterial3d(wall_material.clone()),
                Transform::from_translation(origin + at + Vec3::Y * WALL_HEIGHT / 2.0),
            ));
        }
    }
    commands.insert_resource(Looks {
        block: meshes.add(Cuboid::from_length(BODY_RADIUS * 2.0)),
        ball: meshes.add(Sphere::new(BODY_RADIUS)),
        materials: [
            materials.add(Color::srgb(0.95, 0.2, 0.12)),
            materials.add(Color::srgb(0.95, 0.6, 0.55)),
            materials.add(Color::srgb(0.15, 0.45, 1.0)),
            materials.add(Color::srgb(0.6, 0.75, 1.0)),
            materials.add(Color::srgb(0.35, 0.35, 0.38)),
        ],
    });
}

/// Each body slot shows the body of the frame at its place, or hides.
fn sync_bodies(
    mut commands: Commands,
    shown: Res<Shown<Tag>>,
    config: Res<ViewConfig>,
    looks: Res<Looks>,
    mut pools: Local<Vec<usize>>,
    mut slots: Query<(
        &Slot,
        &mut Transform,
        &mut Visibility,
        &mut Mesh3d,
        &mut MeshMaterial3d<StandardMaterial>,
    )>,
) {
    if !shown.is_changed() {
        return;
    }
    let arenas = config.layout.num_arenas();
    pools.resize(arenas, 0);
    for (arena, bodies) in shown.frame.game.arenas.iter().enumerate().take(arenas) {
        for slot in pools[arena]..bodies.len() {
            commands.spawn((
                Mesh3d(looks.ball.clone()),
                MeshMaterial3d(looks.materials[4].clone()),
                Transform::default(),
                Visibility::Hidden,
                Slot { arena, slot },
            ));
        }
        pools[arena] = pools[arena].max(bodies.len());
    }
    for (slot, mut transform, mut visibility, mut mesh, mut material) in &mut slots {
        let Some(body) = shown
            .frame
            .game
            .arenas
            .get(slot.arena)
            .and_then(|bodies| bodies.get(slot.slot))
        else {
            *visibility = Visibility::Hidden;
            continue;
        };
        *visibility = Visibility::Visible;
        let bot = matches!(body.id, BodyId::Bot(_));
        let (look, shape, height, scale) = match (body.role, body.caught) {
            (_, true) => (4, &looks.ball, 0.08, Vec3::new(1.0, 0.25, 1.0)),
            (Role::Pursuer, _) => (usize::from(bot), &looks.block, BODY_RADIUS, Vec3::ONE),
            (Role::Evader, _) => (2 + usize::from(bot), &looks.ball, BODY_RADIUS, Vec3::ONE),
        };
        mesh.0 = shape.clone();
        material.0 = looks.materials[look].clone();
        let origin = arena_origin::<Tag>(slot.arena, arenas);
        *transform =
            Transform::from_translation(origin + to_bevy(body.position, height)).with_scale(scale);
    }
}
