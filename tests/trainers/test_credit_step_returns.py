"""Discounted step-return credit against hand-computed numbers."""

from __future__ import annotations

import numpy as np

from tests.trainers.credit_fixtures import make_traj
from trainers.credit import make_credit
from trainers.schedules.discount import ConstantDiscount


def _group():
    return [make_traj("A", "g", [0.0, 1.0]),
            make_traj("B", "g", [0.0, 0.0, 0.0], valid=[True, False, True])]


def test_step_returns_by_hand():
    # gamma 0.5: A returns [0 + 0.5 * 1, 1] = [0.5, 1]; B returns [0, 0, 0]
    # mean over the group's 5 steps = 1.5 / 5 = 0.3 -> A [0.2, 0.7]; B [-0.3, -0.3, -0.3]
    adv = make_credit("step_returns", gamma=0.5, scale_std=False).step_advantages(_group())
    np.testing.assert_allclose(adv[0], [0.2, 0.7], atol=1e-9)
    np.testing.assert_allclose(adv[1], [-0.3, -0.3, -0.3], atol=1e-9)


def test_step_returns_penalty_and_std():
    # penalty 0.1: B rewards [0, -0.1, 0] -> returns [-0.05, -0.1, 0]
    # all: 0.5, 1, -0.05, -0.1, 0; mean 1.35 / 5 = 0.27
    # deviations: 0.23, 0.73, -0.32, -0.37, -0.27; sum of squares = 0.0529 + 0.5329 + 0.1024
    # + 0.1369 + 0.0729 = 0.898; unbiased std = sqrt(0.898 / 4) = 0.473814
    credit = make_credit("step_returns", gamma=ConstantDiscount(0.5), invalid_penalty=0.1)
    adv = credit.step_advantages(_group())
    std = np.sqrt(0.898 / 4)
    np.testing.assert_allclose(adv[0], np.array([0.23, 0.73]) / std, atol=1e-5)
    np.testing.assert_allclose(adv[1], np.array([-0.32, -0.37, -0.27]) / std, atol=1e-5)


def test_gamma_one_is_undiscounted():
    # gamma 1: A returns [1, 1], B [0, 0, 0]; mean 0.4 -> [0.6, 0.6], [-0.4] * 3
    adv = make_credit("step_returns", gamma=1.0, scale_std=False).step_advantages(_group())
    np.testing.assert_allclose(adv[0], [0.6, 0.6], atol=1e-9)
    np.testing.assert_allclose(adv[1], [-0.4, -0.4, -0.4], atol=1e-9)
