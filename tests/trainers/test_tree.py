"""Tree rollouts (PORTool, arXiv 2510.26020): the growth rule, exact forks, tokens of shared
steps recorded once, on the toy counting env with a random tiny policy."""

from __future__ import annotations

from collections import Counter

import gymnasium as gym
import pytest

from agents import LLMAgent
from tests.agents.tiny import tiny_pair
from tests.conftest import TOY_ID
from trainers.rollout import RolloutConfig, RolloutEngine
from trainers.tree import TreeConfig, TreeRolloutEngine, tree_nodes


def _tree(mode: str, action_mode: str, n: int = 6, f: int = 2, max_steps: int = 8,
          seeds=(0, 1, 2), generation_seed: int = 3):
    model, tok = tiny_pair("chatml")
    cfg = RolloutConfig(context_mode=mode, max_new_tokens=5, max_steps=max_steps,
                        action_mode=action_mode, temperature=1.0)
    engine = RolloutEngine(LLMAgent(model, tok), TOY_ID, config=cfg)
    tree = TreeRolloutEngine(engine, TreeConfig(n=n, branching=f))
    return tree, tree.run(list(seeds), generation_seed=generation_seed)


def _action_mode(mode: str) -> str:
    return "score" if mode == "window" else "generate"  # scoring needs window mode


@pytest.mark.parametrize("mode,action_mode", [("window", "score"), ("window", "generate"),
                                              ("concat", "generate")])
def test_growth_rule_exact_leaves_branching_and_depth(mode, action_mode):
    tree, trajs = _tree(mode, action_mode)
    groups = Counter(t.group_id for t in trajs)
    assert list(groups.values()) == [6, 6, 6]  # exactly n leaves per query
    nodes = tree_nodes(trajs)
    children = Counter(v["parent"] for v in nodes.values())
    roots = Counter(v["group"] for v in nodes.values() if v["parent"] is None)
    assert all(c <= 6 for c in roots.values())
    assert all(c <= 2 for p, c in children.items() if p is not None)  # at most f children
    assert max(t.num_steps for t in trajs) <= 8  # the depth cap
    assert all(t.stop_reason in ("terminated", "max_steps", "truncated") for t in trajs)
    assert tree.stats.leaves == 18 and tree.stats.nodes == len(nodes)
    # something branched: some node has two kept children
    assert max(c for p, c in children.items() if p is not None) == 2


@pytest.mark.parametrize("mode", ["window", "concat"])
def test_forks_reproduce_the_parents_state(mode):
    """Replaying any leaf's actions from reset gives the observations and rewards it saw."""
    _, trajs = _tree(mode, _action_mode(mode))
    env = gym.make(TOY_ID)
    for traj in trajs:
        obs, _ = env.reset(seed=traj.seed)
        for step in traj.steps:
            assert step.observation == obs
            obs, reward, *_ = env.step(step.action)
            assert reward == step.reward


@pytest.mark.parametrize("mode", ["window", "concat"])
def test_shared_steps_tokens_recorded_once(mode):
    _, trajs = _tree(mode, _action_mode(mode))
    by_id = {t.traj_id: t for t in trajs}
    owned = Counter()
    for t in trajs:
        steps = {i for s in t.samples for i, m in zip(s.step_ids, s.loss_mask) if m and i >= 0}
        first = t.fork_step or 0
        assert steps == set(range(first, t.num_steps))  # a suffix of its steps
        owned.update(t.meta["tree_path"][i] for i in steps)
        if t.parent is not None:
            parent = by_id[t.parent]
            assert t.meta["tree_path"][:first] == parent.meta["tree_path"][:first]
            if mode == "concat":
                # the shared prefix is the prompt: the parent's tokens up to its step `first`
                p = parent.samples[0]
                cut = parent.meta["turn_offsets"][first - (parent.fork_step or 0)]
                assert t.samples[0].prompt_ids == p.prompt_ids + p.completion_ids[:cut]
    nodes = tree_nodes(trajs)
    assert set(owned) == set(nodes) and set(owned.values()) == {1}  # each step trained once


def test_tree_rollouts_are_seeded():
    _, a = _tree("window", "score")
    _, b = _tree("window", "score")
    assert [t.to_json() for t in a] == [t.to_json() for t in b]


def test_tree_config_is_validated():
    with pytest.raises(ValueError):
        TreeConfig(n=0)


# ---------------------------------------------------------------------- the portool credit
def _hand_tree():
    """Leaves L0 [a, c] won, L1 [a, d] lost, L2 [b, e] won; L0 owns a's tokens."""
    from tests.trainers.credit_fixtures import make_traj
    from trainers.trajectory import TokenSample

    l0 = make_traj("L0", "g", [0.0, 1.0])
    l1 = make_traj("L1", "g", [0.0, 0.0])
    l2 = make_traj("L2", "g", [0.0, 1.0])
    for t, path in ((l0, ["a", "c"]), (l1, ["a", "d"]), (l2, ["b", "e"])):
        t.meta["tree_path"] = path
    l1.won = False
    l1.parent, l1.fork_step = "L0", 1
    s = l1.samples[0]  # L1 holds only its own step 1: [gen, gen, env]
    l1.samples = [TokenSample(s.prompt_ids + s.completion_ids[:3], s.completion_ids[3:],
                              s.loss_mask[3:], s.logprobs[3:], s.step_ids[3:])]
    l0.steps[1].info = {"tool_calls": 1, "failed_calls": 0}
    return [l0, l1, l2]


def test_portool_advantages_hand_computed():
    from trainers.credit import make_credit

    trajs = _hand_tree()
    # R: a 0.5, b 1, c 1, d 0, e 1; A_traj (centred): L0 1/3, L1 -2/3, L2 1/3
    credit = make_credit("portool", tool_weight=0.0, scale_std=False)
    adv = credit.step_advantages(trajs)
    assert adv[0] == pytest.approx([-1 / 6 - 0.25, 1 / 3 + 0.5])
    assert adv[1] == pytest.approx([-1 / 6 - 0.25, -2 / 3 - 0.5])
    assert adv[2] == pytest.approx([1 / 3 + 0.25, 1 / 3 + 0.0])  # e is an only child
    # the tool term (c made a good call: R(c) = 1.5), lambda 2 and a depth decay of 0.5
    credit = make_credit("portool", tool_weight=0.5, fork_weight=2.0, decay=0.5, scale_std=False)
    adv = credit.step_advantages(trajs)
    assert adv[0] == pytest.approx([-1 / 6 - 2 * 0.25, 1 / 3 + 2 * 0.5 * 0.75])
    assert adv[1][1] == pytest.approx(-2 / 3 - 2 * 0.5 * 0.75)


def test_portool_shared_step_tokens_trained_once():
    from trainers.credit import make_credit

    trajs = _hand_tree()
    credit = make_credit("portool", tool_weight=0.0, scale_std=False)
    tokens = credit.token_advantages(trajs)
    # node a is step 0 of L0 and L1; its 2 generated tokens are in L0 only, each with A(a)
    a_values = [float(x) for t, per in zip(trajs[:2], tokens[:2])
                for sample, values in zip(t.samples, per)
                for step, m, x in zip(sample.step_ids, sample.loss_mask, values)
                if step == 0 and m]
    assert a_values == pytest.approx([-5 / 12, -5 / 12])
    with pytest.raises(ValueError, match="tree_path"):
        make_credit("portool").step_advantages([trajs[0].__class__(
            "x", "g", "e", "k", 0, trajs[0].steps, trajs[0].samples)])
