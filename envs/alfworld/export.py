"""Export a generated task as an ALFWorld game file (``game.tw-pddl``) for the real engine.

The file is what ``alfworld-generate`` writes: JSON with ``pddl_domain`` (alfworld's
``alfred.pddl``), ``grammar`` (``alfred.twl2`` with the task text put in, as
``add_task_to_grammar`` does), ``pddl_problem`` and ``solvable``. The problem follows the facts
``PlannedGameState.state_to_pddl`` writes (gen/game_states/planned_game_state.py): THOR ids
mangled by ``fix_pddl_str_chars``, ``receptacleType``/``objectType``/``canContain``, the ability
predicates per instance, and every fact of the initial state world.py models (shared locations,
``opened``, ``isHot``/``isCool``/..., ``inReceptacleObject``, ``pickupable``, each object's
``objectAtLocation``), with the goal from ``goal_library.py`` (needs the alfworld extra
installed). :func:`export_official` lays the file out as alfworld's data is, with a
``traj_data.json``, so tasks/alfworld/games.py reads it back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tasks.alfworld.facts import DATA_DIR, mangle
from tasks.alfworld.world import Game, initial_world
from tasks.base import Task


def _goal_pddl(game: Game) -> str:
    from alfworld.gen import goal_library  # optional extra: imported only when exporting

    g = game.goal
    body = goal_library.gdict[g.task_type]["pddl"]
    body = body.format(obj=g.obj, recep=g.recep, toggle=g.toggle)
    return body.replace("#", "-")


def _loc(loc: int) -> str:
    return "loc_bar_start" if loc < 0 else f"loc_bar_{loc}"


def problem_pddl(task: Task) -> str:
    """The PDDL problem of ``task``'s initial state, every fact world.py models included."""
    game = Game(task.data)
    world = initial_world(game)
    rec = [mangle(i) for i in game.rec_ids]
    obj = [mangle(i) for i in game.obj_ids]
    locs = sorted({*game.rec_loc, game.start_loc, *(x for x in game.initial_obj_loc if x >= -1)})
    otypes = sorted(set(game.obj_types))
    rtypes = sorted(set(game.rec_types))
    objects = ["agent1 - agent"]
    objects += [f"{t}Type - otype" for t in otypes] + [f"{t}Type - rtype" for t in rtypes]
    objects += [f"{o} - object" for o in obj] + [f"{r} - receptacle" for r in rec]
    objects += [f"{_loc(loc)} - location" for loc in locs]
    init = [f"(atLocation agent1 {_loc(game.start_loc)})"]
    for i, r in enumerate(rec):
        init.append(f"(receptacleAtLocation {r} {_loc(game.rec_loc[i])})")
        init.append(f"(receptacleType {r} {game.rec_types[i]}Type)")
        if game.rec_openable[i]:
            init.append(f"(openable {r})")
        if world.opened >> i & 1:
            init.append(f"(opened {r})")
    for rt in rtypes:
        fits = {game.obj_types[o] for o in range(game.n_obj)
                if any(game.obj_fits[o] >> r & 1 for r, t in enumerate(game.rec_types) if t == rt)}
        init += [f"(canContain {rt}Type {ot}Type)" for ot in otypes if ot in fits]
    flags = {"heatable": game.heatable, "coolable": game.coolable, "cleanable": game.cleanable,
             "sliceable": game.sliceable, "toggleable": game.toggleable,
             "pickupable": game.pickupable, "isReceptacleObject": game.receptacle_object,
             "isHot": world.hot, "isCool": world.cool, "isClean": world.clean,
             "isSliced": world.sliced, "isToggled": world.toggled, "isOn": world.on}
    for i, o in enumerate(obj):
        r = game.initial_where[i]
        init.append(f"(objectType {o} {game.obj_types[i]}Type)")
        if r >= 0:
            init.append(f"(inReceptacle {o} {rec[r]})")
        if game.initial_obj_loc[i] >= -1:
            init.append(f"(objectAtLocation {o} {_loc(game.initial_obj_loc[i])})")
        init += [f"({pred} {o})" for pred, mask in flags.items() if mask >> i & 1]
        init += [f"(inReceptacleObject {obj[inner]} {o})" for inner in game.inside[i]]
    nl = "\n        "
    return (
        f"(define (problem plan_{task.task_id.replace(':', '_').replace('=', '_')})\n"
        f"    (:domain alfred)\n"
        f"    (:objects\n        {nl.join(objects)}\n    )\n"
        f"    (:init\n        {nl.join(init)}\n    )\n{_goal_pddl(game)}"
    )


def game_file_data(task: Task) -> dict[str, Any]:
    grammar = (DATA_DIR / "alfred.twl2").read_text().replace("UNKNOWN GOAL", task.data["goal_text"])
    return {
        "pddl_domain": (DATA_DIR / "alfred.pddl").read_text(),
        "grammar": grammar,
        "pddl_problem": problem_pddl(task),
        "solvable": True,
        "walkthrough": None,
    }


def export_game(task: Task, path: Path) -> Path:
    """Write ``task`` as a ``.tw-pddl`` game file at ``path``."""
    path.write_text(json.dumps(game_file_data(task)))
    return path


def traj_data(task: Task) -> dict[str, Any]:
    """The fields of ALFRED's ``traj_data.json`` that alfworld (and our loader) read."""
    g = task.data["goal"]
    scene = int(str(task.data.get("floorplan", "FloorPlan0"))[len("FloorPlan"):] or 0)
    return {
        "task_type": g["task_type"],
        "pddl_params": {"object_target": g["obj"], "parent_target": g["recep"],
                        "toggle_target": g.get("toggle", ""), "mrecep_target": "",
                        "object_sliced": False},
        "scene": {"scene_num": scene},
        "task_id": task.task_id,
        "turk_annotations": {"anns": [{"task_desc": task.data["goal_text"]}]},
    }


def export_official(task: Task, folder: Path) -> Path:
    """Write ``task`` the way alfworld's data is laid out:
    ``folder/<task_type>-<Object>-None-<Receptacle>-<scene>/trial_<id>/{game.tw-pddl,
    traj_data.json}``; returns the game file."""
    meta = traj_data(task)
    p = meta["pddl_params"]
    second = p["parent_target"] or p["toggle_target"]
    name = f"{meta['task_type']}-{p['object_target']}-None-{second}-{meta['scene']['scene_num']}"
    trial = "trial_" + task.task_id.replace(":", "_").replace("=", "_")
    out = Path(folder) / name / trial
    out.mkdir(parents=True, exist_ok=True)
    (out / "traj_data.json").write_text(json.dumps(meta, indent=1))
    return export_game(task, out / "game.tw-pddl")
