"""ADS: Automatic Discount Scheduling (Liu et al., ICLR 2024, arXiv 2310.07433).

The discount grows with the agent's mastered progress k (number of expert steps it follows):

    gamma = f(k) = alpha^(1/k),   alpha = 0.2,   k0 = floor(0.2 * H)        (paper, sec. 4)

so early on only near-term rewards count, and later steps' rewards engage once the earlier
behaviour is learnt. Progress is measured by the *progress recogniser*:

* for an agent episode and an expert demo, map each of the agent's first k states to its
  nearest expert state (argmin distance) and take the length of the longest increasing
  subsequence (LIS) of those expert indices: how many of the agent's first k steps follow
  the expert's order;
* the reference ref(k) is the median of the same score over pairs of expert demos;
* after each phase of rollouts, up to 5 times: if the 90th percentile of the agents' scores
  >= floor(lambda * ref(k)) (lambda = 0.9) and k < H, then k += 1.

(ALGORITHMS.md writes the reference as ``ref[k-1]``: the 0-based entry for prefix length k.)

Our port to text envs. States are the observations the agent acted on (``StepRecord.
observation``) or the rollout engine's ``state_key``; the trainer never reads their meaning.
Nearest expert state: *exact* match by default (our envs are deterministic, so equal
observation text means the same state; an agent state that equals no expert state maps to
nothing and cannot extend the LIS, where the paper's continuous distance would map it to an
arbitrary frame). Optionally *fuzzy*: rapidfuzz's normalised Indel similarity (``ratio``,
0-100, after lower-casing and stripping punctuation) with a floor (default 90): text states
that differ only in a counter or an inventory line are the same progress point, and the floor
keeps unrelated states from matching anything. Demos are per task (a task's agent episodes are
scored against that task's demos; the score is the best over them). With one deterministic
expert demo per task there are no expert pairs: ref(k) is then the expert matched against
itself, min(k, len(demo)), and the gate asks 90% of the agents to follow floor(0.9 k) steps.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from trainers.trajectory import Trajectory

Matcher = Callable[[Sequence[str], Sequence[str]], list[int]]


def lis_length(seq: Sequence[int]) -> int:
    """Length of the longest strictly increasing subsequence (patience sorting, O(n log n))."""
    tails: list[int] = []
    for x in seq:
        i = bisect.bisect_left(tails, x)
        if i == len(tails):
            tails.append(x)
        else:
            tails[i] = x
    return len(tails)


def exact_matcher(agent_states: Sequence[str], expert_states: Sequence[str]) -> list[int]:
    """Expert index of each agent state (the first equal one); unmatched states are dropped."""
    first: dict[str, int] = {}
    for j, s in enumerate(expert_states):
        first.setdefault(s, j)
    return [first[s] for s in agent_states if s in first]


@dataclass(frozen=True)
class FuzzyMatcher:
    """Nearest expert state by rapidfuzz ``ratio`` (ties: the earliest), kept if >= min_score."""

    min_score: float = 90.0

    def __call__(self, agent_states: Sequence[str], expert_states: Sequence[str]) -> list[int]:
        if not agent_states or not expert_states:
            return []
        from rapidfuzz import fuzz, process, utils

        sim = process.cdist(list(agent_states), list(expert_states), scorer=fuzz.ratio,
                            processor=utils.default_process)
        best = sim.argmax(axis=1)
        return [int(j) for i, j in enumerate(best) if sim[i, j] >= self.min_score]


def progress_score(
    agent_states: Sequence[str], expert_states: Sequence[str], k: int, matcher: Matcher
) -> int:
    """LIS of the nearest-expert indices of the agent's first k states (ADS's Phi_k)."""
    return lis_length(matcher(list(agent_states[:k]), list(expert_states)))


def reference_scores(
    demos: Mapping[str, Sequence[Sequence[str]]], horizon: int, matcher: Matcher
) -> np.ndarray:
    """ref[k-1] for k = 1..horizon: the median score over ordered pairs of distinct demos of
    the same task; if no task has two demos, each demo against itself (min(k, len))."""
    refs = np.zeros(horizon)
    groups = [list(g) for g in demos.values() if len(g) >= 2]
    for k in range(1, horizon + 1):
        if groups:
            scores = [progress_score(a, b, k, matcher)
                      for g in groups for i, a in enumerate(g) for j, b in enumerate(g) if i != j]
        else:
            scores = [min(k, len(d)) for g in demos.values() for d in g]
        refs[k - 1] = float(np.median(scores))
    return refs


def trajectory_states(traj: Trajectory, state_field: str = "observation") -> list[str]:
    """The states the agent acted on, one per step (``observation`` or ``state_key``)."""
    if state_field not in ("observation", "state_key"):
        raise ValueError(f"state_field must be 'observation' or 'state_key', got {state_field!r}")
    return [getattr(s, state_field) for s in traj.steps]


class ADSSchedule:
    """The ADS discount schedule: ``.gamma`` (and ``schedule()``) is alpha^(1/k).

    ``demos`` maps a task id to that task's expert state sequences (see
    :func:`collect_expert_demos`). ``update(trajectories)`` runs the progress gate once per
    rollout phase and returns the logged ``{"k", "gamma", "increments", "score_q", "ref"}``.
    """

    def __init__(
        self,
        demos: Mapping[str, Sequence[Sequence[str]]],
        horizon: int | None = None,
        alpha: float = 0.2,
        k0: int | None = None,
        quantile: float = 0.9,
        threshold: float = 0.9,
        max_increments: int = 5,
        matcher: str | Matcher = "exact",
        min_similarity: float = 90.0,
        state_field: str = "observation",
    ) -> None:
        if not demos or not any(len(g) for g in demos.values()):
            raise ValueError("ADS needs at least one expert demo")
        self.demos = {str(key): [list(d) for d in g] for key, g in demos.items()}
        self.horizon = int(horizon or max(len(d) for g in self.demos.values() for d in g))
        self.alpha = float(alpha)
        self.quantile = float(quantile)
        self.threshold = float(threshold)
        self.max_increments = int(max_increments)
        self.state_field = state_field
        if matcher == "exact":
            self.matcher: Matcher = exact_matcher
        elif matcher == "fuzzy":
            self.matcher = FuzzyMatcher(min_similarity)
        elif callable(matcher):
            self.matcher = matcher
        else:
            raise ValueError(f"matcher must be 'exact', 'fuzzy' or a callable, got {matcher!r}")
        self.k = max(1, int(k0) if k0 is not None else math.floor(0.2 * self.horizon))
        self.ref = reference_scores(self.demos, self.horizon, self.matcher)
        self.history: list[dict[str, Any]] = []

    @property
    def gamma(self) -> float:
        return self.alpha ** (1.0 / self.k)

    def __call__(self) -> float:
        return self.gamma

    def agent_score(self, states: Sequence[str], task_id: str, k: int) -> int:
        """Best progress score of one episode against its task's demos (all demos if the
        task has none)."""
        pool = self.demos.get(str(task_id)) or [d for g in self.demos.values() for d in g]
        return max(progress_score(states, d, k, self.matcher) for d in pool)

    def scores(self, trajectories: Sequence[Trajectory], k: int) -> np.ndarray:
        return np.array([self.agent_score(trajectory_states(t, self.state_field), t.task_id, k)
                         for t in trajectories], dtype=np.float64)

    def gate(self, scores: np.ndarray, k: int) -> bool:
        """ADS's test: q-quantile of the scores >= floor(threshold * ref(k)), and k < H."""
        if k >= self.horizon or len(scores) == 0:
            return False
        return float(np.quantile(scores, self.quantile)) >= math.floor(
            self.threshold * self.ref[k - 1])

    def update(self, trajectories: Sequence[Trajectory]) -> dict[str, Any]:
        """Raise k up to ``max_increments`` times while the gate passes; log (k, gamma)."""
        increments = 0
        score_q = float("nan")
        for _ in range(self.max_increments):
            scores = self.scores(trajectories, self.k)
            score_q = float(np.quantile(scores, self.quantile)) if len(scores) else score_q
            if not self.gate(scores, self.k):
                break
            self.k += 1
            increments += 1
        record = {"update": len(self.history), "k": self.k, "gamma": self.gamma,
                  "increments": increments, "score_q": score_q,
                  "ref": float(self.ref[self.k - 1])}
        self.history.append(record)
        return record

    def state_dict(self) -> dict[str, Any]:
        return {"k": self.k, "history": list(self.history)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.k = int(state["k"])
        self.history = list(state.get("history", []))


def collect_expert_demos(
    env_id: str,
    seeds: Sequence[int],
    options: Mapping[str, Any] | None = None,
    env_kwargs: Mapping[str, Any] | None = None,
    max_steps: int = 100,
) -> dict[str, list[list[str]]]:
    """Expert demos by following the env's ``info["expert_action"]`` oracle from each seed:
    ``{task_id: [observations the expert acted on]}``. Stops at termination, truncation, or
    when the oracle has no action."""
    import gymnasium as gym

    import envs  # noqa: F401  (registers the stepgym/ ids)

    env = gym.make(env_id, **dict(env_kwargs or {}))
    demos: dict[str, list[list[str]]] = {}
    try:
        for seed in seeds:
            obs, info = env.reset(seed=int(seed), options=dict(options or {}))
            states: list[str] = []
            for _ in range(max_steps):
                action = info.get("expert_action")
                if action is None:
                    break
                states.append(obs)
                obs, _, terminated, truncated, info = env.step(action)
                if terminated or truncated:
                    break
            demos.setdefault(str(info.get("task_id", seed)), []).append(states)
    finally:
        env.close()
    return demos
