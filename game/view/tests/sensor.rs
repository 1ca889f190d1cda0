//! The camera sensor on a real renderer (Mesa's lavapipe with no GPU, no display): a minimal game
//! whose agents slide along X, drawn as unlit red cubes, seen straight down by one sensor
//! camera per arena. Checks the images' layout (size, channel order, row padding stripped at
//! 84 px, whose rows are not a multiple of 256 bytes), that a frame shows the state after its
//! step, that the first observation is already drawn (warm-up), and grey = luma of RGB.

use bevy::prelude::*;
use bevy_gym_server::raster::Rgb;
use bevy_gym_server::{
    AgentIo, AgentSpaces, ArenaRngs, EnvError, EnvPlugin, Environment, GymGame, ImageSource,
    ImageSpec, Layout, OptionKind, OptionSpec, ResetRequest, SimSettings, SimTick, Space, uniform,
};
use bevy_gym_view::LiveGame;
use bevy_gym_view::scene::sensor::SensorScene;
use bevy_gym_view::scene::{CLEAR_COLOUR, Draw, Scene, Shown, ViewConfig, layout};
use serde_json::{Map, Value, json};

struct Slider;

/// Half the width of the track, in world units: position ±1 maps to ±TRACK.
const TRACK: f32 = 6.0;

#[derive(Resource, Default)]
struct Positions(Vec<f32>);

#[derive(Resource, Default)]
struct Grey(bool);

const OPTIONS: &[OptionSpec] = &[OptionSpec {
    name: "grayscale",
    kind: OptionKind::Boolean,
    default: Some("false"),
    help: "One grey channel.",
}];

impl GymGame for Slider {
    const NAME: &'static str = "slider";
    const OPTIONS: &'static [OptionSpec] = OPTIONS;

    fn tick_seconds(_: &World) -> f32 {
        0.1
    }

    fn spaces(_: &World, _: usize) -> AgentSpaces {
        AgentSpaces {
            action: Space::float_box(&[1], -1.0, 1.0),
            observation: Space::float_box(&[1], -1.0, 1.0),
        }
    }

    fn image(world: &World) -> ImageSpec {
        ImageSpec {
            channels: if world.resource::<Grey>().0 { 1 } else { 3 },
            height: 84,
            width: 84,
        }
    }

    fn options(world: &World) -> Map<String, Value> {
        let mut options = Map::new();
        options.insert("grayscale".into(), world.resource::<Grey>().0.into());
        options
    }

    fn configure(world: &mut World, options: &Map<String, Value>) -> Result<(), EnvError> {
        if let Some(grey) = options.get("grayscale").and_then(Value::as_bool) {
            world.resource_mut::<Grey>().0 = grey;
        }
        Ok(())
    }

    fn reset_arenas(world: &mut World, arenas: &[usize]) {
        let layout = world.resource::<AgentIo>().layout().clone();
        world.resource_scope(|world, mut rngs: Mut<ArenaRngs>| {
            let mut positions = world.resource_mut::<Positions>();
            positions.0.resize(layout.num_agents, 0.0);
            for &arena in arenas {
                for agent in layout.agents_in(arena) {
                    positions.0[agent] = uniform(rngs.arena(arena), -0.5, 0.5);
                }
            }
        });
    }

    fn observe(world: &mut World, out: &mut [f32]) {
        out.copy_from_slice(&world.resource::<Positions>().0);
    }

    fn render(_: &mut World, out: &mut [u8]) {
        out.fill(0);
    }

    fn state(world: &mut World) -> Value {
        json!({ "positions": world.resource::<Positions>().0 })
    }
}

fn slide(io: Res<AgentIo>, mut positions: ResMut<Positions>) {
    for (agent, x) in positions.0.iter_mut().enumerate() {
        if let Some(bevy_gym_server::Action::Continuous(v)) = io.action(agent) {
            *x = (*x + 0.1 * v[0]).clamp(-1.0, 1.0);
        }
    }
}

impl LiveGame for Slider {
    type Frame = Vec<f32>;

    fn capture(world: &mut World, frame: &mut Vec<f32>) {
        frame.clone_from(&world.resource::<Positions>().0);
    }
}

#[derive(Component)]
struct Cube(usize);

impl Scene for Slider {
    const ARENA_SPACING: Vec2 = Vec2::new(40.0, 40.0);
    const FRAMING_DISTANCE: f32 = 20.0;
    // Straight down: the image's X is the world's X.
    const CAMERA_PITCH: f32 = -std::f32::consts::FRAC_PI_2;

    fn build(app: &mut App) {
        app.add_systems(Startup, spawn_cubes)
            .add_systems(Update, place_cubes.in_set(Draw));
    }
}

fn spawn_cubes(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    config: Res<ViewConfig>,
) {
    let cube = meshes.add(Cuboid::new(2.0, 2.0, 2.0));
    let red = materials.add(StandardMaterial {
        base_color: Color::srgb(1.0, 0.0, 0.0),
        unlit: true,
        ..default()
    });
    for agent in 0..config.layout.num_agents {
        commands.spawn((
            Cube(agent),
            Mesh3d(cube.clone()),
            MeshMaterial3d(red.clone()),
            Transform::default(),
        ));
    }
}

fn place_cubes(
    shown: Res<Shown<Slider>>,
    config: Res<ViewConfig>,
    mut cubes: Query<(&Cube, &mut Transform)>,
) {
    let arenas = config.layout.num_arenas();
    for (cube, mut transform) in &mut cubes {
        let x = shown.frame.game.get(cube.0).copied().unwrap_or(0.0);
        let origin = layout::arena_origin::<Slider>(config.layout.arena_of(cube.0), arenas);
        transform.translation = origin + Vec3::new(x * TRACK, 0.0, 0.0);
    }
}

fn environment(agents: usize, grey: bool) -> Environment<Slider> {
    let mut settings = SimSettings::new::<Slider>(Layout::grouped(agents, 1));
    settings.image_source = ImageSource::Camera;
    settings.seed = 7;
    settings.options.insert("grayscale".into(), grey.into());
    let mut app = App::new();
    app.add_plugins(EnvPlugin::<Slider>::new(settings))
        .init_resource::<Positions>()
        .init_resource::<Grey>()
        .add_systems(SimTick, slide)
        .add_plugins(SensorScene::<Slider>::default());
    Environment::new(app).expect("the sensor starts (is mesa-vulkan-drivers installed?)")
}

fn clear() -> [u8; 3] {
    let c = CLEAR_COLOUR.to_srgba();
    [c.red, c.green, c.blue].map(|v| (v * 255.0).round() as u8)
}

/// The mean column of agent `agent`'s red pixels, and how many there are.
fn red_centroid(pixels: &[u8], agent: usize) -> (f32, usize) {
    let image = &pixels[agent * 84 * 84 * 3..(agent + 1) * 84 * 84 * 3];
    let (mut sum, mut count) = (0.0, 0);
    for (i, p) in image.chunks_exact(3).enumerate() {
        if p == [255, 0, 0] {
            sum += (i % 84) as f32;
            count += 1;
        }
    }
    (sum / count.max(1) as f32, count)
}

fn step_all(env: &mut Environment<Slider>, v: f32) {
    let n = env.layout().num_agents;
    let actions = vec![Some(bevy_gym_server::Action::Continuous(vec![v])); n];
    env.step(actions, &[]).unwrap();
}

#[test]
fn images_have_the_declared_layout_and_the_first_is_drawn() {
    let mut env = environment(2, false);
    assert_eq!(env.image_source(), "camera");
    assert!(
        env.spec_json()
            .unwrap()
            .contains("\"image_source\":\"camera\"")
    );
    let pixels = env.render().to_vec();
    assert_eq!(pixels.len(), 2 * 84 * 84 * 3);
    let clear = clear();
    for agent in 0..2 {
        let image = &pixels[agent * 84 * 84 * 3..(agent + 1) * 84 * 84 * 3];
        // Only two colours: the background and the red cube (RGB order: red first). Any row
        // padding left in would show as zeros.
        let odd: Vec<&[u8]> = image
            .chunks_exact(3)
            .filter(|p| *p != clear && *p != [255, 0, 0])
            .collect();
        assert!(
            odd.is_empty(),
            "agent {agent}: unexpected colours {:?}",
            &odd[..odd.len().min(5)]
        );
        let (_, red) = red_centroid(&pixels, agent);
        assert!(
            red > 50,
            "agent {agent}'s first image shows no cube ({red} red pixels)"
        );
        // The cube is a square in the image: its rows are the same length throughout.
        let rows = image
            .chunks_exact(84 * 3)
            .filter(|row| row.chunks_exact(3).any(|p| p == [255, 0, 0]))
            .count();
        assert!(
            (rows * rows).abs_diff(red) <= 2 * rows,
            "{rows} rows for {red} pixels"
        );
    }
}

#[test]
fn a_frame_shows_the_state_after_its_step() {
    let mut env = environment(1, false);
    let before = red_centroid(env.render(), 0).0;
    let x0 = env.observe()[0];
    step_all(&mut env, 1.0);
    let after = red_centroid(env.render(), 0).0;
    let x1 = env.observe()[0];
    assert!(x1 > x0);
    // The same step, not the one before: the cube moved by the step's distance, in pixels.
    let moved = after - before;
    assert!(
        moved > 0.5,
        "the cube moved {moved} px for a step of {}",
        x1 - x0
    );
    step_all(&mut env, -1.0);
    step_all(&mut env, -1.0);
    let back = red_centroid(env.render(), 0).0;
    assert!(
        back < before,
        "two steps back: {back} px, expected left of {before}"
    );
    // Rendering twice without a step gives the same image.
    let again = env.render().to_vec();
    assert_eq!(env.render(), &again[..]);
}

#[test]
fn grey_images_are_the_luma_of_the_rgb_ones() {
    let mut rgb = environment(1, false);
    let mut grey = environment(1, true);
    assert_eq!(grey.image().channels, 1);
    let colour = rgb.render().to_vec();
    let luma: Vec<u8> = colour
        .chunks_exact(3)
        .map(|p| Rgb(p[0], p[1], p[2]).luma())
        .collect();
    assert_eq!(grey.render(), &luma[..]);
}

#[test]
fn image_source_cannot_change_after_start() {
    let mut env = environment(1, false);
    let mut options = Map::new();
    options.insert("image_source".into(), "raster".into());
    let err = env
        .reset(ResetRequest {
            seed: None,
            arenas: None,
            options: Some(options.clone()),
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("fixed when the server starts"),
        "{err}"
    );
    options.insert("image_source".into(), "camera".into());
    env.reset(ResetRequest {
        seed: None,
        arenas: None,
        options: Some(options),
    })
    .unwrap();
}

/// Run in a child process by `without_an_adapter_the_start_fails_saying_what_to_install`, with
/// no Vulkan driver to find.
#[test]
#[ignore = "run by without_an_adapter_the_start_fails_saying_what_to_install"]
fn child_without_adapter() {
    let mut settings = SimSettings::new::<Slider>(Layout::grouped(1, 1));
    settings.image_source = ImageSource::Camera;
    let mut app = App::new();
    app.add_plugins(EnvPlugin::<Slider>::new(settings))
        .init_resource::<Positions>()
        .init_resource::<Grey>()
        .add_plugins(SensorScene::<Slider>::default());
    let Err(err) = Environment::<Slider>::new(app) else {
        panic!("the sensor started with no Vulkan driver");
    };
    assert!(err.to_string().contains("mesa-vulkan-drivers"), "{err}");
    println!("refused: {err}");
}

#[test]
fn without_an_adapter_the_start_fails_saying_what_to_install() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_without_adapter",
            "--nocapture",
        ])
        // The Vulkan loader finds no driver; wgpu then has no adapter at all.
        .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
        .env("VK_DRIVER_FILES", "/nonexistent/icd.json")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("refused: "),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
