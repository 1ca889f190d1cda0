"""DQN for bevy_gym games with discrete actions (dodge), in CleanRL's single-file style.

Docs: https://docs.cleanrl.dev/rl-algorithms/dqn/#dqnpy. This is `cleanrl/dqn.py` ported to
Gymnasium 1.x (same-step autoreset, `final_obs`) with N arenas of one server as the vector env, a
numpy replay buffer, greedy evaluations during training and an evaluation entry (that plumbing is
shared with sac_continuous.py in algos_utils.py, as CleanRL's is in `cleanrl_utils`):

    python algos/dqn.py --env dodge                    # level 1, 100k steps, on CUDA/ROCm or CPU
    python algos/dqn.py --env dodge --num-agents 4     # 4 players of one arena share the network
    python algos/dqn.py --eval-checkpoint runs/RUN/dqn.cleanrl_model --eval-episodes 20
"""

import os
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import tyro
from algos_utils import (
    ReplayBuffer,
    evaluate,
    evaluate_checkpoint,
    game_options,
    load_checkpoint,
    log_videos,
    save_policy,
    seed_everything,
    select_device,
    start_logging,
    summary,
    wandb_id,
)
from checkpoints import (
    due,
    load_checkpoint_file,
    restore_training,
    resumed_args,
    save_training,
    starting_point,
)
from gymnasium.vector import AutoresetMode
from policy_export import POLICY_FILE, Layer, PolicyNet, act_float64
from tqdm import tqdm

import bevy_gym
from bevy_gym.native import backend_kwargs


@dataclass
class Args:
    exp_name: str = os.path.basename(__file__)[: -len(".py")]
    """the name of this experiment"""
    seed: int = 1
    """seed of the experiment"""
    torch_deterministic: bool = True
    """if toggled, `torch.backends.cudnn.deterministic=False`"""
    cuda: bool = True
    """if toggled, cuda (or ROCm, which PyTorch exposes as cuda) will be used when available"""
    torch_threads: int = 1
    """CPU threads for torch: small MLPs run fastest on one, and the game server needs a core"""
    track: bool = False
    """if toggled, this experiment will be tracked with Weights and Biases"""
    wandb_project_name: str = "bevy_gym"
    """the wandb's project name"""
    wandb_entity: str | None = None
    """the entity (team) of wandb's project"""
    capture_video: bool = False
    """whether to save mp4 videos of the final evaluation episodes (in `runs/{run_name}/videos`)"""
    save_model: bool = False
    """whether to save model (and its `policy.safetensors`, for the game) into `runs/{run_name}`"""
    checkpoint_frequency: int = 0
    """with --save-model: environment steps between crash-safe checkpoints (0: none)"""
    save_buffer: bool = False
    """put the replay buffer in the checkpoints too (a resumed run then needs no refill)"""
    resume: str | None = None
    """continue the run of this checkpoint (runs/RUN/checkpoint.pt or runs/RUN), as it was set up"""
    eval_checkpoint: str | None = None
    """if set, evaluate this checkpoint instead of training"""
    export_policy: str | None = None
    """with `--eval-checkpoint`: write its policy file here first (--eval-episodes 0: only that)"""
    eval_episodes: int = 10
    """the number of deterministic (greedy) evaluation episodes"""
    eval_frequency: int = 10_000
    """environment steps between evaluations during training (0: only at the end)"""

    # Environment
    env: str = "dodge"
    """a bevy_gym short name (its discrete-action variant: tag = tag-pursuer) or a Gymnasium id"""
    backend: str = "http"
    """"native": step the game in this process (its extension module; `make install` builds it),
    "http": a game server process"""
    level: int = 1
    """the game's level (dodge: 1 or 2; ignored by games without levels)"""
    num_envs: int = 4
    """the number of parallel arenas (one server, one request per step)"""
    num_agents: int = 1
    """if > 1, the players of ONE shared arena, all acting with the same network"""
    action_repeat: int | None = None
    """simulation ticks per step (default: the game's; dodge: 4)"""
    max_episode_steps: int | None = None
    """steps before truncation (default: the game's; dodge: 1000)"""

    # Algorithm specific arguments
    total_timesteps: int = 100_000
    """total environment steps of the experiments (summed over arenas)"""
    learning_rate: float = 5e-4
    """the learning rate of the optimizer"""
    buffer_size: int = 100_000
    """the replay memory buffer size"""
    gamma: float = 0.99
    """the discount factor gamma"""
    tau: float = 1.0
    """the target network update rate"""
    target_network_frequency: int = 250
    """vector steps (of num_envs environment steps) between target network updates"""
    batch_size: int = 128
    """the batch size of sample from the replay memory"""
    start_e: float = 1.0
    """the starting epsilon for exploration"""
    end_e: float = 0.05
    """the ending epsilon for exploration"""
    exploration_fraction: float = 0.3
    """the fraction of `total-timesteps` it takes from start-e to go end-e"""
    learning_starts: int = 5_000
    """environment steps before learning starts"""
    train_frequency: int = 1
    """vector steps between gradient steps"""


def make_env(args: Args, num_envs: int, **kwargs: Any) -> gym.vector.VectorEnv:
    """`num_envs` separate arenas of one server, or (`num_agents` > 1) one shared arena's players,
    with same-step autoreset: an arena that ends on step t is reset within step t and its last
    observation is `infos["final_obs"]` (Gymnasium 1.x)."""
    env_id = bevy_gym.resolve(args.env, action="discrete")
    game = game_options(env_id, level=args.level, action_repeat=args.action_repeat)
    if args.num_agents > 1:
        par = bevy_gym.make_parallel(
            args.env,
            num_agents=args.num_agents,
            max_cycles=args.max_episode_steps,
            **game_options(env_id, action_space="discrete"),
            **game,
            **backend_kwargs(args.backend),
        )
        return bevy_gym.SharedArenaVectorEnv(par)
    limit = {} if args.max_episode_steps is None else {"max_episode_steps": args.max_episode_steps}
    envs = gym.make_vec(
        env_id,
        num_envs=num_envs,
        vectorization_mode="vector_entry_point",
        autoreset_mode=AutoresetMode.SAME_STEP,
        **backend_kwargs(args.backend),
        **limit,
        **game,
        **kwargs,
    )
    return gym.wrappers.vector.RecordEpisodeStatistics(envs)


# ALGO LOGIC: initialize agent here:
class QNetwork(nn.Module):
    def __init__(self, env: gym.vector.VectorEnv) -> None:
        super().__init__()
        self.network = nn.Sequential(
            nn.Linear(np.array(env.single_observation_space.shape).prod(), 256),
            nn.ReLU(),
            nn.Linear(256, 256),
            nn.ReLU(),
            nn.Linear(256, env.single_action_space.n),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network(x)


def policy_net(q_network: QNetwork) -> PolicyNet:
    """The greedy policy as the policy file describes it (algos/policy_export.py)."""
    return PolicyNet(
        algorithm="dqn",
        tensors=q_network.state_dict(),
        layers=[
            Layer("network.0.weight", "network.0.bias", "relu"),
            Layer("network.2.weight", "network.2.bias", "relu"),
            Layer("network.4.weight", "network.4.bias", "none"),
        ],
        output="argmax",
        forward=q_network,
    )


def linear_schedule(start_e: float, end_e: float, duration: float, t: int) -> float:
    slope = (end_e - start_e) / duration
    return max(slope * t + start_e, end_e)


if __name__ == "__main__":
    args = tyro.cli(Args)
    if args.export_policy and not args.eval_checkpoint:
        raise SystemExit("--export-policy needs --eval-checkpoint (--save-model writes the file)")
    resumed = load_checkpoint_file(args.resume) if args.resume else None
    if resumed:  # a resumed run keeps its own settings; the command line says where it is
        args = resumed_args(Args, resumed, args.resume)
    device = select_device(args)

    if args.eval_checkpoint:
        checkpoint, saved = load_checkpoint(args, device)
        envs = make_env(saved, 1)  # the spaces, and the game options for the policy file
        q_network = QNetwork(envs).to(device)
        q_network.load_state_dict(checkpoint["q_network"])
        if args.export_policy:
            save_policy(args.export_policy, policy_net(q_network), envs, saved, "discrete")
        envs.close()
        evaluate_checkpoint(args, saved, make_env, act_float64(policy_net(q_network)), device)
        raise SystemExit(0)

    run_name, writer = start_logging(args, device, resumed)
    seed_everything(args)

    # env setup
    envs = make_env(args, args.num_envs)
    assert isinstance(envs.single_action_space, gym.spaces.Discrete), "only discrete actions"
    n = envs.num_envs  # environment steps per vector step

    q_network = QNetwork(envs).to(device)
    optimizer = optim.Adam(q_network.parameters(), lr=args.learning_rate)
    target_network = QNetwork(envs).to(device)
    target_network.load_state_dict(q_network.state_dict())
    rb = ReplayBuffer(args.buffer_size, envs, device)
    recent_returns: deque[float] = deque(maxlen=20)
    parts = {"q_network": q_network, "target_network": target_network, "optimizer": optimizer}
    global_step, learn_after = starting_point(resumed, args.learning_starts)
    start_time, start_step = time.time(), global_step

    # TRY NOT TO MODIFY: start the game (a resumed run: fresh episodes, apart from those played)
    obs, _ = envs.reset(seed=args.seed + global_step)
    envs.action_space.seed(args.seed)
    if resumed:
        restore_training(resumed, parts, envs.action_space, rb)
        print(f"resumed {run_name} at step {global_step} ({len(rb)} transitions in replay)")
    progress = tqdm(total=args.total_timesteps, initial=global_step, unit="step", mininterval=1.0)
    for iteration in range(global_step // n, args.total_timesteps // n):
        # ALGO LOGIC: put action logic here (one epsilon draw per slot)
        duration = args.exploration_fraction * args.total_timesteps
        epsilon = linear_schedule(args.start_e, args.end_e, duration, global_step)
        with torch.no_grad():
            greedy = q_network(torch.as_tensor(obs, device=device)).argmax(dim=1).cpu().numpy()
        actions = np.where(np.random.random(n) < epsilon, envs.action_space.sample(), greedy)

        # TRY NOT TO MODIFY: execute the game and log data.
        next_obs, rewards, terminations, truncations, infos = envs.step(actions)
        global_step += n
        progress.update(n)

        if "episode" in infos:
            for i in np.flatnonzero(infos["_episode"]):
                recent_returns.append(float(infos["episode"]["r"][i]))
                writer.add_scalar("charts/episodic_return", infos["episode"]["r"][i], global_step)
                writer.add_scalar("charts/episodic_length", infos["episode"]["l"][i], global_step)

        # TRY NOT TO MODIFY: save data to reply buffer; handle `final_obs`
        real_next_obs = next_obs.copy()
        for i in np.flatnonzero(infos.get("_final_obs", [])):
            real_next_obs[i] = infos["final_obs"][i]
        rb.add(obs, real_next_obs, actions, rewards, terminations, valid=infos.get("live"))

        # TRY NOT TO MODIFY: CRUCIAL step easy to overlook
        obs = next_obs

        # ALGO LOGIC: training.
        if global_step > learn_after:
            if iteration % args.train_frequency == 0:
                data = rb.sample(args.batch_size)
                with torch.no_grad():
                    target_max, _ = target_network(data.next_observations).max(dim=1)
                    td_target = data.rewards + args.gamma * target_max * (1 - data.dones)
                actions_taken = data.actions.long().unsqueeze(1)
                old_val = q_network(data.observations).gather(1, actions_taken).squeeze(1)
                loss = F.mse_loss(td_target, old_val)

                if iteration % 100 == 0:
                    writer.add_scalar("losses/td_loss", loss, global_step)
                    writer.add_scalar("losses/q_values", old_val.mean().item(), global_step)
                    writer.add_scalar("charts/epsilon", epsilon, global_step)

                # optimize the model
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

            # update target network
            if iteration % args.target_network_frequency == 0:
                for target_param, q_param in zip(
                    target_network.parameters(), q_network.parameters(), strict=True
                ):
                    target_param.data.copy_(
                        args.tau * q_param.data + (1.0 - args.tau) * target_param.data
                    )

        if (iteration + 1) % 100 == 0:
            sps = int((global_step - start_step) / (time.time() - start_time))
            writer.add_scalar("charts/SPS", sps, global_step)
            ret = f"{np.mean(recent_returns):.0f}" if recent_returns else "-"
            progress.set_postfix(SPS=sps, ret=ret)  # ret: mean of the last 20 episodes

        # greedy evaluation every `eval_frequency` steps, and once more at the end
        last = iteration == args.total_timesteps // n - 1
        if last or (args.eval_frequency and global_step % args.eval_frequency < n):
            video_dir = f"runs/{run_name}/videos" if args.capture_video and last else None
            returns, lengths = evaluate(
                make_env, act_float64(policy_net(q_network)), args, device, video_dir
            )
            writer.add_scalar("eval/episodic_return", returns.mean(), global_step)
            writer.add_scalar("eval/episodic_length", lengths.mean(), global_step)
            progress.write(f"step {global_step}: eval {summary(returns, lengths)}")
            if video_dir:
                log_videos(video_dir, global_step)  # with --track, to W&B as well

        # crash-safe checkpoint every `checkpoint_frequency` steps
        if due(args, global_step, n):
            replay = rb if args.save_buffer else None
            counters = {"global_step": global_step}
            space = envs.action_space
            path = save_training(run_name, args, counters, parts, space, replay, wandb_id())
            writer.flush()
            progress.write(f"step {global_step}: checkpoint {path}")
    progress.close()
    print(f"trained {global_step} steps in {time.time() - start_time:.0f} s")

    if args.save_model:
        model_path = f"runs/{run_name}/{args.exp_name}.cleanrl_model"
        torch.save({"args": asdict(args), "q_network": q_network.state_dict()}, model_path)
        print(f"model saved to {model_path}")
        save_policy(f"runs/{run_name}/{POLICY_FILE}", policy_net(q_network), envs, args, "discrete")

    envs.close()
    writer.close()
