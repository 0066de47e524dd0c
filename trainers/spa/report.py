"""How well learned contributions c_t track the env's true progress.

Our envs report ``info["progress"]`` (goal conditions met, purchase stage, sub-answers solved),
which the paper's envs do not; so the estimator can be judged directly: Spearman's rank
correlation between c_t and the true progress increments over all steps of held-out
trajectories, and the MSE of ``sum_t c_t`` against R (the quantity it was trained on).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trainers.spa.rewards import progress_increments
from trainers.trajectory import Trajectory


def average_ranks(values: Sequence[float]) -> np.ndarray:
    """Ranks 1..n with ties given their average rank.

    >>> average_ranks([10.0, 30.0, 20.0, 20.0]).tolist()
    [1.0, 4.0, 2.5, 2.5]
    """
    x = np.asarray(values, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=np.float64)
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and x[order[j + 1]] == x[order[i]]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rho (Pearson correlation of average ranks); nan when either side is constant.

    >>> spearman([1, 2, 3, 4], [10, 20, 30, 45]), spearman([1, 2, 3], [3, 2, 1])
    (1.0, -1.0)
    """
    if len(x) != len(y):
        raise ValueError("x and y need equal lengths")
    rx, ry = average_ranks(x), average_ranks(y)
    if len(rx) < 2 or rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def _num(x: float) -> float | None:
    """JSON-safe: None for nan (a constant side has no rank correlation)."""
    return None if np.isnan(x) else float(x)


def progress_report(trajectories: Sequence[Trajectory],
                    contributions: Sequence[np.ndarray]) -> dict[str, float | None]:
    """Spearman(c_t, true progress increments) over every step, the same within trajectories
    (mean over those with varying increments), MSE of ``sum c_t`` vs R beside the MSE of the
    constant predictor (this set's mean R), Spearman(sum c_t, number of steps), the mean c_t on
    final and on earlier steps, and counts."""
    c_all, p_all, within = [], [], []
    c_last, sums, lengths = [], [], []
    for traj, c in zip(trajectories, contributions, strict=True):
        inc = progress_increments(traj)
        c_all.extend(c.tolist())
        c_last.extend(c[-1:].tolist())
        p_all.extend(inc.tolist())
        sums.append(float(np.sum(c)))
        lengths.append(len(c))
        rho = spearman(c, inc) if len(c) > 1 else float("nan")
        if not np.isnan(rho):
            within.append(rho)
    returns = np.array([t.total_reward for t in trajectories], dtype=float)
    return {
        "trajectories": float(len(trajectories)),
        "steps": float(len(c_all)),
        "spearman_progress": _num(spearman(c_all, p_all)) if c_all else None,
        "spearman_progress_within": float(np.mean(within)) if within else None,
        "return_mse": float(np.mean((np.array(sums) - returns) ** 2)) if sums else None,
        # the yardstick: an estimator that ignores the trajectory and predicts the mean R
        "return_mse_constant": float(np.var(returns)) if sums else None,
        # > 0: longer trajectories collect more c_t, so as a reward c_t pays for length
        "spearman_sum_length": _num(spearman(sums, lengths)) if len(sums) > 1 else None,
        "mean_contribution": float(np.mean(c_all)) if c_all else None,
        # where the estimator puts the outcome: on the final step (where R is paid) or before
        "mean_contribution_last": float(np.mean(c_last)) if c_last else None,
        "mean_contribution_earlier": (float((np.sum(c_all) - np.sum(c_last))
                                            / (len(c_all) - len(c_last)))
                                      if len(c_all) > len(c_last) else None),
    }
