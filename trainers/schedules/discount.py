"""The discount-schedule protocol shared by GAE and the step-return credit methods.

A schedule exposes the discount to use now as ``.gamma`` and is callable (``schedule()``
returns the same number), so a consumer may accept a float, a schedule object or any
zero-argument callable and read it with :func:`resolve_gamma`. Schedules that learn from
rollouts (ADS) also offer ``update(trajectories) -> dict`` and ``state_dict`` /
``load_state_dict`` so a resumed run continues from the same discount.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class DiscountSchedule(Protocol):
    """Anything with a current ``gamma`` that can be called for it."""

    @property
    def gamma(self) -> float: ...

    def __call__(self) -> float: ...


class ConstantDiscount:
    """A fixed discount factor (the default when no schedule is configured)."""

    def __init__(self, gamma: float = 1.0) -> None:
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {gamma}")
        self._gamma = float(gamma)

    @property
    def gamma(self) -> float:
        return self._gamma

    def __call__(self) -> float:
        return self._gamma

    def update(self, trajectories: Any = None) -> dict[str, float]:
        return {"gamma": self._gamma}

    def state_dict(self) -> dict[str, Any]:
        return {"gamma": self._gamma}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._gamma = float(state["gamma"])


def resolve_gamma(gamma: float | DiscountSchedule | Callable[[], float]) -> float:
    """The current discount from a float, a schedule object or a zero-argument callable."""
    if isinstance(gamma, (int, float)):
        return float(gamma)
    value = getattr(gamma, "gamma", None)
    if value is None:
        value = gamma()
    return float(value)
