"""Decide an official game's goal formula (``(:goal ...)`` of ``game.tw-pddl``) on our state.

The formula (read by pddl_reader.py) is checked against the PDDL facts the world stands for
(:class:`FactView`, built lazily per predicate). Conjunctions are solved by joining atoms
against the facts (the atom with fewest unbound variables first), so the existential goals of
alfworld's ``goal_library.py`` (``exists ?r ?o ...``, pick_two's three variables) cost a few
hundred lookups, not a walk over every binding. ``exists`` inside a conjunction gets fresh
variable names, as logic allows; ``not``/``or``/``imply``/``forall``/``=`` are evaluated once
their variables are bound (others are enumerated over their type's domain).

Names (lowered: PDDL is case-insensitive, and the loader lowers the formula): receptacles and
objects by their PDDL names (``mangle`` of the ids), locations ``loc<i>``, the agent
``agent1``, types ``<class>type``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tasks.alfworld.facts import mangle

if TYPE_CHECKING:
    from tasks.alfworld.world import Game, World

AGENT = "agent1"
_counter = itertools.count()


def loc_name(loc: int) -> str:
    return f"loc{loc}"


def _type(cls: str) -> str:
    return f"{cls}Type".lower()


class GameNames:
    """What the facts of every state of one game share: names, types, static facts (built once
    per game, kept on it)."""

    STATIC = ("receptacleatlocation", "openable", "receptacletype", "objecttype", "cancontain",
              "heatable", "coolable", "cleanable", "sliceable", "toggleable", "pickupable",
              "isreceptacleobject", "inreceptacleobject", "checked", "examined")

    def __init__(self, game: Game) -> None:
        self.rec_names = [mangle(i).lower() for i in game.rec_ids]
        self.obj_names = [mangle(i).lower() for i in game.obj_ids]
        self.locations = sorted({*game.rec_loc, game.start_loc,
                                 *(x for x in game.initial_obj_loc if x >= -1)})
        types = {n: "object" for n in self.obj_names} | {n: "receptacle" for n in self.rec_names}
        types[AGENT] = "agent"
        types |= {loc_name(loc): "location" for loc in self.locations}
        types |= {_type(t): "otype" for t in game.obj_types}
        types |= {_type(t): "rtype" for t in game.rec_types}
        self.types = types
        self.domains: dict[str, list[str]] = {}
        for name, t in types.items():
            self.domains.setdefault(t, []).append(name)
        self.static: dict[str, set[tuple[str, ...]]] = {}


class FactView:
    """The PDDL facts of ``world`` (predicate, lowered -> set of argument tuples)."""

    def __init__(self, game: Game, world: World) -> None:
        self.game, self.world = game, world
        if game.goal_names is None:
            game.goal_names = GameNames(game)
        names = self.names = game.goal_names
        self.rec_names, self.obj_names, self.types = names.rec_names, names.obj_names, names.types
        self._facts: dict[str, set[tuple[str, ...]]] = {}

    def locations(self) -> list[int]:
        return self.names.locations

    def domain(self, type_name: str) -> list[str]:
        return self.names.domains.get(type_name.lower(), [])

    def __call__(self, predicate: str) -> set[tuple[str, ...]]:
        if predicate in GameNames.STATIC:
            cache = self.names.static
            if predicate not in cache:
                cache[predicate] = self._build(predicate)
            return cache[predicate]
        if predicate not in self._facts:
            self._facts[predicate] = self._build(predicate)
        return self._facts[predicate]

    def _objs(self, mask: int) -> set[tuple[str, ...]]:
        return {(n,) for o, n in enumerate(self.obj_names) if mask >> o & 1}

    def _build(self, p: str) -> set[tuple[str, ...]]:
        from tasks.alfworld.world import is_open, object_at

        g, w, rn, on = self.game, self.world, self.rec_names, self.obj_names
        flags = {"ishot": w.hot, "iscool": w.cool, "isclean": w.clean, "issliced": w.sliced,
                 "istoggled": w.toggled, "ison": w.on, "heatable": g.heatable, "coolable": g.coolable,
                 "cleanable": g.cleanable, "sliceable": g.sliceable, "toggleable": g.toggleable,
                 "pickupable": g.pickupable, "isreceptacleobject": g.receptacle_object}
        if p in flags:
            return self._objs(flags[p])
        if p == "atlocation":
            return {(AGENT, loc_name(w.loc))}
        if p == "receptacleatlocation":
            return {(rn[r], loc_name(g.rec_loc[r])) for r in range(g.n_rec)}
        if p == "objectatlocation":
            return {(on[o], loc_name(loc)) for o in range(g.n_obj) for loc in self.locations()
                    if object_at(g, w, o, loc)}
        if p == "inreceptacle":
            return {(on[o], rn[r]) for o, r in enumerate(w.where) if r >= 0}
        if p == "inreceptacleobject":
            return {(on[i], on[o]) for o in range(g.n_obj) for i in g.inside[o]}
        if p == "holds":
            return {(AGENT, on[w.held])} if w.held >= 0 else set()
        if p == "holdsany":
            return {(AGENT,)} if w.held >= 0 else set()
        if p == "opened":
            return {(rn[r],) for r in range(g.n_rec) if w.opened >> r & 1}
        if p == "openable":
            return {(rn[r],) for r in range(g.n_rec) if g.rec_openable[r]}
        if p == "receptacletype":
            return {(rn[r], _type(t)) for r, t in enumerate(g.rec_types)}
        if p == "objecttype":
            return {(on[o], _type(t)) for o, t in enumerate(g.obj_types)}
        if p == "cancontain":
            return {(_type(g.rec_types[r]), _type(g.obj_types[o]))
                    for o in range(g.n_obj) for r in range(g.n_rec) if g.obj_fits[o] >> r & 1}
        if p == "checked" or p == "examined":
            return set()  # bookkeeping facts no goal of alfworld's reads
        if p == "isopen":  # not alfred.pddl's, but cheap to offer
            return {(rn[r],) for r in range(g.n_rec) if is_open(g, w, r)}
        raise ValueError(f"goal predicate {p!r} is not one this engine tracks")


def goal_holds(game: Game, world: World) -> bool:
    """Whether ``game.goal_pddl`` holds in ``world``."""
    return holds(game.goal_pddl, {}, FactView(game, world), {})


def holds(f: Any, env: dict[str, str], facts: FactView, types: dict[str, str]) -> bool:
    op = f[0]
    if op in ("and", "exists"):
        return next(solve([f], env, facts, types), None) is not None
    if op == "or":
        return any(holds(g, env, facts, types) for g in f[1:])
    if op == "not":
        return not holds(f[1], env, facts, types)
    if op == "imply":
        return not holds(f[1], env, facts, types) or holds(f[2], env, facts, types)
    if op == "forall":
        names = [v for v, _ in f[1]]
        domains = [facts.domain(t) for _, t in f[1]]
        inner = {**types, **dict((v, t) for v, t in f[1])}
        return all(holds(f[2], {**env, **dict(zip(names, combo))}, facts, inner)
                   for combo in itertools.product(*domains))
    args = [env.get(a, a) for a in f[1:]]
    if any(a.startswith("?") for a in args):
        raise ValueError(f"unbound variable in {f!r}")
    if op == "=":
        return args[0] == args[1]
    return tuple(args) in facts(op)


def free_vars(f: Any) -> set[str]:
    op = f[0]
    if op in ("and", "or", "not", "imply"):
        return set().union(*(free_vars(g) for g in f[1:]))
    if op in ("exists", "forall"):
        return free_vars(f[2]) - {v for v, _ in f[1]}
    return {a for a in f[1:] if a.startswith("?")}


def _rename(f: Any, mapping: dict[str, str]) -> Any:
    op = f[0]
    if op in ("and", "or", "not", "imply"):
        return [op, *(_rename(g, mapping) for g in f[1:])]
    if op in ("exists", "forall"):
        inner = {k: v for k, v in mapping.items() if k not in {v_ for v_, _ in f[1]}}
        return [op, f[1], _rename(f[2], inner)]
    return [op, *(mapping.get(a, a) for a in f[1:])]


def _flatten(goals: list[Any], types: dict[str, str]) -> tuple[list[Any], dict[str, str]]:
    """Expand ``and`` and inline ``exists`` with fresh variables."""
    out: list[Any] = []
    types = dict(types)
    stack = list(reversed(goals))
    while stack:
        g = stack.pop()
        if g[0] == "and":
            stack += reversed(g[1:])
        elif g[0] == "exists":
            k = next(_counter)
            mapping = {v: f"{v}#{k}" for v, _ in g[1]}
            types.update({mapping[v]: t.lower() for v, t in g[1]})
            stack.append(_rename(g[2], mapping))
        else:
            out.append(g)
    return out, types


def _is_atom(g: Any) -> bool:
    return g[0] not in ("and", "or", "not", "imply", "exists", "forall", "=")


def solve(goals: list[Any], env: dict[str, str], facts: FactView,
          types: dict[str, str]) -> Iterator[dict[str, str]]:
    """Every extension of ``env`` that satisfies all ``goals`` (a conjunction)."""
    goals, types = _flatten(goals, types)
    if not goals:
        yield env
        return
    best, best_unbound = 0, None
    for i, g in enumerate(goals):
        unbound = [v for v in free_vars(g) if v not in env]
        if not unbound:
            best, best_unbound = i, []
            break
        if _is_atom(g) and (best_unbound is None or len(unbound) < len(best_unbound)
                            or not _is_atom(goals[best])):
            best, best_unbound = i, unbound
    g, rest = goals[best], goals[:best] + goals[best + 1:]
    if best_unbound == []:
        if holds(g, env, facts, types):
            yield from solve(rest, env, facts, types)
        return
    if _is_atom(g):
        for fact in facts(g[0]):
            new = _unify(g[1:], fact, env, facts, types)
            if new is not None:
                yield from solve(rest, new, facts, types)
        return
    var = sorted(v for v in free_vars(g) if v not in env)[0]  # no atom binds it: enumerate
    for value in facts.domain(types.get(var, "object")):
        yield from solve(goals, {**env, var: value}, facts, types)


def _unify(args: list[str], fact: tuple[str, ...], env: dict[str, str], facts: FactView,
           types: dict[str, str]) -> dict[str, str] | None:
    if len(args) != len(fact):
        return None
    new = dict(env)
    for a, value in zip(args, fact):
        if a.startswith("?"):
            bound = new.get(a)
            if bound is None:
                if a in types and facts.types.get(value) != types[a]:
                    return None
                new[a] = value
            elif bound != value:
                return None
        elif a != value:
            return None
    return new
