"""The TextEnv base class: task selection, bad input, episode end, forks, verification."""

from __future__ import annotations

import pickle

import gymnasium as gym
import pytest
from gymnasium.error import ResetNeeded

from envs import FreeText, restore_state, save_state
from envs.core import EPISODE_OVER_MESSAGE
from tests.conftest import TOY_BROKEN_EXPERT_ID, TOY_ID
from tests.helpers.toy_env import CountEnv


def test_free_text_accepts_any_text_up_to_its_length():
    space = FreeText(20)
    assert space.contains("go to cabinet 1")
    assert space.contains("")
    assert space.contains("ünïcödé ☃ \n\t")
    assert not space.contains("x" * 21)
    assert not space.contains(b"bytes")
    assert not space.contains(3)
    space.seed(0)
    samples = [space.sample() for _ in range(50)]
    assert all(space.contains(s) for s in samples)
    space.seed(0)
    assert samples == [space.sample() for _ in range(50)]  # sampling is seeded


def test_gymnasium_text_space_rejects_spaces_which_is_why_freetext_exists():
    assert not gym.spaces.Text(64).contains("go to cabinet 1")


def test_reset_is_deterministic_in_seed_and_picks_different_tasks():
    env = gym.make(TOY_ID)
    ids = [env.reset(seed=s)[1]["task_id"] for s in range(5)]
    assert ids == [env.reset(seed=s)[1]["task_id"] for s in range(5)]
    assert ids == [f"count:train:{s}" for s in range(5)]


def test_reset_options_choose_split_index_id_and_knobs():
    env = gym.make(TOY_ID)
    _, info = env.reset(seed=23, options={"split": "eval"})
    assert info["task_id"] == "count:eval:3"  # eval has 20 tasks: 23 % 20
    _, info = env.reset(options={"split": "eval", "task_index": 7})
    assert info["task_id"] == "count:eval:7"
    goal = info["goal"]
    _, info = env.reset(seed=999, options={"task_id": "count:eval:7"})
    assert info["task_id"] == "count:eval:7" and info["goal"] == goal
    _, info = env.reset(seed=1, options={"target_max": 3})
    assert info["task_id"] == "count:train:1:target_max=3"
    assert info["goal"] in {"Reach exactly 2.", "Reach exactly 3."}


def test_unknown_option_or_split_is_a_clear_error():
    env = gym.make(TOY_ID)
    with pytest.raises(ValueError, match="unknown reset option"):
        env.reset(seed=0, options={"horizon": 3})
    with pytest.raises(KeyError, match="no split 'test'"):
        env.reset(seed=0, options={"split": "test"})
    with pytest.raises(KeyError, match="no split"):
        CountEnv(split="nope")
    with pytest.raises(ValueError, match="malformed task id"):
        env.reset(options={"task_id": "count-eval-7"})


def test_step_before_reset_and_non_string_actions_are_programming_errors():
    env = CountEnv()
    with pytest.raises(ResetNeeded):
        env.step("add 1")
    env.reset(seed=0)
    with pytest.raises(TypeError):
        env.step(3)  # type: ignore[arg-type]


def test_invalid_and_overlong_actions_give_feedback_and_the_episode_goes_on():
    env = CountEnv()
    env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step("jump")
    assert (reward, terminated, truncated, info["action_valid"]) == (0.0, False, False, False)
    assert obs.startswith("Nothing happens.")
    obs, *_, info = env.step("a" * 5000)
    assert "too long" in obs and not info["action_valid"]
    obs, *_, info = env.step("add 1")
    assert info["action_valid"] and obs == "Total: 1."
    assert info["step"] == 3


def test_stepping_after_the_end_returns_feedback_not_an_exception():
    env = CountEnv()
    _, info = env.reset(seed=0)
    while True:
        _, reward, terminated, _, info = env.step(info["expert_action"])
        if terminated:
            break
    assert info["won"] and reward == 1.0 and info["expert_action"] is None
    obs, reward, terminated, _, info = env.step("add 1")
    assert obs == EPISODE_OVER_MESSAGE and reward == 0.0 and terminated
    assert not info["action_valid"] and info["won"]


def test_state_restore_through_time_limit_wrapper():
    env = gym.make(TOY_ID, max_episode_steps=4)
    env.reset(seed=0, options={"target_max": 40})
    env.step("jump")
    state = save_state(env)
    assert state.time_limit_elapsed == 1
    outputs = [env.step("jump") for _ in range(3)]
    assert outputs[-1][3] is True  # truncated by the wrapper at step 4
    restore_state(env, state)
    assert [env.step("jump") for _ in range(3)] == outputs
    fresh = gym.make(TOY_ID, max_episode_steps=4)  # never reset: restore alone must suffice
    restore_state(fresh, pickle.loads(pickle.dumps(state)))
    assert [fresh.step("jump") for _ in range(3)] == outputs


def test_served_tasks_are_verified_by_the_expert():
    # The broken expert always adds 3, so it wins only when the target is a multiple of 3:
    # rejection sampling must serve only such tasks, deterministically.
    env = gym.make(TOY_BROKEN_EXPERT_ID)
    targets = []
    for seed in range(30):
        _, info = env.reset(seed=seed)
        target = int(info["goal"].split()[-1].rstrip("."))
        assert target % 3 == 0
        targets.append(target)
    assert targets == [int(gym.make(TOY_BROKEN_EXPERT_ID).reset(seed=s)[1]["goal"].split()[-1][:-1])
                       for s in range(30)]
    unverified = CountEnv(broken_expert=True)
    unverified.verify_tasks = False
    seen = {int(unverified.reset(seed=s)[1]["goal"].split()[-1][:-1]) % 3 for s in range(30)}
    assert seen != {0}  # without verification, unsolvable tasks would be served


def test_verification_leaves_an_episode_in_progress_untouched():
    env = CountEnv()
    env.reset(seed=0, options={"target_max": 40})
    env.step("add 2")
    before = env.get_state()
    assert env.verify(env.suite.get("train", 5))
    after = env.get_state()
    assert (after.world, after.steps, after.task) == (before.world, before.steps, before.task)


def test_render_modes():
    env = CountEnv(render_mode="ansi")
    obs, _ = env.reset(seed=0)
    assert env.render() == obs
    with pytest.raises(ValueError, match="render_mode"):
        CountEnv(render_mode="rgb_array")
