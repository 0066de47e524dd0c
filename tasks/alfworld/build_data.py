"""Regenerate ``tasks/alfworld/data/alfworld_facts.json`` from an unpacked alfworld 0.4.2 wheel.

Usage::

    pip download --no-deps alfworld==0.4.2 -d /tmp/alfw && unzip -q /tmp/alfw/*.whl -d /tmp/alfw/x
    python -m tasks.alfworld.build_data /tmp/alfw/x/alfworld

Sources (ALFWorld, Shridhar et al., ICLR 2021, MIT licence, https://github.com/alfworld/alfworld):

* ``gen/layouts/FloorPlan*-openable.json``: the receptacle instances (THOR object ids) of each of
  the 120 floor plans; ``FloorPlan*-objects.json``: the object classes present in each.
* ``gen/constants.py``: ``VAL_RECEPTACLE_OBJECTS`` (which object class may go in which receptacle
  class), ``VAL_ACTION_OBJECTS`` (heatable, coolable, cleanable, toggleable, sliceable),
  ``OPENABLE_CLASS_LIST``, ``MOVABLE_RECEPTACLES``, ``SCENE_TYPE``, ``GOALS_VALID`` and the
  train/test floor-plan numbers.
* ``gen/goal_library.py``: the goal text templates of the six task types.
* ``data/alfred.pddl`` and ``data/alfred.twl2``: copied verbatim (used only to export game files
  for the optional fidelity check against the real engine).

The output is deterministic (sorted keys), so a rebuild from the same wheel is byte-identical.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

DATA_DIR = Path(__file__).parent / "data"
TASK_TYPES = (
    "pick_and_place_simple",
    "look_at_obj_in_light",
    "pick_clean_then_place_in_recep",
    "pick_heat_then_place_in_recep",
    "pick_cool_then_place_in_recep",
    "pick_two_obj_and_place",
)


def _load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(alfworld_dir: Path) -> dict[str, Any]:
    """Collect the facts from the alfworld package directory into one JSON-able dict."""
    constants = _load_module(alfworld_dir / "gen" / "constants.py", "alfworld_constants")
    goals = _load_module(alfworld_dir / "gen" / "goal_library.py", "alfworld_goals")
    layouts = alfworld_dir / "gen" / "layouts"
    scenes: dict[str, Any] = {}
    for path in sorted(layouts.glob("FloorPlan*-openable.json")):
        plan = path.name.split("-")[0]
        number = int(plan[len("FloorPlan"):])
        room = next(k for k, r in constants.SCENE_TYPE.items() if number in r)
        receptacles = sorted(json.loads(path.read_text()))
        objects = sorted(json.loads((layouts / f"{plan}-objects.json").read_text()))
        scenes[plan] = {"room": room, "receptacle_ids": receptacles, "object_classes": objects}
    return {
        "source": "alfworld 0.4.2 (MIT licence), https://github.com/alfworld/alfworld",
        "scenes": scenes,
        "can_contain": {k: sorted(v) for k, v in sorted(constants.VAL_RECEPTACLE_OBJECTS.items())},
        "abilities": {k: sorted(v) for k, v in sorted(constants.VAL_ACTION_OBJECTS.items())},
        "openable_classes": sorted(constants.OPENABLE_CLASS_LIST),
        "movable_receptacles": sorted(constants.MOVABLE_RECEPTACLES),
        "train_scene_numbers": sorted(constants.TRAIN_SCENE_NUMBERS),
        "test_scene_numbers": sorted(constants.TEST_SCENE_NUMBERS),
        "goals_valid": {k: sorted(constants.GOALS_VALID[k]) for k in TASK_TYPES},
        "goal_templates": {k: list(goals.gdict[k]["templates"]) for k in TASK_TYPES},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("alfworld_dir", type=Path, help="the unpacked 'alfworld' package directory")
    args = parser.parse_args(argv)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    facts = build(args.alfworld_dir)
    out = DATA_DIR / "alfworld_facts.json"
    out.write_text(json.dumps(facts, sort_keys=True, separators=(",", ":")) + "\n")
    for name in ("alfred.pddl", "alfred.twl2"):
        shutil.copyfile(args.alfworld_dir / "data" / name, DATA_DIR / name)
    print(f"wrote {out} ({out.stat().st_size} bytes, {len(facts['scenes'])} floor plans)")


if __name__ == "__main__":
    main()
