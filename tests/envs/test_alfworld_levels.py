"""stepgym/ALFWorld-v0 difficulty levels: kwarg and reset option, ids, rooms, experts, random play.

Measured on eval_seen (benchmarks/results/levels_alfworld.md): the oracle wins every task at
every level; random admissible commands win 23.6% at level 1, 13.4% at 2, 2.4% at 3, 0.7% at 4
and 0.4% at 5 (the benchmark) within the 50-step limit.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import envs  # noqa: F401
from envs.alfworld import ALFWorldEnv
from envs.testing import assert_text_env
from tasks.alfworld.generate import TASK_TYPES
from tasks.alfworld.levels import BENCHMARK_LEVEL, LEVELS
from tasks.alfworld.suite import ALFWorldSuite
from tasks.alfworld.world import Game, initial_world, is_won
from tasks.base import check_level

ENV_ID = "stepgym/ALFWorld-v0"
EASY_LEVELS = [n for n in sorted(LEVELS) if n != BENCHMARK_LEVEL]


def _random_episode(env: gym.Env, index: int, seed: int) -> bool:
    _, info = env.reset(seed=seed, options={"task_index": index})
    rng = np.random.default_rng([seed, index])
    while True:
        _, _, terminated, truncated, info = env.step(str(rng.choice(info["admissible_actions"])))
        if terminated or truncated:
            return bool(info["won"])


def test_the_ladder_ends_at_the_benchmark_which_is_the_default() -> None:
    assert sorted(LEVELS) == [1, 2, 3, 4, 5] and BENCHMARK_LEVEL == 5
    assert LEVELS[5].is_benchmark and not any(LEVELS[n].is_benchmark for n in EASY_LEVELS)
    assert LEVELS[1].task_types == ("pick_and_place_simple",)
    assert LEVELS[2].task_types == ("pick_and_place_simple", "look_at_obj_in_light")
    assert LEVELS[3].task_types == LEVELS[5].task_types == TASK_TYPES
    assert ALFWorldEnv().level == ALFWorldEnv(level=5).level == 5


@pytest.mark.parametrize("level", EASY_LEVELS)
def test_conformance_kit_passes_at_every_level(level: int) -> None:
    # level 5 (the default) runs the full kit in test_alfworld.py
    assert_text_env(ENV_ID, make_kwargs={"level": level}, seeds=(0, 1, 2, 3, 4, 5))


@pytest.mark.parametrize("level", EASY_LEVELS)
def test_level_kwarg_and_reset_option_give_the_same_tasks(level: int) -> None:
    by_kwarg = gym.make(ENV_ID, level=level)
    by_option = gym.make(ENV_ID)
    for split in ("train", "eval_seen", "eval_unseen"):
        for seed in range(6):
            obs_a, info_a = by_kwarg.reset(seed=seed, options={"split": split})
            obs_b, info_b = by_option.reset(seed=seed, options={"split": split, "level": level})
            assert (obs_a, info_a) == (obs_b, info_b)
            assert info_a["task_id"].endswith(f":level={level}")
            assert info_a["task_type"] in LEVELS[level].task_types
            # the id alone names the task, whatever the env's level
            assert by_option.reset(options={"task_id": info_a["task_id"]}) == (obs_a, info_a)
        _, info = by_option.reset(seed=0, options={"split": split})
        assert ":level=" not in info["task_id"]  # the option lasts one episode


def test_default_level_ids_and_tasks_are_the_benchmarks() -> None:
    plain, explicit, easy = gym.make(ENV_ID), gym.make(ENV_ID, level=5), gym.make(ENV_ID, level=1)
    for seed in range(6):
        obs, info = plain.reset(seed=seed)
        assert explicit.reset(seed=seed) == (obs, info)
        assert plain.reset(seed=seed, options={"level": 5}) == (obs, info)
        assert info["task_id"] == f"alfworld:train:{seed}"
        # an id without a level is the benchmark's task, also in an env of another level
        assert easy.reset(options={"task_id": info["task_id"]}) == (obs, info)
    assert ALFWorldSuite(level=1).get_by_id("alfworld:train:3:level=5").task_id == "alfworld:train:3"


@pytest.mark.parametrize("bad", [0, 6, -1, "hard", "", 1.0, 2.5, True, None, [1]])
def test_bad_levels_raise_a_clear_value_error(bad: object) -> None:
    with pytest.raises(ValueError, match="level must be one of"):
        gym.make(ENV_ID, level=bad)
    env = gym.make(ENV_ID)
    with pytest.raises(ValueError, match="level must be one of"):
        env.reset(seed=0, options={"level": bad})
    with pytest.raises(ValueError, match="level must be one of"):
        env.reset(options={"task_id": f"alfworld:train:0:level={bad}"})


def test_level_accepts_numpy_ints_and_digit_strings() -> None:
    levels = ALFWorldSuite.levels
    assert check_level(np.int64(2), levels) == check_level("2", levels) == check_level(" 3 ", levels) - 1 == 2


@pytest.mark.parametrize("level", sorted(LEVELS))
def test_rooms_follow_the_level(level: int) -> None:
    spec, suite = LEVELS[level], ALFWorldSuite(level=level)
    tasks = [t for split in ("eval_seen", "eval_unseen") for t in suite.iter_split(split)]
    tasks += [suite.get("train", i) for i in range(300)]
    for task in tasks:
        data = task.data
        assert task.task_type == data["goal"]["task_type"] in spec.task_types
        assert task.task_id.endswith(f":level={level}") == (level != BENCHMARK_LEVEL)
        if spec.max_receptacles is not None:
            assert len(data["receptacles"]) <= spec.max_receptacles
        goal_objects = [o for o in data["objects"] if o[1] == data["goal"]["obj"]]
        if spec.few_targets:
            assert len(goal_objects) == (2 if task.task_type == "pick_two_obj_and_place" else 1)
        if spec.max_distractors is not None:
            other = [o for o in data["objects"] if o[1] not in (data["goal"]["obj"], data["goal"]["toggle"])]
            assert len(other) <= spec.max_distractors
        game = Game(data)
        assert not is_won(game, initial_world(game))
    assert {t.task_type for t in tasks} == set(spec.task_types)


def test_levels_three_and_four_are_the_benchmark_tasks_in_smaller_rooms() -> None:
    full, small = ALFWorldSuite(), ALFWorldSuite(level=3)
    for index in range(12):
        a, b = full.get("eval_seen", index).data, small.get("eval_seen", index).data
        assert a["floorplan"] == b["floorplan"] and a["goal"] == b["goal"]
        assert len(b["receptacles"]) <= min(6, len(a["receptacles"]))


@pytest.mark.parametrize("level", EASY_LEVELS)
@pytest.mark.parametrize("expert", ["explorer", "explorer_fit", "explorer_random"])
def test_explorers_win_at_every_level_with_admissible_actions(level: int, expert: str) -> None:
    env = gym.make(ENV_ID, split="eval_seen", level=level, expert=expert)  # 50-step limit
    wins = 0
    for index in range(140):
        _, info = env.reset(seed=index, options={"task_index": index})
        while info["expert_action"] is not None:
            assert info["expert_action"] in info["admissible_actions"]
            _, _, terminated, truncated, info = env.step(info["expert_action"])
            if terminated or truncated:
                break
        wins += info["won"]
    # measured: 140/140 at levels 1-3; level 4: 140, 140, 138 (explorer_random)
    assert wins >= (140 if level <= 3 else 135)


def test_random_play_wins_some_level_one_tasks_and_fewer_at_the_benchmark() -> None:
    easy, full = gym.make(ENV_ID, split="eval_seen", level=1), gym.make(ENV_ID, split="eval_seen")
    easy_wins = sum(_random_episode(easy, i, seed=0) for i in range(140))
    full_wins = sum(_random_episode(full, i, seed=0) for i in range(140))
    assert 0.12 * 140 <= easy_wins <= 0.5 * 140  # measured 23.6% over 10 seeds
    assert full_wins < easy_wins


def test_the_step_limit_stays_50_at_every_level() -> None:
    env = gym.make(ENV_ID, level=1)
    env.reset(seed=0)
    truncated = [env.step("look")[3] for _ in range(50)]
    assert truncated == [False] * 49 + [True]


def test_task_types_select_by_the_type_at_the_level() -> None:
    look = ("look_at_obj_in_light",)
    env = gym.make(ENV_ID, level=2, task_types=look)
    default = gym.make(ENV_ID, task_types=look)
    for seed in range(6):
        _, info = env.reset(seed=seed)
        assert info["task_type"] == "look_at_obj_in_light" and info["task_id"].endswith(":level=2")
        assert default.reset(seed=seed, options={"level": 2})[1]["task_id"] == info["task_id"]
    with pytest.raises(ValueError, match="level 1 serves"):
        gym.make(ENV_ID, level=1, task_types=look)
    with pytest.raises(ValueError, match="level 1 serves"):
        default.reset(seed=0, options={"level": 1})
