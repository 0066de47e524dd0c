"""The batched multi-turn rollout engine: envs + an ``LLMAgent`` -> exact token trajectories.

Each turn, every episode still running contributes one prompt to ONE batched, KV-cached
sampling call (:func:`trainers.generation.sample_batch`). Records are token-in-token-out:

* ``concat`` mode: one :class:`TokenSample` per trajectory. ``prompt_ids`` is the system +
  first observation + assistant header; ``completion_ids`` interleaves the sampled turns
  (loss mask 1, each ending with the sampled end-of-turn token) with the template/env tokens
  of later observations (mask 0). The prefix is kept as token ids and extended, never
  re-rendered or re-tokenised.
* ``window`` mode: one sample per step (verl-agent style): the prompt holds the task, the
  last ``window_steps`` (observation, action) pairs and the current observation.

Limits: a turn that hits ``max_new_tokens`` is flagged ``generation_truncated`` (its action
is still parsed and sent); the env's ``TimeLimit`` truncation ends an episode with
``stop_reason="truncated"``, ``RolloutConfig.max_steps`` with ``"max_steps"``; when the next
prompt plus ``max_new_tokens`` would exceed ``max_context_tokens`` the episode stops with
``"context_overflow"`` (use window mode to avoid it).
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import torch

from agents.chat import ChatPieces
from agents.formats import PromptFormat
from agents.llm import LLMAgent
from envs.core import EnvState, restore_state, save_state
from trainers.generation import RowKV, sample_batch
from trainers.trajectory import StepRecord, TokenSample, Trajectory

CONTEXT_MODES = ("concat", "window")
ACTION_MODES = ("generate", "score")


@dataclass
class RolloutConfig:
    """Rollout settings (saved beside outputs).

    context_mode: "concat" (one growing sequence per episode) or "window" (one sample per
        step: task + last ``window_steps`` steps + current observation).
    window_steps: k, the number of past steps shown in window mode.
    max_new_tokens: per-turn generation limit; a turn hitting it is ``generation_truncated``.
    max_context_tokens: prompt + ``max_new_tokens`` must fit, else the episode stops
        (``stop_reason="context_overflow"``).
    temperature, top_p: sampling (temperature 0 = greedy); log-probs are recorded at this
        temperature, before top-p filtering.
    max_steps: step limit; None = the env's registered limit.
    keep_states: keep each step's env state (``engine.states[traj_id][t]``) for forks.
    action_mode: "generate" (the model writes its action) or "score" (GLAM action scoring,
        :mod:`trainers.action_scoring`: the model scores every admissible action and the
        policy samples from softmax(scores / temperature); window mode, and only envs that
        list ``info["admissible_actions"]``).
    action_score: score mode: an action's score is the "sum" of its token log-probs (GLAM)
        or their "mean" (length-normalised).
    """

    context_mode: str = "concat"
    window_steps: int = 2
    max_new_tokens: int = 48
    max_context_tokens: int = 2048
    temperature: float = 1.0
    top_p: float = 1.0
    max_steps: int | None = None
    keep_states: bool = False
    action_mode: str = "generate"
    action_score: str = "sum"

    def __post_init__(self) -> None:
        if self.context_mode not in CONTEXT_MODES:
            raise ValueError(f"context_mode must be one of {CONTEXT_MODES}, got {self.context_mode!r}")
        if self.action_mode not in ACTION_MODES:
            raise ValueError(f"action_mode must be one of {ACTION_MODES}, got {self.action_mode!r}")
        if self.action_score not in ("sum", "mean"):
            raise ValueError(f"action_score must be 'sum' or 'mean', got {self.action_score!r}")
        if self.action_mode == "score" and self.context_mode != "window":
            raise ValueError("action_mode='score' needs context_mode='window' (one scored "
                             "choice per step sample)")


@dataclass
class RolloutStats:
    """Wall-time accounting of the last ``run``/``fork`` call."""

    wall_s: float = 0.0
    env_s: float = 0.0
    generate_s: float = 0.0
    generated_tokens: int = 0
    episodes: int = 0
    turns: int = 0  # batched sampling calls


@dataclass
class _Episode:
    traj: Trajectory
    env: gym.Env
    observation: str
    info: dict[str, Any]
    goal_text: str  # the first user turn in concat mode: the first observation as rendered
    task_text: str = ""  # the "Task:" line of window-mode prompts (see :func:`task_text`)
    prompt_ids: list[int] = field(default_factory=list)
    completion: list[int] = field(default_factory=list)
    mask: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    step_ids: list[int] = field(default_factory=list)
    done: bool = False
    kv: RowKV | None = None  # concat mode: KV of this episode's tokens so far (one run call)


class EnvPool:
    """Envs of one id and kwargs, reused: forks (tree rollouts, MCTS) take one, give it back."""

    def __init__(self, env_id: str, env_kwargs: dict[str, Any]) -> None:
        self.env_id = env_id
        self.env_kwargs = dict(env_kwargs)
        self._free: list[gym.Env] = []

    def take(self) -> gym.Env:
        return self._free.pop() if self._free else gym.make(self.env_id, **self.env_kwargs)

    def give(self, env: gym.Env) -> None:
        self._free.append(env)


class RolloutEngine:
    """Roll out ``agent`` in ``env_id`` (see module docstring)."""

    def __init__(self, agent: LLMAgent, env_id: str, env_kwargs: dict | None = None,
                 config: RolloutConfig | None = None) -> None:
        import envs  # noqa: F401  (registers the stepgym ids)

        self.agent = agent
        self.env_id = env_id
        self.env_kwargs = dict(env_kwargs or {})
        self.config = config or RolloutConfig()
        probe = gym.make(env_id, **self.env_kwargs)
        self.format: PromptFormat = agent.format_for(probe)
        self.pieces: ChatPieces = agent.pieces_for(probe, self.format)
        spec_limit = probe.spec.max_episode_steps if probe.spec is not None else None
        self.env_limit = spec_limit
        self.max_steps = self.config.max_steps if self.config.max_steps is not None else spec_limit
        if self.config.action_mode == "score":
            _check_lists_actions(probe, env_id)
        probe.close()
        self._action_ids: dict[str, list[int]] = {}  # score mode: rendered action -> token ids
        #: STeP synthesis: called with (env, episode's step context) before each action is
        #: played; a wrong verdict plays its correction instead (trainers/step/synthesize.py).
        #: Such trajectories are SFT data, not on-policy RL data.
        self.reviewer: Callable[[gym.Env, Any], Any] | None = None
        self.states: dict[str, list[EnvState]] = {}
        self.stats = RolloutStats()
        self._envs: list[gym.Env] = []  # pool reused across calls

    # ------------------------------------------------------------------ public API
    def run(self, seeds: Sequence[int], group_size: int = 1, options: dict | None = None,
            generation_seed: int = 0, progress: bool = False,
            jsonl_path: str | os.PathLike | None = None) -> list[Trajectory]:
        """One group of ``group_size`` rollouts per seed (same task, same initial state,
        distinct sampling). Result is group-major; ``group_id`` is shared within a group.
        With ``jsonl_path`` each finished trajectory is appended to that file at once."""
        start = time.perf_counter()
        self.stats = RolloutStats()
        episodes: list[_Episode] = []
        pool = self._pool(len(seeds) * group_size)
        for g, seed in enumerate(seeds):
            group_id = f"g{generation_seed}-{g}-s{seed}"
            for k in range(group_size):
                ep = self._new_episode(pool[g * group_size + k], f"{group_id}-{k}", group_id,
                                       int(seed), options, generation_seed)
                self._keep_state(ep)
                episodes.append(ep)
        self._loop(episodes, generation_seed, progress, jsonl_path)
        self.stats.wall_s = time.perf_counter() - start
        self.stats.episodes = len(episodes)
        return [ep.traj for ep in episodes]

    def fork(self, parent: Trajectory, step: int, env_state: EnvState | None, n: int,
             generation_seed: int = 0, progress: bool = False,
             jsonl_path: str | os.PathLike | None = None) -> list[Trajectory]:
        """``n`` rollouts that continue ``parent`` from before its step ``step``: the env from
        ``env_state`` (the state the agent acted on at ``step``; None = replay the parent's
        seed and actions), the tokens from the parent's prefix. Children carry
        ``parent``/``fork_step``, copies of the parent's steps before ``step``, and tokens
        (mask 1) only for their own steps; in concat mode the parent's prefix is their prompt."""
        if not 0 <= step <= parent.num_steps - (0 if parent.stop_reason == "context_overflow" else 1):
            raise ValueError(f"fork step {step} outside the parent's {parent.num_steps} steps")
        if parent.context_mode != self.config.context_mode:
            raise ValueError("fork with the parent's context mode")
        start = time.perf_counter()
        self.stats = RolloutStats()
        episodes: list[_Episode] = []
        pool = self._pool(n)
        for k in range(n):
            env = pool[k]
            t0 = time.perf_counter()
            obs, info = self._restore(env, parent, step, env_state)
            self.stats.env_s += time.perf_counter() - t0
            traj = Trajectory(traj_id=f"{parent.traj_id}/f{step}.{generation_seed}.{k}",
                              group_id=f"{parent.traj_id}/f{step}.{generation_seed}",
                              env_id=self.env_id, task_id=parent.task_id, seed=parent.seed,
                              steps=[copy.deepcopy(s) for s in parent.steps[:step]], samples=[],
                              context_mode=parent.context_mode, parent=parent.traj_id,
                              fork_step=step,
                              meta={"task_type": parent.meta.get("task_type"), "turn_offsets": [],
                                    "generation_seed": generation_seed,
                                    "options": parent.meta.get("options"),
                                    "initial_progress": parent.meta.get("initial_progress"),
                                    "root_group_id": parent.meta.get("root_group_id", parent.group_id)})
            goal = parent.meta.get("goal_text") or self.format.observation_text(obs, info)
            ep = _Episode(traj, env, obs, info, goal_text=goal,
                          task_text=parent.meta.get("task_text") or task_text(obs, info))
            if self.config.context_mode == "concat":
                sample = parent.samples[0]
                offsets = parent.meta["turn_offsets"]
                cut = offsets[step] if step < len(offsets) else len(sample.completion_ids)
                ep.prompt_ids = list(sample.prompt_ids) + list(sample.completion_ids[:cut])
            self._keep_state(ep)
            episodes.append(ep)
        self._loop(episodes, generation_seed, progress, jsonl_path)
        self.stats.wall_s = time.perf_counter() - start
        self.stats.episodes = len(episodes)
        return [ep.traj for ep in episodes]

    def _new_episode(self, env: gym.Env, traj_id: str, group_id: str, seed: int,
                     options: dict | None, generation_seed: int) -> _Episode:
        """``env`` reset to task ``seed`` and an empty trajectory for it (concat mode: with its
        first prompt)."""
        t0 = time.perf_counter()
        obs, info = env.reset(seed=seed, options=dict(options) if options else None)
        self.stats.env_s += time.perf_counter() - t0
        traj = Trajectory(traj_id=traj_id, group_id=group_id, env_id=self.env_id,
                          task_id=str(info.get("task_id", "")), seed=seed, steps=[], samples=[],
                          context_mode=self.config.context_mode,
                          meta={"task_type": info.get("task_type"), "turn_offsets": [],
                                "generation_seed": generation_seed,
                                "options": dict(options) if options else None,
                                "initial_progress": info.get("progress")})
        ep = _Episode(traj, env, obs, info, goal_text=self.format.observation_text(obs, info),
                      task_text=task_text(obs, info))
        if self.config.context_mode == "concat":
            ep.prompt_ids = self.pieces.prompt_ids(ep.goal_text)
        return ep

    def state_at(self, traj: Trajectory, step: int) -> EnvState:
        """The env state the agent acted on at ``step`` (needs ``keep_states=True``)."""
        return self.states[traj.traj_id][step]

    # ------------------------------------------------------------------ internals
    def _pool(self, n: int) -> list[gym.Env]:
        kwargs = dict(self.env_kwargs)
        while len(self._envs) < n:
            self._envs.append(gym.make(self.env_id, **kwargs))
        return self._envs[:n]

    def _restore(self, env: gym.Env, parent: Trajectory, step: int,
                 state: EnvState | None) -> tuple[str, dict[str, Any]]:
        if state is not None:
            restore_state(env, state)
            base = env.unwrapped
            return base.last_observation, copy.deepcopy(base.get_state().last_info)
        obs, info = env.reset(seed=parent.seed, options=parent.meta.get("options"))
        for record in parent.steps[:step]:
            obs, _, _, _, info = env.step(record.action)
        return obs, info

    def _keep_state(self, ep: _Episode) -> None:
        if self.config.keep_states:
            self.states.setdefault(ep.traj.traj_id, []).append(save_state(ep.env))

    def _window_user_text(self, ep: _Episode) -> str:
        return window_user_text(self.format, ep.task_text, ep.traj.steps, ep.observation, ep.info,
                                self.config.window_steps)

    def _next_prompt(self, ep: _Episode) -> list[int]:
        if self.config.context_mode == "concat":
            return ep.prompt_ids + ep.completion
        return self.pieces.prompt_ids(self._window_user_text(ep))

    def _loop(self, episodes: list[_Episode], generation_seed: int, progress: bool,
              jsonl_path: str | os.PathLike | None) -> None:
        generator, choice_rng = self._generators(generation_seed)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(episodes), desc=f"rollout {self.env_id}", unit="ep")
        while True:
            running = [ep for ep in episodes if not ep.done]
            if not running:
                break
            self._turn(running, generator, choice_rng, jsonl_path, bar)
        if bar is not None:
            bar.close()

    def _generators(self, generation_seed: int) -> tuple[torch.Generator, torch.Generator]:
        """The sampling generator (on the model's device) and score mode's choice generator."""
        generator = torch.Generator(device=self.agent.device).manual_seed(int(generation_seed))
        choice_rng = torch.Generator().manual_seed(int(generation_seed))  # score mode, on the CPU
        return generator, choice_rng

    def _turn(self, running: list[_Episode], generator: torch.Generator,
              choice_rng: torch.Generator, jsonl_path: str | os.PathLike | None,
              bar: Any) -> None:
        """One env step for every episode in ``running``: one batched sampling (or scoring)
        call, then each episode's action applied (episodes that would overflow stop first)."""
        cfg = self.config
        batch, prompts = [], []
        for ep in running:
            ids = self._next_prompt(ep)
            if len(ids) + cfg.max_new_tokens > cfg.max_context_tokens:
                self._finish(ep, "context_overflow", jsonl_path, bar)
                continue
            batch.append(ep)
            prompts.append(ids)
        if not batch:
            return
        if cfg.action_mode == "score":
            self._score_turn(batch, prompts, choice_rng, jsonl_path, bar)
            return
        t0 = time.perf_counter()
        # concat mode: each episode's KV from its last turn, so only new tokens are prefilled
        reuse = cfg.context_mode == "concat"
        out = sample_batch(self.agent.model, prompts, max_new_tokens=cfg.max_new_tokens,
                           stop_token_ids=[self.pieces.stop_token_id],
                           pad_token_id=self.agent.tokenizer.pad_token_id,
                           temperature=cfg.temperature, top_p=cfg.top_p, generator=generator,
                           past=[ep.kv for ep in batch] if reuse else None, keep_kv=reuse)
        self.stats.generate_s += time.perf_counter() - t0
        self.stats.turns += 1
        kvs = out.kv if out.kv is not None else [None] * len(batch)
        for ep, prompt, ids, lps, stopped, kv in zip(batch, prompts, out.token_ids, out.logprobs,
                                                     out.stopped, kvs, strict=True):
            self.stats.generated_tokens += len(ids)
            ep.kv = kv
            self._apply(ep, prompt, ids, lps, stopped, jsonl_path, bar)

    def _score_turn(self, batch: list[_Episode], prompts: list[list[int]],
                    choice_rng: torch.Generator, jsonl_path: str | os.PathLike | None,
                    bar: Any) -> None:
        """Score mode: every episode's admissible actions scored in one batched call, one
        sampled from softmax(scores / T) per episode and sent to the env."""
        from trainers.action_scoring import choose, score_actions

        actions = [_admissible(ep) for ep in batch]
        candidates = [[self._candidate_ids(a) for a in acts] for acts in actions]
        t0 = time.perf_counter()
        with torch.no_grad():
            scored = score_actions(self.agent.model, prompts, candidates,
                                   pad_id=self.agent.tokenizer.pad_token_id,
                                   normalize=self.config.action_score)
        self.stats.generate_s += time.perf_counter() - t0
        self.stats.turns += 1
        for ep, prompt, acts, cands, scores, tok_lps in zip(
                batch, prompts, actions, candidates, scored.scores, scored.token_logprobs,
                strict=True):
            k = choose(scores, self.config.temperature, choice_rng)
            self.stats.generated_tokens += len(cands[k])
            self._apply(ep, prompt, cands[k], tok_lps[k].tolist(), True, jsonl_path, bar,
                        action=acts[k], choice={"candidates": cands, "chosen": k,
                                                "candidate_scores": scores.tolist()})

    def _candidate_ids(self, action: str) -> list[int]:
        """An admissible action as the model would write it, with its end-of-turn token."""
        ids = self._action_ids.get(action)
        if ids is None:
            if len(self._action_ids) > 50_000:
                self._action_ids.clear()
            ids = [*self.pieces.encode(self.format.render_action(action)), self.pieces.stop_token_id]
            self._action_ids[action] = ids
        return list(ids)

    def _apply(self, ep: _Episode, prompt: list[int], ids: list[int], lps: list[float],
               stopped: bool, jsonl_path: str | os.PathLike | None, bar: Any,
               action: str | None = None, choice: dict[str, Any] | None = None) -> None:
        tokenizer = self.agent.tokenizer
        index = len(ep.traj.steps)
        text = tokenizer.decode(ids[:-1] if stopped else ids, skip_special_tokens=False)
        if action is None:
            action = self.format.extract_action(text)
        state_key = _state_key(ep.observation, ep.info)
        acted_on = ep.observation
        review = None
        if self.reviewer is not None:
            review = self.reviewer(ep.env, self._step_context(ep, action, text))
            if not review.ok:
                action = review.correction
        t0 = time.perf_counter()
        obs, reward, terminated, truncated, info = ep.env.step(action)
        self.stats.env_s += time.perf_counter() - t0
        ep.traj.steps.append(StepRecord(
            index=index, observation=acted_on, generated_text=text, action=action,
            reward=float(reward), terminated=bool(terminated), truncated=bool(truncated),
            action_valid=bool(info.get("action_valid", True)), info=_plain(info),
            generation_truncated=not stopped, state_key=state_key,
            review=None if review is None else review.as_dict()))
        ep.observation, ep.info = obs, info
        if self.config.context_mode == "concat":
            ep.traj.meta["turn_offsets"].append(len(ep.completion))
            ep.completion += ids
            ep.mask += [1] * len(ids)
            ep.logprobs += lps
            ep.step_ids += [index] * len(ids)
        else:
            ep.traj.samples.append(TokenSample(list(prompt), list(ids), [1] * len(ids), list(lps),
                                               [index] * len(ids), **(choice or {})))
        if info.get("won"):
            ep.traj.won = True
        if terminated:
            return self._finish(ep, "terminated", jsonl_path, bar)
        if truncated:
            return self._finish(ep, "truncated", jsonl_path, bar)
        if self.max_steps is not None and len(ep.traj.steps) >= self.max_steps:
            return self._finish(ep, "max_steps", jsonl_path, bar)
        if self.config.context_mode == "concat":
            env_ids = self.pieces.continuation_ids(self.format.observation_text(obs, info), stopped)
            ep.completion += env_ids
            ep.mask += [0] * len(env_ids)
            ep.logprobs += [0.0] * len(env_ids)
            ep.step_ids += [-1] * len(env_ids)
        self._keep_state(ep)

    def _step_context(self, ep: _Episode, action: str, text: str) -> Any:
        from trainers.step.teacher import StepContext

        steps = ep.traj.steps
        after = [s.observation for s in steps[1:]] + [ep.observation] * bool(steps)  # each showed
        history = [(s.action, o) for s, o in zip(steps, after, strict=True)]
        if self.config.context_mode == "window":
            prompt_text = self._window_user_text(ep)
        elif not steps:
            prompt_text = ep.goal_text
        else:
            prompt_text = self.format.observation_text(ep.observation, ep.info)
        return StepContext(env_id=self.env_id, goal=ep.task_text or ep.goal_text,
                           observation=ep.observation, info=ep.info, action=action,
                           generated_text=text, history=history, prompt_text=prompt_text)

    def _finish(self, ep: _Episode, reason: str, jsonl_path: str | os.PathLike | None,
                bar: Any) -> None:
        ep.done = True
        ep.kv = None
        ep.traj.stop_reason = reason
        ep.traj.meta["goal_text"] = ep.goal_text
        ep.traj.meta["task_text"] = ep.task_text
        if self.config.context_mode == "concat":
            ep.traj.samples = [TokenSample(list(ep.prompt_ids), ep.completion, ep.mask,
                                           ep.logprobs, ep.step_ids)]
        if jsonl_path is not None:
            append_jsonl(jsonl_path, ep.traj)
        if bar is not None:
            bar.update(1)


def task_text(observation: str, info: dict[str, Any]) -> str:
    """The task line of window-mode prompts: the env's ``goal`` where it reports one, else the
    first observation. Not the first observation with its admissible actions: those are stale
    after step 0 and would double every prompt's length."""
    return str(info.get("goal") or observation).strip()


def window_user_text(fmt: PromptFormat, goal_text: str, steps: Sequence[Any], observation: str,
                     info: dict[str, Any], k: int) -> str:
    """The user turn of a window-mode prompt: the task, the last ``k`` (observation, action)
    pairs of ``steps`` (objects with ``.observation`` and ``.action``), the current
    observation. Behaviour cloning builds its samples with this same function."""
    lines = [f"Task: {goal_text}"]
    recent = list(steps)[-k:] if k > 0 else []
    if recent:
        lines.append(f"Your last {len(recent)} step(s):")
        for rec in recent:
            lines.append(f"Observation: {rec.observation.strip()}\nAction: {rec.action}")
    lines.append("Current observation: " + fmt.observation_text(observation, info))
    return "\n".join(lines)


def _check_lists_actions(env: gym.Env, env_id: str) -> None:
    """Score mode needs ``info["admissible_actions"]``: refuse an env that lists none."""
    _, info = env.reset(seed=0)
    if not info.get("admissible_actions"):
        raise ValueError(f"action_mode='score' needs an env that lists its admissible actions "
                         f"(info['admissible_actions']); {env_id} does not with these kwargs: "
                         "use action_mode='generate' (ToolUse lists candidate turns with "
                         "candidate_actions=N)")


def _admissible(ep: _Episode) -> list[str]:
    actions = list(ep.info.get("admissible_actions") or [])
    if not actions:
        raise RuntimeError(f"action_mode='score': {ep.traj.env_id} listed no admissible actions "
                           f"at step {len(ep.traj.steps)} of task {ep.traj.task_id}")
    return actions


def _state_key(observation: str, info: dict[str, Any]) -> str:
    """GiGPO anchor key: the observation text plus the admissible-action set where given."""
    actions = info.get("admissible_actions")
    key = observation.strip()
    if actions:
        key += "\n#actions:" + "|".join(sorted(actions))
    return key


def _plain(info: dict[str, Any]) -> dict[str, Any]:
    """A JSON-safe copy of an env ``info`` dict."""
    return json.loads(json.dumps(info, default=lambda o: o.item() if hasattr(o, "item") else repr(o)))


# ---------------------------------------------------------------------- output
def append_jsonl(path: str | os.PathLike, traj: Trajectory) -> None:
    """Append one trajectory as one line with a single ``write`` on an ``O_APPEND`` file
    (then fsync), so a crash never leaves a half-written earlier line."""
    data = (traj.to_json() + "\n").encode("utf-8")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_jsonl(path: str | os.PathLike) -> list[Trajectory]:
    """Trajectories from a JSONL file (an unterminated last line from a crash is skipped)."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.endswith("\n"):
                out.append(Trajectory.from_dict(json.loads(line)))
    return out


def to_dataset(trajectories: Sequence[Trajectory]) -> Any:
    """A ``datasets.Dataset`` with one row per token sample (all steps in concat mode, one
    step in window mode): ids, masks, log-probs, step ids and the trajectory's links/rewards."""
    from datasets import Dataset

    rows = []
    for traj in trajectories:
        for k, sample in enumerate(traj.samples):
            row = asdict(sample)
            row.update(traj_id=traj.traj_id, group_id=traj.group_id, env_id=traj.env_id,
                       task_id=traj.task_id, seed=traj.seed, sample_index=k,
                       context_mode=traj.context_mode, won=traj.won,
                       total_reward=traj.total_reward, num_steps=traj.num_steps,
                       step_rewards=[s.reward for s in traj.steps], stop_reason=traj.stop_reason,
                       parent=traj.parent or "", fork_step=-1 if traj.fork_step is None else traj.fork_step)
            rows.append(row)
    return Dataset.from_list(rows)


MODEL_META = "stepgym.json"
# The settings a saved model must state (a wrong default changes how it acts). top_p and
# action_mode may be absent from models saved before they existed, which all used 1.0 and
# "generate"; max_steps and keep_states are run settings, not the model's.
REQUIRED_ROLLOUT = ("context_mode", "window_steps", "max_new_tokens", "max_context_tokens",
                    "temperature")


def save_model_meta(model_dir: str | os.PathLike, config: RolloutConfig,
                    envs: dict[str, Any], **extra: Any) -> Path:
    """Write ``stepgym.json`` beside a saved model: the full rollout settings it acts with, the
    env kwargs it was trained on and any ``extra`` keys. ``stepgym eval`` reads it back."""
    path = Path(model_dir) / MODEL_META
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"rollout": asdict(config), "envs": envs, **extra}, indent=2,
                               default=str))
    return path


def format_meta(agent: Any) -> dict[str, str]:
    """``{"prompt_format": name}`` when ``agent`` acts in a format other than each env's own
    (a model bootstrapped with ``prompt_format``), for :func:`save_model_meta`'s extras."""
    fmt = getattr(agent, "prompt_format", None)
    return {"prompt_format": fmt.name} if fmt is not None else {}


def saved_rollout_config(saved: dict[str, Any] | None, overrides: dict[str, Any] | None = None,
                         model: str = "the model") -> RolloutConfig:
    """The rollout settings a model was saved with, updated by ``overrides``; refuses to guess
    any of :data:`REQUIRED_ROLLOUT` that neither gives.

    >>> saved_rollout_config({"context_mode": "window"}, {"temperature": 0.3})
    Traceback (most recent call last):
    ...
    ValueError: the model does not state its rollout settings window_steps, max_new_tokens, max_context_tokens (no stepgym.json entry): give them explicitly
    """
    merged = {**(saved or {}), **{k: v for k, v in (overrides or {}).items() if v is not None}}
    missing = [k for k in REQUIRED_ROLLOUT if k not in merged]
    if missing:
        raise ValueError(f"{model} does not state its rollout settings {', '.join(missing)} "
                         f"(no {MODEL_META} entry): give them explicitly")
    known = {f for f in RolloutConfig.__dataclass_fields__}
    return RolloutConfig(**{k: v for k, v in merged.items() if k in known})


def save_config(path: str | os.PathLike, config: RolloutConfig, **extra: Any) -> None:
    """Write the rollout config (and extras such as model and env) as JSON beside outputs."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps({**asdict(config), **extra}, indent=2, default=str))
