"""Candidate turns for ToolUse: a short list of plausible next actions, the expert's among them.

A starter setting (``gym.make("stepgym/ToolUse-v0", candidate_actions=N)``) for small models
that act by scoring a list of actions (GLAM-style action scoring, as ALFWorld and WebShop
list theirs): ``info["admissible_actions"]`` holds ``N`` turns, the expert's next turn and
``N - 1`` distractors that differ from it in one decision, so choosing still means reading the
question and the tool results:

- a pending call with one argument changed to another value of its kind (another city, a date
  a few days off, another contact or stock symbol, a nearby number);
- the call sent to another offered tool;
- a premature answer (before the plan's calls are made), or at the answer step, answers near
  the right one (a nearby number, another clock time, weekday, city or name, one list item
  swapped, a refusal for an answerable question or a number for an unanswerable one).

The list is a pure function of the task, the plan progress and the tool-call count (seeded
from them), so a restored state lists the same candidates. Any other action is still accepted
and graded as usual: the list only helps a scoring policy, the benchmark stays free-form
calling (``candidate_actions=0``, the default).
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from envs.tooluse.parser import format_call
from envs.tooluse.plan import flat_plan
from tasks.tooluse.tables import cities
from tasks.tooluse.world import World

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"(\d{2}):(\d{2})")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def candidate_seed(task_id: str, matched: Sequence[bool], tool_calls: int) -> int:
    """Seed of one state's list: the same state always lists the same candidates."""
    key = f"{task_id}|{''.join('1' if m else '0' for m in matched)}|{tool_calls}"
    return zlib.crc32(key.encode())


def _pools(world: World) -> dict[str, list[str]]:
    return {
        "city": sorted(c.name for c in cities().values()),
        "name": sorted(c["name"] for c in world.contacts),
        "symbol": sorted(world.stocks),
    }


def _other(value: str, pool: Sequence[str], rng: np.random.Generator) -> str | None:
    choices = [p for p in pool if p.casefold() != value.casefold()]
    return str(choices[int(rng.integers(len(choices)))]) if choices else None


def _nearby_number(value: float, rng: np.random.Generator) -> float | int:
    if float(value).is_integer():
        step = max(1, int(abs(value) * float(rng.choice([0.1, 0.25, 0.5]))))
        return int(value) + int(rng.choice([-1, 1])) * step
    return round(float(value) * float(rng.choice([0.8, 0.9, 1.1, 1.25])), 4)


def perturb_value(value: Any, pools: Mapping[str, Sequence[str]], rng: np.random.Generator) -> Any:
    """Another value of the same kind as ``value`` (None when there is none to give)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return _nearby_number(value, rng)
    if not isinstance(value, str):
        return None
    if _DATE.fullmatch(value):
        day = dt.date.fromisoformat(value) + dt.timedelta(days=int(rng.choice([-2, -1, 1, 2, 3])))
        return day.isoformat()
    for kind in ("city", "name", "symbol"):
        if any(value.casefold() == p.casefold() for p in pools[kind]):
            return _other(value, pools[kind], rng)
    numbers = re.findall(r"\d+(?:\.\d+)?", value)
    if numbers:  # an expression or a quantity in text: change one of its numbers
        old = numbers[int(rng.integers(len(numbers)))]
        new = str(_nearby_number(float(old) if "." in old else int(old), rng))
        return value.replace(old, new, 1)
    words = value.split()
    if len(words) > 1:  # a search query or a phrase: drop one word
        drop = int(rng.integers(len(words)))
        return " ".join(w for i, w in enumerate(words) if i != drop)
    return None


def _perturbed_calls(calls: list[Mapping[str, Any]], pools: Mapping[str, Sequence[str]],
                     rng: np.random.Generator) -> str | None:
    """The pending calls with one argument of one call changed."""
    i = int(rng.integers(len(calls)))
    args = dict(calls[i]["arguments"])
    if not args:
        return None
    key = list(args)[int(rng.integers(len(args)))]
    new = perturb_value(args[key], pools, rng)
    if new is None or new == args[key]:
        return None
    args[key] = new
    changed = [*calls[:i], {"name": calls[i]["name"], "arguments": args}, *calls[i + 1:]]
    return "\n".join(format_call(c["name"], dict(c["arguments"])) for c in changed)


def _answer_variants(gold: Mapping[str, Any], expert_answer: str, pools: Mapping[str, Sequence[str]],
                     rng: np.random.Generator) -> list[str]:
    """Wrong answers near the right one."""
    kind, value = gold["type"], gold.get("value")
    out: list[str] = []
    if kind == "unanswerable":
        out += [str(int(rng.integers(2, 500))), "0"]
    else:
        out.append("I cannot answer this: the tools do not say.")
    if kind == "number":
        for _ in range(3):
            out.append(str(_nearby_number(float(value), rng)))
    elif kind == "string":
        text = str(value)
        clock = _CLOCK.fullmatch(text)
        if clock:
            hour = (int(clock.group(1)) + int(rng.choice([-3, -1, 1, 2, 5]))) % 24
            out.append(f"{hour:02d}:{clock.group(2)}")
        elif text in _WEEKDAYS:
            out.append(_other(text, _WEEKDAYS, rng) or "")
        else:
            new = perturb_value(text, pools, rng)
            out.append(str(new) if new is not None else text[::-1])
    elif kind == "list":
        items = list(value)
        if len(items) > 1:
            out.append(", ".join(items[:-1]))
        out.append(", ".join([*items, "none of these"]) if items else "nothing")
    return [f"<answer>{a}</answer>" for a in out if a and a != expert_answer]


def candidate_turns(task: Any, world: World, matched: Sequence[bool], tool_calls: int,
                    offered: Sequence[str], expert: str, n: int) -> list[str]:
    """``n`` turns (fewer when not enough distinct ones exist): the expert's ``expert`` and
    distractors, in a seeded order."""
    rng = np.random.default_rng(candidate_seed(task.task_id, matched, tool_calls))
    pools = _pools(world)
    plan = task.data["plan"]
    flat = flat_plan(plan)
    pending = [i for i, done in enumerate(matched) if not done]
    distractors: list[str] = []
    if pending:
        turn = flat[pending[0]][0]
        calls = [flat[i][1] for i in pending if flat[i][0] == turn]
        for _ in range(4 * n):
            text = _perturbed_calls(calls, pools, rng)
            if text:
                distractors.append(text)
        others = [t for t in offered if t != calls[0]["name"]]
        if others:
            tool = others[int(rng.integers(len(others)))]
            distractors.append(format_call(tool, dict(calls[0]["arguments"])))
        distractors += _answer_variants(task.data["gold"], task.data["expert_answer"], pools, rng)[:1]
    else:
        distractors += _answer_variants(task.data["gold"], task.data["expert_answer"], pools, rng)
        last = flat[-1][1] if flat else None
        if last is not None:  # calling again instead of answering
            distractors.append(format_call(last["name"], dict(last["arguments"])))
    unique = list(dict.fromkeys(d for d in distractors if d != expert))
    order = rng.permutation(len(unique))
    chosen = [unique[i] for i in order[: max(0, n - 1)]]
    out = [expert, *chosen]
    return [out[i] for i in rng.permutation(len(out))]
