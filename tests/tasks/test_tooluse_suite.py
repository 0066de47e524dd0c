"""ToolUse suite: frozen eval split (checksum), the expert at 100%, ground truth that the
tools themselves reproduce, plan shapes, and answer grading."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter

import pytest

from envs.tooluse import ToolUseEnv
from envs.tooluse.tools import call_tool
from tasks.tooluse import EVAL_CHECKSUM, EVAL_SIZE, ToolUseSuite
from tasks.tooluse.answers import check_answer, first_number, format_gold, numbers_close
from tasks.tooluse.queries import TEMPLATES
from tasks.tooluse.world import generate_world


@pytest.fixture(scope="module")
def eval_env() -> ToolUseEnv:
    return ToolUseEnv(split="eval")


@pytest.fixture(scope="module")
def eval_tasks(eval_env: ToolUseEnv) -> list:
    return list(eval_env.suite.iter_split("eval", verify=eval_env.verify))


def test_eval_split_checksum_is_frozen(eval_env: ToolUseEnv, eval_tasks: list) -> None:
    assert len(eval_tasks) == EVAL_SIZE == 500
    assert ToolUseSuite.frozen_checksums["eval"] == EVAL_CHECKSUM
    assert eval_env.suite.split_checksum("eval", verify=eval_env.verify) == EVAL_CHECKSUM


def test_expert_scores_100_percent_on_eval(eval_env: ToolUseEnv) -> None:
    wins, calls = 0, 0
    for index in range(EVAL_SIZE):
        _, info = eval_env.reset(options={"task_index": index})
        for _ in range(10):
            _, reward, terminated, _, info = eval_env.step(info["expert_action"])
            if terminated:
                break
        wins += int(info["won"] and reward == 1.0)
        calls += info["tool_calls"]
        assert info["progress"] == 1.0
    assert wins == EVAL_SIZE
    assert 1.5 < calls / EVAL_SIZE < 3.5


def test_plans_cover_the_issue_shapes(eval_tasks: list) -> None:
    sizes = Counter(t.data["n_calls"] for t in eval_tasks)
    assert set(sizes) == {1, 2, 3, 4, 5}
    tags = Counter(tag for t in eval_tasks for tag in t.data["tags"])
    for tag in ("sequential", "parallel", "arithmetic", "unanswerable"):
        assert tags[tag] >= 10, tags
    assert 0.03 <= tags["unanswerable"] / len(eval_tasks) <= 0.12
    time_sensitive = sum(t.data["time_sensitive"] for t in eval_tasks)
    assert 0.4 < time_sensitive / len(eval_tasks) < 0.9
    assert len({t.task_type for t in eval_tasks}) >= 30
    assert len({t.data["world_seed"] for t in eval_tasks}) == len(eval_tasks)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", text)]


def _date_follows(value: str, seen: str, question: str) -> bool:
    """A date argument is an earlier output's date plus an offset the question names
    ("today", "tomorrow", "two/three days", "N days")."""
    offsets = {0, 1, 2, 3} | {int(x) for x in re.findall(r"\b(\d+) days", question)}
    target = dt.date.fromisoformat(value)
    return any((target - dt.date.fromisoformat(d)).days in offsets for d in _DATE.findall(seen))


def test_ground_truth_is_what_the_tools_return(eval_tasks: list) -> None:
    """Run every plan through the real tools: arguments of later turns come from the question
    or earlier outputs, the gold answer is in the outputs (or is the calculator's result), and
    unanswerable plans end in a tool error."""
    for task in eval_tasks:
        world = generate_world(task.data["world_seed"])
        seen = task.goal.lower()
        outputs: list[tuple[dict, str | None]] = []
        for t, turn in enumerate(task.data["plan"]):
            for c in turn:
                if t > 0:
                    for key, value in c["arguments"].items():
                        if key in ("unit", "status", "priority", "top_k"):  # choices, not data
                            continue
                        if isinstance(value, str) and _DATE.fullmatch(value):
                            assert _date_follows(value, seen, task.goal), (task.task_id, c)
                        elif isinstance(value, str) and c["name"] != "calculator":
                            mentioned = value.lower() in seen or (value == "USD" and "dollar" in seen)
                            assert mentioned, (task.task_id, c, "argument not from earlier outputs")
                        elif isinstance(value, (int, float)) and not isinstance(value, bool):
                            assert any(numbers_close(value, x, rel=1e-4) for x in _numbers(seen)), (task.task_id, c)
            for c in turn:
                result, error = call_tool(world, c["name"], c["arguments"])
                outputs.append((result, error))
                seen += " " + json.dumps(result).lower()
        gold = task.data["gold"]
        last, error = outputs[-1]
        if gold["type"] == "unanswerable":
            assert error == "tool", (task.task_id, last)
            continue
        assert all(e is None for _, e in outputs), (task.task_id, outputs)
        if task.data["plan"][-1][-1]["name"] == "calculator":
            assert numbers_close(last["result"], gold["value"]), task.task_id
        elif gold["type"] == "number":
            assert any(numbers_close(gold["value"], x, rel=1e-9, abs_tol=1e-9) for x in _numbers(seen)), task.task_id
        elif gold["type"] == "list":
            assert all(v.lower() in seen for v in gold["value"]), task.task_id
        else:
            assert gold["value"].lower() in seen, task.task_id


def test_generation_is_deterministic_and_worlds_differ() -> None:
    a, b = ToolUseSuite(), ToolUseSuite()
    assert a.get("train", 123).to_json() == b.get("train", 123).to_json()
    assert a.get("train", 123, {"template": "warmer"}).task_type == "warmer"
    nows = {generate_world(a.get("train", i).data["world_seed"]).now for i in range(20)}
    assert len(nows) == 20  # every task has its own "now": memorised answers go stale


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_is_solved_by_the_expert(template: str) -> None:
    env = ToolUseEnv()
    for index in range(3):
        _, info = env.reset(options={"task_index": index, "template": template})
        for _ in range(10):
            _, reward, terminated, _, info = env.step(info["expert_action"])
            if terminated:
                break
        assert reward == 1.0 and info["won"]


@pytest.mark.parametrize(
    ("answer", "gold", "expected"),
    [
        ("343.6", {"type": "number", "value": 343.6}, True),
        ("About 1,234.5 km.", {"type": "number", "value": 1234.5}, True),
        ("1245", {"type": "number", "value": 1234.5}, False),  # > 0.5% off
        ("0.0736", {"type": "number", "value": 0.07361}, True),
        ("-3", {"type": "number", "value": -3}, True),
        ("3", {"type": "number", "value": -3}, False),
        ("no idea", {"type": "number", "value": 3}, False),
        ("The capital is Paris.", {"type": "string", "value": "Paris"}, False),  # the answer alone
        ("Paris.", {"type": "string", "value": "Paris"}, True),
        ("paris", {"type": "string", "value": "Paris"}, True),
        ("Lyon", {"type": "string", "value": "Paris"}, False),
        ("Paris, Lyon, Rome, Berlin, Madrid and many others I could list here", {"type": "string", "value": "Paris"},
         False),
        ("sad, gloomy and unhappy", {"type": "list", "value": ["unhappy", "sad", "gloomy"]}, True),
        ("sad, gloomy", {"type": "list", "value": ["unhappy", "sad", "gloomy"]}, False),
        ("I cannot answer that: no forecast.", {"type": "unanswerable", "value": "x"}, True),
        ("It's 21 degrees.", {"type": "unanswerable", "value": "x"}, False),
        # gaming the grader (issue: listing candidates, denying the answer, hedged refusals)
        ("Melbourne or Barcelona", {"type": "string", "value": "Melbourne"}, False),
        ("not Melbourne", {"type": "string", "value": "Melbourne"}, False),
        ("Pedro Nguyen, Rosa Weber", {"type": "string", "value": "Rosa Weber"}, False),
        ("noun, verb, adjective", {"type": "string", "value": "verb"}, False),
        ("verb", {"type": "string", "value": "verb"}, True),
        ("The price is $42 (unknown source)", {"type": "unanswerable", "value": "x"}, False),
        ("Unfortunately, I cannot answer that.", {"type": "unanswerable", "value": "x"}, True),
        ("Unanswerable: there is no such city.", {"type": "unanswerable", "value": "x"}, True),
        ("sad, gloomy, unhappy, happy", {"type": "list", "value": ["unhappy", "sad", "gloomy"]},
         False),
        # numbers: 0.5% relative, or the gold rounded to the answer's own precision
        ("0.092", {"type": "number", "value": 0.1011}, False),  # was accepted (abs 0.01)
        ("0.11", {"type": "number", "value": 0.1011}, False),
        ("0.101", {"type": "number", "value": 0.1011}, True),
        ("0.10", {"type": "number", "value": 0.1011}, True),
        ("0", {"type": "number", "value": 0.1011}, False),
        ("42 or 43", {"type": "number", "value": 42}, False),  # two candidates
        ("42 (42.0)", {"type": "number", "value": 42}, True),
        ("3.3e-5", {"type": "number", "value": 1 / 30000}, True),
        ("0.000033", {"type": "number", "value": 1 / 30000}, True),
    ],
)
def test_answer_grading(answer: str, gold: dict, expected: bool) -> None:
    assert check_answer(answer, gold) is expected


def test_expert_answers_keep_small_values() -> None:
    for value in (1 / 30000, 0.1011, 123456.789, 0.5, 7.0, -2.25e-7):
        gold = {"type": "number", "value": value}
        assert check_answer(format_gold(gold), gold), (value, format_gold(gold))


def test_first_number() -> None:
    assert first_number("costs 1,234,567.25 JPY") == 1234567.25
    assert first_number("none") is None


def test_every_question_states_its_date_basis_and_times_their_zone(eval_env: ToolUseEnv) -> None:
    """No question leaves the day ambiguous (local date vs UTC), and calendar times carry
    their zone: 'tomorrow in Auckland' says whose tomorrow."""
    relative = re.compile(r"\b(today|tomorrow|days from|days after)\b", re.IGNORECASE)
    for index in range(EVAL_SIZE):
        eval_env.reset(options={"task_index": index})
        goal = eval_env.unwrapped.task.goal
        if relative.search(goal):  # "right now" is an instant: no date to resolve
            assert "UTC" in goal or "local date" in goal, goal
    world = generate_world(0)
    assert world.events and all(e["start"].endswith(" UTC") and e["end"].endswith(" UTC")
                                for e in world.events)
