//! `my-game-view` (cargo feature `viewer`): the game in a window, on `bevy_gym_view`. All that is
//! this game's own: what a frame holds (`LiveGame`) and how it looks (`Scene`); the simulation
//! thread, the modes (serve, --play, --policy, --demo), the camera, the HUD and the captures
//! are the crate's.

// ANCHOR: view
use bevy::prelude::*;
use bevy_gym_view::LiveGame;
use bevy_gym_view::scene::layout::arena_origin;
use bevy_gym_view::scene::{Draw, Scene, Shown, ViewConfig};

use crate::agents::{AgentEntities, Position, Targets};
use crate::{HALF_SIZE, MyGame};

/// What the window draws of a moment: each agent's position (by agent index) and each arena's
/// target, copied from the world only when the window asks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frame {
    pub agents: Vec<Vec2>,
    pub targets: Vec<Vec2>,
}

impl LiveGame for MyGame {
    type Frame = Frame;

    fn capture(world: &mut World, frame: &mut Frame) {
        frame.targets.clone_from(&world.resource::<Targets>().0);
        frame.agents.clear();
        for &entity in &world.resource::<AgentEntities>().0 {
            frame
                .agents
                .push(world.get::<Position>(entity).map_or(Vec2::ZERO, |p| p.0));
        }
    }
}

impl Scene for MyGame {
    const ARENA_SPACING: Vec2 = Vec2::splat(2.0 * HALF_SIZE + 3.0);
    const FRAMING_DISTANCE: f32 = 16.0;
    const CAMERA_PITCH: f32 = -1.2;

    fn build(app: &mut App) {
        app.add_systems(Startup, setup)
            .add_systems(Update, follow_frame.in_set(Draw));
    }
}

/// The game's plane (X right, Y up) on Bevy's ground (X right, Y up out of it, Z towards you).
fn on_ground(arena: usize, arenas: usize, p: Vec2, height: f32) -> Vec3 {
    arena_origin::<MyGame>(arena, arenas) + Vec3::new(p.x, height, -p.y)
}

#[derive(Component)]
struct AgentLook(usize);

#[derive(Component)]
struct TargetLook(usize);

/// A light, and per arena a floor and its target; a ball per agent.
fn setup(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    config: Res<ViewConfig>,
) {
    commands.spawn((
        DirectionalLight::default(),
        Transform::from_xyz(2.0, 10.0, 4.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
    let floor = meshes.add(
        Plane3d::default()
            .mesh()
            .size(2.0 * HALF_SIZE, 2.0 * HALF_SIZE),
    );
    let target = meshes.add(Cylinder::new(0.5, 0.05));
    let ball = meshes.add(Sphere::new(0.3));
    let arenas = config.layout.num_arenas();
    for arena in 0..arenas {
        commands.spawn((
            Mesh3d(floor.clone()),
            MeshMaterial3d(materials.add(Color::srgb(0.3, 0.33, 0.38))),
            Transform::from_translation(on_ground(arena, arenas, Vec2::ZERO, 0.0)),
        ));
        commands.spawn((
            Mesh3d(target.clone()),
            MeshMaterial3d(materials.add(Color::srgb(0.1, 0.85, 0.3))),
            Transform::default(),
            TargetLook(arena),
        ));
    }
    for agent in 0..config.layout.num_agents {
        commands.spawn((
            Mesh3d(ball.clone()),
            MeshMaterial3d(materials.add(Color::srgb(0.15, 0.45, 1.0))),
            Transform::default(),
            AgentLook(agent),
        ));
    }
}

/// Moves every ball and target to where the newest frame has it.
fn follow_frame(
    shown: Res<Shown<MyGame>>,
    config: Res<ViewConfig>,
    mut agents: Query<(&AgentLook, &mut Transform), Without<TargetLook>>,
    mut targets: Query<(&TargetLook, &mut Transform), Without<AgentLook>>,
) {
    let (layout, frame) = (&config.layout, &shown.frame.game);
    for (look, mut transform) in &mut agents {
        if let Some(&p) = frame.agents.get(look.0) {
            let arena = layout.arena_of(look.0);
            transform.translation = on_ground(arena, layout.num_arenas(), p, 0.3);
        }
    }
    for (look, mut transform) in &mut targets {
        if let Some(&p) = frame.targets.get(look.0) {
            transform.translation = on_ground(look.0, layout.num_arenas(), p, 0.03);
        }
    }
}
// ANCHOR_END: view
