"""The state model of ALFWorld's PDDL domain (``alfred.pddl``, alfworld 0.4.2), without text.

A :class:`Game` is the static part of one task (receptacles, objects, abilities, the goal), built
once per task; a :class:`World` is the small mutable part (agent location, held object, where
each object is, and bitmasks of opened receptacles and hot/cool/clean/sliced/toggled objects), so
a fork is a copy of a few ints and one short list.

Actions are tuples ``(verb, *indices)``; :func:`applicable` is the action's PDDL precondition and
:func:`apply` its effect.

Locations. A location is named by the smallest index of the receptacles standing there
(receptacles may share one: "You are facing the drawer 2, and drawer 1."); locations without
a receptacle get -1 (the agent's start, and objects placed there) or ``n_rec + k``. Generated
games give every receptacle its own location and start the agent at -1. Objects carry PDDL's
``objectAtLocation`` apart from ``inReceptacle``: an official game may place an object's own
location away from its receptacle's; taking it removes only the fact at the agent's location
(the PDDL effect), putting it adds one (``World.placed``, ``World.init_gone``).

Optional keys of ``Task.data`` carry the rest of an official game's initial state (all
absent in older generated tasks, which keep their meaning): ``locations`` (per receptacle),
``start`` / ``object_locations`` (location keys), ``openable`` / ``opened`` (receptacle indices),
``state`` (``hot``/``cool``/``clean``/``sliced``/``toggled``/``on`` object indices), ``abilities``
(per-instance ``heatable``/``coolable``/``cleanable``/``sliceable``/``toggleable``/
``pickupable``/``receptacle_object`` lists, replacing the class tables), ``not_pickupable``
(with the class tables: generated games' lamps), ``inside`` ([inner,
outer] object pairs: ``inReceptacleObject``, which no action changes), ``can_contain`` and
``goal_pddl`` (the goal formula, see goal_logic.py; it decides ``won`` when present).
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


#: per-instance abilities (``Task.data["abilities"]``) -> the class table that stands in for them
ABILITY_TABLE = {"heatable": "Heatable", "coolable": "Coolable", "cleanable": "Cleanable",
                 "sliceable": "Sliceable"}
STATE_FLAGS = ("hot", "cool", "clean", "sliced", "toggled", "on")
START = -1  # the location of the agent's start in generated games (no receptacle there)


class Game:
    """Static facts of one task, compiled from ``Task.data`` for fast lookups."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        table = facts()
        g = data["goal"]
        self.goal = Goal(g["task_type"], g["obj"], g["recep"], g.get("toggle", ""))
        self.goal_pddl = data.get("goal_pddl")
        self.rec_ids = [r[0] for r in data["receptacles"]]
        self.rec_types = [r[1] for r in data["receptacles"]]
        self.rec_names = [r[2] for r in data["receptacles"]]
        self.obj_ids = [o[0] for o in data["objects"]]
        self.obj_types = [o[1] for o in data["objects"]]
        self.obj_names = [o[2] for o in data["objects"]]
        self.initial_where = [int(o[3]) for o in data["objects"]]
        self.n_rec, self.n_obj = len(self.rec_ids), len(self.obj_ids)
        self._locations(data)
        self._not_pickupable = data.get("not_pickupable", ())
        if "openable" in data:
            self.rec_openable = [r in set(data["openable"]) for r in range(self.n_rec)]
        else:
            openable_classes = set(table["openable_classes"])
            self.rec_openable = [t in openable_classes for t in self.rec_types]
        self.initial_opened = _bits(data.get("opened", ()))
        self.initial_state = {k: _bits(data.get("state", {}).get(k, ())) for k in STATE_FLAGS}
        fits = ({k: frozenset(v) for k, v in data["can_contain"].items()}
                if "can_contain" in data else _fits_table())
        self.obj_fits = [
            sum(1 << r for r, rt in enumerate(self.rec_types) if ot in fits.get(rt, ())) for ot in self.obj_types
        ]
        self._abilities(data.get("abilities"), table)
        self.knife = self._mask(lambda t: t in KNIVES)
        self.inside: list[list[int]] = [[] for _ in range(self.n_obj)]  # outer -> inner objects
        for inner, outer in data.get("inside", ()):
            self.inside[outer].append(inner)
        self.rec_index = {n: i for i, n in enumerate(self.rec_names)}
        self.obj_index = {n: i for i, n in enumerate(self.obj_names)}
        # goal-formula games (goal_logic.py): the names and static facts every state shares,
        # built on first use, and the last (state, won) answer (env, expert and progress ask)
        self.goal_names: Any = None
        self.won_cache: tuple[tuple, bool] | None = None

    def _mask(self, pred: Any) -> int:
        return sum(1 << i for i, t in enumerate(self.obj_types) if pred(t))

    def _locations(self, data: Mapping[str, Any]) -> None:
        """Location keys -> location indices (see the module docstring)."""
        keys = data.get("locations")
        index: dict[Any, int] = {}
        if keys is None:
            self.rec_loc = list(range(self.n_rec))
        else:
            for r, key in enumerate(keys):
                index.setdefault(key, r)
            self.rec_loc = [index[key] for key in keys]
        start_key = data.get("start")
        if start_key is not None and start_key not in index:
            index[start_key] = START
        self.start_loc = index.get(start_key, START)
        obj_keys = data.get("object_locations")
        if obj_keys is None:
            self.initial_obj_loc = [self.rec_loc[r] if r >= 0 else NOWHERE for r in self.initial_where]
        else:
            for key in obj_keys:
                if key is not None and key not in index:
                    index[key] = self.n_rec + len([v for v in index.values() if v >= self.n_rec])
            self.initial_obj_loc = [NOWHERE if key is None else index[key] for key in obj_keys]
        self.loc_recs: dict[int, list[int]] = {}  # location -> its receptacles, in index order
        for r, loc in enumerate(self.rec_loc):
            self.loc_recs.setdefault(loc, []).append(r)

    def _abilities(self, per_instance: Mapping[str, Any] | None, table: Mapping[str, Any]) -> None:
        if per_instance is not None:
            for attr in (*ABILITY_TABLE, "toggleable", "pickupable", "receptacle_object"):
                setattr(self, attr, _bits(per_instance.get(attr, ())))
            return
        abilities = {k: set(v) for k, v in table["abilities"].items()}
        for attr, key in ABILITY_TABLE.items():
            setattr(self, attr, self._mask(lambda t, key=key: t in abilities[key]))
        # ALFWorld marks only the task's toggle target as toggleable (planned_game_state.py)
        self.toggleable = self._mask(lambda t: bool(self.goal.toggle) and t == self.goal.toggle)
        self.pickupable = ((1 << self.n_obj) - 1) & ~_bits(self._not_pickupable)
        movable = set(table["movable_receptacles"])
        self.receptacle_object = self._mask(lambda t: t in movable)

    def at(self, world: World, r: int) -> bool:
        """Whether the agent stands at receptacle ``r``'s location."""
        return self.rec_loc[r] == world.loc

    def here(self, world: World) -> list[int]:
        """The receptacles at the agent's location (index order)."""
        return self.loc_recs.get(world.loc, [])


def _bits(indices: Any) -> int:
    return sum(1 << int(i) for i in indices)


@lru_cache(maxsize=1)
def _fits_table() -> dict[str, frozenset[str]]:
    """Receptacle class -> object classes it can contain (``canContain``)."""
    return {k: frozenset(v) for k, v in facts()["can_contain"].items()}


NOWHERE = -2  # ``where`` of an object in no receptacle and not held (``initial_obj_loc``: none)


@dataclass
class World:
    """The mutable state: cheap to copy (ints and one list)."""

    loc: int  # the agent's location (see the module docstring); -1 = the start location
    held: int  # object index in hand, -1 = none
    where: list[int]  # receptacle index of each object, -1 = held, -2 = nowhere
    opened: int = 0  # bitmask over receptacles
    hot: int = 0  # bitmasks over objects
    cool: int = 0
    clean: int = 0
    sliced: int = 0
    toggled: int = 0
    placed: int = 0  # objects put down since the start: objectAtLocation at their receptacle's
    init_gone: int = 0  # objects whose initial objectAtLocation fact a pickup removed
    on: int = 0  # PDDL isOn (ToggleObject flips it; no text or goal of alfworld's reads it)
    #: bit ``o * n_rec + r``: object o was taken out of receptacle r and not put back there.
    #: alfworld's engine keeps these "not_inreceptacle" facts (TextWorld adds a negated fact
    #: for every negative effect it applies), and ``look`` lists such objects "next to it".
    left: int = 0

    def copy(self) -> World:
        return World(self.loc, self.held, list(self.where), self.opened, self.hot, self.cool,
                     self.clean, self.sliced, self.toggled, self.placed, self.init_gone, self.on,
                     self.left)

    def as_tuple(self) -> tuple:
        return (self.loc, self.held, tuple(self.where), self.opened, self.hot, self.cool,
                self.clean, self.sliced, self.toggled, self.placed, self.init_gone, self.on,
                self.left)


def initial_world(game: Game) -> World:
    s = game.initial_state
    return World(loc=game.start_loc, held=-1, where=list(game.initial_where),
                 opened=game.initial_opened, hot=s["hot"], cool=s["cool"], clean=s["clean"],
                 sliced=s["sliced"], toggled=s["toggled"], on=s["on"])


def object_at(game: Game, world: World, o: int, loc: int) -> bool:
    """PDDL ``(objectAtLocation o loc)``."""
    if not world.init_gone >> o & 1 and game.initial_obj_loc[o] == loc:
        return True
    r = world.where[o]
    return bool(world.placed >> o & 1) and r >= 0 and game.rec_loc[r] == loc


def next_to(game: Game, world: World) -> list[int]:
    """The objects ``look`` lists "next to it": at the agent's location and taken out of a
    receptacle there before (one entry per such receptacle, as alfworld's engine lists them)."""
    here = game.here(world)
    return [o for o in range(game.n_obj) if object_at(game, world, o, world.loc)
            for r in here if world.left >> (o * game.n_rec + r) & 1]


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
    if verb == "goto":  # TextWorld grounds lStart and lEnd to different locations
        return game.rec_loc[action[1]] != world.loc
    if verb == "examine_r":
        return game.at(world, action[1])
    if verb == "examine_o":
        return visible(game, world, action[1])
    if verb in ("open", "close"):
        r = action[1]
        if not game.at(world, r) or not game.rec_openable[r]:
            return False
        return (world.opened >> r & 1) == (verb == "close")
    if verb == "take":
        o, r = action[1], action[2]
        return (world.held < 0 and world.where[o] == r and game.at(world, r)
                and is_open(game, world, r) and bool(game.pickupable >> o & 1))
    if verb == "move":
        o, r = action[1], action[2]
        return (world.held == o and game.at(world, r) and is_open(game, world, r)
                and bool(game.obj_fits[o] >> r & 1))
    if verb in ("heat", "cool", "clean"):
        o, r = action[1], action[2]
        need = {"heat": (game.heatable, MICROWAVE), "cool": (game.coolable, FRIDGE),
                "clean": (game.cleanable, SINK)}[verb]
        return (world.held == o and game.at(world, r) and bool(need[0] >> o & 1)
                and game.rec_types[r] == need[1])
    if verb == "slice":
        co, ko = action[1], action[2]
        return (bool(game.sliceable >> co & 1) and world.held == ko and bool(game.knife >> ko & 1)
                and object_at(game, world, co, world.loc))
    if verb == "use":
        o = action[1]
        return bool(game.toggleable >> o & 1) and world.where[o] >= 0 and game.at(world, world.where[o])
    return False


def apply(game: Game, world: World, action: Action) -> None:
    """The PDDL effect of an applicable ``action`` (mutates ``world``)."""
    verb = action[0]
    if verb == "goto":
        world.loc = game.rec_loc[action[1]]
    elif verb == "open":
        world.opened |= 1 << action[1]
    elif verb == "close":
        world.opened &= ~(1 << action[1])
    elif verb == "take":
        o = action[1]
        world.where[o] = -1
        world.held = o
        world.placed &= ~(1 << o)
        world.left |= 1 << (o * game.n_rec + action[2])
        if game.initial_obj_loc[o] == world.loc:
            world.init_gone |= 1 << o
    elif verb == "move":
        o = action[1]
        world.where[o] = action[2]
        world.held = -1
        world.placed |= 1 << o
        world.left &= ~(1 << (o * game.n_rec + action[2]))
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
        world.on ^= 1 << action[1]


def valid_actions(game: Game, world: World) -> list[Action]:
    """Every applicable grounded action (what TextWorld lists as admissible commands)."""
    out: list[Action] = [("look",), ("inventory",), ("help",)]
    out += [("goto", r) for r in range(game.n_rec) if game.rec_loc[r] != world.loc]
    held = world.held
    for here in game.here(world):
        out.append(("examine_r", here))
        if game.rec_openable[here]:
            out.append(("close", here) if world.opened >> here & 1 else ("open", here))
        rec_open = is_open(game, world, here)
        for o in range(game.n_obj):
            if world.where[o] != here:
                continue
            if rec_open and held < 0 and game.pickupable >> o & 1:
                out.append(("take", o, here))
            if game.toggleable >> o & 1:
                out.append(("use", o))
        if held >= 0:
            if rec_open and game.obj_fits[held] >> here & 1:
                out.append(("move", held, here))
            for verb in ("heat", "cool", "clean"):
                if applicable(game, world, (verb, held, here)):
                    out.append((verb, held, here))
    if held >= 0:
        if game.knife >> held & 1:
            out += [("slice", o, held) for o in range(game.n_obj)
                    if game.sliceable >> o & 1 and object_at(game, world, o, world.loc)]
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
            game.toggleable >> o & 1 and world.toggled >> o & 1 and world.where[o] >= 0
            and game.at(world, world.where[o])
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
    """The goal's PDDL formula when the task carries one (official games), else its template."""
    if game.goal_pddl is not None:
        from tasks.alfworld.goal_logic import goal_holds

        key = world.as_tuple()
        if game.won_cache is None or game.won_cache[0] != key:
            game.won_cache = (key, goal_holds(game, world))
        return game.won_cache[1]
    met, total = goal_conditions(game, world)
    return met == total


def progress(game: Game, world: World) -> float:
    """The fraction of the goal's conditions met (1 exactly when won)."""
    met, total = goal_conditions(game, world)
    if game.goal_pddl is None:
        return met / total
    return 1.0 if is_won(game, world) else min(met, total - 1) / total
