"""GiGPO credit against hand-computed numbers (style of SB3's tests/test_gae.py)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.trainers.credit_fixtures import make_traj
from trainers.credit import make_credit
from trainers.credit.gigpo import similarity_clusters
from trainers.schedules.discount import ConstantDiscount

R2 = 1.0 / np.sqrt(2.0)  # (x - mean) / std for either member of a group of two distinct values


def _group(s0: str = "s0", s0b: str = "s0"):
    # A: states s0 -> s1, rewards 0, 1 (all valid)
    # B: states s0 -> s2 -> s1, rewards 0, 0, 0, step 1 invalid
    return [
        make_traj("A", "g", [0.0, 1.0], states=[s0, "s1"]),
        make_traj("B", "g", [0.0, 0.0, 0.0], states=[s0b, "s2", "s1"],
                  valid=[True, False, True]),
    ]


def test_gigpo_no_std_by_hand():
    # penalty 0.1 on B's invalid step: B's rewards 0, -0.1, 0.
    # Episode returns: A = 1, B = -0.1; mean 0.45 -> A^E = +0.55 / -0.55.
    # Step returns, gamma 0.5:  A: R1 = 1, R0 = 0 + 0.5 * 1 = 0.5
    #                           B: R2 = 0, R1 = -0.1, R0 = 0 + 0.5 * -0.1 = -0.05
    # Anchor groups: s0 {A0 0.5, B0 -0.05} mean 0.225 -> +0.275 / -0.275
    #                s1 {A1 1, B2 0} mean 0.5 -> +0.5 / -0.5;  s2 {B1} alone -> 0
    # A = A^E + 1 * A^S: A = [0.825, 1.05]; B = [-0.825, -0.55, -1.05]
    credit = make_credit("gigpo", gamma=0.5, scale_std=False)
    adv = credit.step_advantages(_group())
    np.testing.assert_allclose(adv[0], [0.825, 1.05], atol=1e-9)
    np.testing.assert_allclose(adv[1], [-0.825, -0.55, -1.05], atol=1e-9)
    stats = credit.stats()
    assert stats["anchor_groups"] == 3 and stats["gamma"] == 0.5


def test_gigpo_std_scaled_by_hand():
    # Every group of two distinct values normalises to +-1/sqrt(2) (unbiased std = |d|/sqrt 2):
    # A = [R2 + R2, R2 + R2]; B = [-R2 - R2, -R2 + 0, -R2 - R2]
    adv = make_credit("gigpo", gamma=0.5).step_advantages(_group())
    np.testing.assert_allclose(adv[0], [2 * R2, 2 * R2], atol=1e-5)
    np.testing.assert_allclose(adv[1], [-2 * R2, -R2, -2 * R2], atol=1e-5)


def test_gigpo_step_weight_and_schedule():
    # w = 0.5 halves A^S: A = [0.55 + 0.1375, 0.55 + 0.25]; a schedule object gives gamma.
    credit = make_credit("gigpo", gamma=ConstantDiscount(0.5), step_weight=0.5, scale_std=False)
    adv = credit.step_advantages(_group())
    np.testing.assert_allclose(adv[0], [0.6875, 0.8], atol=1e-9)
    # a callable works too (a later schedule may change gamma between calls)
    adv2 = make_credit("gigpo", gamma=lambda: 0.5, scale_std=False).step_advantages(_group())
    np.testing.assert_allclose(adv2[0], [0.825, 1.05], atol=1e-9)


def test_gigpo_default_gamma_095():
    # gamma 0.95, no penalty effect on A: A0 return = 0.95; B0 = 0.95 * -0.1 = -0.095
    # s0 group: mean (0.95 - 0.095) / 2 = 0.4275 -> A0: +0.5225; A^E = 0.55 -> 1.0725
    adv = make_credit("gigpo", scale_std=False).step_advantages(_group())
    np.testing.assert_allclose(adv[0][0], 1.0725, atol=1e-9)


def test_gigpo_similarity_matching():
    # "room A, holding nothing" vs "room A, holding nothing!": ratio = 2*23/47 = 0.979 >= 0.95,
    # so they form one anchor group and give the exact-match numbers; exact matching
    # splits them into two singleton groups (A^S = 0 there): A0 = 0.55, B0 = -0.55.
    a, b = "room A, holding nothing", "room A, holding nothing!"
    sim = make_credit("gigpo", gamma=0.5, scale_std=False, matching="similarity",
                      similarity_threshold=0.95).step_advantages(_group(a, b))
    np.testing.assert_allclose(sim[0], [0.825, 1.05], atol=1e-9)
    exact = make_credit("gigpo", gamma=0.5, scale_std=False).step_advantages(_group(a, b))
    np.testing.assert_allclose([exact[0][0], exact[1][0]], [0.55, -0.55], atol=1e-9)


def test_similarity_clusters():
    assert similarity_clusters(["abcdefghij", "abcdefghiX", "zzz", "abcdefghij"], 0.85) == [
        0, 0, 1, 0]
    with pytest.raises(ValueError):
        make_credit("gigpo", matching="fuzzy")


def test_groups_do_not_mix():
    # the same state key in another task group is a different anchor
    batch = [*_group(), make_traj("C", "h", [1.0], states=["s0"])]
    adv = make_credit("gigpo", gamma=0.5, scale_std=False).step_advantages(batch)
    np.testing.assert_allclose(adv[0], [0.825, 1.05], atol=1e-9)
    np.testing.assert_allclose(adv[2], [0.0])
