"""The state model of ALFWorld's PDDL domain (``alfred.pddl``, alfworld 0.4.2), without text.

A :class:`Game` is the static part of one task (receptacles, objects, abilities, the goal), built
once per task; a :class:`World` is the small mutable part (agent location, held object, where
each object is, and bitmasks of opened receptacles and hot/cool/clean/sliced/toggled objects), so
a fork is a copy of a few ints and one short list.

Actions are tuples ``(verb, *indices)``; :func:`applicable` is the action's PDDL precondition and
:func:`apply` its effect. Modelling choices (where the PDDL leaves room) are listed in
docs/alfworld.md: every receptacle has its own location; an object's location is its
receptacle's; the agent starts at a location with no receptacle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tasks.alfworld.facts import facts

Action = tuple  # (verb: str, *int)

KNIVES = frozenset({"Knife", "ButterKnife"})
MICROWAVE, FRIDGE, SINK = "Microwave", "Fridge", "SinkBasin"


@dataclass(frozen=True)
class Goal:
    """A task's goal: ALFWorld's ``pddl_params`` (object, parent receptacle, toggle target)."""

    task_type: str
    obj: str  # object class, e.g. "Apple"
    recep: str  # receptacle class ("" for look_at_obj_in_light)
    toggle: str = ""  # lamp class for look_at_obj_in_light

    @property
    def modifier(self) -> str:
        return {
            "pick_clean_then_place_in_recep": "clean",
            "pick_heat_then_place_in_recep": "hot",
            "pick_cool_then_place_in_recep": "cool",
        }.get(self.task_type, "")


class Game:
    """Static facts of one task, compiled from ``Task.data`` for fast lookups."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        table = facts()
        openable_classes = set(table["openable_classes"])
        abilities = {k: set(v) for k, v in table["abilities"].items()}
        movable = set(table["movable_receptacles"])
        g = data["goal"]
        self.goal = Goal(g["task_type"], g["obj"], g["recep"], g.get("toggle", ""))
        self.rec_ids = [r[0] for r in data["receptacles"]]
        self.rec_types = [r[1] for r in data["receptacles"]]
        self.rec_names = [r[2] for r in data["receptacles"]]
        self.rec_openable = [t in openable_classes for t in self.rec_types]
        self.obj_ids = [o[0] for o in data["objects"]]
        self.obj_types = [o[1] for o in data["objects"]]
        self.obj_names = [o[2] for o in data["objects"]]
        self.initial_where = [int(o[3]) for o in data["objects"]]
        self.n_rec, self.n_obj = len(self.rec_ids), len(self.obj_ids)
        fits = _fits_table()
        self.obj_fits = [
            sum(1 << r for r, rt in enumerate(self.rec_types) if ot in fits.get(rt, ())) for ot in self.obj_types
        ]

        def mask(pred: Any) -> int:
            return sum(1 << i for i, t in enumerate(self.obj_types) if pred(t))

        self.heatable = mask(lambda t: t in abilities["Heatable"])
        self.coolable = mask(lambda t: t in abilities["Coolable"])
        self.cleanable = mask(lambda t: t in abilities["Cleanable"])
        self.sliceable = mask(lambda t: t in abilities["Sliceable"])
        # ALFWorld marks only the task's toggle target as toggleable (planned_game_state.py)
        self.toggleable = mask(lambda t: bool(self.goal.toggle) and t == self.goal.toggle)
        self.knife = mask(lambda t: t in KNIVES)
        self.recep_object = mask(lambda t: t in movable)
        self.rec_index = {n: i for i, n in enumerate(self.rec_names)}
        self.obj_index = {n: i for i, n in enumerate(self.obj_names)}


@lru_cache(maxsize=1)
def _fits_table() -> dict[str, frozenset[str]]:
    """Receptacle class -> object classes it can contain (``canContain``)."""
    return {k: frozenset(v) for k, v in facts()["can_contain"].items()}


@dataclass
class World:
    """The mutable state: cheap to copy (ints and one list)."""

    loc: int  # receptacle index whose location the agent is at; -1 = the start location
    held: int  # object index in hand, -1 = none
    where: list[int]  # receptacle index of each object, -1 = held
    opened: int = 0  # bitmask over receptacles
    hot: int = 0  # bitmasks over objects
    cool: int = 0
    clean: int = 0
    sliced: int = 0
    toggled: int = 0

    def copy(self) -> World:
        return World(self.loc, self.held, list(self.where), self.opened, self.hot, self.cool,
                     self.clean, self.sliced, self.toggled)

    def as_tuple(self) -> tuple:
        return (self.loc, self.held, tuple(self.where), self.opened, self.hot, self.cool,
                self.clean, self.sliced, self.toggled)


def initial_world(game: Game) -> World:
    return World(loc=-1, held=-1, where=list(game.initial_where))


def is_open(game: Game, world: World, r: int) -> bool:
    """PDDL ``(or (not (openable ?r)) (opened ?r))``."""
    return not game.rec_openable[r] or bool(world.opened >> r & 1)


def visible(game: Game, world: World, o: int) -> bool:
    """When ``examine O`` applies: only while held.

    ``examineObject``'s PDDL precondition also allows an object in an open receptacle at the
    agent's location, but alfworld's TextWorld engine never grounds that quantified branch: it
    lists and accepts ``examine O`` only for the held object (checked against the real engine).
    """
    return world.held == o


def applicable(game: Game, world: World, action: Action) -> bool:
    """The PDDL precondition of ``action`` in ``world``."""
    verb = action[0]
    if verb in ("look", "inventory", "help"):
        return True
    if verb == "goto":
        return action[1] != world.loc
    if verb == "examine_r":
        return action[1] == world.loc
    if verb == "examine_o":
        return visible(game, world, action[1])
    if verb in ("open", "close"):
        r = action[1]
        if r != world.loc or not game.rec_openable[r]:
            return False
        return (world.opened >> r & 1) == (verb == "close")
    if verb == "take":
        o, r = action[1], action[2]
        return world.held < 0 and world.where[o] == r and r == world.loc and is_open(game, world, r)
    if verb == "move":
        o, r = action[1], action[2]
        return (world.held == o and r == world.loc and is_open(game, world, r)
                and bool(game.obj_fits[o] >> r & 1))
    if verb in ("heat", "cool", "clean"):
        o, r = action[1], action[2]
        need = {"heat": (game.heatable, MICROWAVE), "cool": (game.coolable, FRIDGE),
                "clean": (game.cleanable, SINK)}[verb]
        return (world.held == o and r == world.loc and bool(need[0] >> o & 1)
                and game.rec_types[r] == need[1])
    if verb == "slice":
        co, ko = action[1], action[2]
        return (bool(game.sliceable >> co & 1) and world.held == ko and bool(game.knife >> ko & 1)
                and world.where[co] >= 0 and world.where[co] == world.loc)
    if verb == "use":
        o = action[1]
        return bool(game.toggleable >> o & 1) and world.where[o] >= 0 and world.where[o] == world.loc
    return False


def apply(game: Game, world: World, action: Action) -> None:
    """The PDDL effect of an applicable ``action`` (mutates ``world``)."""
    verb = action[0]
    if verb == "goto":
        world.loc = action[1]
    elif verb == "open":
        world.opened |= 1 << action[1]
    elif verb == "close":
        world.opened &= ~(1 << action[1])
    elif verb == "take":
        world.where[action[1]] = -1
        world.held = action[1]
    elif verb == "move":
        world.where[action[1]] = action[2]
        world.held = -1
    elif verb == "heat":
        world.hot |= 1 << action[1]
        world.cool &= ~(1 << action[1])
    elif verb == "cool":
        world.cool |= 1 << action[1]
        world.hot &= ~(1 << action[1])
    elif verb == "clean":
        world.clean |= 1 << action[1]
    elif verb == "slice":
        world.sliced |= 1 << action[1]
    elif verb == "use":
        world.toggled |= 1 << action[1]


def valid_actions(game: Game, world: World) -> list[Action]:
    """Every applicable grounded action (what TextWorld lists as admissible commands)."""
    out: list[Action] = [("look",), ("inventory",), ("help",)]
    out += [("goto", r) for r in range(game.n_rec) if r != world.loc]
    here, held = world.loc, world.held
    if here >= 0:
        out.append(("examine_r", here))
        if game.rec_openable[here]:
            out.append(("close", here) if world.opened >> here & 1 else ("open", here))
        rec_open = is_open(game, world, here)
        for o in range(game.n_obj):
            if world.where[o] != here:
                continue
            if rec_open and held < 0:
                out.append(("take", o, here))
            if game.toggleable >> o & 1:
                out.append(("use", o))
            if held >= 0 and game.sliceable >> o & 1 and game.knife >> held & 1:
                out.append(("slice", o, held))
        if held >= 0:
            if rec_open and game.obj_fits[held] >> here & 1:
                out.append(("move", held, here))
            for verb in ("heat", "cool", "clean"):
                if applicable(game, world, (verb, held, here)):
                    out.append((verb, held, here))
    if held >= 0:
        out.append(("examine_o", held))
    return out


# ----------------------------------------------------------------------------- goals
def goal_conditions(game: Game, world: World) -> tuple[int, int]:
    """(conditions met, conditions total) of the best candidate binding of the goal's variables.

    ALFWorld's goals are existential (goal_library.py): the fraction is taken for the object
    (and receptacle) that comes closest, so progress never counts two half-done objects.
    """
    g = game.goal
    if g.task_type == "look_at_obj_in_light":
        lamp_on = any(
            game.toggleable >> o & 1 and world.toggled >> o & 1 and world.where[o] == world.loc >= 0
            for o in range(game.n_obj)
        )
        holding = world.held >= 0 and game.obj_types[world.held] == g.obj
        return int(lamp_on) + int(holding), 2
    if g.task_type == "pick_two_obj_and_place":
        counts: dict[int, int] = {}
        for o, t in enumerate(game.obj_types):
            r = world.where[o]
            if t == g.obj and r >= 0 and game.rec_types[r] == g.recep:
                counts[r] = counts.get(r, 0) + 1
        return min(2, max(counts.values(), default=0)), 2
    flag = {"clean": world.clean, "hot": world.hot, "cool": world.cool}.get(g.modifier)
    total = 1 if flag is None else 2
    best = 0
    for o, t in enumerate(game.obj_types):
        if t != g.obj:
            continue
        r = world.where[o]
        met = int(r >= 0 and game.rec_types[r] == g.recep)
        if flag is not None:
            met += flag >> o & 1
        best = max(best, met)
    return best, total


def is_won(game: Game, world: World) -> bool:
    met, total = goal_conditions(game, world)
    return met == total
