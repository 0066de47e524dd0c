"""TextWorld games (Côté et al., 2018): challenge settings, the game cache and the task suite."""

from tasks.textworld.challenges import CHALLENGES, normalise_settings
from tasks.textworld.suite import DEFAULT_POOL_SIZE, EVAL_SIZE, TextWorldSuite

__all__ = ["CHALLENGES", "DEFAULT_POOL_SIZE", "EVAL_SIZE", "TextWorldSuite", "normalise_settings"]
