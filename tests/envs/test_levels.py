"""Difficulty levels of WebShop, ToolUse and MathChain: the ``level`` kwarg and reset option,
ids, frozen per-level eval splits, the expert, the conformance kit, and what each level changes.
"""

from __future__ import annotations

import json
from typing import Any

import gymnasium as gym
import pytest

import envs  # noqa: F401
from envs.testing import assert_text_env
from envs.tooluse import TOOLS
from envs.webshop.pages import PER_PAGE
from envs.webshop.search import get_search_index
from tasks import mathchain, tooluse, webshop
from tasks.base import check_level
from tasks.mathchain.levels import level_families
from tasks.tooluse.levels import PLAN_CALLS, TOOL_NAMES
from tasks.tooluse.queries import TEMPLATES

#: env id -> (tasks package with LEVELS / BENCHMARK_LEVEL / LEVEL_EVAL_CHECKSUMS, eval checksum
#: of the benchmark level)
ENVS: dict[str, Any] = {
    "stepgym/MathChain-v0": (mathchain, mathchain.EVAL_CHECKSUMS[3]),
    "stepgym/ToolUse-v0": (tooluse, tooluse.EVAL_CHECKSUM),
    "stepgym/WebShop-v0": (webshop, webshop.EVAL_CHECKSUM),
}
CASES = [(env_id, level) for env_id, (pkg, _) in ENVS.items() for level in sorted(pkg.LEVELS)]
LOWER = [(env_id, level) for env_id, level in CASES if level != ENVS[env_id][0].BENCHMARK_LEVEL]


def _play_expert(env: gym.Env, info: dict[str, Any]) -> dict[str, Any]:
    for _ in range(50):
        _, _, terminated, truncated, info = env.step(info["expert_action"])
        if terminated or truncated:
            break
    return info


def test_levels_are_numbered_from_one_with_the_benchmark_last() -> None:
    for pkg, _ in ENVS.values():
        assert sorted(pkg.LEVELS) == list(range(1, len(pkg.LEVELS) + 1))
        assert pkg.BENCHMARK_LEVEL == max(pkg.LEVELS) and 3 <= len(pkg.LEVELS) <= 5
        assert sorted(pkg.LEVEL_EVAL_CHECKSUMS) == list(range(1, pkg.BENCHMARK_LEVEL))


@pytest.mark.parametrize(("env_id", "level"), CASES)
def test_conformance_kit_passes_at_every_level(env_id: str, level: int) -> None:
    assert_text_env(env_id, make_kwargs={"level": level}, fuzz_actions=300)


@pytest.mark.parametrize(("env_id", "level"), CASES)
def test_kwarg_and_reset_option_give_the_same_tasks(env_id: str, level: int) -> None:
    by_kwarg = gym.make(env_id, level=level)
    by_option = gym.make(env_id)
    benchmark = ENVS[env_id][0].BENCHMARK_LEVEL
    other = gym.make(env_id, level=1 if level != 1 else benchmark)
    for seed in range(5):
        obs_a, info_a = by_kwarg.reset(seed=seed)
        obs_b, info_b = by_option.reset(seed=seed, options={"level": level})
        assert (obs_a, info_a["task_id"]) == (obs_b, info_b["task_id"])
        assert info_a["expert_action"] == info_b["expert_action"]
        assert ("level=" in info_a["task_id"]) == (level != benchmark)
        if level != benchmark:
            assert info_a["task_id"].endswith(f"level={level}")
        # an id names its task exactly, whatever the env's level
        obs_c, info_c = other.reset(options={"task_id": info_a["task_id"]})
        assert (obs_c, info_c["task_id"]) == (obs_a, info_a["task_id"])
        assert _play_expert(by_kwarg, info_a)["won"]


@pytest.mark.parametrize(("env_id", "level"), CASES)
def test_eval_split_checksum_per_level_and_the_expert_wins(env_id: str, level: int) -> None:
    pkg, benchmark_checksum = ENVS[env_id]
    env = gym.make(env_id, level=level, split="eval")
    base = env.unwrapped
    expected = benchmark_checksum if level == pkg.BENCHMARK_LEVEL else pkg.LEVEL_EVAL_CHECKSUMS[level]
    assert base.suite.frozen_checksums["eval"] == expected
    assert base.suite.split_checksum("eval", {"level": level}, verify=base.verify) == expected
    for index in range(0, base.suite.split_size("eval"), 5):
        _, info = env.reset(options={"task_index": index})
        assert _play_expert(env, info)["won"], info["task_id"]


@pytest.mark.parametrize("env_id", sorted(ENVS))
@pytest.mark.parametrize("bad", [0, -1, 99, "x", "", 1.0, 2.5, True, None, [1]])
def test_bad_levels_are_refused(env_id: str, bad: Any) -> None:
    with pytest.raises(ValueError, match="level"):
        gym.make(env_id, level=bad)
    env = gym.make(env_id)
    with pytest.raises(ValueError, match="level"):  # bad reset options raise, as unknown ones do
        env.reset(seed=0, options={"level": bad})
    if isinstance(bad, (int, str)) and not isinstance(bad, bool):
        task_id = f"{env.unwrapped.suite.name}:train:0:level={bad}"
        with pytest.raises(ValueError, match="level"):
            env.reset(options={"task_id": task_id})


def test_check_level_accepts_ints_and_task_id_text() -> None:
    assert check_level(2, (1, 2)) == 2 and check_level("2", (1, 2)) == 2 and check_level(" 1", (1, 2)) == 1
    for bad in (3, "3", "2.0", 2.0, False, None):
        with pytest.raises(ValueError):
            check_level(bad, (1, 2))


# ------------------------------------------------------------------ MathChain
def test_mathchain_level_one_is_one_small_problem() -> None:
    env = gym.make("stepgym/MathChain-v0", level=1)
    for seed in range(200):
        _, info = env.reset(seed=seed)
        (problem,) = env.unwrapped.task.data["problems"]
        assert problem["answer"] < 100 and all(v <= 9 for v in problem["values"].values())
        assert info["task_id"] == f"mathchain:train:{seed}:horizon=1,level=1"
    assert {f.name for f in level_families(1)} <= {f.name for f in level_families(2)}
    assert len(level_families(4)) == 23


def test_mathchain_horizon_precedence() -> None:
    """horizon: reset option, else the horizon kwarg, else the level's."""
    assert gym.make("stepgym/MathChain-v0", level=3).reset(seed=0)[1]["task_id"].endswith("horizon=2,level=3")
    env = gym.make("stepgym/MathChain-v0", level=1, horizon=4)
    _, info = env.reset(seed=0)
    assert info["task_id"] == "mathchain:train:0:horizon=4,level=1"
    values = [v for p in env.unwrapped.task.data["problems"] for v in p["values"].values()]
    assert max(values) <= 9 and info["expert_action"]
    _, info = env.reset(seed=0, options={"horizon": 2, "level": 2})
    assert info["task_id"] == "mathchain:train:0:horizon=2,level=2"
    default = gym.make("stepgym/MathChain-v0")
    assert default.reset(seed=0, options={"level": 1})[1]["task_id"] == "mathchain:train:0:horizon=1,level=1"
    assert default.reset(seed=0, options={"level": 4})[1]["task_id"] == "mathchain:train:0:horizon=3"


# ------------------------------------------------------------------ ToolUse
def test_tooluse_tables_agree_with_the_tools_and_templates() -> None:
    assert TOOL_NAMES == tuple(TOOLS)
    assert set(PLAN_CALLS) == set(TEMPLATES)
    suite = tooluse.ToolUseSuite()
    for template, calls in PLAN_CALLS.items():
        assert suite.get("train", 0, {"template": template}).data["n_calls"] == calls, template


def test_tooluse_level_one_offers_three_tools_and_refuses_others() -> None:
    env = gym.make("stepgym/ToolUse-v0", level=1)
    for seed in range(30):
        obs, info = env.reset(seed=seed)
        task = env.unwrapped.task
        (turn,) = task.data["plan"]
        (call,) = turn
        offered = task.data["tools"]
        assert len(offered) == 3 and call["name"] in offered
        assert obs.endswith(" Tools: " + ", ".join(offered) + ".")
        assert [s["function"]["name"] for s in env.unwrapped.tool_schemas] == offered
    other = next(name for name in TOOLS if name not in offered)
    obs, _, terminated, _, info = env.step(f'<tool_call>{json.dumps({"name": other, "arguments": {}})}</tool_call>')
    assert "is not offered in this task" in obs and not info["action_valid"] and not terminated
    obs, *_ = env.step('<tool_call>{"name": "teleport", "arguments": {}}</tool_call>')
    assert "unknown tool" in obs and "calculator, convert_units" not in obs
    with pytest.raises(ValueError, match="not part of level 1"):
        env.reset(seed=0, options={"template": "sum_highs"})
    assert len(gym.make("stepgym/ToolUse-v0").unwrapped.tool_schemas) == len(TOOLS)


# ------------------------------------------------------------------ WebShop
def test_webshop_level_one_is_small_and_findable() -> None:
    env = gym.make("stepgym/WebShop-v0", level=1)
    base = env.unwrapped
    for seed in range(30):
        _, info = env.reset(seed=seed)
        data = base.task.data
        assert len(base.catalogue) == 300 and data["catalogue"]["size"] == 300
        assert len(data["goal_attributes"]) == 1 and data["goal_options"] == []
        results = get_search_index(base.catalogue).search(data["instruction"])
        assert data["product_index"] in results[:PER_PAGE]
    # the search page's instruction query, a click on the target and Buy Now win
    env.step(f"search[{data['instruction']}]")
    env.step(f"click[{base.catalogue[data['product_index']].asin}]")
    _, reward, terminated, _, info = env.step("click[Buy Now]")
    assert terminated and reward == 1.0 and info["won"]


def test_webshop_levels_bring_their_own_catalogue() -> None:
    with pytest.raises(ValueError, match="num_products"):
        gym.make("stepgym/WebShop-v0", level=2, num_products=2000)
    env = gym.make("stepgym/WebShop-v0", num_products=2000)
    with pytest.raises(ValueError, match="num_products"):
        env.reset(seed=0, options={"level": 1})
    assert env.reset(seed=0, options={"level": 4})[1]["task_id"] == "webshop-s0-n2000:train:0"
