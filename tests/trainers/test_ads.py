"""ADS (arXiv 2310.07433): LIS, the progress recogniser, reference scores and the update rule,
against hand-worked numbers."""

from __future__ import annotations

import math

import gymnasium as gym
import pytest

from trainers.schedules.ads import (
    ADSSchedule,
    FuzzyMatcher,
    collect_expert_demos,
    exact_matcher,
    lis_length,
    progress_score,
    reference_scores,
)
from trainers.schedules.discount import DiscountSchedule, resolve_gamma
from trainers.trajectory import StepRecord, Trajectory


def make_traj(states: list[str], task_id: str = "t") -> Trajectory:
    steps = [StepRecord(i, s, "", "", 0.0, False, False, True) for i, s in enumerate(states)]
    return Trajectory(f"{task_id}-{'|'.join(states)}", "g", "env", task_id, 0, steps, [])


@pytest.mark.parametrize(("seq", "expected"), [
    ([3, 1, 2, 5, 4], 3),  # 1 2 4
    ([], 0),
    ([1, 1, 1], 1),  # strictly increasing
    ([0, 1, 2, 3], 4),
    ([5, 4, 3], 1),
    ([2, 0, 3, 1, 4, 2, 5], 4),  # 0 1 2 5 (or 2 3 4 5)
])
def test_lis_length(seq, expected):
    assert lis_length(seq) == expected


def test_exact_matcher_and_progress_score():
    expert = ["a", "b", "c"]
    # agent a x c b -> expert indices [0, 2, 1] (x matches nothing) -> LIS 2
    assert exact_matcher(["a", "x", "c", "b"], expert) == [0, 2, 1]
    assert progress_score(["a", "x", "c", "b"], expert, k=4, matcher=exact_matcher) == 2
    # only the first k = 2 agent states count: [a, x] -> [0] -> 1
    assert progress_score(["a", "x", "c", "b"], expert, k=2, matcher=exact_matcher) == 1


def test_fuzzy_matcher_tolerates_small_differences_only():
    expert = ["You are in the kitchen. You carry 3 apples.", "The door is open now.",
              "You see a red key on the table."]
    agent = ["you are in the kitchen, you carry 4 apples", "Nothing happens.",
             "You see a red key on the table"]
    assert FuzzyMatcher(90)(agent, expert) == [0, 2]


def test_reference_scores_median_over_expert_pairs():
    # D1 = a b c d, D2 = a c b d, D3 = a b d (ordered pairs, exact match):
    # k=1: every pair 1                                         -> median 1
    # k=2: D1|D2 [0,2]=2, D1|D3 2, D2|D1 [0,2]=2, D2|D3 [0]=1, D3|D1 2, D3|D2 2  -> 2
    # k=3: D1|D2 [0,2,1]=2, D1|D3 [0,1]=2, D2|D1 2, D2|D3 [0,1]=2, D3|D1 [0,1,3]=3,
    #      D3|D2 [0,2,3]=3                                       -> median 2
    # k=4: D1|D2 [0,2,1,3]=3, D1|D3 3, D2|D1 3, D2|D3 [0,1,2]=3, D3|D1 3, D3|D2 3 -> 3
    demos = {"t": [list("abcd"), list("acbd"), list("abd")]}
    assert reference_scores(demos, 4, exact_matcher).tolist() == [1, 2, 2, 3]


def test_reference_scores_single_demo_per_task_is_self_match():
    # no expert pairs: ref(k) = median over demos of min(k, len): k=3 -> median(3, 2) = 2.5
    demos = {"t1": [list("abc")], "t2": [list("xy")]}
    assert reference_scores(demos, 3, exact_matcher).tolist() == [1, 2, 2.5]


def test_initial_gamma_and_protocol():
    ads = ADSSchedule({"t": [[f"s{i}" for i in range(10)]]})
    assert ads.horizon == 10 and ads.k == 2  # k0 = floor(0.2 * 10)
    assert ads.gamma == pytest.approx(0.2 ** 0.5)  # 0.4472
    assert isinstance(ads, DiscountSchedule)
    assert resolve_gamma(ads) == ads() == ads.gamma
    assert resolve_gamma(0.9) == 0.9 and resolve_gamma(lambda: 0.5) == 0.5


def test_update_rule_hand_computed():
    expert = [f"s{i}" for i in range(10)]
    ads = ADSSchedule({"t": [expert]})  # one demo: ref(k) = k ; k0 = 2
    junk = [f"junk{i}" for i in range(10)]
    # 9 agents follow the expert for 3 steps, one for 5 steps
    trajs = [make_traj(expert[:3] + junk[:7]) for _ in range(9)] + [make_traj(expert[:5] + junk[:5])]
    # k=2: scores all 2, q90 = 2 >= floor(0.9*2) = 1 -> k=3
    # k=3: scores all 3, q90 = 3 >= floor(2.7) = 2 -> k=4
    # k=4: nine 3s and one 4: q90 = 3 + 0.1*(4-3) = 3.1 >= floor(3.6) = 3 -> k=5
    # k=5: nine 3s and one 5: q90 = 3 + 0.1*(5-3) = 3.2 <  floor(4.5) = 4 -> stop
    record = ads.update(trajs)
    assert record["k"] == 5 and record["increments"] == 3
    assert record["score_q"] == pytest.approx(3.2)
    assert record["gamma"] == pytest.approx(0.2 ** (1 / 5))  # 0.72478
    assert ads.update(trajs)["increments"] == 0
    assert [h["k"] for h in ads.history] == [5, 5]


def test_at_most_five_increments_and_never_past_horizon():
    expert = [f"s{i}" for i in range(10)]
    ads = ADSSchedule({"t": [expert]})
    trajs = [make_traj(expert) for _ in range(4)]
    assert ads.update(trajs)["k"] == 7  # 2 + 5
    assert ads.update(trajs)["k"] == 10  # capped at H = 10 (gate requires k < H)
    assert ads.update(trajs)["increments"] == 0
    state = ads.state_dict()
    fresh = ADSSchedule({"t": [expert]})
    fresh.load_state_dict(state)
    assert fresh.k == 10 and fresh.gamma == pytest.approx(0.2 ** 0.1)


def test_agents_scored_against_their_own_task():
    demos = {"t1": [["a", "b", "c"]], "t2": [["x", "y", "z"]]}
    ads = ADSSchedule(demos, k0=3)
    assert ads.agent_score(["x", "y", "z"], "t2", 3) == 3
    assert ads.agent_score(["x", "y", "z"], "t1", 3) == 0
    assert ads.agent_score(["x", "y", "z"], "unknown", 3) == 3  # no demo: all demos


def test_collect_expert_demos_from_env_oracle():
    gym.register("t/ADSCount-v0", entry_point="tests.helpers.toy_env:CountEnv",
                 max_episode_steps=20)
    try:
        demos = collect_expert_demos("t/ADSCount-v0", seeds=[0, 1, 2])
    finally:
        gym.registry.pop("t/ADSCount-v0")
    assert sum(len(g) for g in demos.values()) == 3
    for group in demos.values():
        for states in group:
            target = int(states[0].split()[2].rstrip("."))
            assert states[0].startswith("Reach exactly")
            assert len(states) == math.ceil(target / 3)  # the expert adds 3 until the last step
