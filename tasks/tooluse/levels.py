"""Difficulty levels of ToolUse: from one tool call among three tools up to PORTool's setting.

A level caps the plan length (the number of tool calls in the ground-truth plan: only the
templates whose plans are that short are drawn) and sets how many tools are offered: the
plan's own tools plus ``extra_tools`` others drawn from the task's generator. Offered tools
are task data (``data["tools"]``); the prompt lists only them and calls to other tools are
refused like unknown tools. Level :data:`BENCHMARK_LEVEL` is today's setting (every template,
all 18 tools) and the default; its tasks, ids and checksum are those of the suite before
levels existed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: the tools of ``envs.tooluse.tools.TOOLS`` in its order (tasks do not import envs; a test
#: checks the two agree)
TOOL_NAMES: tuple[str, ...] = (
    "calculator", "convert_units", "city_distance", "city_info", "country_info", "define_word",
    "thesaurus", "current_datetime", "date_diff", "date_add", "weather_forecast", "stock_quote",
    "currency_convert", "list_events", "search_news", "find_flights", "list_todos", "find_contact",
)  # fmt: skip

#: tool calls in each template's plan (fixed per template; a test checks generated plans)
PLAN_CALLS: dict[str, int] = {
    "calc": 1, "units": 1, "distance": 1, "synonyms": 1, "date_diff": 1, "local_time": 1,
    "stock_change": 1, "u_unknown_ticker": 1, "currency": 1, "contact_email": 1,
    "u_unknown_contact": 1, "open_todos": 1, "news_hq": 1, "news_ceo": 1,
    "farther": 2, "capital_population": 2, "u_capital_population": 2, "antonym_pos": 2,
    "weekday": 2, "days_until": 2, "weather_tomorrow": 2, "weather_condition": 2,
    "u_weather_far": 2, "bigger_stock": 2, "first_meeting": 2, "overdue": 2,
    "news_revenue_fx": 2, "news_hq_distance": 2, "cheapest_flight": 2, "u_flight_unknown_city": 2,
    "combined_area": 3, "shares_cost": 3, "meeting_phone": 3, "meeting_distance": 3,
    "flight_price_fx": 3, "warmer": 4, "flight_price_per_km": 4, "sum_highs": 5,
}  # fmt: skip


@dataclass(frozen=True)
class ToolLevel:
    """One rung: plan length cap and tools offered beyond the plan's (``None``: no cap / all)."""

    max_calls: int | None
    extra_tools: int | None
    summary: str


LEVELS: dict[int, ToolLevel] = {
    1: ToolLevel(1, 2, "one tool call, then the answer; 3 tools offered (the needed one + 2)"),
    2: ToolLevel(2, 4, "plans of 1-2 calls; the plan's tools + 4 others offered"),
    3: ToolLevel(3, 8, "plans of 1-3 calls; the plan's tools + 8 others offered"),
    4: ToolLevel(None, None, "the benchmark: plans of 1-5 calls over all 18 tools"),
}
BENCHMARK_LEVEL = max(LEVELS)


def level_templates(level: int) -> tuple[str, ...] | None:
    """The templates a level draws from, sorted (None: all, as the benchmark draws them)."""
    cap = LEVELS[level].max_calls
    if cap is None:
        return None
    return tuple(sorted(name for name, calls in PLAN_CALLS.items() if calls <= cap))


def check_template_level(template: str, level: int) -> None:
    """Refuse a template whose plan is longer than the level allows."""
    allowed = level_templates(level)
    if allowed is not None and template not in allowed:
        raise ValueError(f"template {template!r} ({PLAN_CALLS[template]} calls) is not part of level "
                         f"{level} (plans of at most {LEVELS[level].max_calls} calls)")


def offered_tools(rng: np.random.Generator, plan: Sequence[Sequence[Mapping[str, Any]]], level: int) -> list[str]:
    """The plan's tools plus the level's number of others, in ``TOOL_NAMES`` order."""
    needed = {c["name"] for turn in plan for c in turn}
    others = [name for name in TOOL_NAMES if name not in needed]
    extra = LEVELS[level].extra_tools
    count = len(others) if extra is None else min(extra, len(others))
    picked = {others[int(i)] for i in rng.choice(len(others), size=count, replace=False)}
    return [name for name in TOOL_NAMES if name in needed or name in picked]
