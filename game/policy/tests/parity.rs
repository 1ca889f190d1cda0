//! The Rust forward pass equals PyTorch's on the fixtures' test inputs (written by the training
//! scripts' exporter with PyTorch's outputs): max abs error ≤ 1e-4 and the same greedy actions.

use bevy_gym_policy::{Head, Policy, argmax_of};
use bevy_gym_server::Action;
use bevy_gym_testkit::policy_fixture;

const TOLERANCE: f64 = 1e-4;

/// The largest difference between our values (f64 outputs or f32 actions) and PyTorch's (f32).
fn max_abs_error<T: Copy + Into<f64>>(ours: &[T], theirs: &[f32]) -> f64 {
    assert_eq!(ours.len(), theirs.len());
    ours.iter()
        .zip(theirs)
        .map(|(x, y)| ((*x).into() - f64::from(*y)).abs())
        .fold(0.0, f64::max)
}

#[test]
fn dqn_outputs_and_greedy_actions_match_pytorch() {
    let mut policy = Policy::load(policy_fixture("dqn_tiny")).unwrap();
    let test = policy
        .test_set()
        .expect("the fixture has a test set")
        .clone();
    assert_eq!(policy.metadata().algorithm, "dqn");
    assert_eq!((policy.observation_len(), policy.output_len()), (72, 5));
    let outputs = policy.outputs(&test.observations).to_vec();
    let error = max_abs_error(&outputs, &test.outputs);
    eprintln!("dqn_tiny: max abs error {error:e}");
    assert!(error <= TOLERANCE, "max abs error {error}");
    let actions = policy.act(&test.observations);
    let expected: Vec<Action> = test
        .actions
        .iter()
        .map(|&a| Action::Discrete(a as u32))
        .collect();
    assert_eq!(actions, expected);
    // PyTorch's own outputs give the same argmax as the file's actions (ties: lowest index).
    for (row, action) in test.outputs.chunks_exact(5).zip(&test.actions) {
        let row: Vec<f64> = row.iter().map(|&q| f64::from(q)).collect();
        assert_eq!(argmax_of(&row), *action as usize);
    }
}

#[test]
fn sac_mean_actions_match_pytorch() {
    let mut policy = Policy::load(policy_fixture("sac_tiny")).unwrap();
    let test = policy
        .test_set()
        .expect("the fixture has a test set")
        .clone();
    assert_eq!(policy.metadata().algorithm, "sac");
    assert!(matches!(policy_head(&policy), Head::Scaled { .. }));
    let outputs = policy.outputs(&test.observations).to_vec();
    let error = max_abs_error(&outputs, &test.outputs);
    eprintln!("sac_tiny: max abs error {error:e}");
    assert!(error <= TOLERANCE, "max abs error {error}");
    let actions: Vec<f32> = policy
        .act(&test.observations)
        .into_iter()
        .flat_map(|a| match a {
            Action::Continuous(values) => values,
            Action::Discrete(_) => panic!("a SAC policy acts continuously"),
        })
        .collect();
    let error = max_abs_error(&actions, &test.actions);
    assert!(error <= TOLERANCE, "max abs error {error}");
}

fn policy_head(policy: &Policy) -> &Head {
    policy.head()
}

#[test]
fn a_batch_gives_each_row_what_it_gives_alone() {
    for name in ["dqn_tiny", "sac_tiny"] {
        let mut policy = Policy::load(policy_fixture(name)).unwrap();
        let test = policy.test_set().unwrap().clone();
        let batch = policy.outputs(&test.observations).to_vec();
        let width = policy.output_len();
        for (r, row) in test.observations.chunks_exact(72).enumerate() {
            let alone = policy.outputs(row).to_vec();
            assert_eq!(alone, batch[r * width..(r + 1) * width], "{name} row {r}");
        }
    }
}

/// The pixel fixture (format 2: convolutions with stride and padding on two stacked RGB frames,
/// flatten, dense, layer norm, tanh-scaled mean) against PyTorch's float32 outputs.
#[test]
fn pixel_policy_outputs_match_pytorch() {
    let mut policy = Policy::load(policy_fixture("pixels_tiny")).unwrap();
    let test = policy
        .test_set()
        .expect("the fixture has a test set")
        .clone();
    let image = policy.image().expect("a pixel policy").clone();
    assert_eq!(
        (image.height, image.width, image.channels, image.frame_stack),
        (32, 32, 3, 2)
    );
    assert_eq!(policy.observation_len(), 2 * 32 * 32 * 3);
    let stacks: Vec<u8> = test.observations.iter().map(|&v| v as u8).collect();
    let outputs = policy.outputs_of_frames(&stacks).to_vec();
    let error = max_abs_error(&outputs, &test.outputs);
    eprintln!("pixels_tiny: max abs error {error:e}");
    assert!(error <= TOLERANCE, "max abs error {error}");
    // One stack at a time gives what the batch gives, to the bit.
    let width = policy.output_len();
    for (r, stack) in stacks.chunks_exact(policy.observation_len()).enumerate() {
        let alone = policy.outputs_of_frames(stack).to_vec();
        assert_eq!(alone, outputs[r * width..(r + 1) * width], "row {r}");
    }
    let actions: Vec<f32> = policy
        .act_on_frames(&stacks)
        .into_iter()
        .flat_map(|a| match a {
            Action::Continuous(values) => values,
            Action::Discrete(_) => panic!("a SAC policy acts continuously"),
        })
        .collect();
    assert!(max_abs_error(&actions, &test.actions) <= TOLERANCE);
}
