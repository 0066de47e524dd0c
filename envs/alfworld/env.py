"""``stepgym/ALFWorld-v0``: ALFWorld's household tasks on a pure-Python engine of its PDDL domain.

The same game as ALFWorld's TextWorld engine (alfworld 0.4.2: ``alfred.pddl`` + ``alfred.twl2``),
without its planner, TextWorld or data download. Reward 1 only when the goal holds (the
benchmark's), the registered step limit is 50, ``info["admissible_actions"]`` lists every
applicable command (sorted, like TextWorld), ``progress`` is the fraction of the goal's
conditions met and ``expert_action`` comes from a full-knowledge planner
(tasks/alfworld/expert.py), or with ``expert="explorer"`` / ``"explorer_fit"`` from a
demonstrator that uses only what the agent has seen (tasks/alfworld/explorer.py: imitable, for
behaviour cloning). ``level`` (1-5, kwarg or reset option) picks a difficulty level, from one
pick-and-place task type in a three-receptacle room up to the benchmark (5, the default); see
tasks/alfworld/levels.py and docs/alfworld.md.

``games=PATH_OR_GLOB`` (or ``"official"``: ``$ALFWORLD_DATA``) plays ALFWorld's own game files
instead of generated tasks (tasks/alfworld/games.py), and ``reset(options={"game_file": PATH})``
plays one file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from envs.alfworld import text
from envs.alfworld.commands import parse
from envs.core import TextEnv, Transition
from tasks.alfworld.expert import expert_action
from tasks.alfworld.explorer import ExplorerMemory, explorer_action
from tasks.alfworld.games import GameFilesSuite, load_task
from tasks.alfworld.levels import BENCHMARK_LEVEL
from tasks.alfworld.suite import ALFWorldSuite
from tasks.alfworld.world import (
    Game,
    World,
    applicable,
    apply,
    initial_world,
    is_won,
    progress,
    valid_actions,
)
from tasks.base import Task, check_level

EXPERTS = ("oracle", "explorer", "explorer_fit", "explorer_random")  # who fills info["expert_action"]


class ALFWorldEnv(TextEnv):
    """ALFWorld text household env. ``split``: "train", "eval_seen" or "eval_unseen"."""

    prompt_format: ClassVar[str] = "react"
    action_help: ClassVar[str] = (
        "Commands: go to X, open X, close X, take O from R, move O to R (or put O in/on R), "
        "heat O with R, cool O with R, clean O with R, slice O with K, use L, examine X, "
        "inventory, look, help. Names are numbered instances, e.g. 'cabinet 3'."
    )
    verify_step_limit: ClassVar[int] = 50  # the benchmark's episode limit: the expert must fit it

    def __init__(self, split: str = "train", render_mode: str | None = None, verify_tasks: bool = True,
                 task_types: Sequence[str] | None = None, expert: str = "oracle",
                 level: int = BENCHMARK_LEVEL, max_action_length: int = 4096,
                 games: str | None = None) -> None:
        """``task_types``: serve only these of the six types (default all), e.g.
        ``("pick_two_obj_and_place",)``; task ids stay those of the full split.
        ``expert``: who fills ``info["expert_action"]``: "oracle" (reads the hidden state, shortest
        plans) or "explorer" (searches until it has seen the object: demos a text-only policy can
        imitate) or "explorer_fit" (the same, searching only receptacles that can hold the object)
        or "explorer_random" (the same, searching by random ``go to`` moves seeded per episode).
        Tasks are verified with the oracle either way.
        ``level``: difficulty, 1 (trivial) .. 5 (the benchmark, default); ``reset(options=
        {"level": n})`` plays one episode at another level. Bad levels raise ValueError.
        ``games``: play these ALFWorld game files (a file, folder or glob; ``"official"`` for
        ``$ALFWORLD_DATA``'s split folders) as the split, as they are (not verified, no levels).
        No files there raises :class:`~tasks.alfworld.games.GameDataMissing` saying how to get
        them."""
        if expert not in EXPERTS:
            raise ValueError(f"expert must be one of {EXPERTS}, got {expert!r}")
        suite: ALFWorldSuite | GameFilesSuite
        if games is not None:
            if level != BENCHMARK_LEVEL:
                raise ValueError("levels shape generated games; games= plays files as they are")
            suite = GameFilesSuite(games, [split], task_types)
            verify_tasks = False  # a file is what it is: regenerating cannot change it
        else:
            suite = ALFWorldSuite(task_types, level=level)
        super().__init__(suite, split=split, render_mode=render_mode, verify_tasks=verify_tasks,
                         max_action_length=max_action_length)
        self.level = suite.level if isinstance(suite, ALFWorldSuite) else BENCHMARK_LEVEL
        self.expert = expert
        self._games: dict[str, Game] = {}
        self.game: Game | None = None
        self.world: World | None = None
        self.memory = ExplorerMemory()  # the explorer's knowledge; tracked only in explorer mode
        self._verifying = False

    def _game_for(self, task: Task) -> Game:
        game = self._games.get(task.task_id)
        if game is None:
            if len(self._games) > 1024:
                self._games.clear()
            game = self._games[task.task_id] = Game(task.data)
        return game

    def _select_task(self, seed: int | None, options: dict[str, Any]) -> Task:
        """A ``level`` option also picks the seed's index by the types that level serves;
        ``game_file`` plays that ALFWorld game file."""
        if "game_file" in options:
            extra = set(options) - {"game_file", "split"}
            if extra:
                raise ValueError(f"reset option game_file does not combine with {sorted(extra)}")
            return load_task(options["game_file"], split=options.get("split", self.split))
        if "level" in options:
            level = check_level(options["level"], self.suite.levels)
            if "task_id" not in options and "task_index" not in options:
                assert isinstance(self.suite, ALFWorldSuite)
                if seed is None:
                    seed = int(self.np_random.integers(0, 2**31 - 1))
                split = options.get("split", self.split)
                options = {**options, "task_index": self.suite.index_for_seed(split, seed, level)}
        return super()._select_task(seed, options)

    # ------------------------------------------------------------------ hooks
    def _start(self, task: Task) -> str:
        self.game = self._game_for(task)
        self.world = initial_world(self.game)
        # The random search's seed comes from the env's generator, so reset(seed=...) fixes it
        # (drawn only in that mode, and not while verifying: the other modes keep their task
        # draws, and a task's first episode draws the same seed as later ones).
        draw = self.expert == "explorer_random" and not self._verifying
        seed = int(self.np_random.integers(2**31)) if draw else 0
        self.memory = ExplorerMemory(seed=seed)
        return text.intro(self.game, self.world, task.data["goal_text"])

    def _transition(self, action: str) -> Transition:
        game, world = self.game, self.world
        assert game is not None and world is not None
        parsed = parse(game, action)
        if parsed is None or not applicable(game, world, parsed):
            return Transition(text.NOTHING_HAPPENS, action_valid=False,
                              extra_info={"effective": False})
        before = world.as_tuple()
        apply(game, world, parsed)
        if self.expert != "oracle":
            self.memory = self.memory.observe(game, world, parsed)
        won = is_won(game, world)
        # effective: the world changed (look, inventory, examine and help are valid but
        # change nothing); SPA's grounding signal g_t reads it
        return Transition(text.feedback(game, world, parsed), reward=1.0 if won else 0.0,
                          terminated=won, won=won,
                          extra_info={"effective": world.as_tuple() != before})

    def _info(self) -> dict[str, Any]:
        game, world = self.game, self.world
        assert game is not None and world is not None
        if self.expert != "oracle" and not self._verifying:
            expert = explorer_action(game, world, self.memory, skip_unfit=self.expert == "explorer_fit",
                                     random_search=self.expert == "explorer_random")
        else:
            expert = expert_action(game, world)
        return {
            "admissible_actions": sorted(text.command(game, a) for a in valid_actions(game, world)),
            "progress": progress(game, world),
            "expert_action": None if expert is None else text.command(game, expert),
        }

    def _get_world(self) -> World | tuple[World, ExplorerMemory]:
        """The world; in explorer mode with the explorer's memory, so forks replay its advice."""
        assert self.world is not None
        if self.expert != "oracle":
            return self.world.copy(), self.memory
        return self.world.copy()

    def _set_world(self, world: World | tuple[World, ExplorerMemory]) -> None:
        assert self._task is not None
        self.game = self._game_for(self._task)
        if isinstance(world, tuple):
            world, self.memory = world
        else:
            self.memory = ExplorerMemory()
        self.world = world.copy()

    def verify(self, task: Task) -> bool:
        """Verify with the oracle whatever ``expert`` is: the task must be solvable in the limit."""
        self._verifying = True
        try:
            return super().verify(task)
        finally:
            self._verifying = False

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_games"] = {}  # rebuilt on demand: keeps pickles small
        return state
