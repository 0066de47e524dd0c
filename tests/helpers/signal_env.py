"""Learning-test envs (not shipped): a contextual bandit and a 3-step chain.

Each step shows a signal word (repeated, so a tiny from-scratch model can see it); the right
action is a fixed code word for that signal. ``steps=1`` is the contextual bandit (reward 1
iff right). ``steps=3`` is a chain whose reward comes only at the end: the fraction of the
three steps answered right, and the episode is won only if all three were; with that, credit
has to cross steps in window mode. ``signals``: how many of the four signals (and their code
words) are in play. Random play wins 1/4 (bandit, 4 signals) and 1/8 (chain, 2 signals).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.formats import PlainFormat
from envs.core import TextEnv, Transition
from tasks.base import Task, TaskSuite

SIGNALS = ("red", "green", "blue", "gold")
CODES = {"red": "alpha", "green": "bravo", "blue": "delta", "gold": "omega"}
ACTIONS = tuple(CODES[s] for s in SIGNALS)


class SignalFormat(PlainFormat):
    """Plain actions, without the admissible list in the prompt: the signal is the last thing
    the model reads before it answers (scored candidates come from the env's list anyway)."""

    name = "signal"
    instructions = "Reply with one code word."
    list_admissible = False


class SignalSuite(TaskSuite):
    name = "signal"
    splits = {"train": None, "eval": 64}
    generation_options = ("steps", "signals")

    def normalise_options(self, options: Any) -> dict[str, Any]:
        return {k: int(v) for k, v in super().normalise_options(options).items()}

    def _generate(self, rng: np.random.Generator, split: str, index: int, options: Any) -> Task:
        steps, count = int(options.get("steps", 1)), int(options.get("signals", len(SIGNALS)))
        signals = [SIGNALS[int(i)] for i in rng.integers(0, count, size=steps)]
        return Task(task_id="", split=split, goal="Decode.",
                    task_type=f"signal{steps}", data={"signals": signals})


class SignalEnv(TextEnv):
    action_help = ""  # the prompt stays short: the admissible list names the code words

    def __init__(self, split: str = "train", steps: int = 1, signals: int = 4, repeat: int = 16,
                 render_mode: str | None = None) -> None:
        super().__init__(SignalSuite(), split=split, render_mode=render_mode)
        self.steps, self.repeat = int(steps), int(repeat)
        self.actions = [CODES[s] for s in SIGNALS[:signals]]
        self.t = 0
        self.right = 0

    def _select_task(self, seed: int | None, options: dict[str, Any]) -> Task:
        options.setdefault("steps", self.steps)
        options.setdefault("signals", len(self.actions))
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
        if word not in self.actions:
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
        return {"admissible_actions": list(self.actions), "progress": self.right / n,
                "expert_action": expert}

    def _get_world(self) -> tuple[int, int]:
        return self.t, self.right

    def _set_world(self, world: tuple[int, int]) -> None:
        self.t, self.right = int(world[0]), int(world[1])
