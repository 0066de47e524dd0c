"""stepgym/ALFWorld-v0: conformance, ALFWorld's exact texts, rewards, progress, forks, parsing."""

from __future__ import annotations

import gymnasium as gym
import pytest

import envs  # noqa: F401
from envs.alfworld import ALFWorldEnv
from envs.alfworld.commands import parse
from envs.alfworld.text import a_list, examine_object
from envs.core import restore_state, save_state
from envs.testing import assert_text_env
from tasks.alfworld.world import World

ENV_ID = "stepgym/ALFWorld-v0"
HOT_TOMATO = [  # train:3 is "put a hot tomato in fridge." (FloorPlan of the kitchen below)
    "go to sinkbasin 1", "take tomato 1 from sinkbasin 1", "go to microwave 1",
    "heat tomato 1 with microwave 1", "go to fridge 1", "open fridge 1", "move tomato 1 to fridge 1",
]


@pytest.fixture()
def env() -> gym.Env:
    return gym.make(ENV_ID)


def test_conformance_kit_passes() -> None:
    assert_text_env(ENV_ID, seeds=(0, 1, 2, 3, 4, 5))


def test_intro_text_matches_alfworld(env: gym.Env) -> None:
    obs, info = env.reset(seed=3)
    assert obs.startswith("-= Welcome to TextWorld, ALFRED! =-\n\nYou are in the middle of a room. "
                          "Looking quickly around you, you see a cabinet 8, a cabinet 7, ")
    assert obs.endswith("a sinkbasin 1, a stoveburner 1, and a toaster 1.\n\nYour task is to: "
                        "put a hot tomato in fridge.")
    assert info["task_type"] == "pick_heat_then_place_in_recep"
    assert info["admissible_actions"][-3:] == ["help", "inventory", "look"]


def test_hand_checked_episode_rewards_and_progress(env: gym.Env) -> None:
    env.reset(seed=3)
    seen = []
    for action in HOT_TOMATO:
        obs, reward, terminated, _, info = env.step(action)
        seen.append((obs, reward, terminated, info["progress"]))
    assert seen[0] == ("You arrive at sinkbasin 1. On the sinkbasin 1, you see a butterknife 1, "
                       "a egg 2, a spatula 1, and a tomato 1.", 0.0, False, 0.0)
    assert seen[1][0] == "You pick up the tomato 1 from the sinkbasin 1."
    assert seen[2][0] == "You arrive at microwave 1. The microwave 1 is closed."
    assert seen[3] == ("You heat the tomato 1 using the microwave 1.", 0.0, False, 0.5)
    # this fridge starts open (level 5 draws official games' initial state): opening it again
    # is not admissible
    assert seen[4][0] == ("You arrive at fridge 1. The fridge 1 is open. In it, you see a apple 2, "
                          "a apple 1, a bowl 1, a bread 1, and a mug 2.")
    assert seen[5][0] == "Nothing happens."
    assert seen[6] == ("You move the tomato 1 to the fridge 1.", 1.0, True, 1.0)
    assert info["won"] and info["expert_action"] is None


def test_cooling_undoes_heat_and_reward_only_on_success(env: gym.Env) -> None:
    env.reset(seed=3)
    for action in HOT_TOMATO[:5]:
        env.step(action)
    obs, reward, _, _, info = env.step("cool tomato 1 with fridge 1")
    assert obs == "You cool the tomato 1 using the fridge 1." and reward == 0.0
    assert env.step("examine tomato 1")[0] == "This is a cold tomato 1."
    env.step("open fridge 1")
    obs, reward, terminated, _, info = env.step("put tomato 1 in fridge 1")  # older syntax
    assert info["action_valid"] and reward == 0.0 and not terminated  # not hot any more
    assert info["progress"] == 0.5


def test_invalid_actions_say_nothing_happens(env: gym.Env) -> None:
    env.reset(seed=3)
    for action in ("take tomato 1 from sinkbasin 1", "go to kitchen", "open sinkbasin 1", "fly"):
        obs, reward, terminated, _, info = env.step(action)
        assert (obs, reward, terminated, info["action_valid"]) == ("Nothing happens.", 0.0, False, False)
    env.step("go to sinkbasin 1")
    assert env.step("go to sinkbasin 1")[0] == "Nothing happens."  # TextWorld: no self-goto


def test_look_inventory_help(env: gym.Env) -> None:
    env.reset(seed=3)
    assert env.step("inventory")[0] == "You are not carrying anything."
    env.step("go to sinkbasin 1")
    assert env.step("look")[0] == "You are facing the sinkbasin 1. Next to it, you see nothing."
    env.step("take tomato 1 from sinkbasin 1")
    assert env.step("inventory")[0] == "You are carrying: a tomato 1."
    assert "  move (object) to (receptacle):  place an object in or on a receptacle\n" in env.step("help")[0]


def test_time_limit_is_50_steps(env: gym.Env) -> None:
    env.reset(seed=3)
    for _ in range(49):
        assert not env.step("look")[3]
    assert env.step("look")[3]


def test_state_fork_is_small_and_exact(env: gym.Env) -> None:
    env.reset(seed=3)
    env.step(HOT_TOMATO[0])
    state = save_state(env)
    assert isinstance(state.world, World)
    after = [env.step(a)[0] for a in HOT_TOMATO[1:]]
    restore_state(env, state)
    assert [env.step(a)[0] for a in HOT_TOMATO[1:]] == after


def test_parse_accepts_old_put_syntax_and_forgives_case() -> None:
    env = ALFWorldEnv()
    env.reset(seed=3)
    game = env.game
    assert parse(game, "  Move Tomato 1 to  Fridge 1. ") == parse(game, "move tomato 1 to fridge 1")
    for variant in ("put tomato 1 in fridge 1", "put tomato 1 on fridge 1", "put tomato 1 in/on fridge 1"):
        assert parse(game, variant) == parse(game, "move tomato 1 to fridge 1") is not None
    assert parse(game, "take tomato 9 from fridge 1") is None


def test_list_rendering() -> None:
    assert a_list([]) == "nothing"
    assert a_list(["apple 1"]) == "a apple 1"
    assert a_list(["apple 1", "egg 2"]) == "a apple 1, and a egg 2"
    assert a_list(["a 1", "b 1", "c 1"]) == "a a 1, a b 1, and a c 1"


def test_examine_object_cascade() -> None:
    env = ALFWorldEnv()
    env.reset(seed=3)
    game, world = env.game, env.world.copy()
    tomato = game.obj_index["tomato 1"]
    assert examine_object(game, world, tomato) == "There's nothing special about tomato 1."
    world.sliced |= 1 << tomato
    assert examine_object(game, world, tomato) == "This is a sliced tomato 1."
    world.clean |= 1 << tomato
    world.hot |= 1 << tomato
    assert examine_object(game, world, tomato) == "This is a hot and clean sliced tomato 1."
    mug = game.obj_index["mug 2"]
    assert examine_object(game, world, mug) == "This is a normal mug 2. In it, you see nothing."


def test_look_task_lamp_and_progress() -> None:
    env = gym.make(ENV_ID)
    _, info = env.reset(options={"split": "eval_seen", "task_index": 1})
    assert info["task_type"] == "look_at_obj_in_light"
    assert info["goal"] == "examine the creditcard with the desklamp"
    progress = [info["progress"]]
    while not info["won"]:
        _, reward, _, _, info = env.step(info["expert_action"])
        progress.append(info["progress"])
    assert reward == 1.0 and progress[-1] == 1.0 and 0.5 in progress


def test_slice_with_knife_and_lamp_toggle_texts() -> None:
    env = ALFWorldEnv(split="train")
    for seed in range(200):  # the first kitchen task with a knife and a sliceable in one place
        env.reset(seed=seed)
        game, world = env.game, env.world
        knives = [o for o, t in enumerate(game.obj_types) if t == "Knife"]
        food = [o for o, t in enumerate(game.obj_types) if t in ("Apple", "Bread", "Potato")]
        pairs = [(k, f) for k in knives for f in food if world.where[k] == world.where[f]
                 and not game.rec_openable[world.where[k]]]
        if pairs:
            break
    k, f = pairs[0]
    rec = game.rec_names[world.where[k]]
    knife, item = game.obj_names[k], game.obj_names[f]
    env.step(f"go to {rec}")
    _, _, _, _, info = env.step(f"take {knife} from {rec}")
    assert f"slice {item} with {knife}" in info["admissible_actions"]
    obs, _, _, _, info = env.step(f"slice {item} with {knife}")
    assert obs == f"You sliced the {item} with the {knife}." and info["action_valid"]
    env.step(f"move {knife} to {rec}")
    env.step(f"take {item} from {rec}")
    assert env.step(f"examine {item}")[0] == f"This is a sliced {item}."
    # lamps: "use" only for the task's toggle target (ALFWorld marks only it toggleable)
    env.reset(options={"split": "eval_seen", "task_index": 1})
    lamp = next(o for o, t in enumerate(env.game.obj_types) if t == "DeskLamp")
    host = env.game.rec_names[env.world.where[lamp]]
    env.step(f"go to {host}")
    assert env.step("use desklamp 1")[0] == "You turn on the desklamp 1."


def test_task_types_restrict_seeds_without_renumbering() -> None:
    """``task_types`` serves only those types and keeps the full split's task ids."""
    chosen = ("pick_two_obj_and_place", "pick_heat_then_place_in_recep")
    env = gym.make("stepgym/ALFWorld-v0", task_types=chosen)
    full = gym.make("stepgym/ALFWorld-v0")
    for split in ("train", "eval_seen"):
        ids = []
        for seed in range(8):
            _, info = env.reset(seed=seed, options={"split": split})
            assert info["task_type"] in chosen
            ids.append(info["task_id"])
            index = int(info["task_id"].rsplit(":", 1)[1])
            _, full_info = full.reset(options={"split": split, "task_index": index})
            assert full_info["task_id"] == info["task_id"]
            assert full_info["goal"] == info["goal"]
        assert len(set(ids)) == 8
    with pytest.raises(ValueError, match="unknown ALFWorld task type"):
        gym.make("stepgym/ALFWorld-v0", task_types=["juggle"])
