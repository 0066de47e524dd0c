"""Every registered stepgym env takes the common keyword arguments of ``TextEnv``, and its
feedback names what went wrong."""

from __future__ import annotations

import gymnasium as gym
import pytest

import envs  # noqa: F401
from envs.registry import ENV_TABLE


@pytest.mark.parametrize("env_id", [e.env_id for e in ENV_TABLE])
def test_max_action_length_is_accepted_and_enforced(env_id):
    try:
        env = gym.make(env_id, max_action_length=100)
    except (ImportError, ModuleNotFoundError) as exc:  # TextWorld is an optional extra
        pytest.skip(f"{env_id}: {exc}")
    env.reset(seed=0)
    obs, _, _, _, info = env.step("x" * 150)
    assert info["action_valid"] is False and "too long" in obs
    env.close()


def test_webshop_long_search_is_too_long_not_letterless():
    env = gym.make("stepgym/WebShop-v0")
    env.reset(seed=0)
    obs, _, _, _, info = env.step("search[" + "shoes " * 400 + "]")
    assert info["action_valid"] is False and "too long" in obs and "letters" not in obs
    obs, _, _, _, _ = env.step("search[!!!]")
    assert "letters or digits" in obs


def test_textworld_ascii_message_only_for_non_ascii():
    from envs.textworld.text import prepare_command

    assert "backslash" in prepare_command("take \\coin")[1]
    assert "plain ASCII" in prepare_command("take cöin")[1]
