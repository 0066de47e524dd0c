"""Shared fixtures: the toy env registered under the test namespace."""

from __future__ import annotations

import gymnasium as gym
import pytest

import envs  # noqa: F401

TOY_ID = "stepgym-test/Count-v0"
TOY_BROKEN_EXPERT_ID = "stepgym-test/CountBrokenExpert-v0"

if TOY_ID not in gym.registry:
    gym.register(TOY_ID, entry_point="tests.helpers.toy_env:CountEnv", max_episode_steps=20,
                 disable_env_checker=True)
    gym.register(TOY_BROKEN_EXPERT_ID, entry_point="tests.helpers.toy_env:CountEnv",
                 max_episode_steps=20, kwargs={"broken_expert": True}, disable_env_checker=True)


@pytest.fixture
def toy_id() -> str:
    return TOY_ID
