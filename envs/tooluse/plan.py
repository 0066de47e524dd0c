"""Matching the agent's tool calls against the ground-truth plan (``progress``) and the
expert that follows the plan (PORTool's setting, arXiv 2510.26020).

A plan is a list of turns; each turn a list of calls ``{"name", "arguments"[, "match"]}``.
An executed call matches the first still-unmatched plan call with the same tool and
equal arguments (strings compared case- and space-insensitively, units and currency
codes canonicalised, numbers within a relative 1e-4), or, where the plan call has a
``match`` rule, the same result: ``{"result": x}`` (calculator: any expression giving
x) or ``{"doc_id": d}`` (search: any query whose results include document d).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from envs.tooluse.parser import format_call
from envs.tooluse.tools import TOOLS
from envs.tooluse.tools.base import ToolError
from tasks.tooluse.answers import numbers_close
from tasks.tooluse.tables import canonical_unit

_UNIT_KEYS = {"from_unit", "to_unit"}


def _norm(key: str, value: Any) -> Any:
    if isinstance(value, str):
        text = " ".join(value.casefold().split())
        if key in _UNIT_KEYS:
            return canonical_unit(text) or text
        return text
    return value


def _equal(key: str, a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return numbers_close(float(a), float(b), rel=1e-4, abs_tol=1e-6)
    return _norm(key, a) == _norm(key, b)


def call_matches(
    plan_call: Mapping[str, Any],
    name: str,
    arguments: Mapping[str, Any] | None,
    result: Mapping[str, Any],
    failed: bool,
) -> bool:
    """Does one executed call (validated ``arguments``; None if invalid) fulfil ``plan_call``?"""
    if plan_call["name"] != name or arguments is None:
        return False
    rule = plan_call.get("match") or {}
    if "result" in rule:
        value = result.get("result")
        return not failed and isinstance(value, (int, float)) and numbers_close(float(value), float(rule["result"]))
    if "doc_id" in rule:
        return not failed and any(r.get("id") == rule["doc_id"] for r in result.get("results", []))
    try:
        want = TOOLS[name].validate(dict(plan_call["arguments"]))
    except ToolError:
        return False
    return set(want) == set(arguments) and all(_equal(k, want[k], arguments[k]) for k in want)


def flat_plan(plan: Sequence[Sequence[Mapping[str, Any]]]) -> list[tuple[int, Mapping[str, Any]]]:
    """(turn index, call) for every call of the plan, in order."""
    return [(t, c) for t, turn in enumerate(plan) for c in turn]


def expert_turn(plan: Sequence[Sequence[Mapping[str, Any]]], matched: Sequence[bool], answer: str) -> str:
    """The next expert action: the unmatched calls of the earliest unfinished turn, else the answer."""
    flat = flat_plan(plan)
    pending = [i for i, done in enumerate(matched) if not done]
    if not pending:
        return f"<answer>{answer}</answer>"
    turn = flat[pending[0]][0]
    calls = [flat[i][1] for i in pending if flat[i][0] == turn]
    return "\n".join(format_call(c["name"], dict(c["arguments"])) for c in calls)
