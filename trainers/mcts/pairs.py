"""Step-level preference pairs from searched trees (MCTS-DPO Sec. 2.3).

At each depth of the committed path, the children of the path's node are siblings generated
from one prompt: the highest-Q child is "chosen", the lowest-Q one "rejected" (a pair only when
their Q differ and their tokens do), up to ``max_pairs`` per tree, shallowest first. The
shared prompt is the step's context as token ids; the two completions' common leading tokens
move into the prompt, so the DPO loss sees only the tokens from the first diverging one on
(the paper's step-level DPO). Each pair carries its conservative label smoothing (cDPO)

    eps = min(1 - 1 / (1 + N_rejected / max(1, N_chosen)), 0.5)

computed from the two children's visit counts: a rejected step the search kept visiting is a
less certain loser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from trainers.mcts.search import Node, Tree


@dataclass
class Pair:
    prompt_ids: list[int]
    chosen_ids: list[int]
    rejected_ids: list[int]
    label_smoothing: float
    chosen_q: float
    rejected_q: float
    chosen_visits: int
    rejected_visits: int
    depth: int
    chosen_action: str
    rejected_action: str
    task_seed: int
    node_id: str  # the parent node (the shared state)


def conservative_label_smoothing(n_chosen: int, n_rejected: int) -> float:
    """eps = min(1 - 1/(1 + N_rej / max(1, N_cho)), 0.5).

    >>> conservative_label_smoothing(3, 1)  # 1 - 1/(1 + 1/3)
    0.25
    >>> conservative_label_smoothing(0, 5), conservative_label_smoothing(4, 0)
    (0.5, 0.0)
    """
    return min(1.0 - 1.0 / (1.0 + n_rejected / max(1, n_chosen)), 0.5)


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common prefix.

    >>> common_prefix([1, 2, 3], [1, 2, 4]), common_prefix([1], [2])
    (2, 0)
    """
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def sibling_pair(parent: Node, task_seed: int) -> Pair | None:
    """Highest-Q vs lowest-Q child of ``parent`` (first on ties), or None when they do not
    differ in Q or in tokens."""
    kids = parent.children
    if len(kids) < 2:
        return None
    hi = max(kids, key=lambda c: (c.Q, -kids.index(c)))
    lo = min(kids, key=lambda c: (c.Q, kids.index(c)))
    if hi is lo or hi.Q <= lo.Q or hi.token_ids == lo.token_ids:
        return None
    if hi.prompt_ids != lo.prompt_ids:
        raise ValueError(f"siblings under {parent.node_id} were generated from different prompts")
    k = common_prefix(hi.token_ids, lo.token_ids)
    if k == min(len(hi.token_ids), len(lo.token_ids)):
        k = max(0, k - 1)  # one is a prefix of the other: keep a token in each completion
    return Pair(prompt_ids=[*hi.prompt_ids, *hi.token_ids[:k]], chosen_ids=list(hi.token_ids[k:]),
                rejected_ids=list(lo.token_ids[k:]),
                label_smoothing=conservative_label_smoothing(hi.N, lo.N),
                chosen_q=hi.Q, rejected_q=lo.Q, chosen_visits=hi.N, rejected_visits=lo.N,
                depth=parent.depth, chosen_action=hi.action, rejected_action=lo.action,
                task_seed=task_seed, node_id=parent.node_id)


def mine_pairs(tree: Tree, max_pairs: int = 8) -> list[Pair]:
    """The tree's pairs along its committed path, shallowest first, at most ``max_pairs``."""
    out: list[Pair] = []
    for node in tree.path():
        if len(out) >= max_pairs:
            break
        pair = sibling_pair(node, tree.task_seed)
        if pair is not None:
            out.append(pair)
    return out


def pairs_dataset(pairs: Sequence[Pair]) -> Any:
    """A ``datasets.Dataset`` of the pairs: ``prompt_ids``/``chosen_ids``/``rejected_ids`` (what
    DPO trains on, as generated) plus the smoothing and the search's numbers."""
    from datasets import Dataset

    if not pairs:
        raise ValueError("no preference pairs: the search found no sibling steps that differ "
                         "in value (more simulations per step or more tasks)")
    return Dataset.from_list([asdict(p) for p in pairs])
