"""The policy file: a trained acting network as `policy.safetensors`, which the game runs without
Python (the game/policy crate). It holds the network's float32 tensors under their PyTorch names,
how to run them (`layers`, `output`), the spaces, game and options it was trained on, the seed of
the Python evaluation, and seeded test inputs with PyTorch's outputs for parity checks.

Format (version 1): tensors `<state_dict names>`, `test.observations` (K, obs_dim),
`test.outputs` (K, out_dim), `test.actions` ((K,) indices for argmax, (K, act_dim) for scaled),
all float32; string metadata `format`, `format_version`, `algorithm`, `layers` (JSON list of
{"weight", "bias", "activation"}: y = act(x Wᵀ + b)), `output` ("argmax": the lowest index of the
largest output; "scaled": y * tensor[`output_scale`] + tensor[`output_bias`]), `observation_space`
and `action_space` (the server's /spec JSON), `game`, `env_id`, `options` (JSON), `eval_seed`,
`created_by`. A reader computes in float64 and rounds a continuous action to float32 once
(`act_float64` says why).

Version 2 (pixel policies; vector policies are still written as version 1): a layer may have a
"type": "dense" (as above), "conv2d" (PyTorch's Conv2d: weight (out, in, kh, kw), "stride",
"padding" zeros), "flatten" (channel-major) or "layer_norm" (over the row, "eps"), each but flatten
with an "activation"; `image` (JSON: "height", "width", "channels" of one frame as the game
renders it, H×W×C uint8; "frame_stack" frames, oldest first, fed as frame_stack·channels maps;
"divide_by": 255; "source": raster or camera; "options": the game options that give these
images), `observation_space` is one frame's; `test.observations` is (K, frame_stack, H, W, C).
See docs/policy_in_game.md."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, NamedTuple

import gymnasium as gym
import numpy as np
import torch
from safetensors.numpy import load_file
from safetensors.torch import save_file

FORMAT = "bevy_gym.policy"
FORMAT_VERSION = 1  # bump when a reader of version 1 would misread a new file
IMAGE_FORMAT_VERSION = 2  # convolutions and `image`: pixel policies
POLICY_FILE = "policy.safetensors"  # its name in a run folder, beside the .cleanrl_model
TEST_INPUTS = 16  # seeded test observations stored for parity checks
IMAGE_TEST_INPUTS = 4  # seeded test stacks of frames (each is thousands of values)
TEST_SEED = 0  # numpy default_rng seed of the test observations
ACTIVATIONS = ("relu", "tanh", "none")
Activation = Literal["relu", "tanh", "none"]


class Layer(NamedTuple):
    """One dense layer, y = activation(x Wᵀ + b), W of shape (out, in) as torch stores it."""

    weight: str
    bias: str
    activation: Activation


class Conv2d(NamedTuple):
    """PyTorch's Conv2d (W of shape (out, in, kh, kw), zero padding), then the activation."""

    weight: str
    bias: str
    stride: int
    padding: int
    activation: Activation


class Flatten(NamedTuple):
    """Feature maps (C, H, W) to a row, channel-major (PyTorch's Flatten)."""


class LayerNorm(NamedTuple):
    """PyTorch's LayerNorm over the row (biased variance), then the activation."""

    weight: str
    bias: str
    eps: float
    activation: Activation


AnyLayer = Layer | Conv2d | Flatten | LayerNorm
LAYER_TYPES: dict[str, type] = {
    "dense": Layer,
    "conv2d": Conv2d,
    "flatten": Flatten,
    "layer_norm": LayerNorm,
}


def layer_kind(layer: AnyLayer) -> str:
    """The file's "type" of a layer. By class name, not isinstance: the scripts import this
    module as `policy_export` and tests may import it again under another name, which makes
    other classes of the same layers."""
    kinds = {cls.__name__: name for name, cls in LAYER_TYPES.items()}
    return kinds[type(layer).__name__]


def layer_json(layer: AnyLayer) -> dict[str, Any]:
    """A layer as the file's `layers` list holds it (a dense layer without "type", as in v1)."""
    kind = layer_kind(layer)
    return layer._asdict() if kind == "dense" else {"type": kind, **layer._asdict()}


def layer_from_json(doc: dict[str, Any]) -> AnyLayer:
    """A layer from the file's `layers` list."""
    fields = {key: value for key, value in doc.items() if key != "type"}
    return LAYER_TYPES[doc.get("type", "dense")](**fields)


@dataclass(frozen=True)
class ImageInput:
    """A pixel policy's frames: one frame is `height` x `width` x `channels` uint8 as the game
    renders it; the network sees the last `frame_stack` frames, oldest first, as
    (frame_stack * channels, height, width) maps of value / `divide_by`."""

    height: int
    width: int
    channels: int
    frame_stack: int
    divide_by: float = 255.0
    source: str = "raster"  # where the frames come from: raster or camera
    options: Mapping[str, Any] = field(default_factory=dict)  # the game options giving them

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "options": dict(self.options)}


def stacks_of_frames(frames: torch.Tensor) -> torch.Tensor:
    """(K, frame_stack, H, W, C) frames to the (K, frame_stack * C, H, W) stacks the pixel
    scripts' encoders take (frame-major, then channel)."""
    k, depth, h, w, c = frames.shape
    return frames.permute(0, 1, 4, 2, 3).reshape(k, depth * c, h, w)


@dataclass(frozen=True)
class PolicyNet:
    """What a script says about its acting network: the tensors to store, the layers in order,
    how outputs become actions, and PyTorch's forward pass (observations -> outputs; a pixel
    policy's takes (K, frame_stack, H, W, C) frames)."""

    algorithm: str  # "dqn" or "sac"
    tensors: Mapping[str, torch.Tensor]
    layers: list[AnyLayer]
    output: Literal["argmax", "scaled"]
    forward: Callable[[torch.Tensor], torch.Tensor]
    output_scale: str | None = None  # "scaled" only: tensor names of the action scale and bias
    output_bias: str | None = None
    image: ImageInput | None = None  # a pixel policy's frames (format version 2)

    @property
    def format_version(self) -> int:
        """1 for dense layers on a vector observation, 2 otherwise."""
        plain = self.image is None and all(layer_kind(layer) == "dense" for layer in self.layers)
        return FORMAT_VERSION if plain else IMAGE_FORMAT_VERSION


@dataclass(frozen=True)
class RunInfo:
    """What the policy was trained on, and the seed that reproduces its Python evaluation."""

    observation_space: gym.Space
    action_space: gym.Space
    game: str
    env_id: str
    options: Mapping[str, Any]
    eval_seed: int
    created_by: str


def run_info(envs: gym.vector.VectorEnv, env_id: str, eval_seed: int, created_by: str) -> RunInfo:
    """The `RunInfo` of a script's live vector env: its single spaces, and the game and effective
    options from its server's spec (separate arenas, or a shared arena's parallel env)."""
    base = envs.unwrapped
    remote = getattr(base, "remote", None) or getattr(getattr(base, "par", None), "remote", None)
    if remote is None:
        raise TypeError(f"{type(base).__name__} has no bevy_gym server to read the spec from")
    return RunInfo(
        observation_space=envs.single_observation_space,
        action_space=envs.single_action_space,
        game=remote.spec.game,
        env_id=env_id,
        options=dict(remote.spec.options),
        eval_seed=eval_seed,
        created_by=created_by,
    )


def act_float64(net: PolicyNet) -> Callable[[torch.Tensor], torch.Tensor]:
    """The deterministic action as the policy file defines it (its layers, then the argmax or
    the scaling), computed in float64 from a snapshot of the float32 weights; continuous actions
    come back float32. This is the evaluation's policy, in Python as in the game: in float32, two
    correct forward passes that sum in different orders (PyTorch's matmul, the game's loops)
    differ in the last bits, and a long continuous-action episode turns that into another
    trajectory; in float64 they differ by ~1e-16 and round to the same float32 action. A pixel
    policy takes (N, frame_stack * C, H, W) stacks of byte values (`stacks_of_frames`)."""

    def tensor(name: str) -> torch.Tensor:
        return net.tensors[name].detach().double()

    steps: list[Callable[[torch.Tensor], torch.Tensor]] = []
    for layer in net.layers:
        kind = layer_kind(layer)
        if kind == "flatten":
            steps.append(lambda y: y.flatten(1))
            continue
        weight, bias = tensor(layer.weight), tensor(layer.bias)
        activation = ACTIVATION_FUNCTIONS[layer.activation]
        if kind == "dense":
            steps.append(lambda y, w=weight.T, b=bias, f=activation: f(y @ w + b))
        elif kind == "conv2d":
            steps.append(
                lambda y, w=weight, b=bias, s=layer.stride, p=layer.padding, f=activation: f(
                    torch.nn.functional.conv2d(y, w, b, stride=s, padding=p)
                )
            )
        else:
            steps.append(
                lambda y, w=weight, b=bias, e=layer.eps, f=activation: f(
                    torch.nn.functional.layer_norm(y, (w.shape[0],), w, b, e)
                )
            )
    scale = bias = None
    if net.output == "scaled":
        assert net.output_scale is not None and net.output_bias is not None
        scale, bias = tensor(net.output_scale), tensor(net.output_bias)
    divide_by = net.image.divide_by if net.image is not None else None

    def act(x: torch.Tensor) -> torch.Tensor:
        y = x.double() if divide_by is None else x.double() / divide_by
        for step in steps:
            y = step(y)
        if net.output == "argmax":
            return y.argmax(dim=1)
        return (y * scale + bias).float()

    return act


ACTIVATION_FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "none": lambda v: v,
}


def _scalar(bound: np.ndarray, what: str) -> float:
    """A Box bound as the spec's single number (the spec has no per-element bounds)."""
    flat = np.asarray(bound, np.float64).ravel()
    if flat.size and not np.all(flat == flat[0]):
        raise ValueError(f"the policy file needs one {what} for every element, got {bound}")
    return float(flat[0])


def space_spec(space: gym.Space) -> dict[str, Any]:
    """A Gymnasium space in the server's /spec form (Discrete from 0; Box with scalar bounds)."""
    if isinstance(space, gym.spaces.Discrete):
        if int(space.start) != 0:
            raise ValueError(f"the policy file needs a Discrete space starting at 0, got {space}")
        return {"type": "Discrete", "n": int(space.n)}
    if isinstance(space, gym.spaces.Box):
        return {
            "type": "Box",
            "shape": list(space.shape),
            "low": _scalar(space.low, "low"),
            "high": _scalar(space.high, "high"),
            "dtype": str(space.dtype),
        }
    raise TypeError(f"the policy file supports Discrete and Box spaces, not {space}")


def test_observations(
    space: gym.Space, count: int = TEST_INPUTS, seed: int = TEST_SEED
) -> np.ndarray:
    """`count` flattened observations drawn uniformly within `space`'s bounds (float32)."""
    assert isinstance(space, gym.spaces.Box), "vector observations only"
    # Unbounded elements get [-1, 1]: any finite input serves a parity check.
    low = np.where(np.isfinite(space.low), space.low, -1.0).astype(np.float64).ravel()
    high = np.where(np.isfinite(space.high), space.high, 1.0).astype(np.float64).ravel()
    rng = np.random.default_rng(seed)
    return rng.uniform(low, high, size=(count, low.size)).astype(np.float32)


def test_frames(image: ImageInput, count: int = IMAGE_TEST_INPUTS, seed: int = TEST_SEED):
    """`count` stacks of uniformly random byte frames, (count, frame_stack, H, W, C) float32."""
    rng = np.random.default_rng(seed)
    shape = (count, image.frame_stack, image.height, image.width, image.channels)
    return rng.integers(0, 256, size=shape).astype(np.float32)


def policy_tensors(net: PolicyNet, observation_space: gym.Space) -> dict[str, torch.Tensor]:
    """The file's tensors: the network's (float32, contiguous, on the CPU) and the test set."""
    tensors = {
        name: t.detach().to("cpu", torch.float32).contiguous() for name, t in net.tensors.items()
    }
    obs = test_observations(observation_space) if net.image is None else test_frames(net.image)
    device = next(iter(net.tensors.values())).device
    with torch.no_grad():
        outputs = net.forward(torch.as_tensor(obs, device=device)).cpu().float().numpy()
    # np.argmax takes the first of equal values, as the format says (torch's CUDA argmax may not).
    actions = np.argmax(outputs, axis=1) if net.output == "argmax" else outputs
    tensors["test.observations"] = torch.from_numpy(obs)
    tensors["test.outputs"] = torch.from_numpy(np.array(outputs, np.float32))
    # A copy: safetensors refuses two names for one memory (scaled actions are the outputs).
    tensors["test.actions"] = torch.from_numpy(np.array(actions, np.float32))
    return tensors


def policy_metadata(net: PolicyNet, info: RunInfo) -> dict[str, str]:
    """The file's `__metadata__`: every value a string, structured ones JSON."""
    for layer in net.layers:
        if layer_kind(layer) != "flatten":
            assert layer.activation in ACTIVATIONS, layer
            assert layer.weight in net.tensors and layer.bias in net.tensors, layer
    metadata = {
        "format": FORMAT,
        "format_version": str(net.format_version),
        "algorithm": net.algorithm,
        "layers": json.dumps([layer_json(layer) for layer in net.layers]),
        "output": net.output,
        "observation_space": json.dumps(space_spec(info.observation_space)),
        "action_space": json.dumps(space_spec(info.action_space)),
        "game": info.game,
        "env_id": info.env_id,
        "options": json.dumps(dict(info.options), sort_keys=True),
        "eval_seed": str(info.eval_seed),
        "created_by": info.created_by,
    }
    if net.output == "scaled":
        assert net.output_scale in net.tensors and net.output_bias in net.tensors
        metadata["output_scale"], metadata["output_bias"] = net.output_scale, net.output_bias
    if net.image is not None:
        metadata["image"] = json.dumps(net.image.to_json(), sort_keys=True)
    return metadata


def export_policy(path: str | os.PathLike[str], net: PolicyNet, info: RunInfo) -> str:
    """Write the policy file at `path` atomically (a temporary file renamed over it, so a reader
    never sees half a file); returns the path."""
    path = os.fspath(path)
    tensors = policy_tensors(net, info.observation_space)
    metadata = policy_metadata(net, info)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".policy-", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=metadata)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would make the file private
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path


def read_policy(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """A policy file's tensors (numpy) and metadata."""
    from safetensors import safe_open

    with safe_open(os.fspath(path), framework="numpy") as f:
        metadata = dict(f.metadata() or {})
    return load_file(os.fspath(path)), metadata


def read_policy_net(path: str | os.PathLike[str]) -> PolicyNet:
    """A policy file as the `PolicyNet` it was written from (tensors as torch; no `forward`)."""
    tensors, meta = read_policy(path)
    image = json.loads(meta["image"]) if "image" in meta else None
    return PolicyNet(
        algorithm=meta["algorithm"],
        tensors={name: torch.as_tensor(value) for name, value in tensors.items()},
        layers=[layer_from_json(layer) for layer in json.loads(meta["layers"])],
        output=meta["output"],  # type: ignore[arg-type]
        forward=lambda x: x,  # unused: act_float64 runs the layers itself
        output_scale=meta.get("output_scale"),
        output_bias=meta.get("output_bias"),
        image=ImageInput(**image) if image is not None else None,
    )


def load_policy(path: str | os.PathLike[str]) -> Callable[[np.ndarray], np.ndarray]:
    """A policy file's deterministic action, numpy in and out (`act_float64` on its tensors): to
    play a saved policy from Python, e.g. one side of a match (examples/watch_selfplay.py). A
    pixel policy's takes (N, frame_stack * C, H, W) stacks (`stacks_of_frames`)."""
    act = act_float64(read_policy_net(path))
    return lambda obs: act(torch.as_tensor(obs)).numpy()
