"""GiGPO: group-in-group policy optimisation (Feng et al., arXiv 2505.10978).

* Episode level (Sec. 4.1, Eq. 3): ``A^E(tau_i) = (R(tau_i) - mean_j R(tau_j)) / F_norm``
  over the G trajectories of one task (``F_norm`` = std, or 1 with ``scale_std=False``).
* Anchor-state grouping (Sec. 4.2, Eq. 4): every distinct environment state ``s~`` seen in the
  group's trajectories is an anchor; the step group ``G^S(s~)`` holds every (trajectory, step)
  whose state is ``s~``. States are compared by ``StepRecord.state_key`` (the rollout engine's
  key, never env text parsed here): ``matching="exact"``, or ``"similarity"`` where two keys
  match when rapidfuzz's ``ratio`` >= ``similarity_threshold`` (verl-agent's
  ``are_similar``; greedy clustering against each cluster's first key).
* Step return (Eq. 5): ``R_t = sum_{k >= t} gamma^(k - t) r_k`` with ``gamma`` = 0.95.
* Step advantage (Eq. 6): ``A^S = (R_t - mean(G^S)) / F_norm(G^S)``; a step group of one gets 0.
* Combined (Eq. 7): ``A = A^E + w * A^S`` with ``w`` = 1.
* Invalid actions (Sec. 5.1, verl-agent ``invalid_action_penalty_coef`` = 0.1): the penalty is
  subtracted from the step reward ``r_t`` of every invalid step; with ``penalise_episode``
  (default True) the episode return R(tau) is the sum of the penalised step rewards, too.

``gamma`` may be a float, a :class:`trainers.schedules.discount.DiscountSchedule` or any
zero-argument callable; it is read at every call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from trainers.credit.base import CreditMethod, register_credit
from trainers.credit.grpo import episode_advantages
from trainers.credit.stats import EPS, discounted_returns, normalise_by_key, penalised_rewards
from trainers.schedules.discount import DiscountSchedule, resolve_gamma
from trainers.trajectory import Trajectory

MATCHINGS = ("exact", "similarity")


def similarity_clusters(keys: Sequence[str], threshold: float) -> list[int]:
    """Cluster id per key: a key joins the first cluster whose first key it matches
    (``rapidfuzz.fuzz.ratio / 100 >= threshold``), else starts a new cluster."""
    from rapidfuzz import fuzz

    reps: list[str] = []
    out: list[int] = []
    for key in keys:
        for cid, rep in enumerate(reps):
            if key == rep or fuzz.ratio(key, rep) / 100.0 >= threshold:
                out.append(cid)
                break
        else:
            reps.append(key)
            out.append(len(reps) - 1)
    return out


def anchor_keys(trajectories: Sequence[Trajectory], matching: str = "exact",
                threshold: float = 0.95) -> list[tuple[str, Any]]:
    """The anchor-group key of every step, flattened in (trajectory, step) order."""
    if matching not in MATCHINGS:
        raise ValueError(f"matching must be one of {MATCHINGS}, got {matching!r}")
    flat = [(t.group_id, s.state_key) for t in trajectories for s in t.steps]
    if matching == "exact":
        return flat
    out: list[tuple[str, Any]] = [("", 0)] * len(flat)
    by_group: dict[str, list[int]] = {}
    for i, (gid, _) in enumerate(flat):
        by_group.setdefault(gid, []).append(i)
    for gid, idx in by_group.items():
        cids = similarity_clusters([flat[i][1] for i in idx], threshold)
        for i, cid in zip(idx, cids):
            out[i] = (gid, cid)
    return out


@register_credit("gigpo")
class GiGPOCredit(CreditMethod):
    """``A = A^E + w * A^S`` over episode groups and anchor-state step groups."""

    def __init__(self, gamma: float | DiscountSchedule | Callable[[], float] = 0.95,
                 step_weight: float = 1.0, matching: str = "exact",
                 similarity_threshold: float = 0.95, invalid_penalty: float = 0.1,
                 scale_std: bool = True, penalise_episode: bool = True,
                 eps: float = EPS) -> None:
        if matching not in MATCHINGS:
            raise ValueError(f"matching must be one of {MATCHINGS}, got {matching!r}")
        self.gamma = gamma
        self.step_weight = step_weight
        self.matching = matching
        self.similarity_threshold = similarity_threshold
        self.invalid_penalty = invalid_penalty
        self.scale_std = scale_std
        self.penalise_episode = penalise_episode
        self.eps = eps
        self._stats: dict[str, float] = {}

    def step_advantages(self, trajectories: Sequence[Trajectory]) -> list[np.ndarray]:
        gamma = resolve_gamma(self.gamma)
        ep_penalty = self.invalid_penalty if self.penalise_episode else 0.0
        a_e = episode_advantages(trajectories, self.scale_std, self.eps, ep_penalty)
        returns = np.concatenate(
            [discounted_returns(penalised_rewards(t, self.invalid_penalty), gamma)
             for t in trajectories] or [np.zeros(0)])
        keys = anchor_keys(trajectories, self.matching, self.similarity_threshold)
        a_s = normalise_by_key(returns, keys, self.scale_std, self.eps)
        sizes: dict[Any, int] = {}
        for k in keys:
            sizes[k] = sizes.get(k, 0) + 1
        self._stats = {
            "gamma": gamma,
            "anchor_groups": float(len(sizes)),
            "anchor_group_size_mean": float(np.mean(list(sizes.values()))) if sizes else 0.0,
            "anchor_singleton_frac": (float(np.mean([v == 1 for v in sizes.values()]))
                                      if sizes else 0.0),
        }
        out: list[np.ndarray] = []
        pos = 0
        for t, ae in zip(trajectories, a_e):
            n = t.num_steps
            out.append(ae + self.step_weight * a_s[pos:pos + n])
            pos += n
        return out

    def stats(self) -> dict[str, float]:
        return dict(self._stats)
