"""A toy text env used to test the core and the conformance kit, not shipped.

The agent must count up to a target: actions are ``add N`` (N in 1..3); reaching the
target exactly wins, overshooting loses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from envs.core import TextEnv, Transition
from tasks.base import Task, TaskSuite


class CountSuite(TaskSuite):
    name = "count"
    splits = {"train": None, "eval": 20}
    generation_options = ("target_max",)

    def normalise_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        opts = super().normalise_options(options)
        if "target_max" in opts:
            opts["target_max"] = int(opts["target_max"])
        return opts

    def _generate(self, rng: np.random.Generator, split: str, index: int, options: Mapping[str, Any]) -> Task:
        target = int(rng.integers(2, int(options.get("target_max", 9)) + 1))
        return Task(task_id="", split=split, goal=f"Reach exactly {target}.", task_type="count",
                    data={"target": target})


class CountEnv(TextEnv):
    action_help = "Write 'add N' with N in 1, 2 or 3."

    def __init__(self, split: str = "train", render_mode: str | None = None, broken_expert: bool = False):
        super().__init__(CountSuite(), split=split, render_mode=render_mode)
        self.broken_expert = broken_expert
        self.total = 0

    def _start(self, task: Task) -> str:
        self.total = 0
        return f"{task.goal} Total: 0."

    def _transition(self, action: str) -> Transition:
        words = action.strip().split()
        if len(words) != 2 or words[0] != "add" or words[1] not in {"1", "2", "3"}:
            return Transition("Nothing happens. " + self.action_help, action_valid=False)
        self.total += int(words[1])
        target = self._task.data["target"]
        won = self.total == target
        lost = self.total > target
        return Transition(f"Total: {self.total}.", reward=1.0 if won else 0.0,
                          terminated=won or lost, won=won)

    def _info(self) -> dict[str, Any]:
        target = self._task.data["target"]
        remaining = target - self.total
        expert = None if remaining <= 0 else f"add {min(3, remaining)}"
        if self.broken_expert and expert is not None:
            expert = "add 3"
        return {
            "admissible_actions": ["add 1", "add 2", "add 3"],
            "progress": min(1.0, self.total / target),
            "expert_action": expert,
        }

    def _get_world(self) -> int:
        return self.total

    def _set_world(self, world: int) -> None:
        self.total = int(world)
