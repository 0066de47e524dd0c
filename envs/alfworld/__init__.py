"""ALFWorld-style household env (``stepgym/ALFWorld-v0``); see envs/alfworld/env.py."""

from envs.alfworld.env import ALFWorldEnv

__all__ = ["ALFWorldEnv"]
