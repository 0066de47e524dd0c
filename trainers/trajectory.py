"""Trajectory records: the contract between the rollout engine, credit methods and trainers.

The rollout engine records token-in-token-out: the exact token ids the model saw and
produced, never re-tokenised later. A trajectory is one episode; its tokens live in one
or more :class:`TokenSample` s:

* ``concat`` context mode: one sample per trajectory, the whole episode as one sequence
  (prompt, then generated turns interleaved with env/tool tokens).
* ``window`` context mode: one sample per env step (task + last k steps + observation
  as the prompt, that step's generated tokens as the completion).

In both, ``TokenSample.step_ids[t]`` names the env step a generated completion token
belongs to (-1 on tokens the model did not sample), so a per-step advantage broadcasts
to tokens with :func:`broadcast_step_values` whatever the mode.

Groups and trees: ``group_id`` ties the G rollouts of the same task from the same
initial state; ``parent`` / ``fork_step`` link a rollout forked from another at a step.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass
class StepRecord:
    """One env step of a trajectory (what the agent saw, wrote, and got back)."""

    index: int  # 0-based env step number within the episode
    observation: str  # the observation the agent acted on
    generated_text: str  # decoded text the model generated this turn
    action: str  # the action parsed from it and sent to the env
    reward: float  # env reward for this step
    terminated: bool
    truncated: bool
    action_valid: bool
    info: dict[str, Any] = field(default_factory=dict)  # the env's info after the step
    generation_truncated: bool = False  # the model hit the per-turn token limit
    state_key: str = ""  # anchor-state key (GiGPO): identifies the state the agent acted on
    #: a teacher's verdict on the generated action (STeP synthesis); when it was wrong,
    #: ``action`` is the teacher's correction, which is what the env played
    review: dict[str, Any] | None = None


@dataclass
class TokenSample:
    """One token sequence for training: a prompt and a completion with per-token labels."""

    prompt_ids: list[int]
    completion_ids: list[int]
    loss_mask: list[int]  # per completion token: 1 = sampled by the model, 0 = env/tool/template
    logprobs: list[float]  # per completion token: sampling log-prob (0.0 where loss_mask is 0)
    step_ids: list[int]  # per completion token: env step index, -1 where loss_mask is 0
    # Action scoring (trainers.action_scoring; window mode): every admissible action's token
    # ids as the model would write them, which one was chosen (its ids are completion_ids;
    # logprobs are then its per-token LM log-probs) and each candidate's summed log-prob at
    # sampling time. None / -1 for generated samples.
    candidates: list[list[int]] | None = None
    chosen: int = -1
    candidate_scores: list[float] | None = None

    def __post_init__(self) -> None:
        n = len(self.completion_ids)
        if not (len(self.loss_mask) == len(self.logprobs) == len(self.step_ids) == n):
            raise ValueError(
                "completion_ids, loss_mask, logprobs and step_ids must have equal lengths: "
                f"{n}, {len(self.loss_mask)}, {len(self.logprobs)}, {len(self.step_ids)}"
            )
        if self.candidates is not None:
            if not 0 <= self.chosen < len(self.candidates):
                raise ValueError(f"chosen index {self.chosen} outside {len(self.candidates)} candidates")
            if list(self.candidates[self.chosen]) != list(self.completion_ids):
                raise ValueError("the chosen candidate's ids must be the completion ids")
            if self.candidate_scores is None or len(self.candidate_scores) != len(self.candidates):
                raise ValueError("candidate_scores needs one score per candidate")

    @property
    def scored(self) -> bool:
        """Whether this step was chosen by action scoring (not free generation)."""
        return self.candidates is not None


@dataclass
class Trajectory:
    """One episode with its token samples, rewards and group/tree links."""

    traj_id: str
    group_id: str
    env_id: str
    task_id: str
    seed: int
    steps: list[StepRecord]
    samples: list[TokenSample]
    context_mode: str = "concat"  # "concat" or "window"
    won: bool = False
    stop_reason: str = ""  # terminated | truncated | max_steps | context_overflow
    parent: str | None = None  # traj_id this one was forked from
    fork_step: int | None = None  # the step index at which it was forked
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def total_reward(self) -> float:
        return float(sum(s.reward for s in self.steps))

    @property
    def num_steps(self) -> int:
        return len(self.steps)

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_json_default)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trajectory:
        data = dict(data)
        data["steps"] = [StepRecord(**s) for s in data["steps"]]
        data["samples"] = [TokenSample(**s) for s in data["samples"]]
        return cls(**data)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return repr(obj)


def broadcast_step_values(sample: TokenSample, step_values: Sequence[float]) -> np.ndarray:
    """Per-token values for one sample from per-step values: token t of a generated step s
    gets ``step_values[s]``; tokens the model did not sample get 0.

    >>> s = TokenSample([1], [5, 6, 7, 8], [1, 1, 0, 1], [0.0] * 4, [0, 0, -1, 1])
    >>> broadcast_step_values(s, [0.5, -1.0]).tolist()
    [0.5, 0.5, 0.0, -1.0]
    """
    values = np.asarray(step_values, dtype=np.float64)
    steps = np.asarray(sample.step_ids, dtype=np.int64)
    out = np.zeros(len(steps), dtype=np.float64)
    generated = np.asarray(sample.loss_mask, dtype=bool) & (steps >= 0)
    out[generated] = values[steps[generated]]
    return out
