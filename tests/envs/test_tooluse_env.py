"""ToolUse env: conformance, the call format, malformed-call fuzz, progress and the expert."""

from __future__ import annotations

import json
import subprocess
import sys

import gymnasium as gym
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import envs  # noqa: F401
from envs.testing import assert_text_env
from envs.tooluse import TOOLS, ToolUseEnv
from envs.tooluse.parser import MAX_CALLS_PER_TURN, parse_turn

ENV_ID = "stepgym/ToolUse-v0"


def tc(name: object, arguments: object) -> str:
    return f"<tool_call>{json.dumps({'name': name, 'arguments': arguments})}</tool_call>"


def _env(template: str, index: int = 0) -> tuple[ToolUseEnv, dict]:
    env = ToolUseEnv()
    _, info = env.reset(options={"task_index": index, "template": template})
    return env, info


def test_conformance_kit_passes() -> None:
    assert_text_env(ENV_ID, fuzz_actions=600)


def test_registered_with_tool_schemas_and_format() -> None:
    env = gym.make(ENV_ID)
    base = env.unwrapped
    assert base.prompt_format == "tool_call"
    assert [s["function"]["name"] for s in base.tool_schemas] == list(TOOLS)
    obs, info = env.reset(seed=5)
    assert info["goal"] in obs and "<tool_call>" in obs and info["tool_calls"] == 0


def test_env_module_does_not_import_torch() -> None:
    code = "import sys, envs.tooluse, envs.tooluse.trl_adapter; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_parallel_calls_give_one_response_each_in_order() -> None:
    env, _ = _env("calc")
    obs, reward, term, _, info = env.step(
        tc("city_distance", {"city_a": "London", "city_b": "Paris"}) + "\n"
        + tc("convert_units", {"value": 1, "from_unit": "km", "to_unit": "m"}))
    blocks = obs.split("</tool_response>")[:-1]
    assert len(blocks) == 2 and "343.6" in blocks[0] and '"result": 1000' in blocks[1]
    assert info["action_valid"] and not term and reward == 0 and info["tool_calls"] == 2


@pytest.mark.parametrize(
    ("action", "needle"),
    [
        ("hello", "No tool call or answer"),
        ("<tool_call>{not json}</tool_call>", "malformed JSON"),
        ('<tool_call>{"name": "calculator", "arguments": {"expression": "1"}', "not closed"),
        ('<tool_call>["calculator"]</tool_call>', "JSON object"),
        ('<tool_call>{"arguments": {}}</tool_call>', 'has no'),
        ('<tool_call>{"name": "calculator", "arguments": [1]}</tool_call>', "must be a JSON object"),
        ('<tool_call>{"name": "calculator", "args": {}}</tool_call>', "unexpected key"),
        ('<tool_call>{"name": "teleport", "arguments": {}}</tool_call>', "unknown tool"),
        ('<tool_call>{"name": "calculator", "arguments": {}}</tool_call>', "missing required"),
        ('<tool_call>{"name": "date_add", "arguments": {"date": "2024-01-01", "days": "3"}}</tool_call>',
         "must be an integer"),
        ("<answer></answer>", "empty"),
        ('<tool_call>{"name": "calculator", "arguments": {"expression": "1"}}</tool_call><answer>1</answer>',
         "not both"),
        ("<tool_call>" + "[" * 3000 + "</tool_call>", "malformed JSON"),
    ],
)
def test_malformed_calls_are_readable_and_invalid(action: str, needle: str) -> None:
    env, _ = _env("calc")
    obs, reward, term, _, info = env.step(action)
    assert needle in obs
    assert info["action_valid"] is False and not term and reward == 0
    # the episode goes on: the expert can still win
    while not term:
        obs, reward, term, _trunc, info = env.step(info["expert_action"])
    assert info["won"] and reward == 1


def test_tool_errors_are_valid_calls_but_counted_as_failed() -> None:
    env, _ = _env("calc")
    obs, _, _, _, info = env.step(tc("calculator", {"expression": "9**9**9"}))
    assert '"error"' in obs and "too large" in obs
    assert info["action_valid"] is True and info["failed_calls"] == 1


def test_too_many_calls_in_one_turn() -> None:
    env, _ = _env("calc")
    action = tc("calculator", {"expression": "1+1"}) * 50
    obs, _, _, _, info = env.step(action)
    # the first MAX_CALLS_PER_TURN run; the other 42 get one message between them
    assert obs.count("<tool_response>") == MAX_CALLS_PER_TURN + 1
    assert obs.count("too many tool calls") == 1 and "the other 42 did not" in obs
    assert info["action_valid"] is False


def test_mixed_turn_runs_good_calls_and_flags_bad_ones() -> None:
    env, _ = _env("calc")
    obs, _, _, _, info = env.step(tc("calculator", {"expression": "2+2"}) + "<tool_call>{oops</tool_call>")
    assert '"result": 4' in obs and "malformed JSON" in obs
    assert info["action_valid"] is False and info["tool_calls"] == 2 and info["failed_calls"] == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(
    name=st.sampled_from([*TOOLS, "", "x", "calculator ", "CALCULATOR"]) | st.text(max_size=10),
    arguments=st.dictionaries(st.sampled_from(["expression", "city", "date", "value", "from_unit", "to_unit",
                                               "symbol", "amount", "days", "query", "top_k", "name", "zz"]),
                              json_values, max_size=4) | json_values,
    wrapper=st.sampled_from(["plain", "cut", "twice", "string_args"]),
)
def test_fuzz_malformed_tool_calls_never_raise(name: object, arguments: object, wrapper: str) -> None:
    env = FUZZ_ENV
    env.reset(options={"task_index": 3})
    if wrapper == "string_args":
        text = tc(name, json.dumps(arguments, allow_nan=True))
    else:
        text = tc(name, arguments)
    if wrapper == "cut":
        text = text[: len(text) // 2]
    elif wrapper == "twice":
        text = text + text
    obs, reward, term, _trunc, info = env.step(text)
    assert isinstance(obs, str) and obs.strip() and reward == 0 and not term
    assert isinstance(info["action_valid"], bool) and 0.0 <= info["progress"] <= 1.0
    assert info["failed_calls"] <= info["tool_calls"]
    assert len(obs) < 20_000


FUZZ_ENV = ToolUseEnv(verify_tasks=False)


def test_progress_counts_correct_plan_calls() -> None:
    env, info = _env("warmer")  # current_datetime; 2 forecasts; calculator
    plan = env.task.data["plan"]
    assert info["progress"] == 0.0
    _, _, _, _, info = env.step(tc("current_datetime", {}))  # default timezone UTC == plan call
    assert info["progress"] == 0.25
    fc = plan[1][0]["arguments"]
    _, _, _, _, info = env.step(tc("weather_forecast", {"city": fc["city"].upper(), "date": "2000-01-01"}))
    assert info["progress"] == 0.25  # wrong date: no progress
    obs, _, _, _, info = env.step(info["expert_action"])  # both forecasts, in parallel
    assert info["progress"] == 0.75 and obs.count("<tool_response>") == 2
    expr = plan[2][0]["arguments"]["expression"]
    a, b = (int(x) for x in expr.replace(" ", "").rsplit("-", 1)) if expr.count("-") == 1 else (None, None)
    if a is not None:  # a different expression with the same value still counts
        _, _, _, _, info = env.step(tc("calculator", {"expression": f"-{b} + {a}"}))
        assert info["progress"] == 1.0
    _, reward, term, _, info = env.step(info["expert_action"])
    assert reward == 1.0 and term and info["won"]


def test_search_call_matches_by_document() -> None:
    env, _ = _env("news_hq")
    doc_id = env.task.data["plan"][0][0]["match"]["doc_id"]
    company = env.task.goal.split("will ")[1].split(" open")[0]
    obs, _, _, _, info = env.step(tc("search_news", {"query": f"headquarters {company}", "top_k": 5}))
    assert doc_id in obs and info["progress"] == 1.0


def test_wrong_answer_ends_with_zero_and_unanswerable_needs_refusal() -> None:
    env, info = _env("distance")
    _, reward, term, _, info = env.step("<answer>12</answer>")
    assert term and reward == 0.0 and not info["won"]
    env, info = _env("u_unknown_ticker")
    _, reward, _, _, _ = env.step("<answer>42 dollars</answer>")
    assert reward == 0.0
    env, info = _env("u_unknown_ticker")
    _, reward, _, _, info = env.step("<answer>I can't answer: that ticker does not exist.</answer>")
    assert reward == 1.0 and info["won"] and info["progress"] == 0.0


def test_expert_action_resumes_after_deviation() -> None:
    env, info = _env("shares_cost")  # stock_quote -> calculator -> currency_convert
    first = info["expert_action"]
    env.step(tc("thesaurus", {"word": "happy"}))
    _, _, _, _, info = env.step(tc("stock_quote", {"symbol": "NOPE"}))
    assert info["expert_action"] == first
    for _ in range(4):  # three tool turns, then the answer
        _, reward, term, _, info = env.step(info["expert_action"])
    assert term and reward == 1.0


def test_parse_turn_accepts_openai_string_arguments() -> None:
    turn = parse_turn('<tool_call>{"name": "calculator", "arguments": "{\\"expression\\": \\"1+2\\"}"}</tool_call>')
    assert turn.kind == "calls" and turn.calls[0].arguments == {"expression": "1+2"}


def test_docs_table_lists_every_tool() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "tooluse.md").read_text()
    for name in TOOLS:
        assert f"| `{name}` |" in text, name
