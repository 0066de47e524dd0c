"""``stepgym/TextWorld-v0``: TextWorld's generated text adventures (Côté et al., 2018) on the real engine.

Games come from TextWorld's own generator and Inform 7 compiler (``tw-make``'s challenges:
``cooking``, ``coin_collector``, ``treasure_hunter``; see :mod:`tasks.textworld`) and are
played by TextWorld's Z-machine backend (Jericho) with its state tracking. This class maps
TextWorld's API onto Gymnasium's:

* reward = the change of TextWorld's cumulative score; ``terminated`` = won or lost;
  ``truncated`` comes from the registered step limit (TimeLimit);
* observations are the game's text without the banner, prompt and status line
  (:func:`envs.textworld.text.clean_observation`);
* ``admissible_actions`` = TextWorld's admissible commands, ``expert_action`` = the first of
  its policy commands (the rest of a winning policy from the current state), ``progress`` =
  score / max score. A command is ``action_valid`` when it is admissible; commands that are not
  are still sent to the game (its reply is the feedback), except those
  :func:`~envs.textworld.text.prepare_command` refuses (several commands in one, non-ASCII,
  quit/restart/save/undo, TextWorld's ``tw-*`` commands);
* only the infos needed are requested from TextWorld (won, lost, score, plus admissible and
  policy commands unless ``admissible_actions=False`` / ``expert_actions=False``): each extra
  info costs throughput (benchmarks/results/textworld.md). Without admissible commands,
  ``action_valid`` falls back to spotting Inform's parser errors;
* forks: the world state is the list of commands sent since reset; restoring replays them on
  the same game (the engine is deterministic: the interpreter's random seed is fixed), so a
  state can be pickled and restored in a fresh process.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Any, ClassVar

from envs.core import TextEnv, Transition
from envs.textworld.text import clean_observation, prepare_command
from tasks.base import Task
from tasks.textworld.cache import ensure_game
from tasks.textworld.suite import DEFAULT_POOL_SIZE, TextWorldSuite

#: the interpreter's random seed (Jericho's default, -1, changes with the time of day)
INTERPRETER_SEED = 1
#: games kept loaded per env (each holds its own copy of the interpreter)
MAX_OPEN_GAMES = 8

#: Inform 7's parser errors: the command was not understood (used only when admissible
#: commands are not tracked, to set ``action_valid``)
PARSER_ERRORS: tuple[str, ...] = (
    "That's not a verb I recognise.",
    "I didn't understand that sentence.",
    "I didn't understand the way that finished.",
    "I only understood you as far as",
    "You can't see any such thing.",
    "You seem to have said too little!",
    "That noun did not make sense in this context.",
    "You can't use multiple objects with that verb.",
    "You can only do that to something animate.",
    "What do you want to",
    "Which do you mean",
    "You can't go that way.",
)


def _require_textworld() -> Any:
    try:
        import textworld
    except ModuleNotFoundError as exc:  # pragma: no cover - exercised only without the extra
        raise ModuleNotFoundError(
            "stepgym/TextWorld-v0 needs the textworld package: pip install 'stepgym[textworld]'"
        ) from exc
    return textworld


class TextWorldEnv(TextEnv):
    """TextWorld games of one challenge; difficulty settings are kwargs (see module docstring)."""

    prompt_format: ClassVar[str] = "react"
    action_help: ClassVar[str] = (
        "One short command per step, in the game's words: look, inventory, go north/south/"
        "east/west, examine X, take X, take X from Y, put X on Y, insert X into Y, drop X, "
        "open X, close X, unlock X with K, eat X; in cooking games also read the cookbook "
        "(examine cookbook), cook X with stove/oven/BBQ, slice/dice/chop X with knife, prepare "
        "meal, eat meal. Admissible commands are listed when available."
    )
    verify_step_limit: ClassVar[int] = 500

    def __init__(
        self,
        challenge: str = "cooking",
        recipe: int | None = None,
        take: int | None = None,
        go: int | None = None,
        open: bool | None = None,  # the cooking setting's name in tw-make
        cook: bool | None = None,
        cut: bool | None = None,
        level: int | None = None,
        pool_size: int = DEFAULT_POOL_SIZE,
        split: str = "train",
        admissible_actions: bool = True,
        expert_actions: bool = True,
        cache_dir: str | None = None,
        render_mode: str | None = None,
        max_action_length: int = 4096,
        verify_tasks: bool = True,
    ) -> None:
        _require_textworld()
        settings = {"recipe": recipe, "take": take, "go": go, "open": open, "cook": cook,
                    "cut": cut, "level": level}
        self.cache_root = Path(cache_dir) if cache_dir else None
        suite = TextWorldSuite(challenge, settings, pool_size=pool_size, root=self.cache_root)
        super().__init__(suite, split=split, render_mode=render_mode,
                         max_action_length=max_action_length, verify_tasks=verify_tasks)
        self.challenge = challenge
        self.track_admissible = bool(admissible_actions)
        self.track_expert = bool(expert_actions)
        self._games: OrderedDict[str, Any] = OrderedDict()  # game file -> textworld env
        self._tw: Any = None  # the textworld env of the current game
        self._live = False  # False after unpickling: the interpreter must be replayed
        self._history: list[str] = []  # commands sent to the game since reset
        self._score = 0
        self._max_score = 0
        self._admissible: list[str] | None = None
        self._policy: list[str] | None = None

    # ------------------------------------------------------------------ engine
    def _request_infos(self) -> Any:
        textworld = _require_textworld()
        return textworld.EnvInfos(won=True, lost=True, score=True,
                                  admissible_commands=self.track_admissible,
                                  policy_commands=self.track_expert)

    def _game_env(self, task: Task) -> Any:
        """The loaded textworld env of ``task``'s game (generated first if not cached)."""
        data = task.data
        path = str(ensure_game(data["challenge"], data["settings"], task.split, data["seed"],
                               self.cache_root))
        env = self._games.get(path)
        if env is None:
            textworld = _require_textworld()
            with warnings.catch_warnings():
                # Jericho does not know TextWorld's games; TextWorld reads score and end
                # states from the game's own output, so nothing it needs is disabled.
                warnings.filterwarnings("ignore", message=".*is not fully supported")
                env = textworld.start(path, request_infos=self._request_infos())
            env.seed(INTERPRETER_SEED)
            self._games[path] = env
            while len(self._games) > MAX_OPEN_GAMES:
                _, old = self._games.popitem(last=False)
                old.close()
        self._games.move_to_end(path)
        return env

    def _absorb(self, state: Any) -> None:
        """Keep what ``_info`` needs from a TextWorld game state (plain Python values)."""
        self._score = int(state.get("score") or 0)
        self._admissible = list(state["admissible_commands"]) if self.track_admissible else None
        self._policy = list(state.get("policy_commands") or []) if self.track_expert else None

    def _replay(self) -> Any:
        """Reset the current task's game and replay the command history; return the last state."""
        assert self._task is not None
        self._tw = self._game_env(self._task)
        state = self._tw.reset()
        for command in self._history:
            state, _, _ = self._tw.step(command)
        self._absorb(state)
        self._live = True
        return state

    # ------------------------------------------------------------------ hooks
    def _start(self, task: Task) -> str:
        self._history = []
        self._max_score = int(task.data["max_score"])
        state = self._replay()
        return clean_observation(state.feedback)

    def _transition(self, action: str) -> Transition:
        command, refusal = prepare_command(action)
        if command is None:
            return Transition(str(refusal), action_valid=False)
        if not self._live:
            self._replay()
        admissible_before = self._admissible
        state, _, _ = self._tw.step(command)
        self._history.append(command)
        previous = self._score
        self._absorb(state)
        observation = clean_observation(state.feedback) or "Nothing happens."
        if admissible_before is not None:  # commands are sent lower-cased ("BBQ" is "bbq")
            valid = command in {a.lower() for a in admissible_before}
        else:
            valid = not any(message in observation for message in PARSER_ERRORS)
        won, lost = bool(state["won"]), bool(state["lost"])
        return Transition(observation, reward=float(self._score - previous),
                          terminated=won or lost, won=won, action_valid=valid)

    def _info(self) -> dict[str, Any]:
        if self._max_score > 0:
            progress = min(1.0, max(0.0, self._score / self._max_score))
        else:
            progress = float(self._won)
        return {
            "admissible_actions": None if self._admissible is None else list(self._admissible),
            "progress": progress,
            "expert_action": self._policy[0] if self._policy else None,
        }

    def _get_world(self) -> tuple[str, ...]:
        return tuple(self._history)

    def _set_world(self, world: tuple[str, ...]) -> None:
        assert self._task is not None
        self._history = list(world)
        self._max_score = int(self._task.data["max_score"])
        self._replay()

    # ------------------------------------------------------------------ verification
    def _verification_action(self, task: Task, step: int) -> str | None:
        """:meth:`verify` plays the game's walkthrough (``task.expert``)."""
        walkthrough = task.expert or ()
        return walkthrough[step] if step < len(walkthrough) else None

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        for env in self._games.values():
            env.close()
        self._games.clear()
        self._tw = None
        self._live = False
        super().close()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_games"] = OrderedDict()  # interpreters are rebuilt (and replayed) on demand
        state["_tw"] = None
        state["_live"] = False
        return state
