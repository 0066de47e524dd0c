"""The ALFWorld task suite: six task types, train / eval_seen / eval_unseen splits.

Splits follow the benchmark's shape (ALFWorld, Shridhar et al., ICLR 2021): 140 seen-scene and
134 unseen-scene evaluation tasks. Floor plans: ``TRAIN_SCENE_NUMBERS`` of alfworld's
gen/constants.py (96 plans) serve train and eval_seen; its ``TEST_SCENE_NUMBERS`` (24 plans, 6
per room type) are held out and serve only eval_unseen. Task types rotate with the index
(``index % 6``), so every split covers all six. ``task_types`` restricts the seeds of a suite
to some types without renumbering: seed -> the seed-th index of those types, so a restricted
frozen split is a fixed subset of the full one with the same task ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tasks.alfworld.facts import facts
from tasks.alfworld.generate import TASK_TYPES, floor_plans, generate_task_data
from tasks.base import Task, TaskSuite


class ALFWorldSuite(TaskSuite):
    name = "alfworld"
    splits = {"train": None, "eval_seen": 140, "eval_unseen": 134}
    frozen_checksums: Mapping[str, str] = {
        "eval_seen": "64377dee809399b1148414cd268549d77ecade2de49f2419f6da7c044a761877",
        "eval_unseen": "7d64f5a8459bb4ec609d68f4d1e8918ef393a88efa7d90b8d215f04345e9084d",
    }

    def __init__(self, task_types: Sequence[str] | None = None) -> None:
        super().__init__()
        chosen = tuple(task_types) if task_types else TASK_TYPES
        unknown = sorted(set(chosen) - set(TASK_TYPES))
        if unknown:
            raise ValueError(f"unknown ALFWorld task type(s) {unknown}; types: {list(TASK_TYPES)}")
        # Positions within one rotation of six, in index order.
        self.type_slots = tuple(i for i, t in enumerate(TASK_TYPES) if t in chosen)

    def index_for_seed(self, split: str, seed: int) -> int:
        """The ``seed``-th index whose task type is one of ``task_types`` (modulo a frozen
        split's restricted size)."""
        size = self.split_size(split)
        k = len(self.type_slots)
        if size is not None:
            allowed = [i for i in range(size) if i % len(TASK_TYPES) in self.type_slots]
            return allowed[int(seed) % len(allowed)]
        return len(TASK_TYPES) * (int(seed) // k) + self.type_slots[int(seed) % k]

    def plans_for(self, split: str) -> list[str]:
        table = facts()
        key = "test_scene_numbers" if split == "eval_unseen" else "train_scene_numbers"
        return floor_plans(table[key])

    def _generate(self, rng: np.random.Generator, split: str, index: int, options: Mapping[str, Any]) -> Task:
        task_type = TASK_TYPES[index % len(TASK_TYPES)]
        data = generate_task_data(task_type, self.plans_for(split), rng)
        return Task(task_id="", split=split, goal=data["goal_text"], task_type=task_type, data=data)
