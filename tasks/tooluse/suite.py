"""The ToolUse task suite: a world per task plus one templated query with its tool plan.

PORTool (arXiv 2510.26020) trains tool-use agents on time-sensitive and time-invariant
queries over 17 tools; this suite generates such queries procedurally. Each task draws
its own world seed, so "now", prices, forecasts, calendars and news differ per task and
memorised answers fail. The eval split (500 tasks) is frozen by checksum.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tasks.base import Task, TaskSuite
from tasks.tooluse.answers import format_gold
from tasks.tooluse.queries import TEMPLATES, draw_query

EVAL_SIZE = 500
MAX_WORLDS = 50
#: sha256 of the eval split as served by ToolUseEnv (tests/tasks/test_tooluse_suite.py checks it)
EVAL_CHECKSUM = "0e895aea29cff6834084999672acb8e049f185d82c33d11b77f011fdfd717c1f"


class ToolUseSuite(TaskSuite):
    name = "tooluse"
    splits = {"train": None, "eval": EVAL_SIZE}
    frozen_checksums = {"eval": EVAL_CHECKSUM}
    generation_options = ("template",)

    def normalise_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        opts = super().normalise_options(options)
        if "template" in opts:
            if str(opts["template"]) not in TEMPLATES:
                raise ValueError(f"unknown template {opts['template']!r}; known: {sorted(TEMPLATES)}")
            opts["template"] = str(opts["template"])
        return opts

    def _generate(self, rng: np.random.Generator, split: str, index: int, options: Mapping[str, Any]) -> Task:
        for _ in range(MAX_WORLDS):
            world_seed = int(rng.integers(0, 2**31 - 1))
            drawn = draw_query(rng, world_seed, options.get("template"), max_tries=20)
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
        return Task(task_id="", split=split, goal=query.question, task_type=template, data=data)
