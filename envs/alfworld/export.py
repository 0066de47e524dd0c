"""Export a generated task as an ALFWorld game file (``game.tw-pddl``) for the real engine.

The file is what ``alfworld-generate`` writes: JSON with ``pddl_domain`` (alfworld's
``alfred.pddl``), ``grammar`` (``alfred.twl2`` with the task text put in, as
``add_task_to_grammar`` does), ``pddl_problem`` and ``solvable``. The problem follows the facts
``PlannedGameState.state_to_pddl`` writes (gen/game_states/planned_game_state.py): THOR ids
mangled by ``fix_pddl_str_chars``, ``receptacleType``/``objectType``/``canContain``, the ability
predicates, and the goal from ``goal_library.py`` (needs the alfworld extra installed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tasks.alfworld.facts import DATA_DIR, facts, mangle
from tasks.alfworld.world import Game
from tasks.base import Task


def _goal_pddl(game: Game) -> str:
    from alfworld.gen import goal_library  # optional extra: imported only when exporting

    g = game.goal
    body = goal_library.gdict[g.task_type]["pddl"]
    body = body.format(obj=g.obj, recep=g.recep, toggle=g.toggle)
    return body.replace("#", "-")


def problem_pddl(task: Task) -> str:
    """The PDDL problem of ``task``'s initial state."""
    game = Game(task.data)
    table = facts()
    abilities = table["abilities"]
    rec = [mangle(i) for i in game.rec_ids]
    obj = [mangle(i) for i in game.obj_ids]
    locs = [f"loc_bar_{i}" for i in range(game.n_rec)]
    start = "loc_bar_start"
    otypes = sorted(set(game.obj_types))
    rtypes = sorted(set(game.rec_types))
    objects = ["agent1 - agent"]
    objects += [f"{t}Type - otype" for t in otypes] + [f"{t}Type - rtype" for t in rtypes]
    objects += [f"{o} - object" for o in obj] + [f"{r} - receptacle" for r in rec]
    objects += [f"{loc} - location" for loc in [*locs, start]]
    init = [f"(atLocation agent1 {start})"]
    for i, r in enumerate(rec):
        init.append(f"(receptacleAtLocation {r} {locs[i]})")
        init.append(f"(receptacleType {r} {game.rec_types[i]}Type)")
        if game.rec_openable[i]:
            init.append(f"(openable {r})")
    for rt in rtypes:
        init += [f"(canContain {rt}Type {ot}Type)" for ot in otypes if ot in table["can_contain"].get(rt, ())]
    for i, o in enumerate(obj):
        t, r = game.obj_types[i], game.initial_where[i]
        init += [f"(inReceptacle {o} {rec[r]})", f"(objectAtLocation {o} {locs[r]})",
                 f"(objectType {o} {t}Type)", f"(pickupable {o})"]
        for ability, pred in (("Heatable", "heatable"), ("Coolable", "coolable"),
                              ("Cleanable", "cleanable"), ("Sliceable", "sliceable")):
            if t in abilities[ability]:
                init.append(f"({pred} {o})")
        if game.toggleable >> i & 1:
            init.append(f"(toggleable {o})")
        if game.recep_object >> i & 1:
            init.append(f"(isReceptacleObject {o})")
    nl = "\n        "
    return (
        f"(define (problem plan_{task.task_id.replace(':', '_')})\n    (:domain alfred)\n"
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
