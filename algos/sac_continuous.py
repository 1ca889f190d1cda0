"""Soft Actor-Critic for bevy_gym games with continuous actions (dodge's [vx, vy, sprint]), in
CleanRL's single-file style.

Docs: https://docs.cleanrl.dev/rl-algorithms/sac/#sac_continuous_actionpy. This is
`cleanrl/sac_continuous_action.py` ported to Gymnasium 1.x (same-step autoreset, `final_obs`) with
N arenas of one server as the vector env, a numpy replay buffer, deterministic evaluations during
training and an evaluation entry (that plumbing is shared with dqn.py in algos_utils.py, as
CleanRL's is in `cleanrl_utils`):

    python algos/sac_continuous.py --env dodge                  # level 2, 200k steps, CUDA or CPU
    python algos/sac_continuous.py --env dodge --num-agents 8   # 8 players of one arena share it
    python algos/sac_continuous.py --eval-checkpoint runs/RUN/sac_continuous.cleanrl_model
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
    """the number of deterministic (mean-action) evaluation episodes"""
    eval_frequency: int = 10_000
    """environment steps between evaluations during training (0: only at the end)"""

    # Environment
    env: str = "dodge"
    """a bevy_gym short name (its continuous-action variant: tag = tag-evader) or a Gymnasium id"""
    backend: str = "http"
    """"native": step the game in this process (its extension module; `make install` builds it),
    "http": a game server process"""
    level: int = 2
    """the game's level (dodge: 1 or 2; ignored by games without levels)"""
    action_space: str | None = None
    """the continuous action layout (default: the env's; dodge_v1: basic_3d has no jump)"""
    num_envs: int = 8
    """the number of parallel arenas (one server, one request per step)"""
    num_agents: int = 1
    """if > 1, the players of ONE shared arena, all acting with the same network"""
    action_repeat: int | None = None
    """simulation ticks per step (default: the game's; dodge: 4)"""
    max_episode_steps: int | None = None
    """steps before truncation (default: the game's; dodge: 1000)"""

    # Algorithm specific arguments
    total_timesteps: int = 200_000
    """total environment steps of the experiments (summed over arenas)"""
    buffer_size: int = 200_000
    """the replay memory buffer size"""
    gamma: float = 0.99
    """the discount factor gamma"""
    tau: float = 0.005
    """target smoothing coefficient"""
    batch_size: int = 256
    """the batch size of sample from the replay memory"""
    learning_starts: int = 5_000
    """environment steps of uniformly random actions before learning starts"""
    policy_lr: float = 3e-4
    """the learning rate of the policy network optimizer"""
    q_lr: float = 1e-3
    """the learning rate of the Q network optimizer"""
    policy_frequency: int = 2
    """the frequency of training policy (delayed), in vector steps"""
    target_network_frequency: int = 1
    """the frequency of updates for the target networks, in vector steps"""
    alpha: float = 0.2
    """Entropy regularization coefficient."""
    autotune: bool = True
    """automatic tuning of the entropy coefficient"""


def make_env(args: Args, num_envs: int, **kwargs: Any) -> gym.vector.VectorEnv:
    """`num_envs` separate arenas of one server, or (`num_agents` > 1) one shared arena's players,
    with same-step autoreset: an arena that ends on step t is reset within step t and its last
    observation is `infos["final_obs"]` (Gymnasium 1.x)."""
    env_id = bevy_gym.resolve(args.env, action="continuous")
    game = game_options(
        env_id, level=args.level, action_repeat=args.action_repeat, action_space=args.action_space
    )
    if args.num_agents > 1:
        par = bevy_gym.make_parallel(
            args.env,
            num_agents=args.num_agents,
            max_cycles=args.max_episode_steps,
            **{**game_options(env_id, action_space="continuous"), **game},
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
class SoftQNetwork(nn.Module):
    def __init__(self, env: gym.vector.VectorEnv) -> None:
        super().__init__()
        obs_size = np.prod(env.single_observation_space.shape)
        self.fc1 = nn.Linear(obs_size + np.prod(env.single_action_space.shape), 256)
        self.fc2 = nn.Linear(256, 256)
        self.fc3 = nn.Linear(256, 1)

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        x = torch.cat([x, a], 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


LOG_STD_MAX = 2
LOG_STD_MIN = -5


class Actor(nn.Module):
    def __init__(self, env: gym.vector.VectorEnv) -> None:
        super().__init__()
        self.fc1 = nn.Linear(np.array(env.single_observation_space.shape).prod(), 256)
        self.fc2 = nn.Linear(256, 256)
        self.fc_mean = nn.Linear(256, np.prod(env.single_action_space.shape))
        self.fc_logstd = nn.Linear(256, np.prod(env.single_action_space.shape))
        # action rescaling
        high, low = env.single_action_space.high, env.single_action_space.low
        self.register_buffer("action_scale", torch.tensor((high - low) / 2.0, dtype=torch.float32))
        self.register_buffer("action_bias", torch.tensor((high + low) / 2.0, dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        mean = self.fc_mean(x)
        log_std = self.fc_logstd(x)
        log_std = torch.tanh(log_std)
        log_std = LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (
            log_std + 1
        )  # From SpinUp / Denis Yarats
        return mean, log_std

    def get_action(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mean, log_std = self(x)
        std = log_std.exp()
        normal = torch.distributions.Normal(mean, std)
        x_t = normal.rsample()  # for reparameterization trick (mean + std * N(0,1))
        y_t = torch.tanh(x_t)
        action = y_t * self.action_scale + self.action_bias
        log_prob = normal.log_prob(x_t)
        # Enforcing Action Bound
        log_prob -= torch.log(self.action_scale * (1 - y_t.pow(2)) + 1e-6)
        log_prob = log_prob.sum(1, keepdim=True)
        mean = torch.tanh(mean) * self.action_scale + self.action_bias
        return action, log_prob, mean


def policy_net(actor: Actor) -> PolicyNet:
    """The mean action, tanh(fc_mean(...)) * action_scale + action_bias, as the policy file
    describes it (algos/policy_export.py); fc_logstd only serves exploration."""
    tensors = {k: v for k, v in actor.state_dict().items() if not k.startswith("fc_logstd.")}
    return PolicyNet(
        algorithm="sac",
        tensors=tensors,
        layers=[
            Layer("fc1.weight", "fc1.bias", "relu"),
            Layer("fc2.weight", "fc2.bias", "relu"),
            Layer("fc_mean.weight", "fc_mean.bias", "tanh"),
        ],
        output="scaled",
        forward=lambda x: actor.get_action(x)[2],  # the evaluation's action, exactly
        output_scale="action_scale",
        output_bias="action_bias",
    )


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
        actor = Actor(envs).to(device)
        actor.load_state_dict(checkpoint["actor"])
        if args.export_policy:
            save_policy(args.export_policy, policy_net(actor), envs, saved, "continuous")
        envs.close()
        evaluate_checkpoint(args, saved, make_env, act_float64(policy_net(actor)), device)
        raise SystemExit(0)

    run_name, writer = start_logging(args, device, resumed)
    seed_everything(args)

    # env setup
    envs = make_env(args, args.num_envs)
    assert isinstance(envs.single_action_space, gym.spaces.Box), "only continuous actions"
    n = envs.num_envs  # environment steps per vector step

    actor = Actor(envs).to(device)
    qf1 = SoftQNetwork(envs).to(device)
    qf2 = SoftQNetwork(envs).to(device)
    qf1_target = SoftQNetwork(envs).to(device)
    qf2_target = SoftQNetwork(envs).to(device)
    qf1_target.load_state_dict(qf1.state_dict())
    qf2_target.load_state_dict(qf2.state_dict())
    q_optimizer = optim.Adam(list(qf1.parameters()) + list(qf2.parameters()), lr=args.q_lr)
    actor_optimizer = optim.Adam(list(actor.parameters()), lr=args.policy_lr)

    # Automatic entropy tuning
    if args.autotune:
        target_entropy = -torch.prod(torch.Tensor(envs.single_action_space.shape).to(device)).item()
        log_alpha = torch.zeros(1, requires_grad=True, device=device)
        alpha = log_alpha.exp().item()
        a_optimizer = optim.Adam([log_alpha], lr=args.q_lr)
    else:
        alpha = args.alpha

    rb = ReplayBuffer(args.buffer_size, envs, device)
    recent_returns: deque[float] = deque(maxlen=20)
    parts = {"actor": actor, "qf1": qf1, "qf2": qf2, "qf1_target": qf1_target}
    parts |= {"qf2_target": qf2_target, "q_optimizer": q_optimizer}
    parts |= {"actor_optimizer": actor_optimizer}
    if args.autotune:
        parts |= {"log_alpha": log_alpha, "a_optimizer": a_optimizer}
    global_step, learn_after = starting_point(resumed, args.learning_starts)
    start_time, start_step = time.time(), global_step

    # TRY NOT TO MODIFY: start the game (a resumed run: fresh episodes, apart from those played)
    obs, _ = envs.reset(seed=args.seed + global_step)
    envs.action_space.seed(args.seed)
    if resumed:
        restore_training(resumed, parts, envs.action_space, rb)
        alpha = log_alpha.exp().item() if args.autotune else alpha
        print(f"resumed {run_name} at step {global_step} ({len(rb)} transitions in replay)")
    progress = tqdm(total=args.total_timesteps, initial=global_step, unit="step", mininterval=1.0)
    for iteration in range(global_step // n, args.total_timesteps // n):
        # ALGO LOGIC: put action logic here
        if global_step < args.learning_starts:
            actions = envs.action_space.sample()
        else:
            with torch.no_grad():
                actions, _, _ = actor.get_action(torch.as_tensor(obs, device=device))
            actions = actions.cpu().numpy()

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
            data = rb.sample(args.batch_size)
            with torch.no_grad():
                next_actions, next_log_pi, _ = actor.get_action(data.next_observations)
                qf1_next_target = qf1_target(data.next_observations, next_actions)
                qf2_next_target = qf2_target(data.next_observations, next_actions)
                min_qf_next = torch.min(qf1_next_target, qf2_next_target) - alpha * next_log_pi
                next_q_value = data.rewards + (1 - data.dones) * args.gamma * min_qf_next.view(-1)

            qf1_a_values = qf1(data.observations, data.actions).view(-1)
            qf2_a_values = qf2(data.observations, data.actions).view(-1)
            qf1_loss = F.mse_loss(qf1_a_values, next_q_value)
            qf2_loss = F.mse_loss(qf2_a_values, next_q_value)
            qf_loss = qf1_loss + qf2_loss

            # optimize the model
            q_optimizer.zero_grad()
            qf_loss.backward()
            q_optimizer.step()

            if iteration % args.policy_frequency == 0:  # TD 3 Delayed update support
                # compensate for the delay by doing `policy_frequency` updates instead of 1
                for _ in range(args.policy_frequency):
                    pi, log_pi, _ = actor.get_action(data.observations)
                    qf1_pi = qf1(data.observations, pi)
                    qf2_pi = qf2(data.observations, pi)
                    min_qf_pi = torch.min(qf1_pi, qf2_pi)
                    actor_loss = ((alpha * log_pi) - min_qf_pi).mean()

                    actor_optimizer.zero_grad()
                    actor_loss.backward()
                    actor_optimizer.step()

                    if args.autotune:
                        with torch.no_grad():
                            _, log_pi, _ = actor.get_action(data.observations)
                        alpha_loss = (-log_alpha.exp() * (log_pi + target_entropy)).mean()

                        a_optimizer.zero_grad()
                        alpha_loss.backward()
                        a_optimizer.step()
                        alpha = log_alpha.exp().item()

            # update the target networks: target <- tau * online + (1 - tau) * target
            if iteration % args.target_network_frequency == 0:
                for qf, qf_target in ((qf1, qf1_target), (qf2, qf2_target)):
                    for param, target_param in zip(
                        qf.parameters(), qf_target.parameters(), strict=True
                    ):
                        target_param.data.lerp_(param.data, args.tau)

            if iteration % 100 == 0:
                writer.add_scalar("losses/qf1_values", qf1_a_values.mean().item(), global_step)
                writer.add_scalar("losses/qf2_values", qf2_a_values.mean().item(), global_step)
                writer.add_scalar("losses/qf1_loss", qf1_loss.item(), global_step)
                writer.add_scalar("losses/qf2_loss", qf2_loss.item(), global_step)
                writer.add_scalar("losses/qf_loss", qf_loss.item() / 2.0, global_step)
                writer.add_scalar("losses/actor_loss", actor_loss.item(), global_step)
                writer.add_scalar("losses/alpha", alpha, global_step)
                if args.autotune:
                    writer.add_scalar("losses/alpha_loss", alpha_loss.item(), global_step)

        if (iteration + 1) % 100 == 0:
            sps = int((global_step - start_step) / (time.time() - start_time))
            writer.add_scalar("charts/SPS", sps, global_step)
            ret = f"{np.mean(recent_returns):.0f}" if recent_returns else "-"
            progress.set_postfix(SPS=sps, ret=ret)  # ret: mean of the last 20 episodes

        # deterministic evaluation every `eval_frequency` steps, and once more at the end
        last = iteration == args.total_timesteps // n - 1
        if last or (args.eval_frequency and global_step % args.eval_frequency < n):
            video_dir = f"runs/{run_name}/videos" if args.capture_video and last else None
            returns, lengths = evaluate(
                make_env, act_float64(policy_net(actor)), args, device, video_dir
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
        models = {"actor": actor.state_dict(), "qf1": qf1.state_dict(), "qf2": qf2.state_dict()}
        torch.save({"args": asdict(args), **models}, model_path)
        print(f"model saved to {model_path}")
        save_policy(f"runs/{run_name}/{POLICY_FILE}", policy_net(actor), envs, args, "continuous")

    envs.close()
    writer.close()
