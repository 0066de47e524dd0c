"""SPA's step rewards and the signals they are built from (pure functions over trajectories).

Eq. 6 of arXiv 2505.20732: ``r_t = alpha * c_t + beta * g_t`` with c_t the estimator's
contribution of step t and g_t the grounding signal: 1 when the step's action was executed by
the env (valid, and effective where the env reports it), else 0. The released code uses
alpha = 1, beta = 0.5 and gives the final step its grounding term too (as here). It also scales
the rewards by (n - k - 1), which gives the last step weight 0; that is not in the paper and is
not copied.

Two stand-ins for c_t, same composition:

* ``loo_contributions``: the released WebShop script's leave-one-out outcome baseline,
  ``c_t = R_i - mean_{j != i} R_j`` over the task's group at every step of trajectory i (the
  ``spa_loo`` ablation);
* ``progress_increments``: the env's own ``info["progress"]`` increments (the
  ``progress_oracle`` upper bound: what a perfect estimator of true progress would give).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trainers.trajectory import Trajectory


def grounding(traj: Trajectory) -> np.ndarray:
    """g_t: 1.0 where the env executed the action (``action_valid``, and ``info["effective"]``
    where the env reports whether the world changed), else 0.0.

    >>> from trainers.trajectory import StepRecord
    >>> steps = [StepRecord(0, "", "", "a", 0.0, False, False, True),
    ...          StepRecord(1, "", "", "b", 0.0, False, False, False),
    ...          StepRecord(2, "", "", "c", 1.0, True, False, True, {"effective": False})]
    >>> grounding(Trajectory("t", "g", "e", "k", 0, steps, [])).tolist()
    [1.0, 0.0, 0.0]
    """
    return np.asarray([float(s.action_valid and bool(s.info.get("effective", True)))
                       for s in traj.steps], dtype=np.float64)


def compose(contributions: np.ndarray, grounding_signal: np.ndarray, alpha: float = 1.0,
            beta: float = 0.5) -> np.ndarray:
    """Eq. 6: ``r_t = alpha * c_t + beta * g_t``.

    >>> compose(np.array([0.2, 0.8]), np.array([1.0, 0.0])).tolist()
    [0.7, 0.8]
    """
    c = np.asarray(contributions, dtype=np.float64)
    g = np.asarray(grounding_signal, dtype=np.float64)
    if c.shape != g.shape:
        raise ValueError(f"one contribution per step: {c.shape} vs {g.shape}")
    return alpha * c + beta * g


def loo_contributions(trajectories: Sequence[Trajectory]) -> list[np.ndarray]:
    """Per trajectory, ``R_i - mean_{j != i} R_j`` over its group at every step (R_i itself in a
    group of one, as the released script does).

    >>> from trainers.trajectory import StepRecord
    >>> def traj(i, r, n):
    ...     steps = [StepRecord(k, "", "", "a", r if k == n - 1 else 0.0, False, False, True)
    ...              for k in range(n)]
    ...     return Trajectory(f"t{i}", "g", "e", "k", 0, steps, [])
    >>> [c.tolist() for c in loo_contributions([traj(0, 1.0, 2), traj(1, 0.0, 1), traj(2, 0.0, 1)])]
    [[1.0, 1.0], [-0.5], [-0.5]]
    """
    returns = np.asarray([t.total_reward for t in trajectories], dtype=np.float64)
    out: list[np.ndarray] = [np.zeros(0)] * len(trajectories)
    groups: dict[str, list[int]] = {}
    for i, t in enumerate(trajectories):
        groups.setdefault(t.group_id, []).append(i)
    for idx in groups.values():
        for i in idx:
            others = [returns[j] for j in idx if j != i]
            value = returns[i] - float(np.mean(others)) if others else returns[i]
            out[i] = np.full(trajectories[i].num_steps, value)
    return out


def progress_increments(traj: Trajectory) -> np.ndarray:
    """``progress_t - progress_{t-1}`` from the env's ``info["progress"]`` after each step, the
    first step measured from ``meta["initial_progress"]`` (the reset's, 0 when absent).

    >>> from trainers.trajectory import StepRecord
    >>> steps = [StepRecord(k, "", "", "a", 0.0, False, False, True, {"progress": p})
    ...          for k, p in enumerate([0.5, 0.5, 1.0])]
    >>> progress_increments(Trajectory("t", "g", "e", "k", 0, steps, [])).tolist()
    [0.5, 0.0, 0.5]
    """
    prev = float(traj.meta.get("initial_progress") or 0.0)
    out = []
    for s in traj.steps:
        cur = float(s.info.get("progress", prev))
        out.append(cur - prev)
        prev = cur
    return np.asarray(out, dtype=np.float64)
