"""Soft Actor-Critic from pixels (DrQ-style) for bevy_gym games with continuous actions, in
CleanRL's single-file style.

The recipe is DrQ's (Kostrikov, Yarats, Fergus 2020; github.com/denisyarats/drq), sized for a CPU:
a conv encoder shared by actor and critic and trained by the critic loss only (the actor sees
detached features), random-shift augmentation of every sampled stack (one integer shift per
stack, replicate padding; never when acting), stacks of grayscale frames rebuilt from a replay
buffer that stores each frame once (frame_replay.py), N arenas of one server as the vector env
(Gymnasium 1.x same-step autoreset, `final_obs`; bootstrap on truncation, not on a hit).

    python algos/sac_pixels.py --env dodge                  # level 2, CUDA or CPU
    python algos/sac_pixels.py --env dodge --save-model --checkpoint-frequency 20000
    python algos/sac_pixels.py --resume runs/RUN            # continue a killed run
    python algos/sac_pixels.py --eval-checkpoint runs/RUN/sac_pixels.cleanrl_model
    python algos/sac_pixels.py --eval-checkpoint runs/RUN/checkpoint.pt --export-policy P

`--save-model` also writes `policy.safetensors` (format version 2: the encoder's convolutions,
the frame stack and the preprocessing beside the actor's mean path), which the game plays with no
Python (`bevy-dodge --policy FILE`, docs/policy_in_game.md). `--eval-checkpoint` evaluates that
file's float64 policy, the one the game computes, so both play the same episodes.
"""

import math
import os
import time
from collections import deque
from collections.abc import Callable
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
    evaluate,
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
from checkpoints import due, load_checkpoint_file, restore_training, resumed_args, save_training
from frame_replay import FrameReplay
from gymnasium.vector import AutoresetMode
from policy_export import (
    POLICY_FILE,
    Conv2d,
    Flatten,
    ImageInput,
    Layer,
    LayerNorm,
    PolicyNet,
    act_float64,
    stacks_of_frames,
)
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
    torch_threads: int = 2
    """CPU threads for torch (convolutions use both cores; the server needs little)"""
    track: bool = False
    """if toggled, this experiment will be tracked with Weights and Biases"""
    wandb_project_name: str = "bevy_gym"
    """the wandb's project name"""
    wandb_entity: str | None = None
    """the entity (team) of wandb's project"""
    capture_video: bool = False
    """whether to save mp4 videos of the final evaluation episodes (in `runs/{run_name}/videos`)"""
    save_model: bool = False
    """whether to save the model into `runs/{run_name}` (and checkpoints, see below)"""
    checkpoint_frequency: int = 0
    """with --save-model: environment steps between crash-safe checkpoints (0: none)"""
    save_buffer: bool = False
    """put the replay buffer in the checkpoints too (large; a resumed run then needs no refill)"""
    resume: str | None = None
    """continue the run of this checkpoint (runs/RUN/checkpoint.pt or runs/RUN), as it was set up"""
    eval_checkpoint: str | None = None
    """if set, evaluate this checkpoint instead of training"""
    export_policy: str | None = None
    """with --eval-checkpoint: write that checkpoint's policy file (format 2) here"""
    eval_episodes: int = 10
    """the number of deterministic (mean-action) evaluation episodes"""
    eval_frequency: int = 20_000
    """environment steps between evaluations during training (0: only at the end)"""

    # Environment
    env: str = "dodge"
    """a bevy_gym short name (its continuous-action pixel variant) or a Gymnasium id"""
    backend: str = "http"
    """"native": step the game in this process (its extension module; `make install` builds it),
    "http": a game server process"""
    level: int = 2
    """the game's level (dodge: 1 or 2; ignored by games without levels)"""
    num_envs: int = 8
    """the number of parallel arenas (one server, one request per step)"""
    image_size: int = 64
    """pixels per side of the observed image (the game draws it at this size)"""
    grayscale: bool = True
    """one luma channel instead of RGB"""
    image_source: str | None = None
    """"camera": the game's 3D scene through its own Bevy cameras (a build with the camera sensor,
    `make camera`: docs/camera.md); default "raster", the image the game draws"""
    frame_stack: int = 3
    """frames per observation (the first frame repeated at an episode's start)"""
    action_repeat: int | None = None
    """simulation ticks per step (default: the game's; dodge: 4)"""
    max_episode_steps: int | None = None
    """steps before truncation (default: the game's; dodge: 1000)"""

    # Algorithm specific arguments
    total_timesteps: int = 300_000
    """total environment steps of the experiments (summed over arenas)"""
    buffer_size: int = 100_000
    """the replay memory size in transitions (each frame stored once)"""
    gamma: float = 0.99
    """the discount factor gamma"""
    tau: float = 0.01
    """target smoothing coefficient (DrQ: 0.01)"""
    batch_size: int = 128
    """the batch size of sample from the replay memory (DrQ's repository: 128)"""
    learning_starts: int = 4_000
    """environment steps of uniformly random actions before learning starts"""
    replay_ratio: float = 0.25
    """gradient updates per environment step"""
    lr: float = 3e-4
    """learning rate of the critic (and encoder), actor and entropy coefficient (DrQ: 1e-3,
    which let this game's sparse frames kill the encoder's ReLUs: docs/results.md)"""
    actor_frequency: int = 2
    """critic updates per actor, entropy and target update (DrQ: 2)"""
    init_alpha: float = 0.1
    """the entropy coefficient's starting value (DrQ: 0.1); autotuned from there"""
    image_pad: int = 4
    """random-shift augmentation: replicate padding and the largest shift, in pixels"""
    feature_dim: int = 50
    """encoder output features (DrQ: 50), after LayerNorm and tanh"""
    hidden_dim: int = 256
    """width of the actor's and critics' two hidden layers"""


def make_env(args: Args, num_envs: int, **kwargs: Any) -> gym.vector.VectorEnv:
    """`num_envs` separate arenas of one server, pixel observations (H, W, C) uint8, with
    same-step autoreset: an arena that ends on step t is reset within step t and its last
    observation is `infos["final_obs"]` (Gymnasium 1.x)."""
    env_id = bevy_gym.resolve(args.env, action="continuous")
    kwargs.setdefault("image_size", args.image_size)
    game = game_options(
        env_id,
        level=args.level,
        action_repeat=args.action_repeat,
        grayscale=args.grayscale,
        image_source=args.image_source,
    )
    limit = {} if args.max_episode_steps is None else {"max_episode_steps": args.max_episode_steps}
    envs = gym.make_vec(
        env_id,
        num_envs=num_envs,
        vectorization_mode="vector_entry_point",
        autoreset_mode=AutoresetMode.SAME_STEP,
        **backend_kwargs(args.backend),
        obs_type="pixels",
        **limit,
        **game,
        **kwargs,
    )
    return gym.wrappers.vector.RecordEpisodeStatistics(envs)


def random_shift(x: torch.Tensor, pad: int) -> torch.Tensor:
    """DrQ's augmentation: each sample (B, C, H, W) padded by `pad` replicated edge pixels and
    cropped back at a random integer offset in [-pad, pad] per axis. One offset per sample, so
    every frame of a stack moves together."""
    if pad == 0:
        return x
    b, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad), mode="replicate")
    dy, dx = torch.randint(0, 2 * pad + 1, (2, b, 1), device=x.device)
    rows = dy + torch.arange(h, device=x.device)  # (B, H)
    cols = dx + torch.arange(w, device=x.device)  # (B, W)
    batch = torch.arange(b, device=x.device)[:, None, None]
    # (B, H, W, C) by advanced indexing, back to channels first
    return padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


# ALGO LOGIC: initialize agent here:
class Encoder(nn.Module):
    """Stacked frames (B, k*C, H, W) uint8 -> `feature_dim` features in [-1, 1]. The Nature-DQN
    convolutions (8/4, 4/2, 3/1): at 64 px and batch 128 a critic update costs a fraction of the
    DrQ encoder's 3x3 stride-1 stack on a CPU (docs/results.md, pixels)."""

    def __init__(self, obs_shape: tuple[int, int, int], feature_dim: int) -> None:
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv2d(obs_shape[0], 32, 8, stride=4),
            nn.ReLU(),
            nn.Conv2d(32, 64, 4, stride=2),
            nn.ReLU(),
            nn.Conv2d(64, 64, 3, stride=1),
            nn.ReLU(),
            nn.Flatten(),
        )
        with torch.no_grad():
            flat = self.convs(torch.zeros(1, *obs_shape)).shape[1]
        self.head = nn.Sequential(nn.Linear(flat, feature_dim), nn.LayerNorm(feature_dim))
        self.apply(orthogonal_init)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        # Images stay uint8 until here, divided exactly once. No -0.5 offset (DrQ-v2 has one):
        # dodge's frames are mostly dark background, which then feeds the convolutions about 0
        # and leaves the few bright bodies to drive them.
        x = obs.float() / 255.0
        return torch.tanh(self.head(self.convs(x)))


def orthogonal_init(module: nn.Module) -> None:
    """DrQ's initialisation: orthogonal weights (ReLU gain for convolutions), zero biases."""
    if isinstance(module, nn.Linear | nn.Conv2d):
        gain = nn.init.calculate_gain("relu") if isinstance(module, nn.Conv2d) else 1.0
        nn.init.orthogonal_(module.weight.data, gain)
        nn.init.zeros_(module.bias.data)


def mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(inputs, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Linear(hidden, outputs),
    )


class Critic(nn.Module):
    """The encoder and two Q heads; the critic loss is what trains the encoder."""

    def __init__(self, obs_shape: tuple[int, int, int], action_dim: int, args: Args) -> None:
        super().__init__()
        self.encoder = Encoder(obs_shape, args.feature_dim)
        self.q1 = mlp(args.feature_dim + action_dim, args.hidden_dim, 1)
        self.q2 = mlp(args.feature_dim + action_dim, args.hidden_dim, 1)

    def forward(self, features: torch.Tensor, a: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x = torch.cat([features, a], 1)
        return self.q1(x), self.q2(x)


LOG_STD_MAX = 2
LOG_STD_MIN = -5


class Actor(nn.Module):
    """A tanh-Gaussian policy on the encoder's (detached) features."""

    def __init__(self, env: gym.vector.VectorEnv, args: Args) -> None:
        super().__init__()
        action_dim = int(np.prod(env.single_action_space.shape))
        self.trunk = mlp(args.feature_dim, args.hidden_dim, 2 * action_dim)
        high, low = env.single_action_space.high, env.single_action_space.low
        self.register_buffer("action_scale", torch.tensor((high - low) / 2.0, dtype=torch.float32))
        self.register_buffer("action_bias", torch.tensor((high + low) / 2.0, dtype=torch.float32))

    def get_action(self, features: torch.Tensor) -> tuple[torch.Tensor, ...]:
        mean, log_std = self.trunk(features).chunk(2, dim=-1)
        log_std = torch.tanh(log_std)
        log_std = LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (log_std + 1)
        normal = torch.distributions.Normal(mean, log_std.exp())
        x_t = normal.rsample()  # for reparameterization trick (mean + std * N(0,1))
        y_t = torch.tanh(x_t)
        action = y_t * self.action_scale + self.action_bias
        log_prob = normal.log_prob(x_t)
        log_prob -= torch.log(self.action_scale * (1 - y_t.pow(2)) + 1e-6)
        log_prob = log_prob.sum(1, keepdim=True)
        mean = torch.tanh(mean) * self.action_scale + self.action_bias
        return action, log_prob, mean


class FrameStacker:
    """A policy on stacks, (N, k*C, H, W) -> actions, played on raw env frames (N, H, W, C) for
    `evaluate`: it keeps each arena's last `stack` frames, the first one repeated at the start, as
    the replay buffer builds them (each evaluation arena plays one episode from its reset)."""

    def __init__(self, policy: Callable[[torch.Tensor], torch.Tensor], stack: int) -> None:
        self.policy, self.stack = policy, stack
        self.frames: torch.Tensor | None = None

    def __call__(self, obs: torch.Tensor) -> torch.Tensor:
        frames = obs.permute(0, 3, 1, 2)
        if self.frames is None:
            self.frames = frames.repeat(1, self.stack, 1, 1)
        else:
            self.frames = torch.cat([self.frames[:, frames.shape[1] :], frames], 1)
        return self.policy(self.frames)


def evaluate_pixels(
    args: Args,
    policy: Callable[[torch.Tensor], torch.Tensor],
    device: torch.device,
    video_dir: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """`evaluate` of a policy on stacks, with frame stacking; videos show the agent's own view."""
    act = FrameStacker(policy, args.frame_stack)
    return evaluate(make_env, act, args, device, video_dir, video_size=None)


def mean_action(encoder: Encoder, actor: Actor) -> Callable[[torch.Tensor], torch.Tensor]:
    """The deterministic action in float32 on stacks (the training's evaluations)."""
    return lambda stacks: actor.get_action(encoder(stacks))[2]


def image_input(args: Args, envs: gym.vector.VectorEnv) -> ImageInput:
    """The frames the policy sees: the env's single frame, the stack, and the game options that
    make the game render them (those of `make_env` that the game declares)."""
    height, width, channels = envs.single_observation_space.shape
    env_id = bevy_gym.resolve(args.env, action="continuous")
    options = game_options(env_id, image_size=args.image_size, grayscale=args.grayscale)
    return ImageInput(
        height=height,
        width=width,
        channels=channels,
        frame_stack=args.frame_stack,
        source=args.image_source or "raster",
        options=options,
    )


def policy_net(encoder: Encoder, actor: Actor, image: ImageInput) -> PolicyNet:
    """The mean action, as the policy file describes it: the encoder's three convolutions, the
    flatten, its linear layer and LayerNorm (tanh), then the actor's trunk up to the mean half of
    its last layer (tanh, scaled). The log-std half only serves exploration."""
    action_dim = actor.action_scale.shape[0]
    last = actor.trunk[4]
    tensors = {f"encoder.{k}": v for k, v in encoder.state_dict().items()}
    tensors |= {f"actor.{k}": v for k, v in actor.state_dict().items() if "trunk.4" not in k}
    tensors["actor.mean.weight"] = last.weight[:action_dim]
    tensors["actor.mean.bias"] = last.bias[:action_dim]
    convs = [encoder.convs[i] for i in (0, 2, 4)]
    layers: list = [
        Conv2d(
            f"encoder.convs.{i}.weight",
            f"encoder.convs.{i}.bias",
            c.stride[0],
            c.padding[0],
            "relu",
        )
        for i, c in zip((0, 2, 4), convs, strict=True)
    ]
    layers += [
        Flatten(),
        Layer("encoder.head.0.weight", "encoder.head.0.bias", "none"),
        LayerNorm("encoder.head.1.weight", "encoder.head.1.bias", encoder.head[1].eps, "tanh"),
        Layer("actor.trunk.0.weight", "actor.trunk.0.bias", "relu"),
        Layer("actor.trunk.2.weight", "actor.trunk.2.bias", "relu"),
        Layer("actor.mean.weight", "actor.mean.bias", "tanh"),
    ]
    return PolicyNet(
        algorithm="sac",
        tensors=tensors,
        layers=layers,
        output="scaled",
        forward=lambda frames: mean_action(encoder, actor)(stacks_of_frames(frames)),
        output_scale="actor.action_scale",
        output_bias="actor.action_bias",
        image=image,
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
        envs = make_env(saved, 1)
        channels = saved.frame_stack * envs.single_observation_space.shape[-1]
        obs_shape = (channels, saved.image_size, saved.image_size)
        critic = Critic(obs_shape, int(np.prod(envs.single_action_space.shape)), saved).to(device)
        actor = Actor(envs, saved).to(device)
        critic.load_state_dict(checkpoint["critic"])
        actor.load_state_dict(checkpoint["actor"])
        net = policy_net(critic.encoder, actor, image_input(saved, envs))
        if args.export_policy:
            save_policy(args.export_policy, net, envs, saved, "continuous")
        envs.close()
        if args.eval_episodes > 0:
            video_dir = (
                os.path.join(os.path.dirname(args.eval_checkpoint), "videos")
                if args.capture_video
                else None
            )
            # the policy file's float64 policy: the game's episodes (docs/policy_in_game.md)
            returns, lengths = evaluate_pixels(saved, act_float64(net), device, video_dir)
            print(f"eval {args.eval_checkpoint}: {summary(returns, lengths)}")
        raise SystemExit(0)

    run_name, writer = start_logging(args, device, resumed)
    seed_everything(args)

    # env setup
    envs = make_env(args, args.num_envs)
    assert isinstance(envs.single_action_space, gym.spaces.Box), "only continuous actions"
    n = envs.num_envs  # environment steps per vector step
    frame_shape = envs.single_observation_space.shape  # (H, W, C)
    obs_shape = (args.frame_stack * frame_shape[-1], frame_shape[0], frame_shape[1])
    action_dim = int(np.prod(envs.single_action_space.shape))

    critic = Critic(obs_shape, action_dim, args).to(device)
    critic_target = Critic(obs_shape, action_dim, args).to(device)
    critic_target.load_state_dict(critic.state_dict())
    actor = Actor(envs, args).to(device)
    critic_optimizer = optim.Adam(critic.parameters(), lr=args.lr)
    actor_optimizer = optim.Adam(actor.parameters(), lr=args.lr)
    # Automatic entropy tuning, from DrQ's initial temperature
    target_entropy = -float(action_dim)
    log_alpha = torch.tensor([math.log(args.init_alpha)], requires_grad=True, device=device)
    a_optimizer = optim.Adam([log_alpha], lr=args.lr)

    action_shape = envs.single_action_space.shape
    rb = FrameReplay(args.buffer_size, n, frame_shape, args.frame_stack, action_shape, args.seed)
    global_step, updates, update_budget = 0, 0, 0.0
    envs.action_space.seed(args.seed)
    parts = {
        "critic": critic,
        "critic_target": critic_target,
        "actor": actor,
        "critic_optimizer": critic_optimizer,
        "actor_optimizer": actor_optimizer,
        "a_optimizer": a_optimizer,
        "log_alpha": log_alpha,
    }
    if resumed:
        restore_training(resumed, parts, envs.action_space, rb)
        global_step, updates = resumed["global_step"], resumed["updates"]
        update_budget = resumed["update_budget"]
        print(f"resumed {run_name} at step {global_step} ({len(rb)} transitions in replay)")
    alpha = log_alpha.exp().item()
    recent_returns: deque[float] = deque(maxlen=20)
    start_time, start_step, start_updates = time.time(), global_step, updates
    learn_seconds = 0.0  # time in gradient updates, for the learner's own rate

    # TRY NOT TO MODIFY: start the game
    obs, _ = envs.reset(seed=args.seed + global_step)  # a resumed run: fresh episodes
    rb.reset(obs)
    progress = tqdm(total=args.total_timesteps, initial=global_step, unit="step", mininterval=1.0)
    iterations = args.total_timesteps // n
    for iteration in range(global_step // n, iterations):
        # ALGO LOGIC: put action logic here
        if global_step < args.learning_starts:
            actions = envs.action_space.sample()
        else:
            with torch.no_grad():
                stacks = torch.as_tensor(rb.stacks(), device=device)
                actions, _, _ = actor.get_action(critic.encoder(stacks))
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

        # TRY NOT TO MODIFY: save data to replay buffer; handle `final_obs`
        rb.add(actions, rewards, terminations, truncations, next_obs, infos.get("final_obs"))

        # ALGO LOGIC: training, `replay_ratio` updates per environment step once the buffer
        # holds `learning_starts` transitions (also after a resume without the saved buffer).
        if len(rb) >= args.learning_starts:
            update_budget += n * args.replay_ratio
        learn_start = time.perf_counter()
        while update_budget >= 1:
            update_budget -= 1
            updates += 1
            data = rb.sample(args.batch_size)
            # one random shift per stack, drawn independently for obs and next_obs
            obs_b = torch.as_tensor(data.observations, device=device).float()
            next_b = torch.as_tensor(data.next_observations, device=device).float()
            obs_b = random_shift(obs_b, args.image_pad)
            next_b = random_shift(next_b, args.image_pad)
            actions_b = torch.as_tensor(data.actions, device=device)
            rewards_b = torch.as_tensor(data.rewards, device=device)
            dones_b = torch.as_tensor(data.dones, device=device)
            with torch.no_grad():
                next_actions, next_log_pi, _ = actor.get_action(critic.encoder(next_b))
                target_q1, target_q2 = critic_target(critic_target.encoder(next_b), next_actions)
                min_q_next = torch.min(target_q1, target_q2) - alpha * next_log_pi
                next_q_value = rewards_b + (1 - dones_b) * args.gamma * min_q_next.view(-1)

            features = critic.encoder(obs_b)
            q1, q2 = critic(features, actions_b)
            qf1_loss = F.mse_loss(q1.view(-1), next_q_value)
            qf2_loss = F.mse_loss(q2.view(-1), next_q_value)
            qf_loss = qf1_loss + qf2_loss
            critic_optimizer.zero_grad()
            qf_loss.backward()
            critic_optimizer.step()

            if updates % args.actor_frequency == 0:
                # the actor sees detached features: only the critic loss trains the encoder
                detached = features.detach()
                pi, log_pi, _ = actor.get_action(detached)
                q1_pi, q2_pi = critic(detached, pi)
                actor_loss = (alpha * log_pi - torch.min(q1_pi, q2_pi)).mean()
                actor_optimizer.zero_grad()
                actor_loss.backward()
                actor_optimizer.step()

                alpha_loss = (-log_alpha.exp() * (log_pi.detach() + target_entropy)).mean()
                a_optimizer.zero_grad()
                alpha_loss.backward()
                a_optimizer.step()
                alpha = log_alpha.exp().item()

                # update the target network: target <- tau * online + (1 - tau) * target
                with torch.no_grad():
                    for param, target_param in zip(
                        critic.parameters(), critic_target.parameters(), strict=True
                    ):
                        target_param.data.lerp_(param.data, args.tau)

            if updates % 100 == 0 and updates % args.actor_frequency == 0:
                writer.add_scalar("losses/qf1_values", q1.mean().item(), global_step)
                writer.add_scalar("losses/qf_loss", qf_loss.item() / 2.0, global_step)
                writer.add_scalar("losses/actor_loss", actor_loss.item(), global_step)
                writer.add_scalar("losses/alpha", alpha, global_step)
                writer.add_scalar("losses/alpha_loss", alpha_loss.item(), global_step)

        learn_seconds += time.perf_counter() - learn_start

        if (iteration + 1) % 20 == 0:
            elapsed = time.time() - start_time
            sps = int((global_step - start_step) / elapsed)
            ups = (updates - start_updates) / elapsed
            writer.add_scalar("charts/SPS", sps, global_step)
            writer.add_scalar("charts/updates_per_second", ups, global_step)
            ret = f"{np.mean(recent_returns):.0f}" if recent_returns else "-"
            progress.set_postfix(SPS=sps, UPS=f"{ups:.0f}", ret=ret)  # ret: last 20 episodes

        # deterministic evaluation every `eval_frequency` steps, and once more at the end
        last = iteration == iterations - 1
        if last or (args.eval_frequency and global_step % args.eval_frequency < n):
            video_dir = f"runs/{run_name}/videos" if args.capture_video and last else None
            policy = mean_action(critic.encoder, actor)
            returns, lengths = evaluate_pixels(args, policy, device, video_dir)
            writer.add_scalar("eval/episodic_return", returns.mean(), global_step)
            writer.add_scalar("eval/episodic_length", lengths.mean(), global_step)
            writer.add_scalar("eval/wall_clock_s", time.time() - start_time, global_step)
            progress.write(f"step {global_step}: eval {summary(returns, lengths)}")
            if video_dir:
                log_videos(video_dir, global_step)  # with --track, to W&B as well

        # crash-safe checkpoint every `checkpoint_frequency` steps
        if due(args, global_step, n):
            counters = {"global_step": global_step, "updates": updates}
            counters["update_budget"] = update_budget
            replay = rb if args.save_buffer else None
            space = envs.action_space
            path = save_training(run_name, args, counters, parts, space, replay, wandb_id())
            writer.flush()
            progress.write(f"step {global_step}: checkpoint {path}")
    progress.close()
    print(f"trained {global_step} steps in {time.time() - start_time:.0f} s")
    if updates > start_updates:
        rate = (updates - start_updates) / learn_seconds
        print(f"learner: {updates - start_updates} updates in {learn_seconds:.0f} s ({rate:.1f}/s)")

    if args.save_model:
        model_path = f"runs/{run_name}/{args.exp_name}.cleanrl_model"
        models = {"actor": actor.state_dict(), "critic": critic.state_dict()}
        torch.save({"args": asdict(args), **models}, model_path)
        print(f"model saved to {model_path}")
        net = policy_net(critic.encoder, actor, image_input(args, envs))
        save_policy(f"runs/{run_name}/{POLICY_FILE}", net, envs, args, "continuous")

    envs.close()
    writer.close()
