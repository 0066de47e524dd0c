"""ToolUse's candidate turns (``candidate_actions=N``): the expert's turn is always listed with
distractors that differ in one decision; the list is a function of the state; taking the
expert's candidate wins, taking a wrong answer loses."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import envs  # noqa: F401
from envs.testing import check_text_env
from envs.tooluse.candidates import perturb_value


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_expert_is_always_a_candidate_and_wins(level):
    env = gym.make("stepgym/ToolUse-v0", level=level, candidate_actions=6)
    for seed in range(25):
        _, info = env.reset(seed=seed)
        for _ in range(10):
            listed = info["admissible_actions"]
            assert info["expert_action"] in listed and 2 <= len(listed) <= 6
            assert len(set(listed)) == len(listed)
            _, reward, terminated, _, info = env.step(info["expert_action"])
            if terminated:
                break
        assert reward == 1.0, seed


def test_wrong_answers_lose_and_the_list_is_a_function_of_the_state():
    env = gym.make("stepgym/ToolUse-v0", level=1, candidate_actions=6)
    losses = 0
    for seed in range(20):
        _, info = env.reset(seed=seed)
        while not info["expert_action"].startswith("<answer>"):
            _, _, _, _, info = env.step(info["expert_action"])
        state = env.unwrapped.get_state()
        listed = info["admissible_actions"]
        env.unwrapped.set_state(state)
        assert env.unwrapped._info()["admissible_actions"] == listed  # restored: same list
        for wrong in [a for a in listed if a.startswith("<answer>") and a != info["expert_action"]]:
            env.unwrapped.set_state(state)
            _, reward, terminated, _, _ = env.step(wrong)
            assert terminated and reward == 0.0, (seed, wrong)
            losses += 1
    assert losses >= 20


def test_off_by_default_and_bad_values_refused():
    _, info = gym.make("stepgym/ToolUse-v0").reset(seed=0)
    assert info["admissible_actions"] is None  # the benchmark: free-form calling
    for bad in (1, -1, 33, 2.5, True, "6"):
        with pytest.raises(ValueError, match="candidate_actions"):
            gym.make("stepgym/ToolUse-v0", candidate_actions=bad)


def test_perturbed_values_keep_their_kind():
    rng = np.random.default_rng(0)
    pools = {"city": ["Paris", "Lyon", "Rome"], "name": ["Rosa Weber"], "symbol": ["ACME"]}
    assert perturb_value("Paris", pools, rng) in {"Lyon", "Rome"}
    day = perturb_value("2026-01-10", pools, rng)
    assert day != "2026-01-10" and day.startswith("2026-01")
    assert perturb_value(12, pools, rng) != 12
    assert perturb_value("Rosa Weber", pools, rng) is None  # no other name to give


def test_conformance_with_candidates():
    results = check_text_env("stepgym/ToolUse-v0", make_kwargs={"level": 1, "candidate_actions": 6},
                             seeds=[0, 1], fuzz_actions=200)
    assert all(r.passed for r in results), [(r.name, r.detail[:300]) for r in results if not r.passed]
