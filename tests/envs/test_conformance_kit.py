"""The conformance kit passes a correct env and catches each kind of broken env."""

from __future__ import annotations

import gymnasium as gym
import pytest

from envs.testing import assert_text_env, check_text_env, format_results
from tests.conftest import TOY_BROKEN_EXPERT_ID, TOY_ID

BROKEN = {
    "RaisesOnGarbage": {"fuzz", "bad_actions"},
    "NonDeterministic": {"determinism"},
    "ForgetfulState": {"state_restore"},
    "BlankFeedback": {"bad_actions"},
    "AcceptsEverything": {"bad_actions"},
}

for name in BROKEN:
    if f"stepgym-test/{name}-v0" not in gym.registry:
        gym.register(f"stepgym-test/{name}-v0", entry_point=f"tests.helpers.broken_envs:{name}",
                     max_episode_steps=20, disable_env_checker=True)


def test_kit_passes_the_toy_env():
    results = assert_text_env(TOY_ID, fuzz_actions=500)
    assert [r.name for r in results] == [
        "gymnasium", "info_keys", "bad_actions", "fuzz", "determinism", "state_restore",
        "pickle", "expert", "vector",
    ]
    table = format_results(TOY_ID, results)
    assert "9/9 checks passed" in table


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_kit_catches_broken_env(name):
    results = check_text_env(f"stepgym-test/{name}-v0", fuzz_actions=300)
    failed = {r.name for r in results if not r.passed}
    assert BROKEN[name] <= failed, format_results(name, results)
    with pytest.raises(AssertionError):
        assert_text_env(f"stepgym-test/{name}-v0", only=sorted(BROKEN[name]), fuzz_actions=300)


def test_kit_expert_check_uses_served_tasks():
    # Verification only serves tasks the (broken) expert can solve, so the expert check passes:
    # this is the guarantee "every served task is verified solvable by its expert".
    results = check_text_env(TOY_BROKEN_EXPERT_ID, only=["expert"], seeds=range(10))
    assert results[0].passed, results[0].detail


def test_unknown_check_name_is_an_error():
    with pytest.raises(ValueError, match="unknown checks"):
        check_text_env(TOY_ID, only=["nope"])
