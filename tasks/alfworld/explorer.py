"""An imitable demonstrator: the expert's plan restricted to what the agent could know.

The oracle (tasks/alfworld/expert.py) reads the hidden state, so its first ``go to`` heads
straight for the receptacle that hides the object. A policy that sees only the text cannot copy
that, and behaviour cloning on such demos learns noise. The explorer acts like the oracle only
on knowable facts and otherwise searches in an order the prompt shows:

* Knowable: the goal (object class, receptacle class, appliance class), every receptacle's name
  (the ``go to`` entries of the admissible list), and the objects listed in an observation so far
  this episode (``ExplorerMemory.seen``). Only the agent moves objects, so where a seen object is
  now is known too; the plan may read ``world.where`` of seen objects only.
* Once the object the current phase needs has been seen (the goal object; the lamp for
  look_at_obj_in_light; the second object for pick_two), it follows the oracle's steps: go to it,
  open its receptacle if closed, take it, go to the appliance, heat/cool/clean, go to the target,
  open it if closed, put it. Among several instances it prefers an open one, then the first in
  admissible-list order (sorted names), which the prompt shows, rather than the oracle's index
  order, which only the intro shows.
* Until then it searches: at a closed openable receptacle it opens it; otherwise it goes to the
  receptacle after the current one in sorted ``go to`` order, cyclically (the first one at the
  start). That rule depends on the current observation and the admissible list only, so a small
  model can learn it (the Markov property BC needs).
* ``random_search=True`` (env ``expert="explorer_random"``) searches by going to a uniformly
  random receptacle other than the current and the previous one (both in the prompt's window),
  seeded by the episode's seed and the step count. Its choice depends only on the window, so
  behaviour cloning learns a distribution over ``go to`` moves rather than a successor rule that
  a tiny model fails to pick up (see README: the sorted-order model loops on ``go to`` the
  receptacle it stands at), and it leaves RL something to learn: where objects tend to be.
* ``skip_unfit=True`` (env ``expert="explorer_fit"``) also skips receptacles that cannot hold the
  sought object class (the domain's ``canContain``, e.g. no apple in a toaster): still knowable
  (it depends on the goal text and the names only), with shorter searches; the model must learn
  which receptacle classes hold which objects. Measured on eval_seen: see the tests' module.

* Receptacles sharing a location (level 5, official games): arriving shows only the receptacle
  gone to, so at such a location the explorer opens the closed ones and examines the others it
  has not been shown, before going on; the search continues from the receptacle it went to.
  Elsewhere the behaviour is as above, step for step.

Every returned action is applicable (``world.applicable``), and the search reaches every
receptacle within ``3 * n_rec`` steps, so the explorer finishes any task whose object exists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tasks.alfworld.world import FRIDGE, MICROWAVE, SINK, Action, Game, World, is_open, is_won

_APPLIANCE = {"hot": (MICROWAVE, "heat"), "cool": (FRIDGE, "cool"), "clean": (SINK, "clean")}


@dataclass(frozen=True)
class ExplorerMemory:
    """What the agent has learnt this episode: a bitmask over objects listed in an observation,
    plus what the random search needs (``seed``, steps observed, the previous location).

    Frozen (updates return a new one) so env forks can share it without copying.
    """

    seen: int = 0
    seed: int = 0
    moves: int = 0
    previous: int = -1  # the location before the current one (-1: none yet)
    here: int = -1
    shown: int = 0  # receptacles whose contents a text listed (matters where locations are shared)
    facing: int = -1  # the receptacle last gone to (-1: none yet)

    def observe(self, game: Game, world: World, action: Action | None = None) -> ExplorerMemory:
        """Add what the state after a transition (by ``action``, when known) shows.

        Standing at an open receptacle means its contents were listed (on arrival, or when it was
        opened) and only the agent has changed them since; the held object is known too. Where
        receptacles share the location, only the one the action named (go to / open / examine)
        was listed.
        """
        seen, shown, facing = self.seen, self.shown, self.facing
        here = world.loc
        recs = game.here(world)
        if action is not None and action[0] == "goto":
            facing = action[1]
        elif here != self.here:  # moved by a command we were not told of
            facing = recs[0] if recs else -1
        if len(recs) > 1:
            named = action[1] if action is not None and action[0] in ("goto", "open", "examine_r") \
                else -1
            recs = [named] if named in recs else []
        for rec in recs:
            if is_open(game, world, rec):
                shown |= 1 << rec
                for o, r in enumerate(world.where):
                    if r == rec:
                        seen |= 1 << o
        if world.held >= 0:
            seen |= 1 << world.held
        previous = self.previous if here == self.here else self.here
        return ExplorerMemory(seen, self.seed, self.moves + 1, previous, here, shown, facing)


def _rank(game: Game) -> list[int]:
    """Position of each receptacle in the sorted ``go to`` list (what the prompt shows)."""
    order = sorted(range(game.n_rec), key=lambda r: game.rec_names[r])
    rank = [0] * game.n_rec
    for i, r in enumerate(order):
        rank[r] = i
    return rank


class _Planner:
    """One decision: the oracle's phases over seen objects, else the search rule."""

    def __init__(self, game: Game, world: World, memory: ExplorerMemory, skip_unfit: bool,
                 random_search: bool = False) -> None:
        self.game, self.world, self.seen = game, world, memory.seen
        self.memory = memory
        self.skip_unfit = skip_unfit
        self.random_search = random_search
        self.rank = _rank(game)

    def known(self, o: int) -> bool:
        return bool(self.seen >> o & 1) and self.world.where[o] >= 0

    def search(self, sought: str) -> Action | None:
        """Open the closed receptacle here, else go to the next one in sorted order (cyclic)."""
        game, world = self.game, self.world
        here = world.loc
        recs = game.here(world)
        for rec in recs:
            if not is_open(game, world, rec):
                return ("open", rec)
        if len(recs) > 1:  # a shared location: look into the ones not listed yet
            for rec in sorted(recs, key=lambda r: self.rank[r]):
                if not self.memory.shown >> rec & 1:
                    return ("examine_r", rec)
        fits = -1  # every receptacle
        if self.skip_unfit:
            fits = 0
            for o, t in enumerate(game.obj_types):
                if t == sought:
                    fits |= game.obj_fits[o]
            fits = fits or -1
        if self.random_search:
            avoid = {here, self.memory.previous}
            options = [r for r in range(game.n_rec) if game.rec_loc[r] not in avoid and fits >> r & 1]
            options = options or [r for r in range(game.n_rec)
                                  if game.rec_loc[r] != here and fits >> r & 1]
            if not options:
                return None
            rng = np.random.default_rng((self.memory.seed, self.memory.moves))
            return ("goto", options[int(rng.integers(len(options)))])
        order = sorted(range(game.n_rec), key=lambda r: self.rank[r])
        facing = self.memory.facing if self.memory.facing in recs else (recs[0] if recs else -1)
        start = -1 if facing < 0 else self.rank[facing]
        for k in range(1, game.n_rec + 1):
            r = order[(start + k) % game.n_rec]
            if game.rec_loc[r] != here and fits >> r & 1:
                return ("goto", r)
        return None

    def reach(self, r: int) -> Action | None:
        """Step towards standing at an open ``r``; None once there."""
        if not self.game.at(self.world, r):
            return ("goto", r)
        if not is_open(self.game, self.world, r):
            return ("open", r)
        return None

    def deliver(self, r: int) -> Action:
        return self.reach(r) or ("move", self.world.held, r)

    def prefer(self, recs: list[int]) -> list[int]:
        """Open ones first, then admissible-list order."""
        return sorted(recs, key=lambda r: (not is_open(self.game, self.world, r), self.rank[r]))

    def put_down(self) -> Action:
        """Free the hands (only after an outside agent took a wrong object)."""
        game, world = self.game, self.world
        o = world.held
        here = [r for r in game.here(world) if game.obj_fits[o] >> r & 1]
        if here:
            return self.deliver(self.prefer(here)[0])
        fits = [r for r in range(game.n_rec) if game.obj_fits[o] >> r & 1]
        return self.deliver(self.prefer(fits)[0])

    def acquire(self, exclude_rec: int = -1) -> Action | None:
        """Step towards holding a seen object of the goal class (not one in ``exclude_rec``)."""
        game, world = self.game, self.world
        g = game.goal
        if world.held >= 0:
            return self.put_down()
        flag = {"hot": world.hot, "cool": world.cool, "clean": world.clean}.get(g.modifier, 0)
        cands = [o for o, t in enumerate(game.obj_types)
                 if t == g.obj and self.known(o) and world.where[o] != exclude_rec
                 and game.pickupable >> o & 1]
        if not cands:
            return self.search(g.obj)
        o = min(cands, key=lambda o: (not flag >> o & 1, not game.at(world, world.where[o]),
                                      not is_open(game, world, world.where[o]),
                                      self.rank[world.where[o]], o))
        r = world.where[o]
        return self.reach(r) or ("take", o, r)

    def goal_receptacles(self) -> list[int]:
        return self.prefer([r for r, t in enumerate(self.game.rec_types) if t == self.game.goal.recep])

    def plan(self) -> Action | None:
        game, world = self.game, self.world
        if is_won(game, world):
            return None
        g = game.goal
        held_is_target = world.held >= 0 and game.obj_types[world.held] == g.obj
        if g.task_type == "look_at_obj_in_light":
            if not held_is_target:
                return self.acquire()
            lamps = [o for o in range(game.n_obj) if game.toggleable >> o & 1 and self.known(o)]
            if not lamps:
                return self.search(g.toggle)
            lamp = min(lamps, key=lambda o: (not game.at(world, world.where[o]),
                                             self.rank[world.where[o]], o))
            if not game.at(world, world.where[lamp]):
                return ("goto", world.where[lamp])
            return ("use", lamp)
        if g.task_type == "pick_two_obj_and_place":
            recs = self.goal_receptacles()
            if not recs:
                return None
            counts = {r: sum(1 for o, t in enumerate(game.obj_types)
                             if t == g.obj and self.known(o) and world.where[o] == r) for r in recs}
            target = max(recs, key=lambda r: counts[r])  # first of equals: open, then list order
            if held_is_target:
                return self.deliver(target)
            return self.acquire(exclude_rec=target)
        # place tasks: simple, clean, heat, cool
        if held_is_target:
            flag = {"hot": world.hot, "cool": world.cool, "clean": world.clean}.get(g.modifier)
            if flag is not None and not flag >> world.held & 1:
                kind, verb = _APPLIANCE[g.modifier]
                apps = sorted((r for r, t in enumerate(game.rec_types) if t == kind),
                              key=lambda r: self.rank[r])
                if not apps:
                    return None
                here = [r for r in apps if game.at(world, r)]
                if not here:
                    return ("goto", apps[0])
                return (verb, world.held, here[0])
            recs = self.goal_receptacles()
            return self.deliver(recs[0]) if recs else None
        return self.acquire()


def explorer_action(game: Game, world: World, memory: ExplorerMemory,
                    skip_unfit: bool = False, random_search: bool = False) -> Action | None:
    """The explorer's next action, or None when the goal holds (or no plan exists).

    ``memory`` must already include the current state (``memory.observe(game, world)``);
    ``skip_unfit``: search only receptacles that can hold the sought object class;
    ``random_search``: search by random ``go to`` moves (seeded by ``memory``).
    """
    return _Planner(game, world, memory, skip_unfit, random_search).plan()


class ExplorerPolicy:
    """The explorer with its per-episode memory, for driving a game outside the env.

    Call :meth:`reset` at the start of an episode and :meth:`act` on every state (it observes
    the state first, so the memory follows whatever actions were actually taken).
    """

    def __init__(self, skip_unfit: bool = False, random_search: bool = False) -> None:
        self.skip_unfit = skip_unfit
        self.random_search = random_search
        self.memory = ExplorerMemory()
        self._last: Action | None = None

    def reset(self, seed: int = 0) -> None:
        """``seed``: the random search's (unused otherwise)."""
        self.memory = ExplorerMemory(seed=seed)
        self._last = None

    def act(self, game: Game, world: World) -> str | None:
        """The next command (as listed in ``admissible_actions``), or None when done."""
        # Imported here: envs.alfworld imports this module, so a top-level import would cycle.
        from envs.alfworld.text import command

        self.memory = self.memory.observe(game, world, self._last)
        action = explorer_action(game, world, self.memory, self.skip_unfit, self.random_search)
        self._last = action  # assumed played (it is, by this class's callers)
        return None if action is None else command(game, action)
