"""GAE at token, turn and bi-level, against numbers worked out by hand in the comments
(the style of Stable-Baselines3's tests/test_gae.py)."""

from __future__ import annotations

import numpy as np
import pytest

from trainers.ppo.gae import (
    bilevel_gae,
    gae,
    place_step_rewards,
    token_level_gae,
    turn_level_gae,
    turn_level_token_gae,
    whiten,
)


def test_gae_terminal_episode():
    # r = [0, 0, 1], V = [0.5, 0.6, 0.7], gamma 0.9, lambda 0.8 (gamma*lambda = 0.72), terminal:
    # t=2: delta = 1 + 0 - 0.7 = 0.3                      A2 = 0.3
    # t=1: delta = 0 + 0.9*0.7 - 0.6 = 0.03               A1 = 0.03 + 0.72*0.3 = 0.246
    # t=0: delta = 0 + 0.9*0.6 - 0.5 = 0.04               A0 = 0.04 + 0.72*0.246 = 0.21712
    adv, ret = gae([0, 0, 1], [0.5, 0.6, 0.7], gamma=0.9, lam=0.8)
    np.testing.assert_allclose(adv, [0.21712, 0.246, 0.3])
    np.testing.assert_allclose(ret, [0.71712, 0.846, 1.0])


def test_gae_lambda_one_is_discounted_return_minus_value():
    rng = np.random.default_rng(0)
    r, v = rng.normal(size=7), rng.normal(size=7)
    adv, _ = gae(r, v, gamma=0.8, lam=1.0, last_value=0.3)
    disc = [sum(0.8**k * r[t + k] for k in range(7 - t)) + 0.8 ** (7 - t) * 0.3 for t in range(7)]
    np.testing.assert_allclose(adv, np.array(disc) - v)


def test_gae_lambda_zero_is_one_step_td():
    adv, _ = gae([1.0, 2.0], [0.5, 0.25], gamma=0.5, lam=0.0, last_value=4.0)
    # delta_0 = 1 + 0.5*0.25 - 0.5 = 0.625 ; delta_1 = 2 + 0.5*4 - 0.25 = 3.75
    np.testing.assert_allclose(adv, [0.625, 3.75])


def test_place_step_rewards_on_last_generated_token():
    # tokens: step0 step0 env step1 step1 ; rewards 0.5 and 1.0 land on positions 1 and 4
    out = place_step_rewards([0.5, 1.0], [0, 0, -1, 1, 1], [1, 1, 0, 1, 1])
    np.testing.assert_allclose(out, [0, 0.5, 0, 0, 1.0])


def test_place_step_rewards_step_without_tokens_passes_reward_back():
    # step 1 generated nothing: its reward 2 joins step 0's last token (1 + 2 = 3)
    out = place_step_rewards([1, 2, 3], [0, 0, -1, 2, 2], [1, 1, 0, 1, 1])
    np.testing.assert_allclose(out, [0, 3, 0, 0, 3])
    # the first step generated nothing: its reward goes to the first generated token
    out = place_step_rewards([1, 2], [-1, 1, 1], [0, 1, 1])
    np.testing.assert_allclose(out, [0, 1, 2])


def test_token_level_skips_env_tokens():
    # generated g g | env e e | generated g g; step rewards 0.5 (step 0) and 1.0 (step 1)
    # compressed: r = [0, 0.5, 0, 1], V = [0.1, 0.2, 0.3, 0.4] (env-token values 9 ignored)
    # gamma = lambda = 1, terminal: A_t = reward-to-go - V_t = [1.5-0.1, 1.5-0.2, 1-0.3, 1-0.4]
    mask = [1, 1, 0, 0, 1, 1]
    rewards = place_step_rewards([0.5, 1.0], [0, 0, -1, -1, 1, 1], mask)
    res = token_level_gae(rewards, [0.1, 0.2, 9, 9, 0.3, 0.4], mask, gamma=1.0, lam=1.0)
    np.testing.assert_allclose(res.advantages, [1.4, 1.3, 0, 0, 0.7, 0.6])
    np.testing.assert_allclose(res.returns, [1.5, 1.5, 0, 0, 1.0, 1.0])
    assert res.value_mask.tolist() == [True, True, False, False, True, True]


def test_token_level_truncation_bootstraps():
    # same tokens, gamma 0.5, lambda 1, truncated with V(s_T) = 2:
    # t=3: delta = 1 + 0.5*2 - 0.4 = 1.6                  A = 1.6
    # t=2: delta = 0 + 0.5*0.4 - 0.3 = -0.1              A = -0.1 + 0.5*1.6 = 0.7
    # t=1: delta = 0.5 + 0.5*0.3 - 0.2 = 0.45            A = 0.45 + 0.5*0.7 = 0.8
    # t=0: delta = 0 + 0.5*0.2 - 0.1 = 0                 A = 0 + 0.5*0.8 = 0.4
    mask = [1, 1, 0, 0, 1, 1]
    rewards = [0, 0.5, 0, 0, 0, 1.0]
    res = token_level_gae(rewards, [0.1, 0.2, 9, 9, 0.3, 0.4], mask, 0.5, 1.0, last_value=2.0)
    np.testing.assert_allclose(res.advantages, [0.4, 0.8, 0, 0, 0.7, 1.6])


def test_token_level_rejects_reward_on_env_token():
    with pytest.raises(ValueError):
        token_level_gae([0, 1.0], [0, 0], [1, 0], 1.0, 1.0)


def test_turn_level_terminal_and_truncated():
    # r = [0, 0, 1], V = [0.2, 0.4, 0.8], gamma 0.9, lambda 0.5 (gamma*lambda = 0.45):
    # t=2: delta = 1 - 0.8 = 0.2                          A = 0.2
    # t=1: delta = 0.9*0.8 - 0.4 = 0.32                   A = 0.32 + 0.45*0.2 = 0.41
    # t=0: delta = 0.9*0.4 - 0.2 = 0.16                   A = 0.16 + 0.45*0.41 = 0.3445
    adv, ret = turn_level_gae([0, 0, 1], [0.2, 0.4, 0.8], gamma=0.9, lam=0.5)
    np.testing.assert_allclose(adv, [0.3445, 0.41, 0.2])
    np.testing.assert_allclose(ret, [0.5445, 0.81, 1.0])
    # truncated, V(s_3) = 1: t=2: delta = 1 + 0.9 - 0.8 = 1.1; A1 = 0.32 + 0.45*1.1 = 0.815;
    # A0 = 0.16 + 0.45*0.815 = 0.52675
    adv, _ = turn_level_gae([0, 0, 1], [0.2, 0.4, 0.8], 0.9, 0.5, last_value=1.0)
    np.testing.assert_allclose(adv, [0.52675, 0.815, 1.1])


def test_turn_level_from_tokens_uses_first_token_value():
    # step 0 = tokens 0-1, env token 2, step 1 = tokens 3-5; V(s_0) = 0.2, V(s_1) = 0.4
    # step rewards [0, 1], gamma 0.9, lambda 0.5:
    # A1 = 1 - 0.4 = 0.6 ; A0 = 0.9*0.4 - 0.2 + 0.45*0.6 = 0.43 ; G = [0.63, 1.0]
    res = turn_level_token_gae([0.0, 1.0], [0.2, 5, 0, 0.4, 7, 7], [0, 0, -1, 1, 1, 1],
                               [1, 1, 0, 1, 1, 1], gamma=0.9, lam=0.5)
    np.testing.assert_allclose(res.advantages, [0.43, 0.43, 0, 0.6, 0.6, 0.6])
    np.testing.assert_allclose(res.returns, [0.63, 0, 0, 1.0, 0, 0])
    assert res.value_mask.tolist() == [True, False, False, True, False, False]


def test_bilevel_gae():
    values = [0.2, 5, 0, 0.4, 7, 7]
    step_ids, mask = [0, 0, -1, 1, 1, 1], [1, 1, 0, 1, 1, 1]
    # turn level as above: G = [0.63, 1.0]. Token level with gamma = lambda = 1 inside a turn:
    # A_j = G_t - V_j: step 0 -> [0.63-0.2, 0.63-5] ; step 1 -> [1-0.4, 1-7, 1-7]
    res = bilevel_gae([0.0, 1.0], values, step_ids, mask, 0.9, 0.5, 1.0, 1.0)
    np.testing.assert_allclose(res.advantages, [0.43, -4.37, 0, 0.6, -6, -6])
    np.testing.assert_allclose(res.returns, [0.63, 0.63, 0, 1.0, 1.0, 1.0])
    # within-turn gamma = lambda = 0.5 (product 0.25), step 1: r = [0, 0, 1], V = [0.4, 7, 7]
    # t=2: delta = 1 - 7 = -6                             A = -6
    # t=1: delta = 0.5*7 - 7 = -3.5                       A = -3.5 + 0.25*(-6) = -5
    # t=0: delta = 0.5*7 - 0.4 = 3.1                      A = 3.1 + 0.25*(-5) = 1.85
    res = bilevel_gae([0.0, 1.0], values, step_ids, mask, 0.9, 0.5, 0.5, 0.5)
    np.testing.assert_allclose(res.advantages[3:], [1.85, -5, -6])


def test_whiten_over_generated_tokens_only():
    # generated values [1, 2, 3]: mean 2, population std sqrt(2/3); the env token (99) is ignored
    out = whiten([1, 2, 99, 3], [1, 1, 0, 1])
    s = np.sqrt(2 / 3)
    np.testing.assert_allclose(out, [-1 / s, 0, 0, 1 / s], rtol=1e-6)
