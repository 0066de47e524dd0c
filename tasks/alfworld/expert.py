"""The expert: a planner with full knowledge of the state that returns the next action.

Unlike ALFWorld's handcoded expert (agents/expert/handcoded_expert_tw.py), which explores and
fails some pick_two games, this one reads the state, so it solves every task from any reachable
state: PDDL actions here are reversible (open/close, take/move) or monotone (heat/cool/clean
re-applicable, toggling sets ``isToggled`` for good), so no state is a dead end. Each call is a
few linear scans; suites still verify every task by playing it (``TextEnv.verify``).
"""

from __future__ import annotations

from tasks.alfworld.world import FRIDGE, MICROWAVE, SINK, Action, Game, World, is_open, is_won

_APPLIANCE = {"hot": (MICROWAVE, "heat"), "cool": (FRIDGE, "cool"), "clean": (SINK, "clean")}


def _flag(world: World, modifier: str) -> int:
    return {"hot": world.hot, "cool": world.cool, "clean": world.clean}[modifier]


def _reach(game: Game, world: World, r: int) -> Action | None:
    """Step towards standing at an open ``r``; None once there."""
    if not game.at(world, r):
        return ("goto", r)
    if not is_open(game, world, r):
        return ("open", r)
    return None


def _deliver(game: Game, world: World, r: int) -> Action:
    return _reach(game, world, r) or ("move", world.held, r)


def _put_down(game: Game, world: World) -> Action:
    """Free the hands: drop the held object in a receptacle that may hold it."""
    o = world.held
    here = [r for r in game.here(world) if game.obj_fits[o] >> r & 1]
    if here:
        return _deliver(game, world, min(here, key=lambda r: (not is_open(game, world, r), r)))
    fits = [r for r in range(game.n_rec) if game.obj_fits[o] >> r & 1]
    fits.sort(key=lambda r: (not is_open(game, world, r), r))
    return _deliver(game, world, fits[0])


def _acquire(game: Game, world: World, exclude_rec: int = -1) -> Action | None:
    """Step towards holding an object of the goal class (not one already in ``exclude_rec``)."""
    g = game.goal
    if world.held >= 0:
        return _put_down(game, world)
    flag = _flag(world, g.modifier) if g.modifier else 0
    cands = [o for o, t in enumerate(game.obj_types)
             if t == g.obj and world.where[o] >= 0 and world.where[o] != exclude_rec
             and game.pickupable >> o & 1]
    if not cands:
        return None
    cands.sort(key=lambda o: (not flag >> o & 1, not game.at(world, world.where[o]),
                              not is_open(game, world, world.where[o]), o))
    o = cands[0]
    r = world.where[o]
    return _reach(game, world, r) or ("take", o, r)


def _goal_receptacles(game: Game, world: World) -> list[int]:
    recs = [r for r, t in enumerate(game.rec_types) if t == game.goal.recep]
    recs.sort(key=lambda r: (not is_open(game, world, r), r))
    return recs


def expert_action(game: Game, world: World) -> Action | None:
    """The next action towards the goal, or None when the goal holds (or cannot be reached)."""
    if is_won(game, world):
        return None
    g = game.goal
    held_is_target = world.held >= 0 and game.obj_types[world.held] == g.obj
    if g.task_type == "look_at_obj_in_light":
        if not held_is_target:
            return _acquire(game, world)
        lamps = [o for o in range(game.n_obj) if game.toggleable >> o & 1 and world.where[o] >= 0]
        if not lamps:
            return None
        lamps.sort(key=lambda o: (not game.at(world, world.where[o]), o))
        lamp = lamps[0]
        if not game.at(world, world.where[lamp]):
            return ("goto", world.where[lamp])
        return ("use", lamp)
    if g.task_type == "pick_two_obj_and_place":
        recs = _goal_receptacles(game, world)
        if not recs:
            return None
        counts = {r: sum(1 for o, t in enumerate(game.obj_types) if t == g.obj and world.where[o] == r)
                  for r in recs}
        target = max(recs, key=lambda r: counts[r])  # max keeps the first of equals: stable choice
        if held_is_target:
            return _deliver(game, world, target)
        return _acquire(game, world, exclude_rec=target)
    # place tasks: simple, clean, heat, cool
    if held_is_target:
        if g.modifier and not _flag(world, g.modifier) >> world.held & 1:
            kind, verb = _APPLIANCE[g.modifier]
            apps = [r for r, t in enumerate(game.rec_types) if t == kind]
            if not apps:
                return None
            here = [r for r in apps if game.at(world, r)]
            if not here:
                return ("goto", apps[0])
            return (verb, world.held, here[0])
        recs = _goal_receptacles(game, world)
        return _deliver(game, world, recs[0]) if recs else None
    return _acquire(game, world)
