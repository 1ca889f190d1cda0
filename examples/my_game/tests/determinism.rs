//! The game driven in process, without HTTP: the same seed and actions give the same episode,
//! another seed another one, and an agent that steers to its target reaches it.

// ANCHOR: in_process
use bevy_gym_server::{Action, Environment, ResetRequest};
use my_game::MyGame;

/// An in-process environment built from `my-game` command-line arguments.
fn env(args: &[&str]) -> Environment<MyGame> {
    let argv = std::iter::once("my-game").chain(args.iter().copied());
    let (settings, _) =
        bevy_gym_server::parse_cli::<MyGame, _, _>("my-game", "", argv).expect("valid arguments");
    Environment::new(my_game::app(settings)).expect("environment starts")
}

/// The state after each of `steps` steps of agent-dependent discrete actions.
fn trajectory(env: &mut Environment<MyGame>, steps: usize) -> Vec<String> {
    let n = env.layout().num_agents;
    (0..steps)
        .map(|t| {
            let actions = (0..n)
                .map(|a| Some(Action::Discrete(((t + a) % 5) as u32)))
                .collect();
            env.step(actions, &[]).expect("valid actions");
            env.state_json()
        })
        .collect()
}

#[test]
fn same_seed_same_episode_other_seed_another() {
    let args = ["--agents", "4", "--arena-mode", "separate", "--seed", "7"];
    let first = trajectory(&mut env(&args), 50);
    assert_eq!(first, trajectory(&mut env(&args), 50));
    let mut other = env(&args);
    other
        .reset(ResetRequest {
            seed: Some(8),
            ..Default::default()
        })
        .unwrap();
    assert_ne!(first, trajectory(&mut other, 50));
}

#[test]
fn steering_to_the_target_reaches_it() {
    let mut env = env(&["--action-space", "continuous", "--seed", "3"]);
    for _ in 0..200 {
        let obs = env.observe();
        let to_target = [obs[2], obs[3]];
        let norm = (to_target[0].hypot(to_target[1])).max(1e-6);
        let action = Action::Continuous(vec![to_target[0] / norm, to_target[1] / norm]);
        env.step(vec![Some(action)], &[]).expect("valid action");
        if env.terminated()[0] {
            assert!(
                env.rewards()[0] >= 1.0,
                "reaching pays {}",
                env.rewards()[0]
            );
            return;
        }
    }
    panic!("an agent steering straight at its target never reached it");
}
// ANCHOR_END: in_process
