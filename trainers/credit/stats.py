"""Group statistics shared by every credit method: grouping and within-group normalisation.

Normalisation follows GRPO (arXiv 2402.03300, Sec. 4.1.2) and verl-agent's ``core_gigpo.py``:
``(x - mean) / (std + eps)`` with the unbiased (n - 1) standard deviation; with
``scale_std=False`` only the mean is removed (Dr. GRPO, arXiv 2503.20783, Sec. 3.1). A group of
one has no baseline: its normalised value is 0 (verl-agent: mean = the value, std = 1).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from trainers.trajectory import Trajectory

EPS = 1e-6


def group_indices(keys: Sequence[Hashable]) -> dict[Hashable, list[int]]:
    """Positions of each distinct key, in first-seen order."""
    groups: dict[Hashable, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    return groups


def trajectory_groups(trajectories: Sequence[Trajectory]) -> dict[str, list[int]]:
    """Indices of the trajectories of each ``group_id`` (the G rollouts of one task)."""
    return group_indices([t.group_id for t in trajectories])  # type: ignore[return-value]


def normalise(values: Sequence[float], scale_std: bool = True, eps: float = EPS) -> np.ndarray:
    """``(x - mean(x)) / (std(x) + eps)`` (unbiased std), or ``x - mean(x)`` without scaling.

    >>> normalise([1.0, 0.0, 0.0, 0.0], scale_std=False).tolist()
    [0.75, -0.25, -0.25, -0.25]
    """
    x = np.asarray(values, dtype=np.float64)
    if x.size <= 1:
        return np.zeros_like(x)
    centred = x - x.mean()
    if not scale_std:
        return centred
    return centred / (x.std(ddof=1) + eps)


def normalise_by_key(values: Sequence[float], keys: Sequence[Hashable], scale_std: bool = True,
                     eps: float = EPS) -> np.ndarray:
    """Normalise ``values`` within each group of equal ``keys``."""
    x = np.asarray(values, dtype=np.float64)
    out = np.zeros_like(x)
    for idx in group_indices(keys).values():
        out[idx] = normalise(x[idx], scale_std, eps)
    return out


def discounted_returns(rewards: Sequence[float], gamma: float) -> np.ndarray:
    """``R_t = sum_{k >= t} gamma^(k - t) r_k`` (GiGPO Eq. 5), computed backwards.

    >>> discounted_returns([0.0, 0.0, 1.0], 0.5).tolist()
    [0.25, 0.5, 1.0]
    """
    r = np.asarray(rewards, dtype=np.float64)
    out = np.zeros_like(r)
    running = 0.0
    for t in range(len(r) - 1, -1, -1):
        running = r[t] + gamma * running
        out[t] = running
    return out


def penalised_rewards(traj: Trajectory, invalid_penalty: float,
                      rewards: Sequence[float] | None = None) -> np.ndarray:
    """Step rewards (the env's, or ``rewards`` in their place, e.g. SPA's) with
    ``invalid_penalty`` subtracted on steps whose action was invalid."""
    base = [s.reward for s in traj.steps] if rewards is None else list(rewards)
    if len(base) != traj.num_steps:
        raise ValueError(f"{len(base)} rewards for {traj.num_steps} steps")
    return np.asarray([r - (invalid_penalty if not s.action_valid else 0.0)
                       for r, s in zip(base, traj.steps)], dtype=np.float64)
