"""Tree rollouts (PORTool, arXiv 2510.26020, Sec. 3.1): n trajectories per query that share
prefixes, grown one env step at a time.

The growth rule: start n rollouts of the query; after every step, with n_c of them finished,
draw ``branching`` (f) candidate continuations for each of the n - n_c unfinished branches
(one more env step each, all generated in one batched call) and keep exactly n - n_c of the
candidates, drawn uniformly without replacement (seeded); stop when all n have finished or at
the step cap (the engine's ``max_steps``: T_max). So every query ends with exactly n leaves,
every branch point has at most f children (the root has n), and the discarded candidates'
tokens are counted in the generation statistics (``TreeStats``), as they cost compute.

A candidate is the branch itself (the first) or a fork: the env restored from
``save_state``/``restore_state`` and the token prefix copied, so shared steps are generated
once. Each kept step is a node; ``Trajectory.meta["tree_path"]`` lists a leaf's node ids, one
per step (the node ids identify shared steps). Tokens of a shared step are recorded once, in
the first leaf (in output order) below it; every other leaf holds that step's record but not
its tokens: its ``parent`` is the trajectory that owns the step before its first own step,
``fork_step`` that step's index, and (concat mode) its prompt holds the shared prefix, exactly
as :meth:`trainers.rollout.RolloutEngine.fork` writes children. Works for any env that can be
forked (every stepgym TextEnv), in both context modes and in action-scoring mode.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from envs.core import restore_state, save_state
from trainers.rollout import EnvPool, RolloutEngine, RolloutStats, TokenSample, Trajectory, _Episode


@dataclass
class TreeConfig:
    n: int = 8  # leaves (finished trajectories) per query
    branching: int = 2  # f: candidate continuations per unfinished branch per step

    def __post_init__(self) -> None:
        if self.n < 1 or self.branching < 1:
            raise ValueError(f"n and branching must be >= 1, got {self.n}, {self.branching}")


@dataclass
class TreeStats:
    queries: int = 0
    leaves: int = 0
    nodes: int = 0  # kept steps (each generated once)
    candidates: int = 0  # generated steps, kept or not
    generated_tokens: int = 0  # all candidates' tokens
    depth: list[int] = field(default_factory=list)  # per query


@dataclass
class _Branch:
    ep: _Episode
    path: list[str]  # node ids of the steps taken so far
    query: int


class TreeRolloutEngine:
    """Grow ``config.n``-leaf rollout trees with ``engine``'s model, env and settings."""

    def __init__(self, engine: RolloutEngine, config: TreeConfig | None = None) -> None:
        self.engine = engine
        self.config = config or TreeConfig()
        self.stats = TreeStats()
        self._pool = EnvPool(engine.env_id, engine.env_kwargs)

    # ------------------------------------------------------------------ public API
    def run(self, seeds: Sequence[int], options: dict | None = None, generation_seed: int = 0,
            progress: bool = False) -> list[Trajectory]:
        """One tree of ``config.n`` leaves per seed; output is query-major, ``group_id``
        shared within a tree."""
        eng, cfg = self.engine, self.config
        self.stats = TreeStats(queries=len(seeds))
        eng.stats = RolloutStats()
        generator, choice_rng = eng._generators(generation_seed)
        rng = np.random.default_rng(int(generation_seed))
        live: list[_Branch] = []
        for q, seed in enumerate(seeds):
            group_id = f"t{generation_seed}-{q}-s{seed}"
            for k in range(cfg.n):
                live.append(_Branch(self._start(group_id, k, int(seed), options,
                                                generation_seed), [], q))
        leaves: list[list[_Branch]] = [[] for _ in seeds]
        counter = [0] * len(seeds)
        first = True
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(seeds) * cfg.n, desc=f"tree rollout {eng.env_id}", unit="leaf")
        while live:
            if first:  # the n root rollouts are the root's children: no selection
                candidates = live
            else:
                candidates = [c for b in live for c in self._candidates(b)]
            steps_before = {id(c.ep): len(c.ep.traj.steps) for c in candidates}
            eng._turn([c.ep for c in candidates], generator, choice_rng, None, None)
            for c in candidates:
                self.stats.candidates += 1
                if len(c.ep.traj.steps) > steps_before[id(c.ep)]:  # not a context overflow
                    counter[c.query] += 1
                    c.path = [*c.path, f"{c.ep.traj.group_id}/n{counter[c.query]}"]
            kept = candidates if first else self._select(candidates, live, rng)
            first = False
            for c in candidates:
                if not any(c is k for k in kept):
                    self._release(c.ep)
            live = []
            for c in kept:
                if c.ep.done:
                    leaves[c.query].append(c)
                    self._pool.give(c.ep.env)
                    if bar is not None:
                        bar.update(1)
                else:
                    live.append(c)
        if bar is not None:
            bar.close()
        self.stats.generated_tokens = eng.stats.generated_tokens
        out: list[Trajectory] = []
        for q_leaves in leaves:
            out.extend(_assign_tokens(q_leaves))
            self.stats.depth.append(max((len(b.path) for b in q_leaves), default=0))
        self.stats.leaves = len(out)
        self.stats.nodes = len({p for t in out for p in t.meta["tree_path"]})
        return out

    # ------------------------------------------------------------------ internals
    def _release(self, ep: _Episode) -> None:
        ep.kv = None
        self._pool.give(ep.env)

    def _start(self, group_id: str, k: int, seed: int, options: dict | None,
               generation_seed: int) -> _Episode:
        ep = self.engine._new_episode(self._pool.take(), f"{group_id}-{k}", group_id, seed,
                                      options, generation_seed)
        ep.traj.meta["tree"] = True
        return ep

    def _candidates(self, branch: _Branch) -> list[_Branch]:
        """The branch itself and ``branching - 1`` forks of it (env state and tokens copied)."""
        out = [branch]
        for j in range(1, self.config.branching):
            ep = branch.ep
            env = self._pool.take()
            restore_state(env, save_state(ep.env))
            traj = copy.deepcopy(ep.traj)
            traj.traj_id = f"{ep.traj.traj_id}.{len(branch.path)}.{j}"
            clone = _Episode(traj, env, ep.observation, copy.deepcopy(ep.info), ep.goal_text,
                             ep.task_text, list(ep.prompt_ids), list(ep.completion),
                             list(ep.mask), list(ep.logprobs), list(ep.step_ids))
            out.append(_Branch(clone, list(branch.path), branch.query))
        return out

    def _select(self, candidates: list[_Branch], live: list[_Branch],
                rng: np.random.Generator) -> list[_Branch]:
        """Per query, exactly as many candidates as it had unfinished branches (n - n_c),
        uniformly without replacement."""
        kept: list[_Branch] = []
        for q in sorted({b.query for b in live}):
            want = sum(b.query == q for b in live)
            pool = [c for c in candidates if c.query == q]
            idx = sorted(rng.choice(len(pool), size=want, replace=False).tolist())
            kept.extend(pool[i] for i in idx)
        return kept


def _assign_tokens(leaves: Sequence[_Branch]) -> list[Trajectory]:
    """One trajectory per leaf, tokens of each shared step kept by the first leaf below it."""
    owner: dict[str, str] = {}
    out: list[Trajectory] = []
    for b in leaves:
        traj = b.ep.traj
        traj.meta["tree_path"] = list(b.path)
        own_from = next((t for t, node in enumerate(b.path) if node not in owner), len(b.path))
        for node in b.path[own_from:]:
            owner[node] = traj.traj_id
        if own_from > 0:
            traj.parent = owner[b.path[own_from - 1]]
            traj.fork_step = own_from
            traj.samples = _suffix_samples(traj, own_from)
        out.append(traj)
    return out


def _suffix_samples(traj: Trajectory, step: int) -> list[TokenSample]:
    """The trajectory's samples without the tokens of steps before ``step`` (concat mode:
    they move into the prompt, as a fork's prefix)."""
    if traj.context_mode != "concat":
        return [s for s in traj.samples if not any(0 <= i < step for i in s.step_ids)]
    s = traj.samples[0]
    offsets = traj.meta["turn_offsets"]
    cut = offsets[step] if step < len(offsets) else len(s.completion_ids)
    # as a fork's child: offsets of its own steps only, into its own completion
    traj.meta["turn_offsets"] = [o - cut for o in offsets[step:]]
    return [TokenSample(list(s.prompt_ids) + list(s.completion_ids[:cut]),
                        list(s.completion_ids[cut:]), list(s.loss_mask[cut:]),
                        list(s.logprobs[cut:]), list(s.step_ids[cut:]))]


def tree_nodes(trajectories: Sequence[Trajectory]) -> dict[str, dict[str, Any]]:
    """Per node id: its parent node (None under the root), depth and the leaves below it."""
    nodes: dict[str, dict[str, Any]] = {}
    for i, traj in enumerate(trajectories):
        path = traj.meta.get("tree_path")
        if path is None or len(path) != traj.num_steps:
            raise ValueError(f"trajectory {traj.traj_id} has no tree_path for its steps "
                             "(tree rollouts write it)")
        for depth, node in enumerate(path):
            entry = nodes.setdefault(node, {"parent": path[depth - 1] if depth else None,
                                            "depth": depth, "leaves": [], "group": traj.group_id})
            entry["leaves"].append(i)
    return nodes
