"""PPO on a bevy_gym game with Ray RLlib (new API stack), across the env runners of a Ray
cluster: each runner launches its own game server, with N arenas in it (the native vector env),
seeds derived per runner, and a crashed server restarted (bevy_gym/rllib.py says how).

    pip install -e ".[rllib]"
    python algos/ppo_rllib.py --env dodge --level 1 --num-env-runners 2   # docs/results.md
    python algos/ppo_rllib.py --env dodge --num-agents 4      # one shared policy, shared arena
    ray start --head ...; python algos/ppo_rllib.py --address auto --num-env-runners 16

Logs to TensorBoard in `runs/{run_name}` (W&B with `--track`) like the other scripts; checkpoints
(RLlib's `save_to_path`) in `runs/{run_name}/checkpoint` every `--checkpoint-frequency`
iterations and at the end. Evaluations are deterministic (`explore=False`), one episode per arena
of the local evaluation runner.
"""

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import ray
import torch
import tyro
from algos_utils import evaluate, game_options, start_logging, summary
from ray.rllib.algorithms.ppo import PPOConfig

import bevy_gym
import bevy_gym.rllib
from bevy_gym.native import backend_kwargs


@dataclass
class Args:
    exp_name: str = os.path.basename(__file__)[: -len(".py")]
    """the name of this experiment"""
    seed: int = 1
    """seed of the experiment (each env derives its own from it)"""
    track: bool = False
    """if toggled, this experiment will be tracked with Weights and Biases"""
    wandb_project_name: str = "bevy_gym"
    """the wandb's project name"""
    wandb_entity: str | None = None
    """the entity (team) of wandb's project"""
    address: str | None = None
    """a running Ray cluster to join (`auto`, or `ray://host:10001`); default: start one here"""
    num_cpus: int | None = None
    """with no --address: CPUs of the local Ray instance (default: all)"""

    # Environment
    env: str = "dodge"
    """a bevy_gym short name or Gymnasium id (its discrete variant), or its PettingZoo id"""
    backend: str = "http"
    """"native": step the game in this process (its extension module; `make install` builds it),
    "http": a game server process"""
    level: int = 1
    """the game's level (dodge: 1 or 2; ignored by games without levels)"""
    num_agents: int = 1
    """if > 1, the players of one shared arena (PettingZoo), one shared policy per agent kind"""
    num_env_runners: int = 2
    """remote env runners (each with its own game server); 0 samples in this process"""
    num_envs_per_runner: int = 4
    """arenas per runner (single agent: one server with N arenas, stepped in one request)"""
    max_episode_steps: int | None = None
    """steps before truncation (default: the game's; dodge: 1000)"""

    # Algorithm
    iterations: int = 150
    """training iterations (each samples `train_batch_size` environment steps)"""
    train_batch_size: int = 4000
    """environment steps per iteration"""
    minibatch_size: int = 500
    """SGD minibatch size"""
    num_epochs: int = 6
    """passes over each iteration's batch"""
    lr: float = 3e-4
    """the learning rate"""
    gamma: float = 0.99
    """the discount factor"""
    lambda_: float = 0.95
    """GAE's lambda"""
    entropy_coeff: float = 0.0
    """the entropy bonus"""
    vf_clip_param: float = 10_000.0
    """the value loss clip (RLlib's default, 10, is for returns of a few units)"""
    eval_interval: int = 10
    """iterations between deterministic evaluations (0: only at the end)"""
    eval_episodes: int = 10
    """episodes per evaluation"""
    eval_explore: bool = False
    """evaluate the stochastic policy (sampled actions) instead of the greedy one"""
    checkpoint_frequency: int = 20
    """iterations between checkpoints (0: only at the end)"""
    eval_checkpoint: str | None = None
    """if set, evaluate this checkpoint's greedy policy (one episode per arena, seed + 10000, as
    the other scripts' --eval-checkpoint) instead of training; single-agent games; the game
    options are this command line's (pass the training's --level)"""


def make_config(args: Args) -> PPOConfig:
    """The PPO config: the env, its runners, the model and the evaluation."""
    multi_agent = args.num_agents > 1
    api = "pettingzoo" if multi_agent else "gymnasium"
    env_id = bevy_gym.resolve(args.env, api, action=None if multi_agent else "discrete")
    options = game_options(
        bevy_gym.resolve(args.env, action="discrete"),
        level=args.level,
        max_episode_steps=args.max_episode_steps,
    )
    options |= backend_kwargs(args.backend)
    if multi_agent:
        options |= {"num_agents": args.num_agents, "arena_mode": "shared"}
    config = (
        PPOConfig()
        .environment(env_id, env_config=options)
        .env_runners(
            num_env_runners=args.num_env_runners,
            num_envs_per_env_runner=args.num_envs_per_runner,
            num_cpus_per_env_runner=1,
        )
        .training(
            train_batch_size_per_learner=args.train_batch_size,
            minibatch_size=args.minibatch_size,
            num_epochs=args.num_epochs,
            lr=args.lr,
            gamma=args.gamma,
            lambda_=args.lambda_,
            entropy_coeff=args.entropy_coeff,
            # RLlib clips the value loss at 10 by default, for returns of a few units; dodge's
            # discounted returns reach ~400 (+4 a step), which that clip would keep unlearnt.
            vf_clip_param=args.vf_clip_param,
        )
        .learners(num_learners=0)  # the learner trains in this process
        .evaluation(
            evaluation_interval=args.eval_interval or args.iterations,
            evaluation_duration=args.eval_episodes,
            evaluation_duration_unit="episodes",
            evaluation_num_env_runners=0,
            evaluation_config={"explore": args.eval_explore, "num_envs_per_env_runner": 1},
        )
    )
    if multi_agent:
        probe = bevy_gym.rllib.BevyMultiAgentEnv(env_id, options)
        policies, mapping = bevy_gym.rllib.policies_for(probe)
        probe.close()
        config = config.multi_agent(policies=set(policies), policy_mapping_fn=mapping)
    return bevy_gym.rllib.configure(config, seed=args.seed, multi_agent=multi_agent)


def make_env(args: Args, num_envs: int, **kwargs: Any) -> gym.vector.VectorEnv:
    """`num_envs` separate arenas of one server: the evaluation's env (algos_utils.evaluate)."""
    env_id = bevy_gym.resolve(args.env, action="discrete")
    game = game_options(env_id, level=args.level, max_episode_steps=args.max_episode_steps)
    return gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point",
                        **game, **backend_kwargs(args.backend), **kwargs)  # fmt: skip


def evaluate_checkpoint(args: Args) -> None:
    """The greedy policy of an RLlib checkpoint, evaluated as dqn.py evaluates its own."""
    from ray.rllib.core import (
        COMPONENT_LEARNER,
        COMPONENT_LEARNER_GROUP,
        COMPONENT_RL_MODULE,
        DEFAULT_MODULE_ID,
    )
    from ray.rllib.core.rl_module.rl_module import RLModule

    parts = (COMPONENT_LEARNER_GROUP, COMPONENT_LEARNER, COMPONENT_RL_MODULE, DEFAULT_MODULE_ID)
    module = RLModule.from_checkpoint(Path(args.eval_checkpoint).absolute().joinpath(*parts))

    def act(obs: torch.Tensor) -> torch.Tensor:
        return module.forward_inference({"obs": obs})["action_dist_inputs"].argmax(-1)

    returns, lengths = evaluate(make_env, act, replace(args, num_agents=1), torch.device("cpu"))
    print(f"eval {args.eval_checkpoint}: {summary(returns, lengths)}")


def metric(result: dict, *path: str) -> float | None:
    """A nested result value, or None where RLlib did not report it this iteration."""
    for key in path:
        if not isinstance(result, dict) or key not in result:
            return None
        result = result[key]
    return float(result)


if __name__ == "__main__":
    args = tyro.cli(Args)
    if args.eval_checkpoint:
        evaluate_checkpoint(args)
        raise SystemExit(0)
    run_name, writer = start_logging(args, torch.device("cpu"))  # the learner's device

    if args.address:
        ray.init(address=args.address)
    else:  # a Ray instance of this run's own, never one another program left running
        ray.init(address="local", num_cpus=args.num_cpus)
    bevy_gym.rllib.register_envs()  # in the driver; the runners register again when they start
    algo = make_config(args).build_algo()
    checkpoint = os.path.abspath(f"runs/{run_name}/checkpoint")
    start_time = time.time()
    try:
        for iteration in range(1, args.iterations + 1):
            result = algo.train()
            steps = int(metric(result, "env_runners", "num_env_steps_sampled_lifetime") or 0)
            sps = steps / (time.time() - start_time)
            scalars = {
                "charts/episodic_return": metric(result, "env_runners", "episode_return_mean"),
                "charts/episodic_length": metric(result, "env_runners", "episode_len_mean"),
                "charts/SPS": sps,
                "eval/episodic_return": metric(
                    result, "evaluation", "env_runners", "episode_return_mean"
                ),
                "eval/episodic_length": metric(
                    result, "evaluation", "env_runners", "episode_len_mean"
                ),
            }
            if iteration % (args.eval_interval or args.iterations):
                # RLlib repeats the last evaluation's figures in results between evaluations
                scalars["eval/episodic_return"] = scalars["eval/episodic_length"] = None
            for tag, value in scalars.items():
                if value is not None:
                    writer.add_scalar(tag, value, steps)
            evaluation = scalars["eval/episodic_length"]
            shown = f", eval length {evaluation:.1f}" if evaluation is not None else ""
            length = scalars["charts/episodic_length"] or float("nan")
            print(
                f"iteration {iteration}: {steps} steps, {sps:.0f} steps/s, "
                f"train length {length:.1f}{shown}",
                flush=True,
            )
            if args.checkpoint_frequency and iteration % args.checkpoint_frequency == 0:
                algo.save_to_path(checkpoint)
        if evaluation is None:  # the last iteration did not evaluate: evaluate the final policy
            result = algo.evaluate()
            evaluation = metric(result, "env_runners", "episode_len_mean")
            if evaluation is not None:
                writer.add_scalar("eval/episodic_length", evaluation, steps)
                writer.add_scalar(
                    "eval/episodic_return",
                    metric(result, "env_runners", "episode_return_mean"),
                    steps,
                )
                print(f"final eval length {evaluation:.1f}", flush=True)
        algo.save_to_path(checkpoint)
        print(f"trained {args.iterations} iterations in {time.time() - start_time:.0f} s")
        print(f"checkpoint saved to {checkpoint}")
    finally:
        algo.stop()
        writer.close()
        ray.shutdown()
