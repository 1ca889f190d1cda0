"""bevy_gym: Gymnasium and PettingZoo environments for Bevy games that speak the bevy_rl protocol.

Importing it registers every game in `bevy_gym.envs` (and those of installed packages that
declare a `bevy_gym.envs` entry point) with Gymnasium and PettingZoo. Any other bevy_gym server
works without a class: `make(binary=...)`, `make_vec(binary=..., num_envs=N)`,
`make_parallel(binary=...)`, or `url=` for a running one."""

from bevy_gym.bevy_gym_server import BevyGymServer
from bevy_gym.client import Client
from bevy_gym.game_server import GameServer
from bevy_gym.gym_env import BevyEnv
from bevy_gym.launcher import BinaryNotFoundError, ServerProcess, ServerStartError, find_binary
from bevy_gym.legacy import LEGACY_PORT, LegacyGame, LegacyServer
from bevy_gym.link import Launch, ServerLink
from bevy_gym.make import make, make_parallel, make_vec
from bevy_gym.parallel_env import BevyParallelEnv, aec_env
from bevy_gym.protocol import PROTOCOL_VERSION, Spec, StepResult
from bevy_gym.registration import (
    Game,
    GymVariant,
    games,
    register_envs,
    register_game,
    resolve,
)
from bevy_gym.remote import make_remote
from bevy_gym.schema import option_schema
from bevy_gym.settings import GameSettings
from bevy_gym.shared_arena import SharedArenaVectorEnv
from bevy_gym.transport import (
    ProtocolError,
    ServerDiedError,
    ServerError,
    ServerRefusedError,
    ServerTimeoutError,
)
from bevy_gym.vector_env import BevyVectorEnv

__version__ = "0.1.0"

__all__ = [
    "LEGACY_PORT",
    "PROTOCOL_VERSION",
    "BevyEnv",
    "BevyGymServer",
    "BevyParallelEnv",
    "BevyVectorEnv",
    "BinaryNotFoundError",
    "Client",
    "Game",
    "GameServer",
    "GameSettings",
    "GymVariant",
    "Launch",
    "LegacyGame",
    "LegacyServer",
    "ProtocolError",
    "ServerDiedError",
    "ServerError",
    "ServerLink",
    "ServerProcess",
    "ServerRefusedError",
    "ServerStartError",
    "ServerTimeoutError",
    "SharedArenaVectorEnv",
    "Spec",
    "StepResult",
    "aec_env",
    "find_binary",
    "games",
    "make",
    "make_parallel",
    "make_remote",
    "make_vec",
    "option_schema",
    "register_envs",
    "register_game",
    "resolve",
]

register_envs()
