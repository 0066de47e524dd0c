"""Task suites: ids, per-task generators, frozen-split checksums."""

from __future__ import annotations

import pytest

from tasks.base import format_task_id, parse_task_id, task_rng
from tests.helpers.toy_env import CountSuite


def test_task_ids_round_trip():
    task_id = format_task_id("mathchain", "eval", 12, {"horizon": 3, "mode": "multi"})
    assert task_id == "mathchain:eval:12:horizon=3,mode=multi"
    assert parse_task_id(task_id) == ("mathchain", "eval", 12, {"horizon": "3", "mode": "multi"})
    for bad in ("x", "a:b", "a:b:c", "a:b:1:nokey", "a:b:1:2:3"):
        with pytest.raises(ValueError):
            parse_task_id(bad)


def test_task_rng_depends_only_on_coordinates():
    a = task_rng("s", "train", 3).integers(0, 1 << 30, size=4).tolist()
    assert a == task_rng("s", "train", 3).integers(0, 1 << 30, size=4).tolist()
    assert a != task_rng("s", "train", 4).integers(0, 1 << 30, size=4).tolist()
    assert a != task_rng("s", "eval", 3).integers(0, 1 << 30, size=4).tolist()
    assert a != task_rng("s", "train", 3, attempt=1).integers(0, 1 << 30, size=4).tolist()


def test_split_checksum_is_stable_and_sensitive():
    suite = CountSuite()
    first = suite.split_checksum("eval")
    assert first == CountSuite().split_checksum("eval")
    assert first != suite.split_checksum("eval", {"target_max": 5})
    assert len(first) == 64


def test_index_mapping_and_bounds():
    suite = CountSuite()
    assert suite.index_for_seed("train", 12345) == 12345
    assert suite.index_for_seed("eval", 45) == 5
    with pytest.raises(IndexError):
        suite.get("eval", 20)
    with pytest.raises(ValueError, match="unbounded"):
        next(suite.iter_split("train"))


def test_get_by_id_checks_the_suite_name():
    suite = CountSuite()
    assert suite.get_by_id("count:eval:4") is suite.get("eval", 4)
    with pytest.raises(ValueError, match="belongs to suite"):
        suite.get_by_id("other:eval:4")
