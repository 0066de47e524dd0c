"""Uniform random policy over the admissible actions (seeded, own generator)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from agents.base import Agent


class RandomAgent(Agent):
    """Picks uniformly among ``info["admissible_actions"]``; where the env lists none, among
    ``fallback_actions`` (e.g. the expert's first moves), else it writes ``"look"``."""

    name = "random"

    def __init__(self, seed: int = 0, fallback_actions: Sequence[str] = ()) -> None:
        self.rng = np.random.default_rng(seed)
        self.fallback_actions = list(fallback_actions)

    def act(self, observation: str, info: Mapping[str, Any]) -> str:
        choices = info.get("admissible_actions") or self.fallback_actions or ["look"]
        return str(choices[int(self.rng.integers(len(choices)))])
