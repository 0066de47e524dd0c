"""Difficulty levels of the ALFWorld suite: from a trivial room up to the benchmark (the default).

A level is an ordinary generation option of :class:`~tasks.alfworld.suite.ALFWorldSuite`: it
changes which task types the index rotation serves and how much of the floor plan's room is
kept. The generator draws the benchmark's scene and goal first (the same rules at every level)
and then, below the top level, keeps a smaller room (:func:`tasks.alfworld.generate.shrink_scene`):

* the receptacles the goal needs (the hosts of the kept goal objects, one receptacle of the goal
  class, one appliance for clean / heat / cool, the lamp's host for look_at_obj_in_light), plus
  random other receptacles of the plan up to ``max_receptacles``;
* the fewest goal objects the task needs (1, or 2 for pick_two) when ``few_targets``;
* with ``no_opening``, receptacles that need no opening wherever the plan has them: a goal class
  that is not openable, goal objects standing in the open (seen on arrival), open furniture for
  the other receptacles;
* at most ``max_distractors`` other objects, drawn from those in the kept receptacles.

Level :data:`BENCHMARK_LEVEL` is the benchmark's own setting and the default; its task ids,
splits and checksums are exactly those of the suite without levels. Every level keeps the
registered 50-step limit. Measured expert / random success per level: docs/alfworld.md
("Levels").
"""

from __future__ import annotations

from dataclasses import dataclass

from tasks.alfworld.generate import TASK_TYPES


@dataclass(frozen=True)
class Level:
    """One rung of the ladder. ``None`` caps keep what the benchmark's generator placed."""

    number: int
    n_types: int  # serves the first n of TASK_TYPES (a prefix, so rotations agree across levels)
    max_receptacles: int | None
    max_distractors: int | None
    few_targets: bool  # keep only the goal objects the task needs (1; 2 for pick_two)
    summary: str
    no_opening: bool = False  # prefer receptacles that need no opening (goal, hosts, the rest)
    full_state: bool = False  # add official games' initial-state facts (generate.add_initial_state)

    @property
    def task_types(self) -> tuple[str, ...]:
        return TASK_TYPES[: self.n_types]

    @property
    def is_benchmark(self) -> bool:
        return self.max_receptacles is None and self.max_distractors is None and not self.few_targets

    def task_type(self, index: int) -> str:
        """The type of task ``index``: the benchmark's rotation (``index % 6``) folded onto this
        level's types, so an index keeps its type wherever the level has that type."""
        return self.task_types[(index % len(TASK_TYPES)) % self.n_types]


LEVELS: dict[int, Level] = {
    1: Level(1, 1, 3, 1, True, "pick_and_place_simple only; 3 receptacles, none to open where the "
                               "plan allows; 1 goal object, at most 1 other object", no_opening=True),
    2: Level(2, 2, 4, 2, True, "adds look_at_obj_in_light; 4 receptacles (some to open); "
                               "1 goal object, at most 2 other objects"),
    3: Level(3, 6, 6, 4, True, "all six task types; 6 receptacles; the goal objects the task "
                               "needs (1, pick_two 2), at most 4 other objects"),
    4: Level(4, 6, 12, 12, False, "all six task types; 12 receptacles; 1-3 goal objects, "
                                  "at most 12 other objects"),
    5: Level(5, 6, None, None, False, "the benchmark: all six task types in the floor plan's whole "
                                      "room (about 20 receptacles and 26 objects), with the initial "
                                      "state official games have (shared locations, open "
                                      "receptacles, cool objects, objects in bowls)",
             full_state=True),
}
BENCHMARK_LEVEL = max(LEVELS)

