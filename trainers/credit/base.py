"""The credit-assignment interface and its registry.

A credit method reads a batch of trajectories (with ``group_id`` s tying the G rollouts of one
task) and returns one array of per-step advantages per trajectory. :meth:`CreditMethod.
token_advantages` broadcasts them onto each sample's generated tokens with
:func:`trainers.trajectory.broadcast_step_values`, whatever the context mode.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from trainers.trajectory import Trajectory, broadcast_step_values

_REGISTRY: dict[str, type[CreditMethod]] = {}


class CreditMethod(ABC):
    """Trajectories with groups in, per-step advantages out (one array per trajectory)."""

    name: str = ""

    @abstractmethod
    def step_advantages(self, trajectories: Sequence[Trajectory]) -> list[np.ndarray]:
        """One float array of length ``traj.num_steps`` per trajectory, in input order."""

    def token_advantages(self, trajectories: Sequence[Trajectory]) -> list[list[np.ndarray]]:
        """Per trajectory, per sample: the per-token advantages (0 on non-generated tokens)."""
        per_step = self.step_advantages(trajectories)
        return [[broadcast_step_values(s, adv) for s in traj.samples]
                for traj, adv in zip(trajectories, per_step, strict=True)]

    def step_rewards(self, trajectories: Sequence[Trajectory]) -> list[np.ndarray] | None:
        """Per-step rewards that replace the env's, for methods that redistribute the reward
        (SPA); None for methods that only give advantages. PPO puts them into its GAE."""
        return None

    def stats(self) -> dict[str, float]:
        """Diagnostics from the last call (logged by the trainer)."""
        return {}


def register_credit(name: str) -> Callable[[type[CreditMethod]], type[CreditMethod]]:
    """Class decorator: make a credit method available by ``name``."""

    def deco(cls: type[CreditMethod]) -> type[CreditMethod]:
        if name in _REGISTRY:
            raise ValueError(f"credit method {name!r} registered twice")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return deco


def make_credit(name: str, **params: Any) -> CreditMethod:
    """An instance of the credit method registered as ``name``, with ``params``."""
    if name not in _REGISTRY:
        raise KeyError(f"unknown credit method {name!r}; available: {available_credit()}")
    return _REGISTRY[name](**params)


def available_credit() -> list[str]:
    return sorted(_REGISTRY)
