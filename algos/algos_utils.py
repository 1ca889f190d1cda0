"""Plumbing shared by the training scripts in algos/, as CleanRL shares `cleanrl_utils`: the replay
buffer, deterministic evaluation with videos, device, logging and seeding set-up, the
checkpoint-evaluation entry and writing the policy file (its format: policy_export.py).
Networks, losses and training loops stay inline in each script.

The scripts import it as a sibling module (`python algos/dqn.py` puts algos/ on `sys.path`)."""

from __future__ import annotations

import glob
import os
import pickle
import random
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

import gymnasium as gym
import numpy as np
import torch
from torch.utils.tensorboard import SummaryWriter

if TYPE_CHECKING:  # imported where used, so this module also loads without algos/ on sys.path
    from policy_export import PolicyNet

VIDEO_SIZE = 192  # pixels per side of evaluation videos (a multiple of 16 for the mp4 encoder)
VIDEO_FPS = 15  # frames per second of evaluation videos
EVAL_SEED_OFFSET = 10_000  # evaluation arenas are seeded apart from the training ones

MakeEnv = Callable[..., gym.vector.VectorEnv]  # a script's `make_env(args, num_envs, **kwargs)`
Policy = Callable[[torch.Tensor], torch.Tensor]  # observations -> deterministic actions


class ScriptArgs(Protocol):
    """The fields of a script's `Args` dataclass that these helpers read."""

    exp_name: str
    seed: int
    torch_deterministic: bool
    cuda: bool
    torch_threads: int
    track: bool
    wandb_project_name: str
    wandb_entity: str | None
    capture_video: bool
    eval_checkpoint: str | None
    export_policy: str | None
    eval_episodes: int
    env: str
    level: int


A = TypeVar("A", bound=ScriptArgs)  # a script's own `Args`


def device_name(device: torch.device) -> str:
    """`cpu`, or the GPU's name and its backend (CUDA or ROCm) with version."""
    if device.type != "cuda":
        return "cpu"
    backend = f"ROCm {torch.version.hip}" if torch.version.hip else f"CUDA {torch.version.cuda}"
    return f"{device} ({torch.cuda.get_device_name(device)}, {backend})"


def game_options(env_id: str, **wanted: Any) -> dict[str, Any]:
    """The options among `wanted` (None: the game's default) that the game declares in its spec;
    the others are dropped with a note (e.g. `--level` for a game without levels)."""
    import bevy_gym

    schema = bevy_gym.option_schema(env_id)
    given = {key: value for key, value in wanted.items() if value is not None}
    dropped = sorted(set(given) - set(schema))
    if dropped:
        print(f"{env_id} has no option {', '.join(dropped)}: ignored")
    return {key: value for key, value in given.items() if key in schema}


def select_device(args: ScriptArgs) -> torch.device:
    """CUDA or ROCm (which PyTorch exposes as cuda) when available and not `--no-cuda`, else the
    CPU; sets torch's CPU threads and prints the device."""
    device = torch.device("cuda" if torch.cuda.is_available() and args.cuda else "cpu")
    torch.set_num_threads(args.torch_threads)
    print(f"device: {device_name(device)}")
    return device


def start_logging(
    args: ScriptArgs, device: torch.device, resume: dict[str, Any] | None = None
) -> tuple[str, SummaryWriter]:
    """The run's name and its TensorBoard writer on `runs/{run_name}`, mirrored to W&B with
    `--track` (`WANDB_MODE=offline` works without an account). With `resume` (a checkpoint), the
    same run continues: same folder, TensorBoard events from its step on replace the killed
    run's later ones, and the same W&B run."""
    game = f"{args.env.replace('/', '-')}-l{args.level}"
    run_name = f"{game}__{args.exp_name}__{args.seed}__{int(time.time())}"
    if resume:
        run_name = resume["run_name"]
    step = resume["global_step"] if resume else None
    if args.track:
        import wandb  # lazily: only tracked runs need it

        wandb.init(
            project=args.wandb_project_name,
            entity=args.wandb_entity,
            sync_tensorboard=True,
            config=vars(args),
            name=run_name,
            id=resume.get("wandb_id") if resume else None,
            resume="allow" if resume else None,
            tags=[args.exp_name, args.env, f"level{args.level}", device.type],
            save_code=True,
        )
    writer = SummaryWriter(f"runs/{run_name}", purge_step=step)
    if resume is None:
        table = "\n".join([f"|{key}|{value}|" for key, value in vars(args).items()])
        writer.add_text("hyperparameters", f"|param|value|\n|-|-|\n{table}")
    return run_name, writer


def wandb_id() -> str | None:
    """The active W&B run's id (kept in checkpoints so a resumed run continues it)."""
    wandb = sys.modules.get("wandb")
    return wandb.run.id if wandb is not None and wandb.run is not None else None


def seed_everything(args: ScriptArgs) -> None:
    """Seed Python's, numpy's and torch's global generators (CleanRL's "TRY NOT TO MODIFY")."""
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.backends.cudnn.deterministic = args.torch_deterministic


class Batch(NamedTuple):
    """A sampled minibatch, named as CleanRL's (stable-baselines3's) `ReplayBufferSamples`."""

    observations: torch.Tensor
    actions: torch.Tensor
    next_observations: torch.Tensor
    dones: torch.Tensor
    rewards: torch.Tensor


class ReplayBuffer:
    """Transitions in preallocated numpy arrays (a ring). `next_obs` is the real next observation
    (`final_obs` where an episode ended) and `dones` are terminations only, so a truncated episode
    is still bootstrapped: the time limit is not part of the game's state."""

    def __init__(self, size: int, env: gym.vector.VectorEnv, device: torch.device | str) -> None:
        obs_shape, act = env.single_observation_space.shape, env.single_action_space
        self.obs = np.zeros((size, *obs_shape), np.float32)
        self.next_obs = np.zeros((size, *obs_shape), np.float32)
        self.actions = np.zeros((size, *act.shape), act.dtype)
        self.rewards, self.dones = np.zeros(size, np.float32), np.zeros(size, np.float32)
        self.size, self.pos, self.full, self.device = size, 0, False, device

    def add(self, *transition: np.ndarray, valid: np.ndarray | None = None) -> None:
        """Add (obs, next_obs, actions, rewards, dones) of every slot, or of the `valid` ones."""
        if valid is not None:  # shared arena: players already out made no transition
            transition = tuple(x[valid] for x in transition)
        idx = (self.pos + np.arange(len(transition[0]))) % self.size
        arrays = (self.obs, self.next_obs, self.actions, self.rewards, self.dones)
        for array, x in zip(arrays, transition, strict=True):
            array[idx] = x
        self.full = self.full or self.pos + len(idx) >= self.size
        self.pos = (self.pos + len(idx)) % self.size

    def __len__(self) -> int:
        return self.size if self.full else self.pos

    def state_dict(self) -> dict[str, Any]:
        """The stored transitions and the write position (for checkpoints with --save-buffer)."""
        arrays = {name: getattr(self, name) for name in ("obs", "next_obs", "actions")}
        arrays |= {"rewards": self.rewards, "dones": self.dones}
        return {**arrays, "pos": self.pos, "full": self.full}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from `state_dict()`'s output (same size and spaces)."""
        for name in ("obs", "next_obs", "actions", "rewards", "dones"):
            if getattr(self, name).shape != state[name].shape:
                raise ValueError(
                    f"saved replay {name} has shape {state[name].shape}, expected "
                    f"{getattr(self, name).shape} (resume with the same --buffer-size)"
                )
            getattr(self, name)[...] = state[name]
        self.pos, self.full = int(state["pos"]), bool(state["full"])

    def sample(self, batch_size: int) -> Batch:
        """`batch_size` stored transitions drawn uniformly with numpy's global generator."""
        idx = np.random.randint(0, self.size if self.full else self.pos, batch_size)
        arrays = (self.obs, self.actions, self.next_obs, self.dones, self.rewards)
        return Batch(*(torch.as_tensor(x[idx], device=self.device) for x in arrays))


def evaluate(
    make_env: MakeEnv,
    act: Policy,
    args: ScriptArgs,
    device: torch.device,
    video_dir: str | None = None,
    video_size: int | None = VIDEO_SIZE,
) -> tuple[np.ndarray, np.ndarray]:
    """`args.eval_episodes` episodes of the deterministic policy `act`, one per arena of a fresh
    server (so every episode runs to its end and short ones are not over-counted); their returns
    and lengths. With `video_dir`, each episode is also written there as `episode-{i}.mp4`,
    `video_size` pixels wide (None: the game's image size, which pixel observations share)."""
    n = args.eval_episodes
    video = {"render_mode": "rgb_array"} if video_dir else {}
    if video_dir and video_size is not None:
        video["image_size"] = video_size
    if getattr(args, "num_agents", 1) > 1:
        args = replace(args, num_agents=1)  # a shared-arena policy is evaluated alone, as others
    envs = make_env(args, n, **video)
    writers = []
    if video_dir:
        import imageio.v2 as imageio

        os.makedirs(video_dir, exist_ok=True)
        writers = [
            imageio.get_writer(f"{video_dir}/episode-{i}.mp4", fps=VIDEO_FPS) for i in range(n)
        ]
    obs, _ = envs.reset(seed=args.seed + EVAL_SEED_OFFSET)
    returns, lengths, finished = np.zeros(n), np.zeros(n, int), np.zeros(n, bool)
    while not finished.all():
        for i, frame in enumerate(envs.render() if writers else ()):
            if not finished[i]:
                # a small frame (the game's own image size) enlarged to watchable, whole pixels
                scale = max(1, VIDEO_SIZE // frame.shape[0])
                writers[i].append_data(frame.repeat(scale, axis=0).repeat(scale, axis=1))
        with torch.no_grad():
            actions = act(torch.as_tensor(obs, device=device)).cpu().numpy()
        obs, rewards, terminations, truncations, _ = envs.step(actions)
        returns += np.where(finished, 0.0, rewards)
        lengths += ~finished
        finished |= terminations | truncations
    for writer in writers:
        writer.close()
    envs.close()
    return returns, lengths


def log_videos(video_dir: str, global_step: int) -> list[str]:
    """Send the evaluation mp4s in `video_dir` to the active W&B run, if there is one, as
    `eval/video`; the paths sent. `monitor_gym` cannot do it: it hooks only the old gym
    VideoRecorder, which Gymnasium 1.x's RecordVideo no longer uses (and these are ours)."""
    wandb = sys.modules.get("wandb")  # imported by `start_logging` only with `--track`
    if wandb is None or wandb.run is None:
        return []
    paths = glob.glob(os.path.join(video_dir, "episode-*.mp4"))
    paths.sort(key=lambda path: (len(path), path))  # episode-2 before episode-10
    if paths:
        # `global_step` as a value, not `step=`: W&B ignores `step` while it syncs TensorBoard
        # (docs.wandb.ai/models/integrations/tensorboard), whose charts use `global_step`.
        videos = [wandb.Video(path, format="mp4") for path in paths]
        wandb.log({"eval/video": videos, "global_step": global_step})
    return paths


def summary(returns: np.ndarray, lengths: np.ndarray) -> str:
    """Mean ± std of evaluation returns and lengths, in one line."""
    return (
        f"{len(returns)} episodes: return {returns.mean():.1f} ± {returns.std():.1f}, "
        f"length {lengths.mean():.1f} ± {lengths.std():.1f}"
    )


def load_checkpoint(args: A, device: torch.device) -> tuple[dict[str, Any], A]:
    """The checkpoint at `args.eval_checkpoint` and the `Args` it was trained with: the game
    settings come from training, the evaluation settings (seed, episodes) from this command line.
    `--eval-checkpoint` takes a saved model or a crash-safe training checkpoint."""
    assert args.eval_checkpoint is not None
    try:
        checkpoint = torch.load(args.eval_checkpoint, map_location=device, weights_only=True)
    except pickle.UnpicklingError:
        # a crash-safe training checkpoint (checkpoints.py) also holds numpy RNG states and
        # replay arrays, which weights_only refuses; it is one these scripts wrote
        checkpoint = torch.load(args.eval_checkpoint, map_location=device, weights_only=False)
    checkpoint = {**checkpoint.get("parts", {}), **checkpoint}  # its networks under "parts"
    saved = type(args)(**checkpoint["args"])
    return checkpoint, replace(saved, seed=args.seed, eval_episodes=args.eval_episodes)


def evaluate_checkpoint(
    args: ScriptArgs, saved: ScriptArgs, make_env: MakeEnv, act: Policy, device: torch.device
) -> None:
    """Evaluate a loaded checkpoint's policy `act` with its training `saved` args and print the
    summary (nothing with `--eval-episodes 0`, e.g. to only export the policy file);
    `--capture-video` writes the episodes to `videos/` beside the checkpoint."""
    assert args.eval_checkpoint is not None
    if args.eval_episodes <= 0:
        return
    checkpoint_dir = os.path.dirname(args.eval_checkpoint)
    video_dir = os.path.join(checkpoint_dir, "videos") if args.capture_video else None
    returns, lengths = evaluate(make_env, act, saved, device, video_dir)
    print(f"eval {args.eval_checkpoint}: {summary(returns, lengths)}")


def save_policy(
    path: str, net: PolicyNet, envs: gym.vector.VectorEnv, args: ScriptArgs, action: str
) -> None:
    """Write the policy file of `net` at `path`, trained on `envs` (a live env of the run, whose
    server spec gives the game and its effective options) with `args`; `action` is the script's
    kind ("discrete" or "continuous"), which picks the env id as its `make_env` does. The
    recorded `eval_seed` is the seed of `evaluate`'s arenas for these args."""
    from policy_export import export_policy, run_info

    import bevy_gym

    env_id = bevy_gym.resolve(args.env, action=action)
    script = os.path.basename(sys.argv[0]) or f"{args.exp_name}.py"
    info = run_info(envs, env_id, eval_seed=args.seed + EVAL_SEED_OFFSET, created_by=script)
    export_policy(path, net, info)
    print(f"policy saved to {path}")
