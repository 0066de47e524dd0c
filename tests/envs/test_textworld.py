"""stepgym/TextWorld-v0: the real TextWorld engine behind the Gymnasium API.

Fast tests generate three tiny games (two coin-collector games, one cooking game) into a
temporary cache; the slow test plays the walkthrough over every eval pool (default cache).
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import pytest

textworld = pytest.importorskip("textworld")

import envs  # noqa: E402, F401
from envs.core import restore_state, save_state  # noqa: E402
from envs.registry import entry_for  # noqa: E402
from envs.testing import assert_text_env  # noqa: E402
from envs.textworld.text import clean_observation, prepare_command  # noqa: E402
from tasks.textworld import cache as tw_cache  # noqa: E402
from tasks.textworld import generate as tw_generate  # noqa: E402
from tasks.textworld.challenges import CHALLENGES, normalise_settings  # noqa: E402
from tasks.textworld.suite import EVAL_CHECKSUMS, EVAL_SIZE, TextWorldSuite  # noqa: E402

ENV_ID = "stepgym/TextWorld-v0"


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("textworld-cache"))


@pytest.fixture(scope="session")
def coin_kwargs(cache_dir) -> dict:
    return {"challenge": "coin_collector", "pool_size": 2, "cache_dir": cache_dir}


@pytest.fixture(scope="session")
def cooking_kwargs(cache_dir) -> dict:
    return {"challenge": "cooking", "pool_size": 1, "cache_dir": cache_dir}


# ----------------------------------------------------------------------------- registry
def test_registry_row_declares_the_extra():
    entry = entry_for(ENV_ID)
    assert entry.requires == ("textworld",) and entry.max_episode_steps == 100
    assert entry.missing_requirements() == []


# ----------------------------------------------------------------------------- text
def test_clean_observation_strips_banner_prompt_and_status_line():
    raw = (
        "\n\n                    ________  ________\n"
        "                   |        \\|        \\\n"
        "                    \\$$$$$$$$| $$$$$$$$\n\n"
        "Hey, thanks for coming over to TextWorld!\n\n-= Studio =-\nA studio.\n\n"
        ">" + " " * 120 + "-= Studio =-0/1"
    )
    assert clean_observation(raw) == "Hey, thanks for coming over to TextWorld!\n\n-= Studio =-\nA studio."
    end = ("\nYou eat the meal.\n\n\n" + " " * 55 + "*** The End ***\n\nYou scored 3 out of a "
           "possible 3, in 6 turns.\n\n\nWould you like to RESTART, RESTORE a saved game, QUIT or "
           "UNDO the last command?\n>" + " " * 120 + "-= Kitchen =-2/5")
    assert clean_observation(end) == ("You eat the meal.\n\n*** The End ***\n\n"
                                      "You scored 3 out of a possible 3, in 6 turns.")


@pytest.mark.parametrize(
    ("action", "expected"),
    [("  Open  the Fridge.\n", "open the fridge"), ("go north!", "go north"), ("x fridge", "x fridge")],
)
def test_prepare_command_normalises(action, expected):
    assert prepare_command(action) == (expected, None)


@pytest.mark.parametrize(
    "action",
    ["", " \t ", "take coin. look", "look then inventory", "look; look", "restart", "quit",
     "save", "undo", "tw-trace-actions", "take \\u coin", "take ☃", "\x00look", "a" * 161],
)
def test_prepare_command_refuses(action):
    command, feedback = prepare_command(action)
    assert command is None and feedback


# ----------------------------------------------------------------------------- settings
def test_settings_are_validated():
    assert normalise_settings("cooking", {"go": 6, "open": True})["open"] == 1
    assert normalise_settings("treasure_hunter") == {"level": 1}
    for challenge, bad in [("cooking", {"level": 3}), ("cooking", {"go": 5}),
                           ("cooking", {"recipe": 2, "take": 3}), ("coin_collector", {"level": 301}),
                           ("treasure_hunter", {"level": 31}), ("coin_collector", {"recipe": 1}),
                           ("cooking", {"cook": 2}), ("cooking", {"recipe": 1.5})]:
        with pytest.raises(ValueError):
            normalise_settings(challenge, bad)
    with pytest.raises(ValueError, match="unknown TextWorld challenge"):
        normalise_settings("zork")
    with pytest.raises(ValueError):
        gym.make(ENV_ID, challenge="cooking", level=2)
    assert set(CHALLENGES) == {"cooking", "coin_collector", "treasure_hunter"}


def test_cache_keys_name_challenge_settings_split_and_seed():
    settings = normalise_settings("cooking", {"recipe": 2, "cut": True})
    assert tw_cache.game_key("cooking", settings, "train", 5) == (
        "cooking/recipe2-take1-go1-open0-cook0-cut1-train/seed5")
    assert tw_cache.game_key("cooking", settings, "eval", 5).endswith("-valid/seed5")
    assert tw_cache.game_dir("x/y", Path("/c")) == Path(f"/c/tw{textworld.__version__}/x/y")


def test_ensure_game_survives_a_concurrent_writer(tmp_path, monkeypatch):
    """Another process renames its copy into place first: ours is discarded, theirs served."""
    calls = []

    def fake_generate(challenge, settings, split, seed, dest):
        calls.append(dest)
        for name in (tw_cache.GAME_FILE, tw_cache.GAME_JSON):
            (dest / name).write_text("ours")
        final = tw_cache.game_dir(tw_cache.game_key(challenge, settings, split, seed), tmp_path)
        final.mkdir(parents=True)  # the other process wins the race
        for name in (tw_cache.GAME_FILE, tw_cache.GAME_JSON):
            (final / name).write_text("theirs")
        return dest / tw_cache.GAME_FILE

    monkeypatch.setattr(tw_generate, "generate", fake_generate)
    path = tw_cache.ensure_game("coin_collector", {"level": 1}, "train", 3, tmp_path)
    assert path.read_text() == "theirs" and len(calls) == 1
    assert [p.name for p in path.parent.parent.iterdir()] == ["seed3"]  # no temporary left
    assert tw_cache.ensure_game("coin_collector", {"level": 1}, "train", 3, tmp_path) == path
    assert len(calls) == 1  # cached: not generated again


def test_a_seed_without_a_game_is_skipped_and_remembered(tmp_path, monkeypatch):
    """TextWorld raises QuestGenerationError for some seeds: the suite moves to the next seed."""
    tried = []

    def fake_generate(challenge, settings, split, seed, dest):
        tried.append(seed)
        if len(tried) == 1:
            raise tw_generate.GenerationFailed("no quest of length 10 fits this map")
        (dest / tw_cache.GAME_FILE).write_text("z8")
        (dest / tw_cache.GAME_JSON).write_text(json.dumps(
            {"objective": "Find the key.", "metadata": {"walkthrough": ["take key"]},
             "quests": [{"reward": 1}]}))
        return dest / tw_cache.GAME_FILE

    monkeypatch.setattr(tw_generate, "generate", fake_generate)
    suite = TextWorldSuite("treasure_hunter", {"level": 20}, root=tmp_path)
    task = suite.get("train", 0)
    assert len(tried) == 2 and task.data["seed"] == tried[1] and task.expert == ("take key",)
    assert task.data["max_score"] == 1 and task.goal == "Find the key."
    failed = tw_cache.game_dir(tw_cache.game_key("treasure_hunter", {"level": 20}, "train", tried[0]),
                               tmp_path)
    assert failed.with_name(failed.name + ".failed").is_file()
    with pytest.raises(tw_generate.GenerationFailed):  # remembered: not generated again
        tw_cache.ensure_game("treasure_hunter", {"level": 20}, "train", tried[0], tmp_path)
    assert len(tried) == 2


# ----------------------------------------------------------------------------- generation
def test_generation_is_cached_and_deterministic_across_processes(cooking_kwargs, tmp_path):
    """Cooking games are the ones whose files depend on string hashing if it is not fixed."""
    env = gym.make(ENV_ID, **cooking_kwargs)
    env.reset(seed=0)
    task = env.unwrapped.task
    settings = task.data["settings"]
    game_file = tw_cache.ensure_game("cooking", settings, "train", task.data["seed"],
                                     Path(cooking_kwargs["cache_dir"]))
    mtime = game_file.stat().st_mtime_ns
    again = gym.make(ENV_ID, **cooking_kwargs)
    again.reset(seed=0)
    assert game_file.stat().st_mtime_ns == mtime  # reused, not regenerated
    assert again.unwrapped.task == task
    # The same seed in a fresh process with another string-hash seed: the same bytes.
    code = (
        "import sys; from pathlib import Path; from tasks.textworld.cache import ensure_game; "
        f"ensure_game('cooking', {settings!r}, 'train', {task.data['seed']}, Path(sys.argv[1]))"
    )
    env_vars = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, env=env_vars,
                   cwd=Path(__file__).resolve().parents[2], capture_output=True, timeout=120)
    other = tw_cache.game_dir(tw_cache.game_key("cooking", settings, "train", task.data["seed"]),
                              tmp_path)
    for name in ("game.json", "game.ni"):
        assert (other / name).read_bytes() == game_file.with_name(name).read_bytes(), name
    theirs = json.loads((other / "game.json").read_text())
    assert theirs["metadata"]["walkthrough"] == list(task.expert)


# ----------------------------------------------------------------------------- conformance
def test_conformance_coin_collector(coin_kwargs):
    assert_text_env(ENV_ID, make_kwargs=coin_kwargs, seeds=(0, 1), fuzz_actions=300)


def test_cooking_episode_rewards_progress_and_clean_text(cooking_kwargs):
    env = gym.make(ENV_ID, **cooking_kwargs)
    obs, info = env.reset(seed=0)
    task = env.unwrapped.task
    assert task.task_id == "textworld-cooking:train:0:cook=0,cut=0,go=1,open=0,recipe=1,take=1"
    assert obs.startswith("You are hungry!") and "$$" not in obs and "-= Kitchen =-" in obs
    assert not obs.rstrip().endswith(">") and "=-0/" not in obs
    assert info["goal"] == task.goal and info["progress"] == 0.0
    assert info["expert_action"] in info["admissible_actions"]
    obs, reward, terminated, _, info = env.step("xyzzy")
    assert (reward, terminated, info["action_valid"]) == (0.0, False, False)
    assert obs == "That's not a verb I recognise."
    obs, reward, terminated, _, info = env.step("take coin. look")
    assert info["action_valid"] is False and "One command" in obs
    obs, _, _, _, info = env.step("  LOOK.")  # admissible whatever the case and trailing stop
    assert info["action_valid"] is True and obs.startswith("-= Kitchen =-")
    total, steps = 0.0, 0
    while not terminated:
        assert info["expert_action"] in info["admissible_actions"]
        obs, reward, terminated, truncated, info = env.step(info["expert_action"])
        total += reward
        steps += 1
        assert info["action_valid"] and 0.0 <= info["progress"] <= 1.0 and not truncated
    assert info["won"] and info["progress"] == 1.0 and info["expert_action"] is None
    assert total == task.data["max_score"] == 3 and steps == 3
    assert obs.endswith("You scored 3 out of a possible 3, in 5 turns.")  # xyzzy takes no turn


def test_fork_replays_in_a_fresh_env_and_pickles(cooking_kwargs):
    env = gym.make(ENV_ID, **cooking_kwargs)
    _, info = env.reset(seed=0)
    env.step("inventory")
    _, _, _, _, info = env.step(info["expert_action"])
    state = pickle.loads(pickle.dumps(save_state(env)))
    assert state.world == ("inventory", env.unwrapped.task.expert[-3])  # the command history
    clone = pickle.loads(pickle.dumps(env))
    actions = ["examine cookbook", "prepare meal", "eat meal"]
    expected = [env.step(a) for a in actions]
    fresh = gym.make(ENV_ID, **cooking_kwargs)
    fresh.reset(seed=0)
    restore_state(fresh, state)
    assert [fresh.step(a) for a in actions] == expected
    assert [clone.step(a) for a in actions] == expected
    assert expected[-1][4]["won"]


def test_minimal_infos_mode(cooking_kwargs):
    env = gym.make(ENV_ID, admissible_actions=False, expert_actions=False, **cooking_kwargs)
    _, info = env.reset(seed=0)
    assert info["admissible_actions"] is None and info["expert_action"] is None
    _, _, _, _, info = env.step("xyzzy")
    assert info["action_valid"] is False
    terminated = False
    for command in env.unwrapped.task.expert:  # the walkthrough still wins; score still counts
        _, _, terminated, _, info = env.step(command)
        assert info["action_valid"]
    assert terminated and info["won"] and info["progress"] == 1.0


def test_reset_options_and_task_ids(coin_kwargs):
    env = gym.make(ENV_ID, **coin_kwargs)
    _, info = env.reset(seed=3)  # pool of 2: seed 3 plays game 1
    assert info["task_id"] == "textworld-coin_collector:train:1:level=1"
    _, again = env.reset(options={"task_id": info["task_id"]})
    assert again["task_id"] == info["task_id"]
    with pytest.raises(ValueError, match="unknown reset option"):
        env.reset(options={"recipe": 2})
    assert TextWorldSuite("coin_collector", pool_size=2).splits == {"train": 2, "eval": EVAL_SIZE}


# ----------------------------------------------------------------------------- slow: eval pools
@pytest.mark.slow
@pytest.mark.parametrize("challenge", sorted(CHALLENGES))
def test_walkthrough_and_expert_win_every_eval_game(challenge):
    """Generates the eval pool (20 games) into the default cache on first run."""
    env = gym.make(ENV_ID, challenge=challenge, split="eval")
    suite = env.unwrapped.suite
    tasks = list(suite.iter_split("eval"))
    assert len(tasks) == EVAL_SIZE
    for task in tasks:
        assert env.unwrapped.verify(task), f"walkthrough lost {task.task_id}"
        _, info = env.reset(options={"task_id": task.task_id})
        for _ in range(100):
            _, _, terminated, truncated, info = env.step(info["expert_action"])
            if terminated or truncated:
                break
        assert info["won"], f"expert lost {task.task_id}"
    assert suite.frozen_checksums["eval"] == EVAL_CHECKSUMS[challenge]
    assert suite.split_checksum("eval", verify=env.unwrapped.verify) == EVAL_CHECKSUMS[challenge]
