"""The games registered by bevy_gym (installed as `bevy_gym.envs`): one versioned module per game,
`dodge_v0`, `dodge_v1`, `tag_v0`, `tag_v1`, each exporting `env`, `parallel_env` and `raw_env` in
PettingZoo's style."""
