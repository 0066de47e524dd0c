"""Horizon curricula from h1 (arXiv 2510.07312) for any env with a horizon reset option.

h1 trains on composed chains of h sub-problems and grows h: a *fixed* curriculum of
``steps_per_horizon`` training steps at each h = 1..5 (200 steps each in the paper, sec. 4),
compared at equal compute with training on *only h = 1*, a *uniform mix* of h, and *only the
longest* h. We add a *progress-gated* curriculum: ADS's gate (arXiv 2310.07433) applied to
the horizon, raising h when the eval pass rate at the current h reaches a threshold.

Each schedule yields the reset options for the next batch (``{"horizon": h}``, the key
configurable) from the training step and a seeded numpy Generator; the trainer passes them
to the rollout engine. Schedules hold no RNG of their own, so a run is reproducible from its
seed and ``state_dict``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


class HorizonCurriculum(ABC):
    """Base: which horizon to train on at a given step."""

    def __init__(self, horizons: Sequence[int] = (1, 2, 3, 4, 5), option_key: str = "horizon"):
        hs = sorted({int(h) for h in horizons})
        if not hs or hs[0] < 1:
            raise ValueError(f"horizons must be positive integers, got {list(horizons)}")
        self.horizons = tuple(hs)
        self.option_key = option_key

    @abstractmethod
    def horizon(self, step: int, rng: np.random.Generator) -> int:
        """The horizon for one episode of training step ``step``."""

    def options(self, step: int, rng: np.random.Generator) -> dict[str, int]:
        """Reset options for a whole batch at ``step`` (one horizon for the batch)."""
        return {self.option_key: self.horizon(step, rng)}

    def batch_options(self, step: int, n: int, rng: np.random.Generator) -> list[dict[str, int]]:
        """Reset options per episode (a mixing schedule draws a horizon for each)."""
        return [{self.option_key: self.horizon(step, rng)} for _ in range(n)]

    def eval_horizons(self) -> tuple[int, ...]:
        """The horizons whose pass rate ``update`` wants (the gated schedule's current one)."""
        return self.horizons

    def update(self, pass_rates: Mapping[int, float]) -> dict[str, Any]:
        """Feed eval pass rates per horizon; fixed schedules ignore them."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        return None


class FixedCurriculum(HorizonCurriculum):
    """h1's schedule: ``steps_per_horizon`` steps at each horizon in order, then the last."""

    def __init__(self, horizons: Sequence[int] = (1, 2, 3, 4, 5), steps_per_horizon: int = 200,
                 option_key: str = "horizon"):
        super().__init__(horizons, option_key)
        if steps_per_horizon < 1:
            raise ValueError("steps_per_horizon must be >= 1")
        self.steps_per_horizon = int(steps_per_horizon)

    def horizon(self, step: int, rng: np.random.Generator) -> int:
        return self.horizons[min(step // self.steps_per_horizon, len(self.horizons) - 1)]


class UniformMix(HorizonCurriculum):
    """Every episode's horizon drawn uniformly from ``horizons`` (h1's mixing baseline)."""

    def horizon(self, step: int, rng: np.random.Generator) -> int:
        return int(rng.choice(self.horizons))


class ConstantHorizon(HorizonCurriculum):
    """Always one horizon: ``only_h1`` (h = 1) and ``only_longest`` (h = max) baselines."""

    def __init__(self, horizon: int, option_key: str = "horizon"):
        super().__init__((horizon,), option_key)

    def horizon(self, step: int, rng: np.random.Generator) -> int:
        return self.horizons[0]


class GatedCurriculum(HorizonCurriculum):
    """Progress-gated: raise h while the eval pass rate at the current h >= ``threshold``
    (at most ``max_increments`` per update, as ADS raises k; needs the rate at each new h)."""

    def __init__(self, horizons: Sequence[int] = (1, 2, 3, 4, 5), threshold: float = 0.5,
                 max_increments: int = 5, option_key: str = "horizon"):
        super().__init__(horizons, option_key)
        self.threshold = float(threshold)
        self.max_increments = int(max_increments)
        self.index = 0
        self.history: list[dict[str, Any]] = []

    @property
    def current(self) -> int:
        return self.horizons[self.index]

    def horizon(self, step: int, rng: np.random.Generator) -> int:
        return self.current

    def eval_horizons(self) -> tuple[int, ...]:
        return self.horizons[self.index:]

    def update(self, pass_rates: Mapping[int, float]) -> dict[str, Any]:
        increments = 0
        while (increments < self.max_increments and self.index < len(self.horizons) - 1
               and pass_rates.get(self.current, -1.0) >= self.threshold):
            self.index += 1
            increments += 1
        record = {"horizon": self.current, "increments": increments,
                  "pass_rates": {int(h): float(r) for h, r in pass_rates.items()}}
        self.history.append(record)
        return record

    def state_dict(self) -> dict[str, Any]:
        return {"index": self.index, "history": list(self.history)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.index = int(state["index"])
        self.history = list(state.get("history", []))


CURRICULA = ("fixed", "uniform", "only_longest", "only_h1", "gated")


def make_curriculum(name: str, horizons: Sequence[int] = (1, 2, 3, 4, 5),
                    **kwargs: Any) -> HorizonCurriculum:
    """Build a curriculum by name: fixed | uniform | only_longest | only_h1 | gated."""
    key = kwargs.pop("option_key", "horizon")
    if name == "fixed":
        return FixedCurriculum(horizons, option_key=key, **kwargs)
    if name == "uniform":
        return UniformMix(horizons, option_key=key)
    if name == "only_longest":
        return ConstantHorizon(max(horizons), option_key=key)
    if name == "only_h1":
        return ConstantHorizon(min(horizons), option_key=key)
    if name == "gated":
        return GatedCurriculum(horizons, option_key=key, **kwargs)
    raise ValueError(f"unknown curriculum {name!r}; choose from {CURRICULA}")
