"""ALFWorld's own game files in our engine (tasks/alfworld/games.py) and the full initial state.

The expected texts below were read off alfworld 0.4.2's TextWorld engine on the same facts (the
``fidelity`` module replays whole episodes in both engines when the extra is installed: last
test). The games under tests/data/alfworld_games are official-format files written by
tests/data/make_alfworld_games.py.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import gymnasium as gym
import pytest

import envs  # noqa: F401
from envs.alfworld import text
from envs.alfworld.fidelity import POLICIES, compare_game, extra_available
from tasks.alfworld.games import (
    GameDataMissing,
    demangled_names,
    files_checksum,
    find_game_files,
    goal_text,
    load_task,
    state_data,
)
from tasks.alfworld.goal_logic import goal_holds
from tasks.alfworld.pddl_reader import PDDLError, read_problem
from tasks.alfworld.world import Game, apply, initial_world, is_won, valid_actions

DATA = Path(__file__).resolve().parents[1] / "data" / "alfworld_games"
GAMES = sorted(DATA.rglob("game.tw-pddl"))

# A hand-written problem with every feature: drawers 1 and 2 share a location (drawer 1,
# Drawer+02, starts open), an apple starts cool in the fridge, a hot sliced potato, an apple in
# a bowl, a lamp that is on and cannot be picked up, an apple whose own location is elsewhere.
PROBLEM = """(define (problem p1) (:domain alfred)
(:objects agent1 - agent
 AppleType BowlType FloorLampType PotatoType KnifeType - otype
 DrawerType FridgeType CounterTopType SideTableType - rtype
 Apple_bar__plus_01_dot_00 Apple_bar__plus_02_dot_00 Bowl_bar__plus_01_dot_00 - object
 FloorLamp_bar__plus_01_dot_00 Potato_bar__plus_01_dot_00 Knife_bar__plus_01_dot_00 - object
 Drawer_bar__plus_01_dot_00 Drawer_bar__plus_02_dot_00 Fridge_bar__plus_01_dot_00 - receptacle
 CounterTop_bar__plus_01_dot_00 SideTable_bar__plus_01_dot_00 - receptacle
 loc_bar_1 loc_bar_2 loc_bar_3 loc_bar_4 loc_bar_start loc_bar_9 - location)
(:init (atLocation agent1 loc_bar_start)
 (receptacleAtLocation Drawer_bar__plus_01_dot_00 loc_bar_1)
 (receptacleAtLocation Drawer_bar__plus_02_dot_00 loc_bar_1)
 (receptacleAtLocation Fridge_bar__plus_01_dot_00 loc_bar_2)
 (receptacleAtLocation CounterTop_bar__plus_01_dot_00 loc_bar_3)
 (receptacleAtLocation SideTable_bar__plus_01_dot_00 loc_bar_4)
 (receptacleType Drawer_bar__plus_01_dot_00 DrawerType) (receptacleType Drawer_bar__plus_02_dot_00 DrawerType)
 (receptacleType Fridge_bar__plus_01_dot_00 FridgeType)
 (receptacleType CounterTop_bar__plus_01_dot_00 CounterTopType)
 (receptacleType SideTable_bar__plus_01_dot_00 SideTableType)
 (openable Drawer_bar__plus_01_dot_00) (openable Drawer_bar__plus_02_dot_00) (openable Fridge_bar__plus_01_dot_00)
 (opened Drawer_bar__plus_02_dot_00)
 (canContain DrawerType AppleType) (canContain FridgeType AppleType) (canContain CounterTopType AppleType)
 (canContain CounterTopType BowlType) (canContain DrawerType KnifeType) (canContain CounterTopType PotatoType)
 (objectType Apple_bar__plus_01_dot_00 AppleType) (objectType Apple_bar__plus_02_dot_00 AppleType)
 (objectType Bowl_bar__plus_01_dot_00 BowlType) (objectType FloorLamp_bar__plus_01_dot_00 FloorLampType)
 (objectType Potato_bar__plus_01_dot_00 PotatoType) (objectType Knife_bar__plus_01_dot_00 KnifeType)
 (inReceptacle Apple_bar__plus_01_dot_00 Fridge_bar__plus_01_dot_00) (objectAtLocation Apple_bar__plus_01_dot_00 loc_bar_2)
 (isCool Apple_bar__plus_01_dot_00) (pickupable Apple_bar__plus_01_dot_00) (coolable Apple_bar__plus_01_dot_00)
 (inReceptacle Bowl_bar__plus_01_dot_00 CounterTop_bar__plus_01_dot_00) (objectAtLocation Bowl_bar__plus_01_dot_00 loc_bar_3)
 (isReceptacleObject Bowl_bar__plus_01_dot_00) (pickupable Bowl_bar__plus_01_dot_00)
 (inReceptacle Apple_bar__plus_02_dot_00 CounterTop_bar__plus_01_dot_00)
 (inReceptacleObject Apple_bar__plus_02_dot_00 Bowl_bar__plus_01_dot_00)
 (objectAtLocation Apple_bar__plus_02_dot_00 loc_bar_9) (pickupable Apple_bar__plus_02_dot_00)
 (inReceptacle FloorLamp_bar__plus_01_dot_00 SideTable_bar__plus_01_dot_00) (objectAtLocation FloorLamp_bar__plus_01_dot_00 loc_bar_4)
 (toggleable FloorLamp_bar__plus_01_dot_00) (isOn FloorLamp_bar__plus_01_dot_00)
 (inReceptacle Potato_bar__plus_01_dot_00 CounterTop_bar__plus_01_dot_00) (objectAtLocation Potato_bar__plus_01_dot_00 loc_bar_3)
 (isSliced Potato_bar__plus_01_dot_00) (sliceable Potato_bar__plus_01_dot_00) (pickupable Potato_bar__plus_01_dot_00)
 (isHot Potato_bar__plus_01_dot_00)
 (inReceptacle Knife_bar__plus_01_dot_00 Drawer_bar__plus_01_dot_00) (objectAtLocation Knife_bar__plus_01_dot_00 loc_bar_1)
 (pickupable Knife_bar__plus_01_dot_00) (= (total-cost) 0))
(:goal (exists (?r - receptacle) (exists (?o - object)
  (and (inReceptacle ?o ?r) (objectType ?o AppleType) (receptacleType ?r DrawerType))))))"""


def _game() -> tuple[Game, dict]:
    data = state_data(read_problem(PROBLEM))
    data["goal"] = {"task_type": "pick_and_place_simple", "obj": "Apple", "recep": "Drawer", "toggle": ""}
    return Game(data), data


def _play(game: Game, commands: list[str]) -> list[str]:
    world = initial_world(game)
    out = []
    for cmd in commands:
        legal = {text.command(game, a): a for a in valid_actions(game, world)}
        if cmd in legal:
            apply(game, world, legal[cmd])
            out.append(text.feedback(game, world, legal[cmd]))
        else:
            out.append(text.NOTHING_HAPPENS)
    return out


def test_full_initial_state_matches_alfworlds_engine_text() -> None:
    game, _ = _game()
    world = initial_world(game)
    assert text.intro(game, world, "put a apple in drawer") == (
        "-= Welcome to TextWorld, ALFRED! =-\n\nYou are in the middle of a room. Looking quickly "
        "around you, you see a countertop 1, a drawer 2, a drawer 1, a fridge 1, and a sidetable 1."
        "\n\nYour task is to: put a apple in drawer.")
    seen = _play(game, ["look", "go to drawer 1", "look", "examine drawer 2", "open drawer 1",
                        "open drawer 2", "go to countertop 1", "take potato 1 from countertop 1",
                        "examine potato 1", "move potato 1 to countertop 1",
                        "take bowl 1 from countertop 1", "examine bowl 1", "go to sidetable 1",
                        "take floorlamp 1 from sidetable 1", "use floorlamp 1", "go to fridge 1",
                        "open fridge 1"])
    assert seen == [
        "You are in the middle of a room. Looking quickly around you, you see nothing.",
        "You arrive at drawer 1. The drawer 1 is open. In it, you see nothing.",
        "You are facing the drawer 2, and drawer 1. Next to it, you see nothing.",
        "The drawer 2 is closed.",
        "Nothing happens.",  # drawer 1 starts open
        "You open the drawer 2. The drawer 2 is open. In it, you see a knife 1.",  # shared location
        "You arrive at countertop 1. On the countertop 1, you see a apple 1, a bowl 1, and a potato 1.",
        "You pick up the potato 1 from the countertop 1.",
        "This is a hot sliced potato 1.",
        "You move the potato 1 to the countertop 1.",
        "You pick up the bowl 1 from the countertop 1.",
        "This is a normal bowl 1. In it, you see a apple 1.",
        "You arrive at sidetable 1. On the sidetable 1, you see a floorlamp 1.",
        "Nothing happens.",  # not pickupable
        "You turn on the floorlamp 1.",
        "You arrive at fridge 1. The fridge 1 is closed.",
        "You open the fridge 1. The fridge 1 is open. In it, you see a apple 2.",
    ]


def test_go_to_is_not_admissible_within_a_shared_location() -> None:
    game, _ = _game()
    world = initial_world(game)
    apply(game, world, ("goto", game.rec_index["drawer 1"]))
    admissible = sorted(text.command(game, a) for a in valid_actions(game, world))
    assert admissible == ["close drawer 1", "examine drawer 1", "examine drawer 2",
                          "go to countertop 1", "go to fridge 1", "go to sidetable 1", "help",
                          "inventory", "look", "open drawer 2"]


def test_objects_taken_out_and_put_back_elsewhere_here_are_next_to_it() -> None:
    """alfworld's engine keeps not_inreceptacle facts: moving the knife between the two drawers
    of one location puts it "next to" them (read off the real engine)."""
    game, _ = _game()
    seen = _play(game, ["go to drawer 2", "open drawer 2", "take knife 1 from drawer 2", "look",
                        "move knife 1 to drawer 1", "look", "take knife 1 from drawer 1",
                        "move knife 1 to drawer 2", "look"])
    assert seen[3] == "You are facing the drawer 2, and drawer 1. Next to it, you see nothing."
    assert seen[5] == "You are facing the drawer 2, and drawer 1. Next to it, you see a knife 1."
    assert seen[8] == seen[5]


def test_objects_own_location_decides_where_it_can_be_sliced() -> None:
    """Apple 1 stands on the countertop but its objectAtLocation is loc_bar_9."""
    game, _ = _game()
    world = initial_world(game)
    for cmd in ("go to drawer 2", "open drawer 2", "take knife 1 from drawer 2", "go to countertop 1"):
        legal = {text.command(game, a): a for a in valid_actions(game, world)}
        apply(game, world, legal[cmd])
    admissible = {text.command(game, a) for a in valid_actions(game, world)}
    assert "slice potato 1 with knife 1" in admissible and "slice apple 1 with knife 1" not in admissible


def test_goal_formula_decides_won_and_a_cool_start_counts() -> None:
    game, data = _game()
    world = initial_world(game)
    assert not goal_holds(game, world) and not is_won(game, world)
    for cmd in ("go to fridge 1", "open fridge 1", "take apple 2 from fridge 1", "go to drawer 1",
                "move apple 2 to drawer 1"):
        legal = {text.command(game, a): a for a in valid_actions(game, world)}
        apply(game, world, legal[cmd])
    assert goal_holds(game, world)
    assert data["state"]["cool"] == [game.obj_index["apple 2"]]
    assert text.examine_object(game, world, game.obj_index["apple 2"]) == "This is a cold apple 2."


def test_pddl_reader_reports_malformed_text() -> None:
    with pytest.raises(PDDLError, match="unbalanced"):
        read_problem("(define (problem p) (:domain d) (:goal (and (a b)))")
    with pytest.raises(PDDLError, match="no \\(:goal"):
        read_problem("(define (problem p) (:domain d) (:init (a b)))")
    with pytest.raises(PDDLError, match="outside parentheses"):
        read_problem("define")
    with pytest.raises(PDDLError, match="'not' takes one formula"):
        read_problem("(define (problem p) (:domain d) (:goal (not (a) (b))))")


def test_names_follow_alfworlds_demangler() -> None:
    names = demangled_names(["Drawer_bar__plus_01_dot_00", "Drawer_bar__plus_02_dot_00",
                             "Sink_bar__plus_01_dot_00_bar_SinkBasin"])
    assert names == {"Drawer_bar__plus_01_dot_00": "drawer 2", "Drawer_bar__plus_02_dot_00": "drawer 1",
                     "Sink_bar__plus_01_dot_00_bar_SinkBasin": "sinkbasin 1"}


def test_official_layout_maps_onto_split_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALFWORLD_DATA", str(DATA))
    seen = find_game_files("official", "eval_seen")
    unseen = find_game_files("official", "eval_unseen")
    assert len(seen) == 3 and len(unseen) == 3
    assert all("valid_seen" in str(f) for f in seen) and all("valid_unseen" in str(f) for f in unseen)
    assert find_game_files(str(DATA), "eval_seen") == seen  # the folder itself maps the same way
    with pytest.raises(GameDataMissing, match="no playable"):
        find_game_files("official", "train")


def test_missing_data_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ALFWORLD_DATA", raising=False)
    with pytest.raises(GameDataMissing, match="alfworld-download"):
        gym.make("stepgym/ALFWorld-v0", games="official")
    monkeypatch.setenv("ALFWORLD_DATA", str(tmp_path))
    with pytest.raises(GameDataMissing, match=r"json_2\.1\.1 does not exist"):
        gym.make("stepgym/ALFWorld-v0", games="official")
    with pytest.raises(GameDataMissing, match="no playable"):
        gym.make("stepgym/ALFWorld-v0", games=str(tmp_path / "*.tw-pddl"))


def test_alfworlds_filter_skips_movable_sliced_and_unsolvable(tmp_path: Path) -> None:
    src = GAMES[0].parent
    for name, solvable in (("pick_and_place_with_movable_recep-A-B-C-1", True),
                           ("pick_heat_then_place_in_recep-AppleSliced-None-Fridge-1", True),
                           ("pick_and_place_simple-Apple-None-Fridge-1", False),
                           ("pick_and_place_simple-Apple-None-Fridge-2", True)):
        dst = tmp_path / name / "trial_x"
        shutil.copytree(src, dst)
        raw = json.loads((dst / "game.tw-pddl").read_text())
        raw["solvable"] = solvable
        (dst / "game.tw-pddl").write_text(json.dumps(raw))
    files = find_game_files(str(tmp_path), "train")
    assert [f.parent.parent.name for f in files] == ["pick_and_place_simple-Apple-None-Fridge-2"]


def test_env_plays_game_files_and_checksums_come_from_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALFWORLD_DATA", str(DATA))
    env = gym.make("stepgym/ALFWorld-v0", games="official", split="eval_unseen")
    suite = env.unwrapped.suite
    assert suite.split_size("eval_unseen") == 3
    assert suite.frozen_checksums["eval_unseen"] == files_checksum(
        find_game_files("official", "eval_unseen"), DATA / "json_2.1.1" / "valid_unseen")
    assert suite.split_checksum("eval_unseen") == suite.split_checksum("eval_unseen")
    won = 0
    for index in range(3):
        obs, info = env.reset(options={"task_index": index})
        assert obs.startswith("-= Welcome to TextWorld, ALFRED! =-")
        for _ in range(50):
            obs, reward, terminated, truncated, info = env.step(info["expert_action"])
            if terminated or truncated:
                break
        won += int(info["won"] and reward == 1.0)
    assert won == 3


@pytest.mark.parametrize("game_file", GAMES, ids=lambda p: p.parent.parent.name.split("-")[0])
def test_every_test_game_loads_and_its_expert_wins(game_file: Path) -> None:
    task = load_task(game_file)
    game = Game(task.data)
    assert task.goal == goal_text(json.loads(game_file.read_text())["grammar"])
    env = gym.make("stepgym/ALFWorld-v0")
    _, info = env.reset(options={"game_file": str(game_file)})
    assert not info["won"] and info["progress"] < 1
    for _ in range(50):
        _, reward, terminated, _, info = env.step(info["expert_action"])
        if terminated:
            break
    assert info["won"] and reward == 1.0
    assert game.goal_pddl is not None


def test_test_games_cover_every_feature() -> None:
    datas = [load_task(f).data for f in GAMES]
    games = [Game(d) for d in datas]
    assert any(len(recs) > 1 for g in games for recs in g.loc_recs.values())  # shared locations
    assert any(d["opened"] for d in datas)
    for flag in ("hot", "clean", "sliced", "on"):
        assert any(d["state"][flag] for d in datas), flag
    assert any(d["inside"] for d in datas)
    assert any(g.pickupable != (1 << g.n_obj) - 1 for g in games)
    assert any(g.start_loc >= 0 for g in games)  # the agent starts at a receptacle
    assert any(g.initial_obj_loc[o] != g.rec_loc[g.initial_where[o]]
               for g in games for o in range(g.n_obj))


@pytest.mark.skipif(extra_available() is not None, reason=extra_available() or "")
@pytest.mark.parametrize("game_file", GAMES[:2], ids=lambda p: p.parent.parent.name.split("-")[0])
def test_engines_agree_on_the_test_games(game_file: Path) -> None:
    for policy in POLICIES:
        episode = compare_game(game_file, policy, seed=0, max_steps=30)
        assert episode.agree_all == episode.steps, episode.diffs


def test_cli_prints_the_missing_data_message_without_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from trainers.cli import main

    monkeypatch.delenv("ALFWORLD_DATA", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # play reads stdin
    assert main(["play", "stepgym/ALFWorld-v0", "--kwargs", '{"games": "official"}']) == 2
    err = capsys.readouterr().err
    assert err.startswith("stepgym play: error: ALFWORLD_DATA is not set.")
    assert "alfworld-download" in err and "Traceback" not in err
