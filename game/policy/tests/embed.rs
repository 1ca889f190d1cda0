//! docs/policy_in_game.md's embedding example, run: a policy inside an ordinary Bevy app (no
//! server, no environment), as a resource that one system feeds and reads every frame.

use bevy::prelude::*;
use bevy_gym_policy::Policy;
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
