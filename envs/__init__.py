"""Gymnasium text environments for LLM agents. ``import envs`` registers them all.

>>> import gymnasium as gym, envs
>>> "stepgym/MathChain-v0" in gym.registry
True
"""

from envs.core import (
    REQUIRED_INFO_KEYS,
    EnvState,
    StepInfo,
    TextEnv,
    Transition,
    restore_state,
    save_state,
)
from envs.registry import ENV_TABLE, register_all, registered_ids
from envs.spaces import FreeText

register_all()

__all__ = [
    "ENV_TABLE",
    "REQUIRED_INFO_KEYS",
    "EnvState",
    "FreeText",
    "StepInfo",
    "TextEnv",
    "Transition",
    "register_all",
    "registered_ids",
    "restore_state",
    "save_state",
]
