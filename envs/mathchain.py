"""``stepgym/MathChain-v0``: h1's composed long-horizon math chains (arXiv 2510.07312).

A task is a chain of h GSM8K-style problems where problem j+1 uses X, the answer to problem
j, through a link phi (identity, scaling, offset or unit conversion); see
:mod:`tasks.mathchain`. Two modes (a kwarg):

* ``single`` (h1's setting): every problem in one prompt; one reply; reward 1 only if the
  final answer is right. Any readable answer ends the episode.
* ``multi``: one problem shown at a time; each reply answers the current problem. A right
  answer reveals the next problem (reward ``intermediate_reward``, 0 by default; 1 for the
  last problem). A wrong answer gets "Incorrect", costs a step, and the agent stays on the
  same problem (no penalty beyond the step; the registered step limit ends hopeless
  episodes). ``progress`` is the fraction of problems solved.

Difficulty levels (a kwarg and a reset option, ``level``; :mod:`tasks.mathchain.levels`):
1 (one problem, one-digit quantities, answers below 100) .. 4 (h1's setting above, the
default). A level sets the number ranges and the default horizon; ``horizon`` (a reset
option, else the ``horizon`` kwarg) overrides the level's horizon.

In both modes a reply with no readable number (see :mod:`tasks.mathchain.answers`) gets a
hint and ``action_valid=False``, and the episode goes on. The expert's action is a correct
worked solution ending in ``\\boxed{answer}`` (the whole chain in single mode, the current
problem in multi mode).
"""

from __future__ import annotations

from typing import Any, ClassVar

from envs.core import TextEnv, Transition
from tasks.base import Task
from tasks.mathchain.answers import extract_answer
from tasks.mathchain.levels import BENCHMARK_LEVEL
from tasks.mathchain.suite import MathChainSuite
from tasks.mathchain.units import fmt

MODES = ("single", "multi")
EXPERT_STYLES = ("worked", "short")


def _intro(horizon: int, mode: str) -> str:
    if horizon == 1:
        return "Solve this problem. End your reply with the answer as \\boxed{answer}."
    chain = (f"This is a chain of {horizon} problems. Each problem after the first uses X, "
             "the answer to the problem before it.")
    if mode == "single":
        return (f"{chain} Solve them all, then end your reply with the answer to Problem "
                f"{horizon} as \\boxed{{answer}}.")
    return (f"{chain} They are shown one at a time: answer the current problem only, ending "
            "your reply with its answer as \\boxed{answer}.")


class MathChainEnv(TextEnv):
    """Composed math chains; see the module docstring for modes and rewards."""

    prompt_format: ClassVar[str] = "math"
    action_help: ClassVar[str] = (
        "Reply with your working, then the answer as \\boxed{N} (or 'Answer: N'; a number at "
        "the end of the reply also counts). Units, commas and $ are fine. In single mode, give "
        "the answer to the last problem; in multi mode, the answer to the current problem."
    )

    def __init__(
        self,
        mode: str = "single",
        horizon: int | None = None,
        level: int = BENCHMARK_LEVEL,
        split: str = "train",
        render_mode: str | None = None,
        expert_style: str = "worked",
        intermediate_reward: float = 0.0,
        max_action_length: int = 4096,
        verify_tasks: bool = True,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if expert_style not in EXPERT_STYLES:
            raise ValueError(f"expert_style must be one of {EXPERT_STYLES}, got {expert_style!r}")
        super().__init__(MathChainSuite(default_horizon=horizon, level=level), split=split,
                         render_mode=render_mode, max_action_length=max_action_length,
                         verify_tasks=verify_tasks)
        self.mode = mode
        self.expert_style = expert_style
        self.intermediate_reward = float(intermediate_reward)
        self._problems: list[dict[str, Any]] = []
        self._solved = 0  # problems answered correctly (multi); 0 or h (single)

    # ------------------------------------------------------------------ hooks
    def _start(self, task: Task) -> str:
        self._problems = list(task.data["problems"])
        self._solved = 0
        horizon = len(self._problems)
        if self.mode == "single":
            body = "\n\n".join(self._problem_text(j) for j in range(horizon))
        else:
            body = self._problem_text(0)
        return f"{_intro(horizon, self.mode)}\n\n{body}"

    def _transition(self, action: str) -> Transition:
        extracted = extract_answer(action)
        if extracted.value is None:
            return Transition(
                f"I could not read an answer in your reply ({extracted.how}). End your reply "
                "with the answer as \\boxed{N}, for example \\boxed{42}.",
                action_valid=False,
            )
        horizon = len(self._problems)
        current = horizon - 1 if self.mode == "single" else self._solved
        expected = self._problems[current]["answer"]
        if extracted.value != expected:
            if self.mode == "single":
                return Transition(f"Incorrect: {fmt(extracted.value)} is not the answer to "
                                  f"Problem {horizon}.", terminated=True)
            return Transition(f"Incorrect: {fmt(extracted.value)} is not the answer to Problem "
                              f"{current + 1}. Try Problem {current + 1} again.")
        self._solved = horizon if self.mode == "single" else self._solved + 1
        message = f"Correct: the answer to Problem {current + 1} is {expected}."
        if self._solved == horizon:
            return Transition(message, reward=1.0, terminated=True, won=True)
        return Transition(f"{message}\n\n{self._problem_text(self._solved)}",
                          reward=self.intermediate_reward)

    def _info(self) -> dict[str, Any]:
        horizon = len(self._problems)
        return {
            "admissible_actions": None,
            "progress": self._solved / horizon if horizon else 0.0,
            "expert_action": self._expert() if self._solved < horizon else None,
        }

    def _get_world(self) -> tuple[int, int]:
        return (self._solved, len(self._problems))

    def _set_world(self, world: tuple[int, int]) -> None:
        assert self._task is not None
        self._problems = list(self._task.data["problems"])
        self._solved = int(world[0])

    # ------------------------------------------------------------------ text
    def _problem_text(self, j: int) -> str:
        return f"Problem {j + 1}. {self._problems[j]['question']}"

    def _worked(self, j: int) -> str:
        problem = self._problems[j]
        steps = " ".join(problem["steps"])
        return f"Problem {j + 1}: {steps} The answer to Problem {j + 1} is {problem['answer']}."

    def _expert(self) -> str:
        """A correct reply for the current state (the oracle's next action)."""
        if self.mode == "single":
            final = self._problems[-1]["answer"]
            if self.expert_style == "short":
                return f"\\boxed{{{final}}}"
            body = "\n".join(self._worked(j) for j in range(len(self._problems)))
            return f"{body}\n\\boxed{{{final}}}"
        answer = self._problems[self._solved]["answer"]
        if self.expert_style == "short":
            return f"\\boxed{{{answer}}}"
        return f"{self._worked(self._solved)}\n\\boxed{{{answer}}}"
