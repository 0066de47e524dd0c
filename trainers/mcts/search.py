"""Step-level MCTS over env steps (MCTS-DPO, Xie et al., arXiv 2405.00451, Sec. 2.2).

A node is the state reached after one agent step; its edge holds the step's prompt, generated
token ids and log-probs. One tree per task, many trees searched at once: each round every
unfinished tree runs one simulation (selection -> expansion -> evaluation -> backup) and all
their expansions are ONE batched call of the rollout engine (the leaf's env restored from its
saved state into each child's env, the token prefix copied, as ``RolloutEngine.fork`` does).

The paper's quantities, as implemented here:

* prior (Sec. 2.2, "length-normalised"): p(s) = exp(sum_i log pi(tok_i) / L^1.25), L = the
  step's token count (:func:`length_normalised_prior`);
* selection, PUCT (Eq. 1): argmax_c Q(c) + w * p(c) * sqrt(N(parent)) / (1 + N(c)), w = 1
  (:func:`puct_score`);
* expansion: ``children`` (2) steps sampled from the current policy at the node; identical
  steps (same action) are kept once, so a node may have fewer children;
* evaluation: a new child's value V0 is the policy's self-evaluation P("correct") /
  max(depth - 3, 1) (``value="self_eval"``, Eq. 3 of the paper), the env's own ``progress``
  (``value="env"``: what our envs can tell and the paper's cannot), or their mean
  (``value="both"``); a terminal node's is the outcome, +1 won / -1 lost (graded final rewards
  such as WebShop's map linearly: 2R - 1);
* backup (Eq. 2): along the selected path, bottom-up, N += 1, V = the visit-weighted mean of
  the children's Q (a node without children keeps V0) and Q = r + gamma * V, gamma = 1, r the
  env's step reward of a non-terminal step (0 in our sparse envs; a terminal step's reward is
  its outcome value, not counted twice);
* a new child counts as visited once (N = 1: its evaluation), so the parent's V is defined at
  once.

After ``simulations_per_step`` simulations from the current root the search commits to the
child with the most visits (ties: higher Q, then the first), which becomes the root; the
episode ends when the committed node is terminal. Selection starts at the committed node, but
each backup runs up to the task's first state, so the committed nodes' Q values keep taking in
the search below them (pairs compare siblings by those Q values). Everything is seeded: the same engine,
config and seeds give the same trees.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from envs.core import EnvState, restore_state, save_state
from trainers.rollout import EnvPool, RolloutEngine, RolloutStats, _Episode

VALUE_SOURCES = ("env", "self_eval", "both")


@dataclass
class MCTSConfig:
    """Search settings (saved beside outputs).

    simulations_per_step: simulations run from each committed root before the next commit.
    children: steps sampled per expansion (2 in the paper).
    c_puct: w, the exploration weight of PUCT.
    gamma: the discount of the backup (1 in the paper).
    value: leaf evaluation, one of ``env``, ``self_eval``, ``both``.
    prior_power: the length normalisation exponent of the prior (1.25).
    self_eval_depth_offset: the self-evaluation is divided by max(depth - offset, 1) (3).
    """

    simulations_per_step: int = 4
    children: int = 2
    c_puct: float = 1.0
    gamma: float = 1.0
    value: str = "env"
    prior_power: float = 1.25
    self_eval_depth_offset: int = 3

    def __post_init__(self) -> None:
        if self.value not in VALUE_SOURCES:
            raise ValueError(f"value must be one of {VALUE_SOURCES}, got {self.value!r}")
        if self.simulations_per_step < 1 or self.children < 1:
            raise ValueError("simulations_per_step and children must be >= 1, got "
                             f"{self.simulations_per_step}, {self.children}")


@dataclass(eq=False)
class Node:
    """A state after ``depth`` steps; the fields above ``N`` describe the step into it."""

    node_id: str
    depth: int
    parent: Node | None = None
    action: str = ""
    text: str = ""  # the generated text of the step
    prompt_ids: list[int] = field(default_factory=list)  # what the step was generated from
    token_ids: list[int] = field(default_factory=list)  # the step's sampled ids (stop included)
    logprobs: list[float] = field(default_factory=list)
    reward: float = 0.0  # r in Q = r + gamma * V
    terminal: bool = False
    won: bool = False
    value0: float = 0.0  # the evaluation of this node when it was created
    prior: float = 1.0
    N: int = 0
    V: float = 0.0
    Q: float = 0.0
    children: list[Node] = field(default_factory=list)
    progress: float | None = None  # the env's progress here (reported, whatever the value source)
    self_eval: float | None = None
    on_path: bool = False  # committed to by the search
    # what expanding needs: the episode record (env detached) and the env's saved state
    episode: _Episode | None = field(default=None, repr=False)
    env_state: EnvState | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.node_id, "parent": None if self.parent is None else self.parent.node_id,
                "depth": self.depth, "action": self.action, "text": self.text,
                "N": self.N, "Q": self.Q, "V": self.V, "value0": self.value0,
                "prior": self.prior, "reward": self.reward, "terminal": self.terminal,
                "won": self.won, "progress": self.progress, "self_eval": self.self_eval,
                "on_path": self.on_path, "tokens": len(self.token_ids)}


# ---------------------------------------------------------------------- the paper's formulas
def length_normalised_prior(logprobs: Sequence[float], power: float = 1.25) -> float:
    """p = exp(sum log pi / L^power) (MCTS-DPO Sec. 2.2).

    >>> round(length_normalised_prior([-1.0, -1.0], 1.0), 4)  # exp(-2 / 2)
    0.3679
    >>> length_normalised_prior([])
    1.0
    """
    if not logprobs:
        return 1.0
    return math.exp(sum(logprobs) / len(logprobs) ** power)


def puct_score(q: float, prior: float, parent_visits: int, visits: int, c_puct: float) -> float:
    """Q + w * p * sqrt(N_parent) / (1 + N) (MCTS-DPO Eq. 1).

    >>> puct_score(0.5, 0.25, 4, 1, 1.0)  # 0.5 + 0.25 * 2 / 2
    0.75
    """
    return q + c_puct * prior * math.sqrt(parent_visits) / (1 + visits)


def select_child(node: Node, c_puct: float) -> Node:
    """The child with the highest PUCT score (the first on ties)."""
    scores = [puct_score(c.Q, c.prior, node.N, c.N, c_puct) for c in node.children]
    return node.children[max(range(len(scores)), key=scores.__getitem__)]


def node_value(node: Node) -> float:
    """V: the visit-weighted mean of the children's Q, or V0 without visited children (Eq. 2)."""
    visits = sum(c.N for c in node.children)
    if visits == 0:
        return node.value0
    return sum(c.N * c.Q for c in node.children) / visits


def backup(path: Sequence[Node], gamma: float) -> None:
    """One simulation's backup, bottom-up along ``path`` (root first): N += 1, V, Q = r + g V."""
    for node in reversed(path):
        node.N += 1
        node.V = node_value(node)
        node.Q = node.reward + gamma * node.V


def outcome_value(won: bool, final_reward: float) -> float:
    """A terminal node's value: +1 won, else 2R - 1 for a graded final reward R in [0, 1].

    >>> outcome_value(True, 0.0), outcome_value(False, 0.0), outcome_value(False, 0.75)
    (1.0, -1.0, 0.5)
    """
    if won:
        return 1.0
    return 2.0 * min(1.0, max(0.0, float(final_reward))) - 1.0


def best_child(node: Node) -> Node:
    """The commit: most visits, then higher Q, then the first."""
    return max(node.children, key=lambda c: (c.N, c.Q, -node.children.index(c)))


def self_eval_value(p_correct: float, depth: int, offset: int) -> float:
    """The paper's step value from self-evaluation: P("correct") / max(depth - offset, 1)."""
    return p_correct / max(depth - offset, 1)


# ---------------------------------------------------------------------- the search
@dataclass
class SearchStats:
    trees: int = 0
    simulations: int = 0
    expansions: int = 0
    nodes: int = 0
    duplicate_children: int = 0  # sampled steps dropped as repeats of a sibling
    generated_tokens: int = 0  # every sampled step's tokens (the compute spent)
    self_eval_tokens: int = 0  # tokens read by self-evaluation prompts
    committed_steps: int = 0
    won: int = 0


@dataclass
class Tree:
    root: Node  # the task's initial state
    task_seed: int
    current: Node  # the committed node the next simulations start from
    done: bool = False
    nodes: list[Node] = field(default_factory=list)

    def path(self) -> list[Node]:
        """The committed path, root first."""
        out, node = [], self.current
        while node is not None:
            out.append(node)
            node = node.parent
        return out[::-1]

    def to_dict(self) -> dict[str, Any]:
        return {"task_seed": self.task_seed, "won": self.current.won,
                "nodes": [n.to_dict() for n in self.nodes]}


SelfEvaluator = Callable[[Sequence[Node]], Sequence[float]]


class MCTSSearch:
    """Search with ``engine``'s model, env and rollout settings (its ``max_steps`` caps depth).

    ``self_evaluator`` maps new nodes to P("correct"); needed for ``value`` ``self_eval`` and
    ``both`` (:class:`trainers.mcts.values.PolicySelfEvaluator` asks the policy)."""

    def __init__(self, engine: RolloutEngine, config: MCTSConfig | None = None,
                 self_evaluator: SelfEvaluator | None = None) -> None:
        self.engine = engine
        self.config = config or MCTSConfig()
        if self.config.value != "env" and self_evaluator is None:
            raise ValueError(f"value={self.config.value!r} needs a self_evaluator")
        self.self_evaluator = self_evaluator
        self.stats = SearchStats()
        self._pool = EnvPool(engine.env_id, engine.env_kwargs)

    def run(self, seeds: Sequence[int], options: dict | None = None, generation_seed: int = 0,
            progress: bool = False) -> list[Tree]:
        """One searched episode (a tree) per task seed."""
        eng, cfg = self.engine, self.config
        self.stats = SearchStats(trees=len(seeds))
        eng.stats = RolloutStats()
        generator, choice_rng = eng._generators(generation_seed)
        trees = [self._new_tree(int(seed), k, options, generation_seed)
                 for k, seed in enumerate(seeds)]
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(trees), desc=f"mcts {eng.env_id}", unit="tree")
        while any(not t.done for t in trees):
            live = [t for t in trees if not t.done]
            for _ in range(cfg.simulations_per_step):
                self._simulate(live, generator, choice_rng)
            for tree in live:
                self._commit(tree)
                if tree.done and bar is not None:
                    bar.update(1)
        if bar is not None:
            bar.close()
        self.stats.generated_tokens = eng.stats.generated_tokens
        self.stats.nodes = sum(len(t.nodes) for t in trees)
        self.stats.won = sum(t.current.won for t in trees)
        for tree in trees:  # free what only expansion needed
            for node in tree.nodes:
                node.episode, node.env_state = None, None
        return trees

    # ------------------------------------------------------------------ one round
    def _simulate(self, trees: Sequence[Tree], generator: Any, choice_rng: Any) -> None:
        """One simulation in each tree; all expansions batched into one engine turn."""
        paths = []
        for tree in trees:
            # selection starts at the committed node; the backup goes on up to the task's root,
            # so every Q on the committed path (the pairs' chosen side) sees the search below it
            node, path = tree.current, tree.path()
            while node.children and not node.terminal:
                node = select_child(node, self.config.c_puct)
                path.append(node)
            paths.append(path)
        leaves = [(tree, path[-1]) for tree, path in zip(trees, paths, strict=True)
                  if not path[-1].terminal and not path[-1].children]
        self._expand(leaves, generator, choice_rng)
        for path in paths:
            backup(path, self.config.gamma)
        self.stats.simulations += len(trees)

    def _expand(self, leaves: Sequence[tuple[Tree, Node]], generator: Any, choice_rng: Any) -> None:
        eng, cfg = self.engine, self.config
        if not leaves:
            return
        episodes, owners = [], []
        for tree, leaf in leaves:
            for _ in range(cfg.children):
                episodes.append(self._fork(leaf))
                owners.append((tree, leaf))
        prompts = [eng._next_prompt(ep) for ep in episodes]
        steps_before = [len(ep.traj.steps) for ep in episodes]
        eng._turn(episodes, generator, choice_rng, None, None)
        new: list[Node] = []
        for ep, prompt, before, (tree, leaf) in zip(episodes, prompts, steps_before, owners,
                                                    strict=True):
            if len(ep.traj.steps) == before:  # context overflow: the leaf cannot go on
                leaf.terminal = True
                leaf.value0 = outcome_value(False, 0.0)
                self._release(ep)
                continue
            ids, lps = _last_step_tokens(ep)
            step = ep.traj.steps[-1]
            if any(c.action == step.action for c in leaf.children):
                self.stats.duplicate_children += 1
                self._release(ep)
                continue
            child = Node(node_id=f"{leaf.node_id}.{len(leaf.children)}", depth=leaf.depth + 1,
                         parent=leaf, action=step.action, text=step.generated_text,
                         prompt_ids=list(prompt), token_ids=ids, logprobs=lps,
                         terminal=ep.done, won=bool(ep.traj.won),
                         prior=length_normalised_prior(lps, cfg.prior_power),
                         progress=_progress(ep.info))
            child.reward = 0.0 if child.terminal else float(step.reward)
            if child.terminal:
                child.value0 = outcome_value(child.won, step.reward)
                self._release(ep)
            else:
                child.env_state = save_state(ep.env)
                self._release(ep)
                child.episode = ep
            leaf.children.append(child)
            tree.nodes.append(child)
            new.append(child)
        self._evaluate([c for c in new if not c.terminal])
        for child in new:
            child.N = 1
            child.V = child.value0
            child.Q = child.reward + cfg.gamma * child.V
        self.stats.expansions += len(leaves)

    def _evaluate(self, nodes: Sequence[Node]) -> None:
        """V0 of new non-terminal nodes from the configured source."""
        cfg = self.config
        if not nodes:
            return
        judged: Sequence[float] = [0.0] * len(nodes)
        if cfg.value != "env":
            assert self.self_evaluator is not None
            judged = self.self_evaluator(nodes)
        for node, p in zip(nodes, judged, strict=True):
            env_value = node.progress if node.progress is not None else 0.0
            if cfg.value == "env":
                node.value0 = env_value
                continue
            node.self_eval = float(p)
            own = self_eval_value(float(p), node.depth, cfg.self_eval_depth_offset)
            node.value0 = own if cfg.value == "self_eval" else 0.5 * (own + env_value)

    def _commit(self, tree: Tree) -> None:
        node = tree.current
        if node.terminal or not node.children:
            tree.done = True  # a leaf that could not be expanded (context overflow) ends here
            return
        tree.current = best_child(node)
        tree.current.on_path = True
        self.stats.committed_steps += 1
        tree.done = tree.current.terminal

    # ------------------------------------------------------------------ episodes and envs
    def _new_tree(self, seed: int, k: int, options: dict | None, generation_seed: int) -> Tree:
        eng = self.engine
        ep = eng._new_episode(self._pool.take(), f"m{generation_seed}-{k}-s{seed}",
                              f"m{generation_seed}-{k}-s{seed}", seed, options, generation_seed)
        root = Node(node_id=f"m{generation_seed}-{k}-s{seed}/r", depth=0,
                    progress=_progress(ep.info), on_path=True)
        root.env_state = save_state(ep.env)
        self._release(ep)
        root.episode = ep
        return Tree(root=root, task_seed=seed, current=root, nodes=[root])

    def _fork(self, node: Node) -> _Episode:
        """A live copy of the episode at ``node`` (env restored, records and tokens copied)."""
        assert node.episode is not None and node.env_state is not None, "node cannot be expanded"
        ep = node.episode
        env = self._pool.take()
        restore_state(env, node.env_state)
        return _Episode(copy.deepcopy(ep.traj), env, ep.observation, copy.deepcopy(ep.info),
                        ep.goal_text, ep.task_text, list(ep.prompt_ids), list(ep.completion),
                        list(ep.mask), list(ep.logprobs), list(ep.step_ids), done=ep.done)

    def _release(self, ep: _Episode) -> None:
        ep.kv = None
        if ep.env is not None:
            self._pool.give(ep.env)
        ep.env = None  # type: ignore[assignment]


def _last_step_tokens(ep: _Episode) -> tuple[list[int], list[float]]:
    """The sampled ids and log-probs of the episode's last step."""
    if ep.traj.context_mode == "window":
        sample = ep.traj.samples[-1]
        return list(sample.completion_ids), list(sample.logprobs)
    start = ep.traj.meta["turn_offsets"][-1]
    end = start
    while end < len(ep.mask) and ep.mask[end] == 1:
        end += 1
    return list(ep.completion[start:end]), list(ep.logprobs[start:end])


def _progress(info: dict[str, Any]) -> float | None:
    value = info.get("progress")
    return None if value is None else float(value)
