"""Where the progress estimator reads: the last generated token of every agent step.

SPA's estimator emits c_t "at the last token of each agent step" (arXiv 2505.20732, Sec. 3.2;
the released ``prm_model`` reads the last unmasked token of each assistant turn). Our token
samples say which env step every generated token belongs to (``TokenSample.step_ids``), so the
position is found from them, never by re-tokenising text:

* concat mode: one sample holds the whole episode; step t's position is the last completion
  token with ``step_ids == t`` and ``loss_mask == 1``;
* window mode: one sample per step; the position is that sample's last generated token.

Positions index the sequence ``prompt_ids + completion_ids``.
"""

from __future__ import annotations

from collections.abc import Sequence

from trainers.trajectory import TokenSample, Trajectory


def step_read_positions(sample: TokenSample) -> dict[int, int]:
    """Env step -> index in ``prompt_ids + completion_ids`` of that step's last generated token.

    >>> s = TokenSample([1, 2], [5, 6, 9, 7, 8], [1, 1, 0, 1, 1], [0.0] * 5, [0, 0, -1, 1, 1])
    >>> step_read_positions(s)
    {0: 3, 1: 6}
    """
    out: dict[int, int] = {}
    offset = len(sample.prompt_ids)
    for j, (step, generated) in enumerate(zip(sample.step_ids, sample.loss_mask, strict=True)):
        if generated and step >= 0:
            out[int(step)] = offset + j
    return out


def trajectory_read_points(traj: Trajectory) -> list[tuple[int, int]]:
    """Per env step, ``(sample index, position)`` of its read token, in step order.

    Raises ValueError when a step has no generated token in any sample (a forked child holds
    its parent's steps without their tokens): such a trajectory cannot be scored on its own.
    """
    found: dict[int, tuple[int, int]] = {}
    for i, sample in enumerate(traj.samples):
        for step, pos in step_read_positions(sample).items():
            found[step] = (i, pos)
    missing = [t for t in range(traj.num_steps) if t not in found]
    if missing:
        raise ValueError(f"trajectory {traj.traj_id}: steps {missing} have no generated tokens "
                         "(forked children carry their parent's steps without tokens)")
    return [found[t] for t in range(traj.num_steps)]


def scorable(trajectories: Sequence[Trajectory]) -> list[Trajectory]:
    """The trajectories whose every step has a generated token (see above)."""
    out = []
    for traj in trajectories:
        try:
            trajectory_read_points(traj)
        except ValueError:
            continue
        out.append(traj)
    return out
