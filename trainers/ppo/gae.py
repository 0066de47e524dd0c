"""Generalised advantage estimation for multi-turn LLM episodes: token, turn and bi-level.

GAE (Schulman et al. 2016, arXiv 1506.02438, eq. 11-16):

    delta_t = r_t + gamma * V(s_{t+1}) - V(s_t)
    A_t     = sum_l (gamma * lambda)^l * delta_{t+l}   (computed backwards:
              A_t = delta_t + gamma * lambda * A_{t+1})
    R_t     = A_t + V(s_t)                              (the value target, the lambda-return)

with V(s_T) = 0 after a terminal step and V(s_T) = ``last_value`` (a bootstrap) after a
truncated one: a time limit is not part of the MDP, so the return does not stop there.
This is Stable-Baselines3's ``RolloutBuffer.compute_returns_and_advantage``, one episode at
a time.

Three levels for an episode of env steps made of generated tokens:

* ``token_level_gae``: the token MDP. Every generated token is a time step; env/tool tokens
  (loss mask 0) are skipped, so the next value of a step's last token is the value of the next
  step's first generated token. Each env step's reward sits on its last generated token
  (:func:`place_step_rewards`). gamma and lambda are per token (usually 1 and 0.95-1).
* ``turn_level_gae``: the env MDP. One value per env step (the value read at the step's first
  generated token: the state before the agent acts), gamma across env steps; the step's
  advantage is broadcast to its tokens. This is where a discount schedule (ADS) acts.
* ``bilevel_gae``: RAGEN's bi-level GAE (Wang et al. 2025, arXiv 2504.20073, "bi-level GAE";
  also ArCHer's hierarchy, arXiv 2402.19446): turn-level GAE with ``gamma_turn`` /
  ``lam_turn`` gives each step its lambda-return G_t; then, inside each turn, token-level GAE
  with ``gamma_token`` / ``lam_token`` where the turn's last token receives G_t as its reward
  and the turn ends there (next value 0). With gamma_token = lam_token = 1 the advantage of a
  token j of step t is G_t - V_j, and at the first token it equals the turn-level A_t.

All arrays are 1-D numpy float arrays over one episode's completion tokens (window-mode
samples concatenated in step order); nothing here knows about models.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

ArrayLike = Sequence[float] | np.ndarray


@dataclass
class GAEResult:
    """Per-token advantages and value targets, and where the value loss applies."""

    advantages: np.ndarray  # per completion token; 0 where the model did not generate
    returns: np.ndarray  # per completion token value target; 0 where value_mask is 0
    value_mask: np.ndarray  # bool per token: positions whose value is trained toward returns


def gae(
    rewards: ArrayLike,
    values: ArrayLike,
    gamma: float,
    lam: float,
    last_value: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """GAE over one episode's consecutive time steps (eq. 16 of arXiv 1506.02438).

    ``last_value`` is V of the state after the final step: 0 if the episode terminated, the
    critic's estimate if it was truncated. Returns (advantages, returns = advantages + values).
    """
    r = np.asarray(rewards, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if r.shape != v.shape or r.ndim != 1:
        raise ValueError(f"rewards and values must be 1-D of equal length: {r.shape}, {v.shape}")
    adv = np.zeros_like(r)
    next_value, last_gae = float(last_value), 0.0
    for t in range(len(r) - 1, -1, -1):
        delta = r[t] + gamma * next_value - v[t]
        last_gae = delta + gamma * lam * last_gae
        adv[t] = last_gae
        next_value = v[t]
    return adv, adv + v


def step_token_positions(step_ids: ArrayLike, mask: ArrayLike) -> dict[int, np.ndarray]:
    """For each env step, the positions of its generated tokens (in order)."""
    steps = np.asarray(step_ids, dtype=np.int64)
    generated = np.asarray(mask, dtype=bool) & (steps >= 0)
    out: dict[int, np.ndarray] = {}
    for s in np.unique(steps[generated]):
        out[int(s)] = np.flatnonzero(generated & (steps == s))
    return out


def place_step_rewards(
    step_rewards: ArrayLike, step_ids: ArrayLike, mask: ArrayLike
) -> np.ndarray:
    """Per-token rewards: each env step's reward on the last generated token of that step.

    A step with no generated token (an empty generation) passes its reward to the last
    generated token before it, or, if none, to the first generated token after it, so no
    reward is lost. An episode with no generated token at all gets all-zero rewards.
    """
    n = len(np.asarray(step_ids))
    out = np.zeros(n, dtype=np.float64)
    positions = step_token_positions(step_ids, mask)
    if not positions:
        return out
    ordered = sorted(positions)
    for s, r in enumerate(np.asarray(step_rewards, dtype=np.float64)):
        if s in positions:
            out[positions[s][-1]] += r
            continue
        earlier = [k for k in ordered if k < s]
        target = positions[earlier[-1]][-1] if earlier else positions[ordered[0]][0]
        out[target] += r
    return out


def token_level_gae(
    rewards: ArrayLike,
    values: ArrayLike,
    mask: ArrayLike,
    gamma: float,
    lam: float,
    last_value: float = 0.0,
) -> GAEResult:
    """GAE over generated tokens only (env/tool tokens with mask 0 are skipped).

    ``rewards`` and ``values`` are per completion token; rewards on masked positions must be 0
    (use :func:`place_step_rewards`). The value of the token after a step's last generated
    token is the value of the next generated token, wherever it is.
    """
    m = np.asarray(mask, dtype=bool)
    r = np.asarray(rewards, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if np.any(r[~m] != 0):
        raise ValueError("rewards on tokens the model did not generate must be 0")
    adv = np.zeros_like(r)
    ret = np.zeros_like(r)
    idx = np.flatnonzero(m)
    a, g = gae(r[idx], v[idx], gamma, lam, last_value)
    adv[idx], ret[idx] = a, g
    return GAEResult(adv, ret, m.copy())


def turn_level_gae(
    step_rewards: ArrayLike,
    step_values: ArrayLike,
    gamma: float,
    lam: float,
    last_value: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """GAE over env steps: one reward and one value per step, gamma across steps."""
    return gae(step_rewards, step_values, gamma, lam, last_value)


def turn_level_token_gae(
    step_rewards: ArrayLike,
    values: ArrayLike,
    step_ids: ArrayLike,
    mask: ArrayLike,
    gamma: float,
    lam: float,
    last_value: float = 0.0,
) -> GAEResult:
    """Turn-level GAE read from per-token values: V(s_t) is the value at step t's first
    generated token; each step's advantage is broadcast to its generated tokens and its
    lambda-return is the value target at that first token only.

    Steps without generated tokens are dropped from the turn MDP, their rewards passed on
    as in :func:`place_step_rewards`.
    """
    v = np.asarray(values, dtype=np.float64)
    n = len(v)
    positions = step_token_positions(step_ids, mask)
    ordered = sorted(positions)
    adv = np.zeros(n)
    ret = np.zeros(n)
    vmask = np.zeros(n, dtype=bool)
    if not ordered:
        return GAEResult(adv, ret, vmask)
    token_rewards = place_step_rewards(step_rewards, step_ids, mask)
    r_steps = np.array([token_rewards[positions[s]].sum() for s in ordered])
    v_steps = np.array([v[positions[s][0]] for s in ordered])
    a_steps, g_steps = turn_level_gae(r_steps, v_steps, gamma, lam, last_value)
    for s, a, g in zip(ordered, a_steps, g_steps):
        adv[positions[s]] = a
        ret[positions[s][0]] = g
        vmask[positions[s][0]] = True
    return GAEResult(adv, ret, vmask)


def bilevel_gae(
    step_rewards: ArrayLike,
    values: ArrayLike,
    step_ids: ArrayLike,
    mask: ArrayLike,
    gamma_turn: float,
    lam_turn: float,
    gamma_token: float,
    lam_token: float,
    last_value: float = 0.0,
) -> GAEResult:
    """Bi-level GAE (RAGEN, arXiv 2504.20073): turn-level lambda-returns G_t become the
    reward of each turn's last token, then token-level GAE within each turn."""
    v = np.asarray(values, dtype=np.float64)
    turn = turn_level_token_gae(step_rewards, v, step_ids, mask, gamma_turn, lam_turn, last_value)
    positions = step_token_positions(step_ids, mask)
    adv = np.zeros(len(v))
    ret = np.zeros(len(v))
    for pos in positions.values():
        g_t = turn.returns[pos[0]]
        r = np.zeros(len(pos))
        r[-1] = g_t
        a, g = gae(r, v[pos], gamma_token, lam_token, 0.0)
        adv[pos], ret[pos] = a, g
    vmask = np.asarray(mask, dtype=bool) & (np.asarray(step_ids) >= 0)
    return GAEResult(adv, ret, vmask)


def whiten(x: ArrayLike, mask: ArrayLike, shift_mean: bool = True, eps: float = 1e-8,
           reduce_sum: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """Normalise ``x`` to mean 0, std 1 over the masked (generated) entries only; masked-out
    entries are 0. Population std, as PPO implementations do (CleanRL normalises per
    minibatch; we do it once per batch over generated tokens).

    ``reduce_sum`` (data-parallel training) sums a float64 vector over all processes; the
    mean and std are then those of every process's generated tokens together, from the
    global count and sum, then the global sum of squared deviations from that mean (two
    passes, as ``np.std`` does). Every process must call it, even one with no tokens."""
    arr = np.asarray(x, dtype=np.float64)
    m = np.asarray(mask, dtype=bool)
    out = np.zeros_like(arr)
    sel = arr[m]
    if reduce_sum is None:
        if not m.any():
            return out
        mean, std = sel.mean(), sel.std()
    else:
        total, count = reduce_sum(np.array([sel.sum(), float(sel.size)]))
        if count == 0:
            return out
        mean = total / count
        squares = reduce_sum(np.array([np.square(sel - mean).sum()]))[0]
        std = math.sqrt(squares / count)
        if not m.any():
            return out
    centred = sel - mean
    out[m] = centred / (std + eps) if shift_mean else (centred / (std + eps)) + mean
    return out
