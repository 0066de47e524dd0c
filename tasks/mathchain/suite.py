"""The MathChain task suite: h1 chains (arXiv 2510.07312) by split, index and horizon.

Splits: ``train`` (unbounded: the task index is the reset seed) and ``eval`` (frozen, 200
tasks per horizon; horizon is a generation option and so part of the task id, e.g.
``mathchain:eval:17:horizon=5``). The eval split's checksum for each horizon 1..8 is
stored in :data:`EVAL_CHECKSUMS` and tested: changing a template, a range or the
composition rules changes them, which must come with a version bump of the env id.

Difficulty levels (:mod:`tasks.mathchain.levels`) are a generation option too: 1 (one small
problem) .. 4 (today's setting, the default). Below level 4 the level is part of the id
(``mathchain:eval:17:horizon=1,level=1``) and its eval split (at the level's own horizon) is
frozen in :data:`LEVEL_EVAL_CHECKSUMS`. The horizon comes from, in order: the ``horizon``
option, the suite's ``default_horizon`` (the env's ``horizon`` kwarg) when given, the level's
horizon.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tasks.base import Task, TaskSuite, check_level
from tasks.mathchain.compose import Draws, build_chain
from tasks.mathchain.levels import BENCHMARK_LEVEL, LEVELS, level_families

MIN_HORIZON = 1
MAX_HORIZON = 16
DEFAULT_HORIZON = LEVELS[BENCHMARK_LEVEL].horizon
EVAL_SIZE = 200

#: sha256 of the served eval split per horizon (``split_checksum("eval", {"horizon": h})``);
#: print fresh ones with :func:`print_checksums` (only after bumping the env id)
EVAL_CHECKSUMS: dict[int, str] = {
    1: "0200ea4fe4bf6357d9f71db60ad01ec66904972eae519d7aa8928732e7e77352",
    2: "f470c8f1cfcc21a6c45993587c73dd6d614b5e7faf7284e7dc37c2bca3028c01",
    3: "2ee332e84a569810a6799587c966e30e7dfa51e7681de01853f28ccc060064d7",
    4: "8a9c6297e71ed23f6792ba80835b9c038e4dca68bfb7ce9d22d7e2355180d6a0",
    5: "cf1f79a0930596bce65a0fd62dc1eab67481810b948e8a854e132e9ad3699f93",
    6: "e060a539bee986f2ba2a12e5a8e52eafbf619f6b19496df8a614926179c4b82a",
    7: "295e269e850adf9f4b5d8fbcbcc24659832b9d2ee9a7918812df8a6698902258",
    8: "67032b8b1abc1846b1cc33dccbd747a59ee74e9fbd3e2eb9f7dede588d845f31",
}
#: sha256 of the served eval split of each level below the benchmark's, at the level's own
#: horizon (``split_checksum("eval", {"level": n})``); level 4's is ``EVAL_CHECKSUMS[3]``
LEVEL_EVAL_CHECKSUMS: dict[int, str] = {
    1: "1516b6b9b5e54c28d4b32a398f7db4b5975462b408a029339d5b2341805418ab",
    2: "eff0ea6ae4bb98b08bd966de149a7edc9ea1b93278d62426d5b1d38a26ce9ec6",
    3: "53496fc22557a86b644ab9c20e84ed076f6d0c34794c83ac614935594c915aee",
}


def check_horizon(value: Any) -> int:
    """Coerce a horizon option (an int, or a str of digits from a task id) and range-check it;
    2.5, "2.5" and True are refused, not truncated.

    >>> check_horizon("3"), check_horizon(4)
    (3, 4)
    >>> check_horizon(2.5)
    Traceback (most recent call last):
    ...
    ValueError: horizon must be an integer, got 2.5
    """
    if isinstance(value, bool) or not isinstance(value, (int, str, np.integer, float)):
        raise ValueError(f"horizon must be an integer, got {value!r}")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"horizon must be an integer, got {value!r}")
    try:
        horizon = int(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"horizon must be an integer, got {value!r}") from exc
    if not MIN_HORIZON <= horizon <= MAX_HORIZON:
        raise ValueError(f"horizon must be in {MIN_HORIZON}..{MAX_HORIZON}, got {horizon}")
    return horizon


class MathChainSuite(TaskSuite):
    """Chains of GSM8K-style problems where each answer feeds the next problem."""

    name = "mathchain"
    splits = {"train": None, "eval": EVAL_SIZE}
    generation_options = ("horizon", "level")
    levels = tuple(sorted(LEVELS))
    benchmark_level = BENCHMARK_LEVEL

    def __init__(self, default_horizon: int | None = None, level: int = BENCHMARK_LEVEL) -> None:
        super().__init__()
        self.default_horizon = None if default_horizon is None else check_horizon(default_horizon)
        self.level = check_level(level, self.levels)
        self.frozen_checksums = {"eval": self._checksum(self.level, self.horizon_for(self.level))}

    def horizon_for(self, level: int) -> int:
        """The horizon when no option names one: the suite's default, else the level's."""
        return self.default_horizon if self.default_horizon is not None else LEVELS[level].horizon

    @staticmethod
    def _checksum(level: int, horizon: int) -> str:
        if level == BENCHMARK_LEVEL:
            return EVAL_CHECKSUMS.get(horizon, "")
        return LEVEL_EVAL_CHECKSUMS.get(level, "") if horizon == LEVELS[level].horizon else ""

    def normalise_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        """Always name the horizon, so a task id says exactly which chain it is (and the
        level below the benchmark's)."""
        level_opt = self.level_option(options)
        level = level_opt.get("level", BENCHMARK_LEVEL)
        horizon = (options or {}).get("horizon", self.horizon_for(level))
        return {"horizon": check_horizon(horizon), **level_opt}

    def _generate(
        self, rng: np.random.Generator, split: str, index: int, options: Mapping[str, Any]
    ) -> Task:
        horizon = int(options["horizon"])
        chain = build_chain(Draws(rng), horizon, level_families(options.get("level", BENCHMARK_LEVEL)))
        problems = []
        for j, link in enumerate(chain):
            problems.append(link.to_dict(j, chain[j - 1].answer if j > 0 else None))
        return Task(
            task_id="",  # the base class fills in suite:split:index:horizon=h
            split=split,
            goal=f"Solve a chain of {horizon} math word problems, each using the previous "
            f"answer, and give the answer to Problem {horizon}.",
            task_type=f"horizon-{horizon}",
            data={"horizon": horizon, "problems": problems,
                  "final_answer": problems[-1]["answer"]},
            options=dict(options),
        )


def print_checksums(horizons: range = range(1, 9)) -> None:
    """Print :data:`EVAL_CHECKSUMS` and :data:`LEVEL_EVAL_CHECKSUMS` afresh, ready to paste
    (after bumping the env id).

    Every generated chain is expert-solvable, so these equal the env's served-split
    checksums, which the tests compute with the env's ``verify``.
    """
    suite = MathChainSuite()
    for h in horizons:
        print(f'    {h}: "{suite.split_checksum("eval", {"horizon": h})}",')
    for level in suite.levels[:-1]:
        print(f'    {level}: "{suite.split_checksum("eval", {"level": level})}",')
