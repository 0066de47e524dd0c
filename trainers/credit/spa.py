"""SPA step rewards as credit methods: ``spa``, ``spa_loo`` and ``progress_oracle``.

SPA (Wang et al., arXiv 2505.20732) gives every step the reward ``r_t = alpha * c_t + beta * g_t``
(Eq. 6; :mod:`trainers.spa.rewards`), c_t from a progress estimator trained with
``stepgym spa fit`` (Eq. 4; :mod:`trainers.spa.estimator`). Two uses:

* PPO (the paper's choice): :meth:`step_rewards` replaces the env rewards in the GAE
  (``stepgym train-ppo`` with ``credit: spa``).
* GRPO-style (``stepgym train --credit spa``): the discounted step returns
  ``R_t = sum_{k >= t} gamma^(k - t) r_k`` are normalised within the task's group (all steps of
  the group's G rollouts, ``grouping="group"``) or within GiGPO's anchor-state groups
  (``grouping="anchor"``), as GiGPO's step term does (arXiv 2505.10978, Eq. 5-6). No outcome
  term is added: sum_t c_t is trained to equal R, so R_0 already carries the outcome.

``spa_loo`` is the released WebShop script's leave-one-out outcome baseline in place of c_t, as
a named ablation; ``progress_oracle`` uses the env's true progress increments (an upper bound
for a learned estimator). The released code's (n - k - 1) reward scaling, which zeroes the last
step, is deliberately not copied.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from trainers.credit.base import CreditMethod, register_credit
from trainers.credit.gigpo import anchor_keys
from trainers.credit.stats import EPS, discounted_returns, normalise_by_key, penalised_rewards
from trainers.spa.rewards import compose, grounding, loo_contributions, progress_increments
from trainers.trajectory import Trajectory

GROUPINGS = ("group", "anchor")


class _StepRewardCredit(CreditMethod):
    """Step rewards ``alpha * c_t + beta * g_t`` (c_t from :meth:`contributions`), and their
    group-normalised discounted returns as advantages."""

    def __init__(self, alpha: float = 1.0, beta: float = 0.5, gamma: float = 0.95,
                 grouping: str = "group", scale_std: bool = True, invalid_penalty: float = 0.0,
                 eps: float = EPS) -> None:
        if grouping not in GROUPINGS:
            raise ValueError(f"grouping must be one of {GROUPINGS}, got {grouping!r}")
        self.alpha, self.beta, self.gamma = alpha, beta, gamma
        self.grouping, self.scale_std = grouping, scale_std
        self.invalid_penalty, self.eps = invalid_penalty, eps
        self._stats: dict[str, float] = {}

    def contributions(self, trajectories: Sequence[Trajectory]) -> list[np.ndarray]:
        raise NotImplementedError

    def step_rewards(self, trajectories: Sequence[Trajectory]) -> list[np.ndarray]:
        contribs = self.contributions(trajectories)
        out = [compose(c, grounding(t), self.alpha, self.beta)
               for t, c in zip(trajectories, contribs, strict=True)]
        flat = np.concatenate(contribs) if contribs else np.zeros(0)
        self._stats = {"mean_contribution": float(flat.mean()) if flat.size else 0.0,
                       "mean_step_reward": float(np.concatenate(out).mean()) if flat.size else 0.0}
        return out

    def step_advantages(self, trajectories: Sequence[Trajectory]) -> list[np.ndarray]:
        rewards = self.step_rewards(trajectories)
        rets = [discounted_returns(penalised_rewards(t, self.invalid_penalty, r), float(self.gamma))
                for t, r in zip(trajectories, rewards, strict=True)]
        if self.grouping == "anchor":
            keys: list[Any] = anchor_keys(trajectories)
        else:
            keys = [t.group_id for t, r in zip(trajectories, rets) for _ in range(len(r))]
        flat = np.concatenate(rets) if rets else np.zeros(0)
        norm = normalise_by_key(flat, keys, self.scale_std, self.eps)
        out, pos = [], 0
        for r in rets:
            out.append(norm[pos:pos + len(r)])
            pos += len(r)
        return out

    def stats(self) -> dict[str, float]:
        return dict(self._stats)


@register_credit("spa")
class SPACredit(_StepRewardCredit):
    """c_t from a trained progress estimator (``estimator``: the directory `stepgym spa fit`
    wrote); see the module docstring."""

    def __init__(self, estimator: str | None = None, batch_size: int = 8,
                 device: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not estimator:
            raise ValueError("credit 'spa' needs estimator: the directory written by "
                             "`stepgym spa fit` (e.g. credit_kwargs: {estimator: runs/spa/estimator})")
        self.estimator_path = str(estimator)
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None

    def contributions(self, trajectories: Sequence[Trajectory]) -> list[np.ndarray]:
        if self._model is None:
            from trainers.spa.estimator import ProgressEstimator

            self._model = ProgressEstimator.load(self.estimator_path, device=self.device)
        return self._model.predict(trajectories, self.batch_size)


@register_credit("spa_loo")
class SPALeaveOneOutCredit(_StepRewardCredit):
    """Ablation: c_t = R_i - mean of the group's other returns (the released WebShop script)."""

    def contributions(self, trajectories: Sequence[Trajectory]) -> list[np.ndarray]:
        return loo_contributions(trajectories)


@register_credit("progress_oracle")
class ProgressOracleCredit(_StepRewardCredit):
    """Upper bound: c_t = the env's true progress increment at step t."""

    def contributions(self, trajectories: Sequence[Trajectory]) -> list[np.ndarray]:
        return [progress_increments(t) for t in trajectories]
