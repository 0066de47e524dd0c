"""The text-environment base class every stepgym env derives from.

A :class:`TextEnv` is a ``gymnasium.Env[str, str]``. Subclasses supply the dynamics
through five small hooks (``_start``, ``_transition``, ``_info``, ``_get_world``,
``_set_world``); this class owns what every env must get right the same way:

* task selection: ``reset(seed=s)`` picks the task deterministically from the suite;
  ``options`` may name a ``task_id``, a ``split``, a ``task_index`` or a generation knob
  of the suite (e.g. ``{"horizon": 3}``). Unknown options are a programming error.
* bad input never raises: an over-long action, or whatever the subclass rejects, yields
  a feedback observation with ``action_valid=False`` and the episode goes on.
* the standard ``info`` keys (:class:`StepInfo`) on every reset and step.
* forks: ``get_state()`` / ``set_state()`` copy a small state object; use
  :func:`save_state` / :func:`restore_state` on a wrapped env so ``TimeLimit``'s step
  counter travels too.
* every served task is verified solvable by the env's own expert first.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypedDict

import gymnasium as gym
from gymnasium.error import ResetNeeded
from gymnasium.wrappers import TimeLimit

from envs.spaces import FreeText
from tasks.base import Task, TaskSuite


class StepInfo(TypedDict, total=False):
    """Standard ``info`` keys. Envs add keys only where none of these fits."""

    task_id: str  # id of the task being played (``suite:split:index[:opts]``)
    task_type: str  # task family inside the suite (e.g. ALFWorld's six types)
    goal: str  # the task's goal text
    won: bool  # the goal is achieved (terminal success)
    action_valid: bool  # the last action was parsed and executable
    admissible_actions: list[str] | None  # valid actions now, where the env can list them
    progress: float  # env-native progress in [0, 1]
    expert_action: str | None  # the oracle's next action, where cheap (None when done)
    effective: bool  # the last action changed the world (where the env can tell; SPA's g_t)
    tool_calls: int  # tool calls made so far (tool envs)
    step: int  # env steps taken in this episode


REQUIRED_INFO_KEYS: tuple[str, ...] = (
    "task_id",
    "won",
    "action_valid",
    "admissible_actions",
    "progress",
    "expert_action",
    "step",
)


@dataclass
class Transition:
    """What a subclass's ``_transition`` returns for one action."""

    observation: str
    reward: float = 0.0
    terminated: bool = False
    won: bool = False
    action_valid: bool = True
    extra_info: dict[str, Any] = field(default_factory=dict)


@dataclass
class EnvState:
    """A fork point: everything needed to continue an episode exactly."""

    task: Task
    world: Any
    steps: int
    done: bool
    won: bool
    last_observation: str
    last_info: dict[str, Any]
    time_limit_elapsed: int | None = None  # filled by save_state() for TimeLimit-wrapped envs


EPISODE_OVER_MESSAGE = "The episode is over. Call reset() to start a new one."


class TextEnv(gym.Env[str, str], ABC):
    """Base class of stepgym's text environments (see module docstring)."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "human"], "render_fps": 4}
    #: name of the prompt format in ``agents.formats`` that suits this env
    prompt_format: ClassVar[str] = "plain"
    #: one paragraph telling a human or a model how to write actions
    action_help: ClassVar[str] = ""
    #: max steps the expert may take when a task is verified
    verify_step_limit: ClassVar[int] = 500

    def __init__(
        self,
        suite: TaskSuite,
        split: str = "train",
        render_mode: str | None = None,
        max_action_length: int = 4096,
        max_observation_length: int = 1 << 20,
        verify_tasks: bool = True,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        suite.split_size(split)  # raises a clear KeyError for an unknown split
        self.suite = suite
        self.split = split
        self.render_mode = render_mode
        self.verify_tasks = verify_tasks
        self.max_action_length = max_action_length
        self.action_space = FreeText(max_action_length)
        self.observation_space = FreeText(max_observation_length)
        self._task: Task | None = None
        self._steps = 0
        self._done = False
        self._won = False
        self._last_obs = ""
        self._last_info: dict[str, Any] = {}

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _start(self, task: Task) -> str:
        """Build the world for ``task``; return the initial observation text."""

    @abstractmethod
    def _transition(self, action: str) -> Transition:
        """Apply one action (any string at most ``max_action_length`` long). Never raise
        on bad input: return ``Transition(feedback, action_valid=False)`` instead."""

    @abstractmethod
    def _info(self) -> dict[str, Any]:
        """State-dependent info: at least ``admissible_actions``, ``progress`` and
        ``expert_action`` for the current state."""

    @abstractmethod
    def _get_world(self) -> Any:
        """An independent copy of the mutable world state (small; no deep copy of text)."""

    @abstractmethod
    def _set_world(self, world: Any) -> None:
        """Install a copy of ``world`` (as returned by ``_get_world``)."""

    # ------------------------------------------------------------------ verification
    def verify(self, task: Task) -> bool:
        """Play the expert on ``task`` in this env; True if it wins. Leaves no trace."""
        saved = self.get_state() if self._task is not None else None
        try:
            self._task = task
            self._start(task)
            for step in range(self.verify_step_limit):
                expert = self._verification_action(task, step)
                if expert is None:
                    return False
                result = self._transition(expert)
                if result.terminated:
                    return result.won
            return False
        finally:
            if saved is not None:
                self.set_state(saved)
            else:
                self._task = None

    def _verification_action(self, task: Task, step: int) -> str | None:
        """The action :meth:`verify` plays at ``step`` (None: give up). Default: the expert's
        action for the current state; envs with a recorded solution override this."""
        return self._info().get("expert_action")

    # ------------------------------------------------------------------ gymnasium API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        """Start an episode on the task chosen by ``seed`` and ``options``.

        Options: ``split`` (default: the env's split), ``task_id`` (play exactly that
        task), ``task_index`` (index into the split), and the suite's generation knobs.
        """
        super().reset(seed=seed)
        task = self._select_task(seed, dict(options or {}))
        self._task = task
        self._steps = 0
        self._done = False
        self._won = False
        observation = self._start(task)
        info = self._build_info(action_valid=True, extra={})
        self._last_obs, self._last_info = observation, info
        if self.render_mode == "human":
            self.render()
        return observation, dict(info)

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        """Apply one text action.

        Returns ``(observation, reward, terminated, truncated, info)``: ``terminated`` is
        True when the task is won or irrecoverably lost; ``truncated`` is set by the
        ``TimeLimit`` wrapper from the registered ``max_episode_steps``. An invalid
        action returns feedback text and ``info["action_valid"] == False``.
        """
        if not isinstance(action, str):
            raise TypeError(f"actions are str, got {type(action).__name__}")
        if self._task is None:
            raise ResetNeeded("call reset() before step()")
        if self._done:
            info = self._build_info(action_valid=False, extra={})
            return EPISODE_OVER_MESSAGE, 0.0, True, False, info
        if len(action) > self.max_action_length:
            result = Transition(
                observation=(
                    f"Your action is too long ({len(action)} characters; the limit is "
                    f"{self.max_action_length}). Nothing happens."
                ),
                action_valid=False,
            )
        else:
            result = self._transition(action)
        self._steps += 1
        self._won = self._won or result.won
        self._done = result.terminated
        info = self._build_info(action_valid=result.action_valid, extra=result.extra_info)
        self._last_obs, self._last_info = result.observation, info
        if self.render_mode == "human":
            self.render()
        return result.observation, float(result.reward), bool(result.terminated), False, dict(info)

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return self._last_obs
        if self.render_mode == "human":
            print(self._last_obs)
        return None

    # ------------------------------------------------------------------ forks
    def get_state(self) -> EnvState:
        """A fork point. Cheap: a copy of the small world state, not of the env."""
        if self._task is None:
            raise ResetNeeded("call reset() before get_state()")
        return EnvState(
            task=self._task,
            world=self._get_world(),
            steps=self._steps,
            done=self._done,
            won=self._won,
            last_observation=self._last_obs,
            last_info=copy.deepcopy(self._last_info),
        )

    def set_state(self, state: EnvState) -> None:
        """Continue from ``state``: later steps match those after the original state."""
        self._task = state.task
        self._set_world(state.world)
        self._steps = state.steps
        self._done = state.done
        self._won = state.won
        self._last_obs = state.last_observation
        self._last_info = copy.deepcopy(state.last_info)

    @property
    def task(self) -> Task | None:
        return self._task

    @property
    def last_observation(self) -> str:
        return self._last_obs

    # ------------------------------------------------------------------ internals
    def _select_task(self, seed: int | None, options: dict[str, Any]) -> Task:
        verify = self.verify if self.verify_tasks else None
        split = options.pop("split", self.split)
        task_id = options.pop("task_id", None)
        task_index = options.pop("task_index", None)
        unknown = set(options) - set(self.suite.generation_options)
        if unknown:
            raise ValueError(
                f"unknown reset option(s) {sorted(unknown)}; allowed: split, task_id, task_index"
                + "".join(f", {k}" for k in self.suite.generation_options)
            )
        if task_id is not None:
            return self.suite.get_by_id(str(task_id), verify=verify)
        if task_index is None:
            if seed is None:
                seed = int(self.np_random.integers(0, 2**31 - 1))
            task_index = self.suite.index_for_seed(split, seed)
        return self.suite.get(split, int(task_index), options, verify=verify)

    def _build_info(self, action_valid: bool, extra: Mapping[str, Any]) -> dict[str, Any]:
        assert self._task is not None
        info: dict[str, Any] = {
            "task_id": self._task.task_id,
            "task_type": self._task.task_type,
            "goal": self._task.goal,
            "won": self._won,
            "action_valid": bool(action_valid),
            "admissible_actions": None,
            "progress": 0.0,
            "expert_action": None,
            "step": self._steps,
        }
        info.update(self._info())
        if self._done:
            info["expert_action"] = None
        info.update(extra)
        return info


def _find_time_limit(env: gym.Env) -> TimeLimit | None:
    while isinstance(env, gym.Wrapper):
        if isinstance(env, TimeLimit):
            return env
        env = env.env
    return None


def save_state(env: gym.Env) -> EnvState:
    """``get_state()`` through wrappers, including ``TimeLimit``'s elapsed-step count."""
    base = env.unwrapped
    if not isinstance(base, TextEnv):
        raise TypeError(f"{type(base).__name__} is not a stepgym TextEnv")
    state = base.get_state()
    limit = _find_time_limit(env)
    if limit is not None:
        state.time_limit_elapsed = int(limit._elapsed_steps or 0)
    return state


def restore_state(env: gym.Env, state: EnvState) -> None:
    """Inverse of :func:`save_state`; works on any env made from the same id."""
    base = env.unwrapped
    if not isinstance(base, TextEnv):
        raise TypeError(f"{type(base).__name__} is not a stepgym TextEnv")
    base.set_state(state)
    limit = _find_time_limit(env)
    if limit is not None and state.time_limit_elapsed is not None:
        limit._elapsed_steps = state.time_limit_elapsed
    # OrderEnforcing refuses step() before reset(); a restored env has been "reset".
    inner: gym.Env = env
    while isinstance(inner, gym.Wrapper):
        if hasattr(inner, "_has_reset"):
            inner._has_reset = True
        # Gymnasium's PassiveEnvChecker compares the first step with the reset it never saw
        # (and fails on None): a restored env's checks are its source env's
        if getattr(inner, "_previous_data", True) is None:
            inner.checked_reset = inner.checked_step = inner.checked_data_reuse = True
        inner = inner.env


def expert_cost_to_go(env: gym.Env, limit: int = 100) -> int | None:
    """How many steps the env's expert (``info["expert_action"]``) needs from the current state
    to win: 0 when already won, None when it does not win within ``limit`` steps (or has no
    move). The plan is played on the env itself and the state restored, so ``env`` is left as
    it was. STeP's oracle teacher judges a step by whether it lowers this cost."""
    base = env.unwrapped
    if not isinstance(base, TextEnv):
        raise TypeError(f"{type(base).__name__} is not a stepgym TextEnv")
    state = save_state(env)
    try:
        if state.won:
            return 0
        if state.done:
            return None
        info = state.last_info
        for step in range(1, limit + 1):
            action = info.get("expert_action")
            if action is None:
                return None
            _, _, terminated, _, info = base.step(action)
            if info.get("won"):
                return step
            if terminated:
                return None
        return None
    finally:
        restore_state(env, state)
