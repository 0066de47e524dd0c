"""Hand-built trajectory groups for the credit-method tests (no env, no model)."""

from __future__ import annotations

from collections.abc import Sequence

from trainers.trajectory import StepRecord, TokenSample, Trajectory


def make_traj(traj_id: str, group_id: str, rewards: Sequence[float],
              states: Sequence[str] | None = None,
              valid: Sequence[bool] | None = None) -> Trajectory:
    """A trajectory with one concat sample: per step, 2 generated tokens then 1 env token."""
    n = len(rewards)
    states = list(states) if states is not None else [f"s{i}" for i in range(n)]
    valid = list(valid) if valid is not None else [True] * n
    steps = [StepRecord(index=i, observation=states[i], generated_text="a", action="a",
                        reward=float(rewards[i]), terminated=i == n - 1, truncated=False,
                        action_valid=valid[i], state_key=states[i]) for i in range(n)]
    step_ids = [s for i in range(n) for s in (i, i, -1)]
    mask = [1 if s >= 0 else 0 for s in step_ids]
    sample = TokenSample(prompt_ids=[1, 2], completion_ids=list(range(len(step_ids))),
                         loss_mask=mask, logprobs=[0.0] * len(step_ids), step_ids=step_ids)
    return Trajectory(traj_id=traj_id, group_id=group_id, env_id="toy", task_id=group_id,
                      seed=0, steps=steps, samples=[sample], won=sum(rewards) > 0)
