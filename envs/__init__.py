"""The games registered by bevy_gym (installed as `bevy_gym.envs`): one versioned module per game,
`dodge_v0`, exporting `env`, `parallel_env` and `raw_env` in PettingZoo's style."""
