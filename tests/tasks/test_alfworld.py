"""ALFWorld suite: facts table, naming, splits (frozen checksums, held-out floor plans), expert;
per difficulty level: checksums and the expert."""

from __future__ import annotations

from collections import Counter

import pytest

from envs.alfworld import ALFWorldEnv
from tasks.alfworld import TASK_TYPES, ALFWorldSuite
from tasks.alfworld.expert_sweep import play_expert
from tasks.alfworld.facts import facts, instance_names, mangle
from tasks.alfworld.levels import BENCHMARK_LEVEL, LEVELS
from tasks.alfworld.suite import LEVEL_CHECKSUMS
from tasks.alfworld.world import Game, initial_world, is_won


def test_facts_table_has_alfworlds_120_floor_plans() -> None:
    table = facts()
    assert len(table["scenes"]) == 120
    fp1 = table["scenes"]["FloorPlan1"]
    assert fp1["room"] == "Kitchen" and len(fp1["receptacle_ids"]) == 24
    assert "Sink|-01.90|+00.97|-01.50|SinkBasin" in fp1["receptacle_ids"]
    assert "Apple" in table["abilities"]["Heatable"] and "Lettuce" not in table["abilities"]["Heatable"]
    assert table["can_contain"]["CoffeeMachine"] == ["Mug"]
    assert table["goals_valid"]["pick_heat_then_place_in_recep"] == ["Kitchen"]
    assert len(table["train_scene_numbers"]) == 96 and len(table["test_scene_numbers"]) == 24


def test_instance_numbering_follows_alfworld_demangler() -> None:
    assert mangle("Cabinet|+00.68|-02.20") == "Cabinet_bar__plus_00_dot_68_bar__minus_02_dot_20"
    names = instance_names(["Cabinet|+00.68|+00.50", "Cabinet|-01.55|+00.50", "Sink|+1|+2|+3|SinkBasin"])
    # mangled: "_minus_" sorts before "_plus_", and the first sorted id gets the highest number
    assert names == {"Cabinet|-01.55|+00.50": "cabinet 2", "Cabinet|+00.68|+00.50": "cabinet 1",
                     "Sink|+1|+2|+3|SinkBasin": "sinkbasin 1"}


def test_frozen_checksums() -> None:
    env = ALFWorldEnv()
    for split, expected in ALFWorldSuite.frozen_checksums.items():
        assert env.suite.split_checksum(split, verify=env.verify) == expected, split


def test_splits_use_held_out_floor_plans() -> None:
    suite = ALFWorldSuite()
    table = facts()
    train_plans = {f"FloorPlan{n}" for n in table["train_scene_numbers"]}
    unseen = {t.data["floorplan"] for t in suite.iter_split("eval_unseen")}
    seen = {t.data["floorplan"] for t in suite.iter_split("eval_seen")}
    train = {suite.get("train", i).data["floorplan"] for i in range(300)}
    assert unseen.isdisjoint(train_plans) and seen <= train_plans and train <= train_plans
    assert suite.splits == {"train": None, "eval_seen": 140, "eval_unseen": 134}


@pytest.mark.parametrize("split", ["eval_seen", "eval_unseen"])
def test_every_task_type_in_each_eval_split(split: str) -> None:
    counts = Counter(t.task_type for t in ALFWorldSuite().iter_split(split))
    assert set(counts) == set(TASK_TYPES) and min(counts.values()) >= 22


def test_generation_is_deterministic_and_goal_not_met_at_start() -> None:
    a, b = ALFWorldSuite(), ALFWorldSuite()
    for i in range(60):
        task = a.get("train", i)
        assert task.to_json() == b.get("train", i).to_json()
        game = Game(task.data)
        assert not is_won(game, initial_world(game))


def test_goal_texts_use_alfworld_templates() -> None:
    templates = facts()["goal_templates"]
    suite = ALFWorldSuite()
    for i in range(36):
        task = suite.get("train", i)
        g = task.data["goal"]
        options = [t.format(obj=g["obj"].lower(), recep=g["recep"].lower(), toggle=g["toggle"].lower())
                   for t in templates[task.task_type]]
        assert task.goal in options


def test_expert_wins_all_eval_tasks_and_2000_train_seeds() -> None:
    suite = ALFWorldSuite()
    for split, count in (("eval_seen", 140), ("eval_unseen", 134), ("train", 2000)):
        for i in range(count):
            won, steps = play_expert(suite.get(split, i))  # unverified generation: no hiding
            assert won and steps <= 11, (split, i, steps)


@pytest.mark.parametrize("level", sorted(LEVELS))
def test_frozen_checksums_of_every_level(level: int) -> None:
    env = ALFWorldEnv(level=level)
    assert env.suite.frozen_checksums == LEVEL_CHECKSUMS[level]
    assert set(LEVEL_CHECKSUMS[level]) == {"eval_seen", "eval_unseen"}
    for split, expected in LEVEL_CHECKSUMS[level].items():
        assert env.suite.split_checksum(split, verify=env.verify) == expected, (level, split)
        # the same through the default suite and the level option
        assert ALFWorldSuite().split_checksum(split, {"level": level}) == expected, (level, split)
    assert LEVEL_CHECKSUMS[BENCHMARK_LEVEL] == ALFWorldSuite.frozen_checksums


@pytest.mark.parametrize("level", [n for n in sorted(LEVELS) if n != BENCHMARK_LEVEL])
def test_expert_wins_all_level_tasks(level: int) -> None:
    suite = ALFWorldSuite(level=level)
    for split, count in (("eval_seen", 140), ("eval_unseen", 134), ("train", 1000)):
        for i in range(count):
            won, steps = play_expert(suite.get(split, i))  # unverified generation: no hiding
            assert won and steps <= 11, (level, split, i, steps)
