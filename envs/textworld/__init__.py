"""TextWorld env (``stepgym/TextWorld-v0``); see envs/textworld/env.py."""

from envs.textworld.env import TextWorldEnv

__all__ = ["TextWorldEnv"]
