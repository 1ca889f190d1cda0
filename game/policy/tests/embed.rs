//! docs/policy_in_game.md's embedding example, run: a policy inside an ordinary Bevy app (no
//! server, no environment), as a resource that one system feeds and reads every frame.

use bevy::prelude::*;
use bevy_gym_policy::{FrameStacks, Policy};
use bevy_gym_server::Action;
use bevy_gym_testkit::policy_fixture;

// ANCHOR: embed
/// What an agent senses this frame, as the policy was trained to see it (dodge: 72 floats).
#[derive(Component)]
struct Senses(Vec<f32>);

/// What the agent does this frame: the policy's action.
#[derive(Component, Default)]
struct Decision(Option<Action>);

/// Feeds every agent's observation to the policy in one batch and hands out the actions.
fn decide(
    mut policy: ResMut<Policy>,
    mut batch: Local<Vec<f32>>,
    mut agents: Query<(&Senses, &mut Decision)>,
) {
    batch.clear();
    for (senses, _) in &agents {
        batch.extend_from_slice(&senses.0);
    }
    let actions = policy.act(&batch);
    // A query visits its entities in the same order both times within a system.
    for ((_, mut decision), action) in agents.iter_mut().zip(actions) {
        decision.0 = Some(action);
    }
}

/// The policy as a resource, the system between sensing and moving.
fn add_policy(app: &mut App, path: &str) {
    let policy = Policy::load(path).unwrap_or_else(|e| panic!("{e}"));
    app.insert_resource(policy).add_systems(Update, decide);
    // In a game: .add_systems(Update, (sense, decide, steer).chain())
}
// ANCHOR_END: embed

#[test]
fn a_bevy_system_feeds_the_policy_and_applies_its_actions() {
    let path = policy_fixture("dqn_tiny");
    let mut policy = Policy::load(&path).unwrap();
    let test = policy.test_set().unwrap().clone();
    let mut app = App::new();
    add_policy(&mut app, path.to_str().unwrap());
    let agents: Vec<Entity> = test
        .observations
        .chunks_exact(policy.observation_len())
        .map(|row| {
            app.world_mut()
                .spawn((Senses(row.to_vec()), Decision::default()))
                .id()
        })
        .collect();
    app.update();
    let expected = policy.act(&test.observations);
    for (entity, action) in agents.into_iter().zip(expected) {
        let decision = app.world().get::<Decision>(entity).unwrap();
        assert_eq!(decision.0, Some(action));
    }
}

// ANCHOR: embed_pixels
/// A pixel policy's agent: what its camera saw this frame (H×W×C bytes, as in training) and
/// whether this frame starts a new life.
#[derive(Component)]
struct Eyes {
    frame: Vec<u8>,
    new_life: bool,
}

/// The agents' stacks of frames live with the policy; they restart at a new life with the
/// frame repeated, as the training script's stacks did.
#[derive(Resource)]
struct Stacks(FrameStacks);

fn decide_from_pixels(
    mut policy: ResMut<Policy>,
    mut stacks: ResMut<Stacks>,
    mut frames: Local<(Vec<u8>, Vec<bool>)>,
    mut agents: Query<(&Eyes, &mut Decision)>,
) {
    let (images, starts) = &mut *frames;
    images.clear();
    starts.clear();
    for (eyes, _) in &agents {
        images.extend_from_slice(&eyes.frame);
        starts.push(eyes.new_life);
    }
    let order: Vec<usize> = (0..starts.len()).collect();
    stacks.0.push(&order, images, starts);
    let actions = policy.act_on_frames(stacks.0.stacks());
    for ((_, mut decision), action) in agents.iter_mut().zip(actions) {
        decision.0 = Some(action);
    }
}

fn add_pixel_policy(app: &mut App, path: &str) {
    let policy = Policy::load(path).unwrap_or_else(|e| panic!("{e}"));
    let image = policy.image().expect("a pixel policy (format 2)");
    app.insert_resource(Stacks(FrameStacks::new(image)))
        .insert_resource(policy)
        .add_systems(Update, decide_from_pixels);
}
// ANCHOR_END: embed_pixels

#[test]
fn a_bevy_system_feeds_a_pixel_policy_its_frames() {
    let path = policy_fixture("pixels_tiny");
    let mut policy = Policy::load(&path).unwrap();
    let test = policy.test_set().unwrap().clone();
    let stack: Vec<u8> = test.observations.iter().map(|&v| v as u8).collect();
    let frame_bytes = policy.image().unwrap().frame_bytes();
    // Each test stack's two frames, shown one frame at a time: the first starts a life.
    let stacks: Vec<&[u8]> = stack.chunks_exact(2 * frame_bytes).collect();
    let mut app = App::new();
    add_pixel_policy(&mut app, path.to_str().unwrap());
    let agents: Vec<Entity> = stacks
        .iter()
        .map(|s| {
            let eyes = Eyes {
                frame: s[..frame_bytes].to_vec(),
                new_life: true,
            };
            app.world_mut().spawn((eyes, Decision::default())).id()
        })
        .collect();
    app.update();
    for (entity, s) in agents.iter().zip(&stacks) {
        let mut eyes = app.world_mut().get_mut::<Eyes>(*entity).unwrap();
        *eyes = Eyes {
            frame: s[frame_bytes..].to_vec(),
            new_life: false,
        };
    }
    app.update();
    let expected = policy.act_on_frames(&stack);
    for (entity, action) in agents.into_iter().zip(expected) {
        let decision = app.world().get::<Decision>(entity).unwrap();
        assert_eq!(decision.0, Some(action));
    }
}
