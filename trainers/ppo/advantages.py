"""From a batch's values and the trajectories' env rewards to per-token advantages and returns.

Per trajectory, its rows' completion tokens are laid end to end in step order (one row in
concat mode, one per step in window mode); env step rewards go on the last generated token
of each step; the KL-in-reward term (if any) is added per token (token level) or summed per
step (turn / bilevel); then :mod:`trainers.ppo.gae` at the configured level. An episode cut
short (truncated, step cap, context overflow) bootstraps from the value after its last token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from trainers.credit.stats import penalised_rewards
from trainers.ppo.batch import PPOBatch
from trainers.ppo.gae import (
    bilevel_gae,
    place_step_rewards,
    token_level_gae,
    turn_level_token_gae,
    whiten,
)
from trainers.trajectory import Trajectory

TRUNCATED_STOPS = ("truncated", "max_steps", "context_overflow")


@dataclass
class AdvantageOut:
    advantages: torch.Tensor  # (N, T)
    returns: torch.Tensor  # (N, T)
    value_mask: torch.Tensor  # (N, T) bool
    token_rewards: torch.Tensor  # (N, T): env rewards (and KL penalty) per token, for logging
    whitened: bool = False  # whether the advantages were normalised (see compute_advantages)


def is_truncated(traj: Trajectory) -> bool:
    """Whether the episode ended without reaching a terminal state (so it bootstraps)."""
    if traj.stop_reason:
        return traj.stop_reason in TRUNCATED_STOPS
    return bool(traj.steps) and not traj.steps[-1].terminated


def compute_advantages(
    trajectories: Sequence[Trajectory],
    batch: PPOBatch,
    values: torch.Tensor,
    last_values: torch.Tensor,
    level: str,
    gamma: float,
    lam: float,
    gamma_token: float = 1.0,
    lam_token: float = 1.0,
    kl_per_token: torch.Tensor | None = None,
    whiten_advantages: bool = True,
    reduce_sum: Callable[[np.ndarray], np.ndarray] | None = None,
    invalid_penalty: float = 0.0,
    step_rewards: Sequence[np.ndarray] | None = None,
) -> AdvantageOut:
    """Advantages and value targets for every row of ``batch`` (see module docstring).
    ``reduce_sum`` (sum over processes) makes the whitening use global statistics;
    ``invalid_penalty`` is subtracted from the reward of every step whose action the env
    rejected (GiGPO Sec. 5.1 / verl-agent's ``invalid_action_penalty_coef``, there for every
    algorithm, PPO included). ``step_rewards`` (one array per trajectory, e.g. SPA's
    ``alpha * c_t + beta * g_t``) replace the env rewards; the penalty still applies.

    Whitening is skipped when every episode of the batch (all processes) has the same
    penalised return: then nothing distinguishes the actions but the critic's bias, and
    scaling that bias to unit size made a run fall from 1.0 to 0.59 success in one update
    (all-success batch). The raw GAE advantages are kept instead."""
    n, t = batch.completion_ids.shape
    adv = np.zeros((n, t))
    ret = np.zeros((n, t))
    vmask = np.zeros((n, t), dtype=bool)
    rew = np.zeros((n, t))
    vals = values.detach().double().cpu().numpy()
    kl = None if kl_per_token is None else kl_per_token.detach().double().cpu().numpy()
    episode_returns = []
    for i, traj in enumerate(trajectories):
        rows = batch.traj_rows[i]
        if not rows:
            continue
        lens = [batch.completion_lens[r] for r in rows]
        mask = _concat(batch.loss_mask.numpy(), rows, lens)
        steps = _concat(batch.step_ids.numpy(), rows, lens)
        v = _concat(vals, rows, lens)
        rewards = penalised_rewards(traj, invalid_penalty,
                                    None if step_rewards is None else step_rewards[i])
        episode_returns.append(float(np.sum(rewards)))
        last_value = float(last_values[rows[-1]]) if is_truncated(traj) else 0.0
        tok_r = place_step_rewards(rewards, steps, mask)
        k = None if kl is None else np.where(mask, _concat(kl, rows, lens), 0.0)
        if level == "token":
            if k is not None:
                tok_r = tok_r + k
            res = token_level_gae(tok_r, v, mask, gamma, lam, last_value)
        else:
            if k is not None:
                for s in range(len(rewards)):
                    rewards[s] += k[steps == s].sum()
                tok_r = tok_r + k
            if level == "turn":
                res = turn_level_token_gae(rewards, v, steps, mask, gamma, lam, last_value)
            else:
                res = bilevel_gae(rewards, v, steps, mask, gamma, lam, gamma_token,
                                  lam_token, last_value)
        start = 0
        for r, length in zip(rows, lens):
            sl = slice(start, start + length)
            adv[r, :length], ret[r, :length] = res.advantages[sl], res.returns[sl]
            vmask[r, :length], rew[r, :length] = res.value_mask[sl], tok_r[sl]
            start += length
    gen = batch.loss_mask.numpy()
    whitened = whiten_advantages and returns_vary(episode_returns, reduce_sum)
    if whitened:
        adv = whiten(adv, gen, reduce_sum=reduce_sum)
    as_t = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
    return AdvantageOut(as_t(adv), as_t(ret), torch.as_tensor(vmask), as_t(rew), whitened)


def returns_vary(returns: Sequence[float], reduce_sum: Callable[[np.ndarray], np.ndarray] | None = None,
                 tol: float = 1e-12) -> bool:
    """Whether the episode returns differ (over all processes with ``reduce_sum``): the sum of
    squared deviations from the global mean is positive. Every process must call it.

    >>> returns_vary([1.0, 1.0, 1.0]), returns_vary([1.0, 0.0]), returns_vary([])
    (False, True, False)
    """
    total_of = reduce_sum or (lambda v: v)
    arr = np.asarray(returns, dtype=np.float64)
    total, count = total_of(np.array([arr.sum(), float(arr.size)]))
    if count == 0:
        return False
    spread = total_of(np.array([np.square(arr - total / count).sum()]))[0]
    return bool(spread > tol * count)


def _concat(a: np.ndarray, rows: Sequence[int], lens: Sequence[int]) -> np.ndarray:
    """A trajectory's rows of a (N, T) array laid end to end, padding dropped."""
    return np.concatenate([a[r, :k] for r, k in zip(rows, lens)])
