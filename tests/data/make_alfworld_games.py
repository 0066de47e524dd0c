"""Write the official-format ALFWorld test games (tests/data/alfworld_games/json_2.1.1/...).

One small game per task type (level-3 rooms; three in each eval split), each given by hand the facts of an
official game's initial state that world.py models, so that together they exercise every one:
receptacles sharing a location, receptacles that start open, objects that start hot / cool /
clean / sliced / on, an object inside a movable receptacle, objects that cannot be picked up,
per-instance abilities that differ from the class tables, an object whose own location is not
its receptacle's, and an agent that starts at a receptacle. Written with our generator and
exporter (needs the alfworld extra for the goal formulas):

    python tests/data/make_alfworld_games.py

Every game is checked before it is written: the goal does not hold at the start and our expert
solves it within 50 steps. tests/envs/test_alfworld_games.py plays them.
"""

from __future__ import annotations

import copy
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from envs.alfworld.env import ALFWorldEnv
from envs.alfworld.export import export_official
from tasks.alfworld.generate import TASK_TYPES
from tasks.alfworld.world import ABILITY_TABLE, Game, initial_world, is_won
from tasks.base import Task

OUT = Path(__file__).resolve().parent / "alfworld_games" / "json_2.1.1"
SPLITS = {"eval_seen": "valid_seen", "eval_unseen": "valid_unseen"}


def with_full_state(data: dict[str, Any], variant: int) -> dict[str, Any]:
    """``data`` with the official-state facts set explicitly (``variant`` varies which)."""
    data = copy.deepcopy(data)
    game = Game(data)
    recs, objs = data["receptacles"], data["objects"]
    goal_objs = {k for k, o in enumerate(objs) if o[1] == data["goal"]["obj"]}
    others = [k for k in range(len(objs)) if k not in goal_objs]
    # locations: the first two receptacles share one; the agent starts at the last one's
    locations = list(range(len(recs)))
    if len(recs) >= 3:
        locations[1] = 0
    data["locations"] = locations
    if variant % 2 and len(recs) >= 3:
        data["start"] = len(recs) - 1
    openable = [r for r in range(len(recs)) if game.rec_openable[r]]
    data["openable"] = openable
    data["opened"] = openable[:1]
    abilities = {attr: [k for k in range(len(objs)) if getattr(game, attr) >> k & 1]
                 for attr in (*ABILITY_TABLE, "toggleable", "pickupable", "receptacle_object")}
    state: dict[str, list[int]] = {"hot": [], "cool": [], "clean": [], "sliced": [], "on": []}
    if others:
        first = others[0]
        state["clean"].append(first)
        abilities["heatable"] = sorted(set(abilities["heatable"]) | {first})  # not its class's
        state["hot"].append(first)
        abilities["pickupable"].remove(first)  # it stays where it is
        if first not in abilities["sliceable"]:
            abilities["sliceable"].append(first)
        state["sliced"].append(first)
    data["object_locations"] = [locations[o[3]] for o in objs]
    if len(others) > 1 and len(recs) >= 3:  # its own location is another receptacle's
        data["object_locations"][others[1]] = locations[(objs[others[1]][3] + 2) % len(recs)]
    lamps = [k for k in abilities["toggleable"]]
    state["on"] = lamps[:1]
    for k in lamps:
        if k in abilities["pickupable"]:
            abilities["pickupable"].remove(k)
    data["abilities"] = abilities
    # an object inside a movable receptacle: make the second other object a bowl host if none
    movable = [k for k in abilities["receptacle_object"]]
    if movable:
        host = movable[0]
        inner = next((k for k in range(len(objs)) if k != host and objs[k][3] == objs[host][3]),
                     next(k for k in range(len(objs)) if k != host))
        data["inside"] = [[inner, host]]
    data["state"] = state
    return data


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    written = 0
    for split, folder in SPLITS.items():
        env = ALFWorldEnv(split=split, level=3)
        for t, task_type in enumerate(TASK_TYPES):
            if t % len(SPLITS) != list(SPLITS).index(split):
                continue  # three types per split keeps the files few
            index = t  # level 3 rotates through all six types with the index
            env.reset(options={"task_index": index})
            task = env.task
            assert task is not None and task.task_type == task_type
            data = with_full_state(dict(task.data), variant=t + len(SPLITS[split]))
            game = Game(data)
            assert not is_won(game, initial_world(game)), task.task_id
            full = Task(task_id=task.task_id, split=split, goal=task.goal, task_type=task_type,
                        data=data)
            assert ALFWorldEnv(split=split, level=3).verify(full), task.task_id
            export_official(full, OUT / folder)
            written += 1
    print(f"wrote {written} games under {OUT}")


if __name__ == "__main__":
    main()
