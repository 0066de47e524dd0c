"""PORTool's rewarded tree rollouts (arXiv 2510.26020, Sec. 3.2-3.3) as a credit method.

Over one tree of n leaves (:mod:`trainers.tree`), every step s (a node, shared by the leaves
below it) gets a step reward

    R(s) = correct(s) + tool_weight * tool_ok(s)

with ``correct(s)`` the fraction of leaves below s that won, and ``tool_ok(s)`` = 1 when the step
made a tool call that was well formed and executed (the env's ``tool_calls`` rose and its
``failed_calls`` did not). The advantage of step s in leaf i is

    A = A_traj(i) + lambda * decay^depth(s) * A_fork(s)

``A_traj`` is the GRPO outcome advantage over the tree's n leaves (``(R_i - mean) / std``);
``A_fork(s)`` is R(s) normalised among its siblings (the children of the same fork; an only child
gets 0). The paper's exact normalisers are not public: ``lambda`` (``fork_weight``, default 1),
``decay`` (default 1, no decay) and ``scale_std`` (default True: divide by the std, as GRPO
does; False: only centre, as Dr. GRPO) are configurable; these defaults give both terms unit
scale and equal weight, the simplest reading of "add a fork-relative advantage".

A shared step's tokens are trained once (the tree records them in one leaf only): for such a
step ``A_traj`` is the mean of ``A_traj`` over the leaves below it, which is what training the
copies once per leaf would average to, without counting the tokens n times.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from trainers.credit.base import CreditMethod, register_credit
from trainers.credit.stats import EPS, normalise_by_key, trajectory_groups
from trainers.trajectory import Trajectory


def tool_ok(traj: Trajectory) -> np.ndarray:
    """Per step: 1.0 where a tool call was made and none failed (``info`` counters), else 0.

    >>> from trainers.trajectory import StepRecord
    >>> infos = [{"tool_calls": 1, "failed_calls": 0}, {"tool_calls": 2, "failed_calls": 1},
    ...          {"tool_calls": 2, "failed_calls": 1}]
    >>> steps = [StepRecord(k, "", "", "a", 0.0, False, False, True, i) for k, i in enumerate(infos)]
    >>> tool_ok(Trajectory("t", "g", "e", "k", 0, steps, [])).tolist()
    [1.0, 0.0, 0.0]
    """
    out, calls, failed = [], 0, 0
    for s in traj.steps:
        c, f = int(s.info.get("tool_calls", calls)), int(s.info.get("failed_calls", failed))
        out.append(float(c > calls and f == failed))
        calls, failed = c, f
    return np.asarray(out, dtype=np.float64)


@register_credit("portool")
class PORToolCredit(CreditMethod):
    """``A = A_traj + lambda * decay^depth * A_fork`` over rollout trees (module docstring)."""

    def __init__(self, tool_weight: float = 0.1, fork_weight: float = 1.0, decay: float = 1.0,
                 scale_std: bool = True, eps: float = EPS) -> None:
        self.tool_weight, self.fork_weight, self.decay = tool_weight, fork_weight, decay
        self.scale_std, self.eps = scale_std, eps
        self._stats: dict[str, float] = {}

    def node_rewards(self, trajectories: Sequence[Trajectory]) -> dict[str, float]:
        """R(s) for every node of the trees in ``trajectories``."""
        from trainers.tree import tree_nodes

        nodes = tree_nodes(trajectories)
        tool = {}
        for traj in trajectories:
            for node, ok in zip(traj.meta["tree_path"], tool_ok(traj)):
                tool[node] = ok
        return {node: float(np.mean([trajectories[i].won for i in v["leaves"]]))
                + self.tool_weight * tool[node] for node, v in nodes.items()}

    def step_advantages(self, trajectories: Sequence[Trajectory]) -> list[np.ndarray]:
        from trainers.tree import tree_nodes

        nodes = tree_nodes(trajectories)
        rewards = self.node_rewards(trajectories)
        # A_traj: GRPO over each tree's leaves
        a_traj = np.zeros(len(trajectories))
        for idx in trajectory_groups(trajectories).values():
            a_traj[idx] = normalise_by_key([trajectories[i].total_reward for i in idx],
                                           [0] * len(idx), self.scale_std, self.eps)
        names = list(nodes)
        siblings: list[Any] = [(nodes[n]["group"], nodes[n]["parent"]) for n in names]
        a_fork = dict(zip(names, normalise_by_key([rewards[n] for n in names], siblings,
                                                  self.scale_std, self.eps)))
        node_traj = {n: float(np.mean(a_traj[nodes[n]["leaves"]])) for n in names}
        out = []
        for traj in trajectories:
            path = traj.meta["tree_path"]
            out.append(np.asarray([node_traj[n] + self.fork_weight * self.decay ** d * a_fork[n]
                                   for d, n in enumerate(path)], dtype=np.float64))
        sizes = [sum(1 for m in names if nodes[m]["parent"] == n) for n in names]
        self._stats = {"nodes": float(len(names)),
                       "branching_nodes": float(sum(s > 1 for s in sizes)),
                       "mean_node_reward": float(np.mean(list(rewards.values()))) if names else 0.0}
        return out

    def stats(self) -> dict[str, float]:
        return dict(self._stats)
