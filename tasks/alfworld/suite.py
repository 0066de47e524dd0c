"""The ALFWorld task suite: six task types, train / eval_seen / eval_unseen splits, five levels.

Splits follow the benchmark's shape (ALFWorld, Shridhar et al., ICLR 2021): 140 seen-scene and
134 unseen-scene evaluation tasks. Floor plans: ``TRAIN_SCENE_NUMBERS`` of alfworld's
gen/constants.py (96 plans) serve train and eval_seen; its ``TEST_SCENE_NUMBERS`` (24 plans, 6
per room type) are held out and serve only eval_unseen. Task types rotate with the index
(``index % 6``), so every split covers all six. ``task_types`` restricts the seeds of a suite
to some types without renumbering: seed -> the seed-th index of those types, so a restricted
frozen split is a fixed subset of the full one with the same task ids.

``level`` (tasks/alfworld/levels.py) is a generation option: 1 (trivial) .. 5 (the benchmark,
the default). Below level 5 it is part of the task id (``alfworld:eval_seen:3:level=1``); a
task id without ``level`` is the benchmark's, whatever the suite's default level. Each level has
the same splits, frozen with their own checksums (:data:`LEVEL_CHECKSUMS`); level 5 adds the
initial state of official games (shared locations, receptacles that start open, cool objects in
fridges, objects in movable receptacles, lamps that stay put: ``generate.add_initial_state``), so
its checksums changed then; ids are those of the suite before levels existed. A level folds the
rotation onto its task types (level 1: every index is pick_and_place_simple), so ``task_types`` selects
indices by the type they have at the suite's level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tasks.alfworld.facts import facts
from tasks.alfworld.generate import TASK_TYPES, floor_plans, generate_task_data
from tasks.alfworld.levels import BENCHMARK_LEVEL, LEVELS
from tasks.base import Task, TaskSuite, check_level

#: SHA-256 of each level's served eval splits (``split_checksum(split, {"level": n}, verify)``);
#: level 5's are the benchmark's. Tested in tests/tasks.
LEVEL_CHECKSUMS: dict[int, dict[str, str]] = {
    1: {
        "eval_seen": "f5deefe9f4e3a3a4573357ee219ef4208b2cd82902489022383bb09c69018b0f",
        "eval_unseen": "5b4a120da54a17785968878c8a68df0f5dd2262824ccee987dd71e0ca5dbd70f",
    },
    2: {
        "eval_seen": "2ceacb7ed32dbccc81dfd8ca856dd65c952eb2d3b8ad4cea04c4100c79023187",
        "eval_unseen": "2056716946febd09404ccc5dbd59d49f0e1dcd7e5775a92a247691fc04f14f8f",
    },
    3: {
        "eval_seen": "97e96a4c5deac2d25bd2ba60be12c25449a6d4e57f605377b661a971cb628613",
        "eval_unseen": "945c6729b497258690c8f43a843f6fdd5879be13e549b48fa6dfb20b66b82983",
    },
    4: {
        "eval_seen": "57f5142f8c8b8487bf002a8db31e518e5161e8a7c7c34f90a703cd9429304a21",
        "eval_unseen": "ccdc7e1367cac32615ab5cbeebaf3d2ec59be0a5669d1955f35b6ac69dc27ce7",
    },
    5: {  # since generated games carry official games' initial state (issue 19)
        "eval_seen": "0d1f3bf48fd9e74600043f3688f922c35dbf0369de66f7cfc21a4538168598b2",
        "eval_unseen": "8b8f75d2e5883324f80e025b76e3f8fcd61276ff5ea51ff8a355aac979f60fc0",
    },
}


class ALFWorldSuite(TaskSuite):
    name = "alfworld"
    splits = {"train": None, "eval_seen": 140, "eval_unseen": 134}
    frozen_checksums: Mapping[str, str] = LEVEL_CHECKSUMS[BENCHMARK_LEVEL]
    generation_options = ("level",)
    levels = tuple(sorted(LEVELS))
    benchmark_level = BENCHMARK_LEVEL

    def __init__(self, task_types: Sequence[str] | None = None, level: int = BENCHMARK_LEVEL) -> None:
        super().__init__()
        self.level = check_level(level, self.levels)
        self.frozen_checksums = dict(LEVEL_CHECKSUMS.get(self.level, {}))
        chosen = tuple(task_types) if task_types else TASK_TYPES
        unknown = sorted(set(chosen) - set(TASK_TYPES))
        if unknown:
            raise ValueError(f"unknown ALFWorld task type(s) {unknown}; types: {list(TASK_TYPES)}")
        self.task_types = chosen
        # Positions within one rotation of six, in index order.
        self.type_slots = self.slots(self.level)

    def slots(self, level: int) -> tuple[int, ...]:
        """Positions in the rotation of six whose type at ``level`` is one of ``task_types``."""
        spec = LEVELS[check_level(level, self.levels)]
        out = tuple(i for i in range(len(TASK_TYPES)) if spec.task_type(i) in self.task_types)
        if not out:
            raise ValueError(f"ALFWorld level {spec.number} serves {list(spec.task_types)}, "
                             f"none of task_types {list(self.task_types)}")
        return out

    def index_for_seed(self, split: str, seed: int, level: int | None = None) -> int:
        """The ``seed``-th index whose task type (at ``level``, default the suite's) is one of
        ``task_types`` (modulo a frozen split's restricted size)."""
        size = self.split_size(split)
        slots = self.type_slots if level is None else self.slots(level)
        k = len(slots)
        if size is not None:
            allowed = [i for i in range(size) if i % len(TASK_TYPES) in slots]
            return allowed[int(seed) % len(allowed)]
        return len(TASK_TYPES) * (int(seed) // k) + slots[int(seed) % k]

    def normalise_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        """``{"level": n}`` below the benchmark's level; ``{}`` at it (its ids carry no level)."""
        return self.level_option(options)

    def plans_for(self, split: str) -> list[str]:
        table = facts()
        key = "test_scene_numbers" if split == "eval_unseen" else "train_scene_numbers"
        return floor_plans(table[key])

    def _generate(self, rng: np.random.Generator, split: str, index: int, options: Mapping[str, Any]) -> Task:
        level = LEVELS[int(options.get("level", BENCHMARK_LEVEL))]
        task_type = level.task_type(index)
        data = generate_task_data(task_type, self.plans_for(split), rng, level)
        return Task(task_id="", split=split, goal=data["goal_text"], task_type=task_type, data=data)
