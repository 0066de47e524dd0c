"""h1 horizon curricula (arXiv 2510.07312) and the progress-gated variant."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from trainers.schedules.curriculum import (
    ConstantHorizon,
    FixedCurriculum,
    GatedCurriculum,
    UniformMix,
    make_curriculum,
)


def test_fixed_curriculum_200_steps_per_horizon():
    cur = make_curriculum("fixed")
    rng = np.random.default_rng(0)
    # steps 0-199 -> h1, 200-399 -> h2, ..., 800-999 -> h5, then stays at 5
    got = [cur.horizon(s, rng) for s in (0, 199, 200, 399, 400, 800, 999, 1000, 5000)]
    assert got == [1, 1, 2, 2, 3, 5, 5, 5, 5]
    assert cur.options(250, rng) == {"horizon": 2}


def test_fixed_curriculum_configurable():
    cur = FixedCurriculum(horizons=(2, 4, 6), steps_per_horizon=3, option_key="h")
    rng = np.random.default_rng(0)
    assert [cur.horizon(s, rng) for s in range(10)] == [2, 2, 2, 4, 4, 4, 6, 6, 6, 6]
    assert cur.batch_options(3, 2, rng) == [{"h": 4}, {"h": 4}]


def test_uniform_mix_is_uniform_and_seeded():
    cur = UniformMix((1, 2, 3, 4, 5))
    draws = [cur.horizon(0, np.random.default_rng(7)) for _ in range(3)]
    assert len(set(draws)) == 1  # same seed, same draw
    rng = np.random.default_rng(0)
    counts = Counter(o["horizon"] for o in cur.batch_options(0, 5000, rng))
    assert set(counts) == {1, 2, 3, 4, 5}
    assert all(abs(c / 5000 - 0.2) < 0.03 for c in counts.values())


def test_constant_baselines():
    rng = np.random.default_rng(0)
    assert make_curriculum("only_h1", horizons=(1, 2, 3)).horizon(999, rng) == 1
    assert make_curriculum("only_longest", horizons=(1, 2, 3)).horizon(0, rng) == 3
    assert isinstance(make_curriculum("only_longest"), ConstantHorizon)
    with pytest.raises(ValueError):
        make_curriculum("nope")


def test_gated_curriculum_raises_horizon_on_pass_rate():
    cur = GatedCurriculum((1, 2, 3, 4, 5), threshold=0.6)
    rng = np.random.default_rng(0)
    assert cur.update({1: 0.5})["horizon"] == 1  # 0.5 < 0.6: stay
    assert cur.update({1: 0.7})["horizon"] == 2  # 0.7 >= 0.6: up one (no rate at 2 yet)
    assert cur.eval_horizons() == (2, 3, 4, 5)
    # rates at 2 and 3 pass, 4 does not: 2 -> 3 -> 4 in one update
    rec = cur.update({2: 0.9, 3: 0.6, 4: 0.1})
    assert rec["horizon"] == 4 and rec["increments"] == 2
    assert cur.options(0, rng) == {"horizon": 4}
    cur.update({4: 1.0, 5: 1.0})
    assert cur.current == 5  # never past the last horizon
    fresh = GatedCurriculum((1, 2, 3, 4, 5), threshold=0.6)
    fresh.load_state_dict(cur.state_dict())
    assert fresh.current == 5 and len(fresh.history) == 4


def test_gated_max_increments():
    cur = GatedCurriculum((1, 2, 3, 4), threshold=0.5, max_increments=1)
    assert cur.update({1: 1.0, 2: 1.0, 3: 1.0})["horizon"] == 2
