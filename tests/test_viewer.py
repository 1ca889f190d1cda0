"""The games' 3D views, `bevy-dodge-view` and `bevy-tag-view` (one scene each on the bevy_gym_view
crate), driven for real: under a display (`make test-viewer` runs these under Xvfb with Mesa's
software Vulkan) they render seeded episodes and save screenshots, and `render_mode="human"`
launches them as the server. Without a display or the views the `viewer` tests skip, except
under BEVY_GYM_REQUIRE_VIEWER=1 (CI), where they fail. What happens when either is missing (a
one-line warning, and the game runs headless) is tested everywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sysconfig
from pathlib import Path

import gymnasium
import numpy as np
import pytest
from PIL import Image

import bevy_gym.envs  # noqa: F401  # registers the ids
from bevy_gym.envs import dodge_v0
from bevy_gym.launcher import BinaryNotFoundError, find_binary

REPO = Path(__file__).resolve().parent.parent
POLICY = REPO / "game/policy/tests/fixtures/dqn_tiny.safetensors"
PIXEL_POLICY = REPO / "game/policy/tests/fixtures/pixels_tiny.safetensors"
# Software rendering is slow (about 13 frames/s at 320x180, 5 at 1280x720): small windows.
SMALL = ("--width", "480", "--height", "270")
VIEW_TIMEOUT = 240


def _viewer(name: str = "bevy-dodge-view") -> str:
    """The installed view `name` under a display, or skip (fail under BEVY_GYM_REQUIRE_VIEWER=1)."""
    why = None
    try:
        binary = find_binary(name)
    except BinaryNotFoundError as exc:
        why = str(exc)
    if why is None and not os.environ.get("DISPLAY"):
        why = "no display (DISPLAY is not set); make test-viewer runs these under xvfb-run"
    if why is not None:
        if os.environ.get("BEVY_GYM_REQUIRE_VIEWER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return binary


def _run(*args: str | os.PathLike, view: str = "bevy-dodge-view") -> subprocess.CompletedProcess:
    return subprocess.run(
        [_viewer(view), *map(str, args)], capture_output=True, text=True, timeout=VIEW_TIMEOUT
    )


def _colour_counts(path: Path) -> tuple[tuple[int, int], dict[str, int]]:
    """The image's size, and how many pixels look like each thing the scene draws."""
    image = Image.open(path)
    rgb = np.asarray(image.convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    counts = {
        # Player agent_0 is blue, projectiles red, the thrower orange (scene.rs's palette, lit).
        "player": int(((b > 140) & (r < 110) & (b > g + 40)).sum()),
        "projectile": int(((r > 140) & (g < 70) & (b < 70)).sum()),
        "thrower": int(((r > 160) & (g > 60) & (g < 150) & (b < 50)).sum()),
        "distinct": len(np.unique(rgb.reshape(-1, 3), axis=0)),
    }
    return image.size, counts


@pytest.mark.viewer
@pytest.mark.server
def test_a_seeded_episode_renders_the_scene_to_a_png(tmp_path: Path) -> None:
    shot = tmp_path / "v.png"
    done = _run("--screenshot", shot, "--frames", "52", "--seed", "1", *SMALL)
    assert done.returncode == 0, done.stderr
    size, counts = _colour_counts(shot)
    assert size == (480, 270)
    assert counts["distinct"] > 50, f"a blank or flat image: {counts}"
    # Step 52: the first throw (at step 30, a 30-step flight) is coming down on the player.
    for thing in ("player", "projectile", "thrower"):
        assert counts[thing] > 3, f"no {thing} colour in the screenshot: {counts}"


@pytest.mark.viewer
@pytest.mark.server
def test_each_mode_runs_and_bad_input_gets_one_line(tmp_path: Path) -> None:
    for mode in (("--policy", POLICY), ("--play",), ("--demo", "--agents", "3")):
        done = _run(*mode, "--frames", "5", *SMALL)
        assert done.returncode == 0, (mode, done.stderr)
    bad = _run("--policy", tmp_path / "missing.safetensors", "--frames", "5", *SMALL)
    assert bad.returncode != 0
    assert "missing.safetensors" in bad.stderr.strip().splitlines()[-1]
    wrong = _run("--screenshot", tmp_path / "v.jpg", *SMALL)
    assert wrong.returncode != 0 and ".png" in wrong.stderr


@pytest.mark.viewer
@pytest.mark.server
@pytest.mark.parametrize(
    "policy",
    [
        (str(POLICY),),
        # A pixel policy: the window's run renders the agents' own images for it every step.
        (str(PIXEL_POLICY), "--level", "2", "--action-space", "continuous"),
    ],
    ids=["vector", "pixels"],
)
def test_an_evaluation_in_the_window_prints_the_headless_binary_s_summary(
    policy: tuple[str, ...],
) -> None:
    flags = ("--policy", *policy, "--episodes", "3", "--seed", "4")
    done = _run(*flags, "--frames", "30", *SMALL)
    assert done.returncode == 0, done.stderr
    headless = subprocess.run(
        [find_binary("bevy-dodge"), *flags], capture_output=True, text=True, timeout=60
    )
    assert headless.returncode == 0, headless.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert json.loads(summary)["episodes"] == 3
    assert summary == headless.stdout.strip(), "the same episodes, watched or not"


@pytest.mark.viewer
@pytest.mark.server
def test_tag_s_view_draws_its_arena(tmp_path: Path) -> None:
    """The README's command: the bare `bevy-tag-view` starts a game (a pursuer and an evader)."""
    shot = tmp_path / "t.png"
    done = _run("--screenshot", shot, "--frames", "60", "--seed", "1", *SMALL, view="bevy-tag-view")
    assert done.returncode == 0, done.stderr
    image = Image.open(shot)
    assert image.size == (480, 270)
    rgb = np.asarray(image.convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    counts = {
        # tag's scene: pursuers red blocks, evaders blue balls, yellow walls (view.rs, lit).
        "pursuer": int(((r > 150) & (g < 90) & (b < 90)).sum()),
        "evader": int(((b > 140) & (r < 110) & (b > g + 40)).sum()),
        "wall": int(((r > 150) & (g > 130) & (b < 90)).sum()),
        "distinct": len(np.unique(rgb.reshape(-1, 3), axis=0)),
    }
    assert counts["distinct"] > 30, f"a blank or flat image: {counts}"
    for thing in ("pursuer", "evader", "wall"):
        assert counts[thing] > 3, f"no {thing} colour in the screenshot: {counts}"


@pytest.mark.viewer
@pytest.mark.server
def test_the_template_s_smallest_scene_draws_its_arenas(tmp_path: Path) -> None:
    """examples/my_game's view (`make template-view`): its agents' blue balls and green targets."""
    shot = tmp_path / "m.png"
    flags = ("--agents", "2", "--arena-mode", "separate", "--seed", "1")
    done = _run("--screenshot", shot, "--frames", "30", *flags, *SMALL, view="my-game-view")
    assert done.returncode == 0, done.stderr
    rgb = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    agents = int(((b > 140) & (r < 110) & (b > g + 40)).sum())
    targets = int(((g > 200) & (r < 120) & (g > b + 60)).sum())
    assert agents > 3 and targets > 3, f"agents {agents}, targets {targets}"


@pytest.mark.viewer
@pytest.mark.server
def test_tag_s_view_plays_every_mode_and_serves_the_headless_episode() -> None:
    for mode in (("--play",), ("--demo", "--agents", "4", "--arena-mode", "separate",
                               "--bot-pursuers", "1", "--bot-evaders", "1")):  # fmt: skip
        done = _run(*mode, "--frames", "5", *SMALL, view="bevy-tag-view")
        assert done.returncode == 0, (mode, done.stderr)
    import bevy_gym

    def trace(render_mode: str | None) -> list:
        env = bevy_gym.make_parallel("tag", num_agents=3, render_mode=render_mode)
        try:
            obs, _ = env.reset(seed=8)
            for i, agent in enumerate(env.possible_agents):
                env.action_space(agent).seed(i)
            out = [obs[a] for a in sorted(obs)]
            for _ in range(60):
                actions = {a: env.action_space(a).sample() for a in env.agents}
                obs, rewards, _, _, _ = env.step(actions)
                out += [obs[a] for a in sorted(obs)] + [rewards[a] for a in sorted(rewards)]
                if not env.agents:
                    break
            binary = Path(env.unwrapped.remote.process.binary).name
            assert binary == ("bevy-tag-view" if render_mode else "bevy-tag")
            return out
        finally:
            env.close()

    human, headless = trace("human"), trace(None)
    assert len(human) == len(headless) > 10
    for a, b in zip(human, headless, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.viewer
@pytest.mark.server
def test_a_policy_run_in_the_window_is_reproducible() -> None:
    def final_state(seed: int) -> str:
        done = _run(
            "--policy", POLICY, "--agents", "2", "--arena-mode", "separate",
            "--seed", seed, "--frames", "40", "--print-state", *SMALL,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    first = final_state(5)
    state = json.loads(first)
    assert [a["ticks"] for a in state["arenas"]] != [0, 0], "the policy played"
    assert final_state(5) == first, "same seed, same episode, drawn or not"
    assert final_state(6) != first


@pytest.mark.viewer
@pytest.mark.server
def test_human_mode_serves_the_same_episode_as_the_headless_server() -> None:
    _viewer()
    actions = np.random.default_rng(0).integers(0, 5, size=120)
    runs = []
    for render_mode in ("human", None):
        env = gymnasium.make("bevy_gym/Dodge-v0", render_mode=render_mode)
        try:
            obs, _ = env.reset(seed=11)
            trace = [obs]
            for action in actions:
                obs, reward, terminated, truncated, _ = env.step(int(action))
                trace += [obs, np.float32(reward), terminated, truncated]
                if terminated or truncated:
                    obs, _ = env.reset()
                    trace.append(obs)
            process = env.unwrapped.remote.process
            binary = Path(process.binary).name if process else None
            if render_mode == "human":
                assert binary == "bevy-dodge-view"
                assert process.alive, "the windowed server is still running"
                assert env.render() is None, "the window shows the steps; render() returns None"
            runs.append(trace)
        finally:
            env.close()
    human, headless = runs
    assert len(human) == len(headless)
    for a, b in zip(human, headless, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.viewer
@pytest.mark.server
def test_a_selfplay_match_in_the_window_is_the_headless_match() -> None:
    """The round-0 pair of docs/results: the dodger's policy file drives it inside the windowed
    server, the thrower's aims come from Python; the episode is the headless one."""
    _viewer()
    results = REPO / "docs" / "results"
    dodger = str(results / "selfplay_round0_dodger.safetensors")
    aims = np.random.default_rng(3).uniform(-1, 1, size=(150, 1)).astype(np.float32)
    runs = []
    for render_mode in ("human", None):
        env = dodge_v0.parallel_env(
            num_dodgers=1, num_throwers=1, level=2, action_space="continuous",
            render_mode=render_mode, policy=dodger, policy_agents=(0,),
        )  # fmt: skip
        try:
            obs, _ = env.reset(seed=5)
            trace = [obs["dodger_0"], obs["thrower_0"]]
            for aim in aims:
                actions = {"dodger_0": np.zeros(3, np.float32), "thrower_0": aim}
                obs, rewards, terms, truncs, _ = env.step(actions)
                trace += [obs["dodger_0"], rewards["thrower_0"], terms["dodger_0"]]
                if not env.agents:
                    break
            binary = Path(env.unwrapped.remote.process.binary).name
            assert binary == ("bevy-dodge-view" if render_mode else "bevy-dodge")
            runs.append(trace)
        finally:
            env.close()
    human, headless = runs
    assert len(human) == len(headless) > 10
    for a, b in zip(human, headless, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.server
def test_human_mode_without_a_display_warns_and_runs_headless(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.warns(UserWarning, match=r"opens no window.*no display is set \(DISPLAY"):
        env = gymnasium.make("bevy_gym/Dodge-v0", render_mode="human")
    try:
        env.reset(seed=0)
        env.step(0)
        assert Path(env.unwrapped.remote.process.binary).name == "bevy-dodge"
        assert env.render() is None
    finally:
        env.close()
    from bevy_gym.envs import dodge_v0

    with pytest.warns(UserWarning, match="xvfb-run"):
        dodge_v0.parallel_env(render_mode="human").close()


def test_human_mode_without_the_viewer_says_how_to_build_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bevy_gym.human import viewer_binary

    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sysconfig, "get_path", lambda name: str(tmp_path))
    with pytest.warns(UserWarning, match=r"bevy-dodge-view.*not found.*`make viewer`"):
        assert viewer_binary("bevy-dodge-view") is None


def test_human_mode_with_a_running_server_warns() -> None:
    from bevy_gym.human import viewer_binary

    with pytest.warns(UserWarning, match="start it as `bevy-dodge-view`"):
        assert viewer_binary("bevy-dodge-view", server_url="http://127.0.0.1:1") is None
    with pytest.warns(UserWarning, match="has no windowed server"):
        assert viewer_binary(None) is None


def test_the_viewer_without_a_display_exits_with_one_line() -> None:
    try:
        binary = find_binary("bevy-dodge-view")
    except BinaryNotFoundError:
        pytest.skip("bevy-dodge-view is not installed (make viewer)")
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    done = subprocess.run([binary, "--demo"], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "DISPLAY is not set" in done.stderr


@pytest.mark.viewer
@pytest.mark.server
def test_the_clip_example_records_a_policy(tmp_path: Path) -> None:
    _viewer()
    from tests.conftest import run_example

    clip = tmp_path / "clip.mp4"
    out = run_example(
        "record_3d_clip.py", str(clip), "--frames", "6", "--size", "320x180", "--",
        "--policy", str(POLICY), timeout=VIEW_TIMEOUT,
    )  # fmt: skip
    assert "6 frames at 15 frames/s" in out.stdout
    import imageio.v2 as imageio

    reader = imageio.get_reader(clip, format="FFMPEG")
    try:
        assert reader.count_frames() == 6
        assert reader.get_data(0).shape == (180, 320, 3)
    finally:
        reader.close()
