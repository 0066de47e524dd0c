"""Scene and goal generation from ALFWorld's facts (see facts.py for the sources).

A scene is one of the 120 floor plans: its receptacle instances (THOR ids from
``FloorPlan*-openable.json``, plus one instance of any other receptacle class the plan lists, e.g.
coffeemachine, toaster), and 1-3 instances of each object class the plan lists that ALFWorld's
placement table can put somewhere, each in a random compatible receptacle (as ALFRED's scene
randomiser spawns 1..``MAX_NUM_OF_OBJ_INSTANCES`` = 3 copies). The goal follows ALFWorld's
``pddl_params``: object class, parent receptacle class, toggle class, with the room types of
``GOALS_VALID`` and the goal text drawn from ``goal_library.py``'s templates. Below the top
difficulty level (tasks/alfworld/levels.py) the scene is then cut down by :func:`shrink_scene`.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

from tasks.alfworld.facts import LAMP_HOSTS, facts, instance_names, mangle

if TYPE_CHECKING:
    from tasks.alfworld.levels import Level

TASK_TYPES: tuple[str, ...] = (
    "pick_and_place_simple",
    "look_at_obj_in_light",
    "pick_clean_then_place_in_recep",
    "pick_heat_then_place_in_recep",
    "pick_cool_then_place_in_recep",
    "pick_two_obj_and_place",
)
_NEEDS = {  # receptacle class a task type needs (PDDL HeatObject / CoolObject / CleanObject)
    "pick_clean_then_place_in_recep": ("SinkBasin", "Cleanable"),
    "pick_heat_then_place_in_recep": ("Microwave", "Heatable"),
    "pick_cool_then_place_in_recep": ("Fridge", "Coolable"),
}
_COUNT_WEIGHTS = np.array([0.6, 0.3, 0.1])  # instances per object class: 1, 2 or 3


def rec_type(thor_id: str) -> str:
    """'Sink|..|SinkBasin' -> 'SinkBasin'; 'Cabinet|..' -> 'Cabinet'."""
    parts = thor_id.split("|")
    return parts[4] if len(parts) > 4 else parts[0]


def floor_plans(numbers: list[int]) -> list[str]:
    return [f"FloorPlan{n}" for n in sorted(numbers)]


def build_scene(plan: str, rng: np.random.Generator) -> tuple[list[str], list[tuple[str, str]]]:
    """Receptacle ids and (object id, receptacle id) placements of one random scene of ``plan``."""
    table = facts()
    scene = table["scenes"][plan]
    can_contain: dict[str, list[str]] = table["can_contain"]
    movable = set(table["movable_receptacles"])
    rec_ids = list(scene["receptacle_ids"])
    present = {rec_type(r) for r in rec_ids}
    for cls in scene["object_classes"]:
        if cls in can_contain and cls not in movable and cls not in present and cls != "SinkBasin":
            rec_ids.append(f"{cls}|+00.00|+00.00|+00.00")
            present.add(cls)
    rec_ids.sort(key=lambda i: mangle(i).lower())
    placeable = set().union(*map(set, can_contain.values())) | set(LAMP_HOSTS)
    placements: list[tuple[str, str]] = []
    for cls in scene["object_classes"]:
        if cls not in placeable or (cls in can_contain and cls not in movable):
            continue
        hosts = [r for r in rec_ids if cls in can_contain.get(rec_type(r), ())]
        if not hosts:
            continue
        count = 1 if cls in LAMP_HOSTS else int(rng.choice(3, p=_COUNT_WEIGHTS)) + 1
        for k in range(count):
            placements.append((f"{cls}|+{k + 1:02d}.00|+00.00|+00.00", hosts[int(rng.integers(len(hosts)))]))
    return rec_ids, placements


def _candidates(task_type: str, rec_ids: list[str], placements: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Valid (object class, receptacle class, toggle class) goals for this scene."""
    table = facts()
    can_contain = table["can_contain"]
    abilities = table["abilities"]
    rec_classes = sorted({rec_type(r) for r in rec_ids})
    objs = sorted({o.split("|")[0] for o, _ in placements} - set(LAMP_HOSTS))
    where: dict[str, list[str]] = {}
    for o, r in placements:
        where.setdefault(o.split("|")[0], []).append(rec_type(r))
    if task_type == "look_at_obj_in_light":
        lamps = sorted({o.split("|")[0] for o, _ in placements} & set(LAMP_HOSTS))
        return [(o, "", lamp) for lamp in lamps for o in objs]
    need_rec, ability = _NEEDS.get(task_type, ("", ""))
    if need_rec and need_rec not in rec_classes:
        return []
    out = []
    for o in objs:
        if ability and o not in abilities[ability]:
            continue
        for r in rec_classes:
            if o not in can_contain.get(r, ()) or r == need_rec:
                continue
            if task_type == "pick_and_place_simple" and r in where[o]:
                continue  # the goal would hold at the start
            out.append((o, r, ""))
    return out


def generate_task_data(
    task_type: str, plans: list[str], rng: np.random.Generator, level: Level | None = None
) -> dict[str, Any]:
    """One task's JSON-able data: floor plan, receptacles, objects (with their receptacle), goal.

    ``level``: a difficulty level below the benchmark shrinks the scene once the goal is drawn
    (None or the benchmark level: the benchmark's scene, with exactly the same draws as ever)."""
    table = facts()
    valid_rooms = set(table["goals_valid"][task_type])
    pool = [p for p in plans if table["scenes"][p]["room"] in valid_rooms]
    for _ in range(200):
        plan = pool[int(rng.integers(len(pool)))]
        rec_ids, placements = build_scene(plan, rng)
        cands = _candidates(task_type, rec_ids, placements)
        if level is not None and level.no_opening:
            cands = [c for c in cands if not c[1] or not _openable(c[1])] or cands
        if not cands:
            continue
        obj, recep, toggle = cands[int(rng.integers(len(cands)))]
        if task_type == "pick_two_obj_and_place":
            placements = _ensure_two(obj, recep, rec_ids, placements, rng)
            if placements is None:
                continue
        if level is not None and not level.is_benchmark:
            rec_ids, placements = shrink_scene(level, task_type, rec_ids, placements, (obj, recep, toggle), rng)
        data = _pack(task_type, plan, rec_ids, placements, obj, recep, toggle, rng)
        if level is None or level.full_state:
            data = add_initial_state(data, np.random.default_rng(int(rng.integers(2**63))))
        return data
    raise RuntimeError(f"no valid {task_type} scene in {len(pool)} floor plans")


#: Receptacle classes whose instances ALFRED's scenes often serve from one pose (drawer stacks,
#: cabinet rows, burner pairs, shelf units): in alfworld's layouts 280 of 1,755 receptacles
#: share a location, nearly all of these classes.
SHARED_POSE_CLASSES = ("Drawer", "Cabinet", "StoveBurner", "Shelf")
P_SHARED_POSE = 0.3  # chance that an instance shares the previous instance's location
P_START_OPEN = 0.1  # chance that an openable receptacle starts open
P_INSIDE = 0.5  # chance that an object next to a movable receptacle that may hold it is inside
NOT_PICKUPABLE = ("DeskLamp", "FloorLamp")  # THOR's lamps stand; only toggling uses them


def add_initial_state(data: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The facts of an official game's initial state that a scene alone does not give
    (world.py's optional data keys), drawn as ALFWorld's scenes have them: receptacles sharing
    a location (pairs of ``SHARED_POSE_CLASSES``), openable receptacles that start open,
    goal-class objects in a fridge that start cool (``PlannedGameState.state_to_pddl`` marks
    them ``isCool``), objects inside a movable receptacle standing in the same receptacle
    (``inReceptacleObject``), and lamps that cannot be picked up. Positions, names and the goal
    are unchanged, so the generator's guarantees (goal not met at the start) still hold."""
    table = facts()
    recs, objs = data["receptacles"], data["objects"]
    locations = list(range(len(recs)))
    for cls in SHARED_POSE_CLASSES:
        same = [i for i, r in enumerate(recs) if r[1] == cls]
        for a, b in itertools.pairwise(same):
            if locations[a] == a and rng.random() < P_SHARED_POSE:  # pairs, not chains
                locations[b] = a
    openable = [i for i, r in enumerate(recs) if r[1] in set(table["openable_classes"])]
    opened = [i for i in openable if rng.random() < P_START_OPEN]
    goal = data["goal"]
    cool = [k for k, o in enumerate(objs) if o[1] == goal["obj"] and o[3] >= 0
            and recs[o[3]][1] == "Fridge"]
    movable = set(table["movable_receptacles"])
    inside = []
    for k, o in enumerate(objs):
        hosts = [m for m, h in enumerate(objs) if h[1] in movable and h[3] == o[3] and m != k
                 and o[1] in table["can_contain"].get(h[1], ()) and o[1] not in movable]
        if hosts and rng.random() < P_INSIDE:
            inside.append([k, hosts[int(rng.integers(len(hosts)))]])
    out = dict(data)
    out["locations"] = locations
    out["opened"] = opened
    out["state"] = {"cool": cool}
    out["inside"] = inside
    out["not_pickupable"] = [k for k, o in enumerate(objs) if o[1] in NOT_PICKUPABLE]
    return out


def _ensure_two(obj: str, recep: str, rec_ids: list[str], placements: list[tuple[str, str]],
                rng: np.random.Generator) -> list[tuple[str, str]] | None:
    """pick_two needs two instances, not both already in one receptacle of the goal class."""
    can_contain = facts()["can_contain"]
    mine = [p for p in placements if p[0].split("|")[0] == obj]
    hosts = [r for r in rec_ids if obj in can_contain.get(rec_type(r), ())]
    while len(mine) < 2:
        new = (f"{obj}|+{len(mine) + 1:02d}.00|+00.00|+00.00", hosts[int(rng.integers(len(hosts)))])
        placements = [*placements, new]
        mine.append(new)
    per_rec: dict[str, int] = {}
    for _, r in mine:
        if rec_type(r) == recep:
            per_rec[r] = per_rec.get(r, 0) + 1
    return None if max(per_rec.values(), default=0) >= 2 else placements


def _cls(thor_id: str) -> str:
    return thor_id.split("|")[0]


def _openable(rec: str) -> bool:
    """Whether a receptacle (THOR id or class name) must be opened to see or use its inside."""
    return rec_type(rec) in facts()["openable_classes"]


def _sample(items: list[Any], k: int | None, rng: np.random.Generator) -> list[Any]:
    """At most ``k`` of ``items`` (all when None), drawn at random, in their original order."""
    if k is None or len(items) <= k:
        return list(items)
    chosen = sorted(int(i) for i in rng.permutation(len(items))[:k])
    return [items[i] for i in chosen]


def shrink_scene(level: Level, task_type: str, rec_ids: list[str], placements: list[tuple[str, str]],
                 goal: tuple[str, str, str], rng: np.random.Generator) -> tuple[list[str], list[tuple[str, str]]]:
    """A smaller room for an easier ``level``, keeping everything the goal ``(obj, recep, toggle)``
    needs: kept goal objects and their hosts, one receptacle of the goal class, the task's
    appliance, the lamp and its host; then random other receptacles up to ``max_receptacles`` and
    random other objects (from kept receptacles) up to ``max_distractors``.

    Subsets keep the generator's guarantees: the goal does not hold at the start (pick_and_place
    objects are in no goal-class receptacle, pick_two's are not two in one), and every object
    still has a receptacle that may hold it (its host).
    """
    obj, recep, toggle = goal
    targets = _goal_objects(level, task_type, obj, placements, rng)
    lamps = [p for p in placements if toggle and _cls(p[0]) == toggle]
    needed = {r for _, r in targets + lamps}
    for cls in (recep, _NEEDS.get(task_type, ("", ""))[0]):
        hosts = [r for r in rec_ids if rec_type(r) == cls]
        if hosts and not needed.intersection(hosts):
            needed.add(hosts[int(rng.integers(len(hosts)))])
    kept = needed | set(_other_receptacles(level, [r for r in rec_ids if r not in needed], len(needed), rng))
    pool = [p for p in placements if _cls(p[0]) not in (obj, toggle) and p[1] in kept]
    keep_objs = set(targets + lamps + _sample(pool, level.max_distractors, rng))
    return [r for r in rec_ids if r in kept], [p for p in placements if p in keep_objs]


def _goal_objects(level: Level, task_type: str, obj: str, placements: list[tuple[str, str]],
                  rng: np.random.Generator) -> list[tuple[str, str]]:
    """The placements of the goal class a level keeps: all, or the fewest the task needs
    (preferring objects in the open with ``no_opening``)."""
    targets = [p for p in placements if _cls(p[0]) == obj]
    if level.no_opening:
        targets = [p for p in targets if not _openable(p[1])] or targets
    if level.few_targets:
        targets = _sample(targets, 2 if task_type == "pick_two_obj_and_place" else 1, rng)
    return targets


def _other_receptacles(level: Level, others: list[str], n_needed: int, rng: np.random.Generator) -> list[str]:
    """Random receptacles to fill the room up to ``max_receptacles`` (open ones first with
    ``no_opening``)."""
    room = None if level.max_receptacles is None else max(0, level.max_receptacles - n_needed)
    if not level.no_opening:
        return _sample(others, room, rng)
    chosen = _sample([r for r in others if not _openable(r)], room, rng)
    left = None if room is None else room - len(chosen)
    return chosen + _sample([r for r in others if _openable(r)], left, rng)


def _pack(task_type: str, plan: str, rec_ids: list[str], placements: list[tuple[str, str]],
          obj: str, recep: str, toggle: str, rng: np.random.Generator) -> dict[str, Any]:
    table = facts()
    placements = sorted(placements, key=lambda p: mangle(p[0]).lower())
    names = instance_names(rec_ids + [o for o, _ in placements])
    rec_index = {r: i for i, r in enumerate(rec_ids)}
    templates = table["goal_templates"][task_type]
    template = templates[int(rng.integers(len(templates)))]
    goal_text = template.format(obj=obj.lower(), recep=recep.lower(), toggle=toggle.lower())
    return {
        "floorplan": plan,
        "room": table["scenes"][plan]["room"],
        "receptacles": [[r, rec_type(r), names[r]] for r in rec_ids],
        "objects": [[o, o.split("|")[0], names[o], rec_index[r]] for o, r in placements],
        "goal": {"task_type": task_type, "obj": obj, "recep": recep, "toggle": toggle},
        "goal_text": goal_text,
    }
