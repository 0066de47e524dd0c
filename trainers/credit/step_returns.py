"""Discounted step returns, normalised per task group.

Each step's return ``R_t = sum_{k >= t} gamma^(k - t) r_k`` (the step return of GiGPO,
arXiv 2505.10978 Eq. 5, i.e. the Monte-Carlo return of REINFORCE, Williams 1992) is normalised
over all steps of all trajectories in the task's group (``(R_t - mean) / (std + eps)``, GRPO's
normaliser, arXiv 2402.03300 Sec. 4.1.3 "process supervision" applied to returns; without std
scaling as in Dr. GRPO). ``gamma`` is a float, a
:class:`trainers.schedules.discount.DiscountSchedule` or a zero-argument callable, read at every
call, so a schedule (ADS) can change it between updates. Optional invalid-action penalty as in
GiGPO (default 0 here).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from trainers.credit.base import CreditMethod, register_credit
from trainers.credit.stats import EPS, discounted_returns, normalise_by_key, penalised_rewards
from trainers.schedules.discount import DiscountSchedule, resolve_gamma
from trainers.trajectory import Trajectory


@register_credit("step_returns")
class StepReturnCredit(CreditMethod):
    """Per-step discounted returns normalised within each ``group_id``."""

    def __init__(self, gamma: float | DiscountSchedule | Callable[[], float] = 0.95,
                 scale_std: bool = True, invalid_penalty: float = 0.0, eps: float = EPS) -> None:
        self.gamma = gamma
        self.scale_std = scale_std
        self.invalid_penalty = invalid_penalty
        self.eps = eps

    def step_advantages(self, trajectories: Sequence[Trajectory]) -> list[np.ndarray]:
        gamma = resolve_gamma(self.gamma)
        rets = [discounted_returns(penalised_rewards(t, self.invalid_penalty), gamma)
                for t in trajectories]
        keys = [t.group_id for t, r in zip(trajectories, rets) for _ in range(len(r))]
        flat = np.concatenate(rets) if rets else np.zeros(0)
        norm = normalise_by_key(flat, keys, self.scale_std, self.eps)
        out: list[np.ndarray] = []
        pos = 0
        for r in rets:
            out.append(norm[pos:pos + len(r)])
            pos += len(r)
        return out
