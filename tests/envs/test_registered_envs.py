"""One conformance test parametrised over every registered stepgym env (Gymnasium style)."""

from __future__ import annotations

import gymnasium as gym
import pytest

import envs
from envs.registry import ENV_TABLE, entry_for
from envs.testing import assert_text_env


def test_every_table_row_is_registered_in_the_namespace():
    for entry in ENV_TABLE:
        assert entry.env_id.startswith("stepgym/")
        assert gym.registry[entry.env_id].max_episode_steps == entry.max_episode_steps
    assert envs.registered_ids() == [e.env_id for e in ENV_TABLE]


@pytest.mark.parametrize("env_id", envs.registered_ids())
def test_env_conforms(env_id):
    missing = entry_for(env_id).missing_requirements()
    if missing:  # only a declared optional extra may skip, never an import error of our own
        pytest.skip(f"{env_id} needs the optional package(s) {missing} (pip install stepgym[...])")
    assert_text_env(env_id, fuzz_actions=1000)
