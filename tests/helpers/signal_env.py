"""Learning-test envs (not shipped): a contextual bandit and a 3-step chain.

Each step shows a signal word (repeated, so a tiny from-scratch model can see it); the right
action is a fixed code word for that signal. ``steps=1`` is the contextual bandit (reward 1
iff right). ``steps=3`` is a chain whose reward comes only at the end: the fraction of the
three steps answered right, and the episode is won only if all three were; with that, credit
has to cross steps in window mode. Random play wins 1/4 (bandit) and 1/64 (chain).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from envs.core import TextEnv, Transition
from tasks.base import Task, TaskSuite

SIGNALS = ("red", "green", "blue", "gold")
CODES = {"red": "alpha", "green": "bravo", "blue": "delta", "gold": "omega"}
ACTIONS = tuple(CODES[s] for s in SIGNALS)


class SignalSuite(TaskSuite):
    name = "signal"
    splits = {"train": None, "eval": 64}
    generation_options = ("steps",)

    def normalise_options(self, options: Any) -> dict[str, Any]:
        opts = super().normalise_options(options)
        if "steps" in opts:
            opts["steps"] = int(opts["steps"])
        return opts

    def _generate(self, rng: np.random.Generator, split: str, index: int, options: Any) -> Task:
        steps = int(options.get("steps", 1))
        signals = [SIGNALS[int(i)] for i in rng.integers(0, len(SIGNALS), size=steps)]
        return Task(task_id="", split=split, goal="Answer each signal with its code word.",
                    task_type=f"signal{steps}", data={"signals": signals})


class SignalEnv(TextEnv):
    action_help = "Reply with one code word: " + ", ".join(ACTIONS) + "."

    def __init__(self, split: str = "train", steps: int = 1, repeat: int = 8,
                 render_mode: str | None = None) -> None:
        super().__init__(SignalSuite(), split=split, render_mode=render_mode)
        self.steps, self.repeat = int(steps), int(repeat)
        self.t = 0
        self.right = 0

    def _select_task(self, seed: int | None, options: dict[str, Any]) -> Task:
        options.setdefault("steps", self.steps)
        return super()._select_task(seed, options)

    def _signal(self) -> str:
        return self._task.data["signals"][self.t]

    def _show(self) -> str:
        return "Signal: " + " ".join([self._signal()] * self.repeat)

    def _start(self, task: Task) -> str:
        self.t = self.right = 0
        return self._show()

    def _transition(self, action: str) -> Transition:
        word = action.strip().lower()
        if word not in ACTIONS:
            return Transition("Unknown code word.", action_valid=False)
        self.right += word == CODES[self._signal()]
        self.t += 1
        n = len(self._task.data["signals"])
        if self.t < n:
            return Transition(self._show())
        won = self.right == n
        return Transition("Done.", reward=self.right / n, terminated=True, won=won)

    def _info(self) -> dict[str, Any]:
        n = len(self._task.data["signals"])
        expert = CODES[self._signal()] if self.t < n else None
        return {"admissible_actions": list(ACTIONS), "progress": self.t / n,
                "expert_action": expert}

    def _get_world(self) -> tuple[int, int]:
        return self.t, self.right

    def _set_world(self, world: tuple[int, int]) -> None:
        self.t, self.right = int(world[0]), int(world[1])
