"""The ToolUse task suite: a world per task plus one templated query with its tool plan.

PORTool (arXiv 2510.26020) trains tool-use agents on time-sensitive and time-invariant
queries over 17 tools; this suite generates such queries procedurally. Each task draws
its own world seed, so "now", prices, forecasts, calendars and news differ per task and
memorised answers fail. The eval split (500 tasks) is frozen by checksum.

Difficulty levels (:mod:`tasks.tooluse.levels`) are a generation option: 1 (one call, three
tools offered) .. 4 (the benchmark, the default). Below level 4 the level is part of the id
(``tooluse:eval:3:level=1``), the task lists its offered tools (``data["tools"]``) and each
level's eval split is frozen in :data:`LEVEL_EVAL_CHECKSUMS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tasks.base import Task, TaskSuite, check_level
from tasks.tooluse.answers import format_gold
from tasks.tooluse.levels import (
    BENCHMARK_LEVEL,
    LEVELS,
    check_template_level,
    level_templates,
    offered_tools,
)
from tasks.tooluse.queries import TEMPLATES, draw_query

EVAL_SIZE = 500
MAX_WORLDS = 50
#: sha256 of the eval split as served by ToolUseEnv (tests/tasks/test_tooluse_suite.py checks it)
EVAL_CHECKSUM = "05239872f4774886e24260ceea9628be483d19d55b31801b2f8c59ad0d45263d"
#: sha256 of each lower level's served eval split (``split_checksum("eval", {"level": n})``)
LEVEL_EVAL_CHECKSUMS: dict[int, str] = {
    1: "69480c742dfad6351d5c96720a85b087a20e5b96618ef3def11a89a7821a7ba2",
    2: "3039c670eae9f6ff5c7a2602328f6e1782b04656baab7d1dfffbf712ce80ef41",
    3: "f59338fefe4e8136c4840ffc20a9daaca3be011eac53821c68f7d2d8ed620ff1",
}


class ToolUseSuite(TaskSuite):
    name = "tooluse"
    splits = {"train": None, "eval": EVAL_SIZE}
    frozen_checksums = {"eval": EVAL_CHECKSUM}
    generation_options = ("template", "level")
    levels = tuple(sorted(LEVELS))
    benchmark_level = BENCHMARK_LEVEL

    def __init__(self, level: int = BENCHMARK_LEVEL) -> None:
        super().__init__()
        self.level = check_level(level, self.levels)
        checksum = EVAL_CHECKSUM if self.level == BENCHMARK_LEVEL else LEVEL_EVAL_CHECKSUMS.get(self.level, "")
        self.frozen_checksums = {"eval": checksum}

    def normalise_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        opts = super().normalise_options(options)
        opts.pop("level", None)
        opts.update(self.level_option(options))
        if "template" in opts:
            if str(opts["template"]) not in TEMPLATES:
                raise ValueError(f"unknown template {opts['template']!r}; known: {sorted(TEMPLATES)}")
            opts["template"] = str(opts["template"])
            check_template_level(opts["template"], opts.get("level", BENCHMARK_LEVEL))
        return opts

    def _generate(self, rng: np.random.Generator, split: str, index: int, options: Mapping[str, Any]) -> Task:
        level = int(options.get("level", BENCHMARK_LEVEL))
        for _ in range(MAX_WORLDS):
            world_seed = int(rng.integers(0, 2**31 - 1))
            drawn = draw_query(rng, world_seed, options.get("template"), max_tries=20,
                               templates=level_templates(level))
            if drawn is not None:
                break
        else:
            raise RuntimeError(f"no well-posed {options.get('template')!r} query in {MAX_WORLDS} worlds")
        template, query = drawn
        n_calls = sum(len(turn) for turn in query.plan)
        data = {
            "world_seed": world_seed,
            "question": query.question,
            "plan": query.plan,
            "gold": query.gold,
            "expert_answer": format_gold(query.gold),
            "time_sensitive": query.time_sensitive,
            "tags": list(query.tags),
            "n_calls": n_calls,
        }
        if level != BENCHMARK_LEVEL:
            data["tools"] = offered_tools(rng, query.plan, level)
        return Task(task_id="", split=split, goal=query.question, task_type=template, data=data)
