"""Action scoring (GLAM): scores against a direct forward pass, the engine's records, and the
trainers' log pi(chosen action) against a hand computation from the same scores."""

from __future__ import annotations

import copy

import pytest
import torch

from agents import LLMAgent
from tests.agents.tiny import tiny_pair
from tests.conftest import TOY_ID
from trainers.action_scoring import action_log_policy, choose, score_actions
from trainers.rollout import RolloutConfig, RolloutEngine


def _direct_score(model, prompt, cand):
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([prompt + cand])).logits.float()
    logp = torch.log_softmax(logits[0], dim=-1)
    return sum(logp[len(prompt) - 1 + j, tok].item() for j, tok in enumerate(cand))


def test_scores_equal_a_direct_forward_pass_in_every_chunking():
    model, _ = tiny_pair()
    model.eval()
    prompts = [[5, 6, 7, 8, 9], [10, 11, 12], [3] * 20]
    cands = [[[20, 21], [22], [23, 24, 25]], [[30]], [[40, 41, 42, 43], [44, 45]]]
    for budget in (4, 30, 16384):  # one row per forward, mixed, all rows together
        with torch.no_grad():
            out = score_actions(model, prompts, cands, pad_id=0, want_hidden=True,
                                max_tokens=budget)
        for b, (p, cs) in enumerate(zip(prompts, cands)):
            for k, c in enumerate(cs):
                assert out.scores[b][k].item() == pytest.approx(_direct_score(model, p, c), abs=1e-4)
                assert out.token_logprobs[b][k].sum().item() == pytest.approx(out.scores[b][k].item())
        with torch.no_grad():
            hidden = model(input_ids=torch.tensor([prompts[2]]),
                           output_hidden_states=True).hidden_states[-1][0, -1]
        assert torch.allclose(out.hidden[2], hidden, atol=1e-5)
    mean = score_actions(model, prompts[:1], cands[:1], pad_id=0, normalize="mean")
    summed = score_actions(model, prompts[:1], cands[:1], pad_id=0)
    assert torch.allclose(mean.scores[0], summed.scores[0] / torch.tensor([2.0, 1.0, 3.0]))


def test_policy_is_a_softmax_and_greedy_is_the_argmax():
    scores = torch.tensor([-3.0, -1.0, -2.0])
    assert action_log_policy(scores, 1.0).exp().sum().item() == pytest.approx(1.0)
    assert action_log_policy(scores, 2.0).tolist() == pytest.approx(
        torch.log_softmax(scores / 2, dim=-1).tolist())
    assert choose(scores, 0.0, None) == 1
    gen = torch.Generator().manual_seed(0)
    draws = [choose(scores, 1.0, gen) for _ in range(2000)]
    assert draws.count(1) / 2000 == pytest.approx(action_log_policy(scores, 1.0).exp()[1].item(),
                                                  abs=0.04)


def test_engine_scores_admissible_actions_and_records_the_choice():
    model, tok = tiny_pair()
    agent = LLMAgent(copy.deepcopy(model), tok, prompt_format="plain")
    engine = RolloutEngine(agent, TOY_ID, config=RolloutConfig(
        context_mode="window", action_mode="score", max_steps=3, temperature=1.0))
    trajs = engine.run([0, 1], group_size=2, generation_seed=3)
    for traj in trajs:
        for step, sample in zip(traj.steps, traj.samples):
            assert step.action_valid  # only admissible actions are ever sent
            names = ["add 1", "add 2", "add 3"]
            assert step.action == names[sample.chosen]
            assert sample.completion_ids == sample.candidates[sample.chosen]
            assert tok.decode(sample.completion_ids[:-1]) == step.action
            assert sample.completion_ids[-1] == engine.pieces.stop_token_id
            direct = _direct_score(agent.model, sample.prompt_ids, sample.completion_ids)
            assert sample.candidate_scores[sample.chosen] == pytest.approx(direct, abs=1e-4)
            assert sum(sample.logprobs) == pytest.approx(direct, abs=1e-4)
    again = engine.run([0, 1], group_size=2, generation_seed=3)
    assert [s.action for t in again for s in t.steps] == [s.action for t in trajs for s in t.steps]


def test_score_mode_is_refused_where_it_cannot_work():
    model, tok = tiny_pair()
    with pytest.raises(ValueError, match="context_mode='window'"):
        RolloutConfig(action_mode="score")
    with pytest.raises(ValueError, match="admissible"):
        RolloutEngine(LLMAgent(model, tok), "stepgym/ToolUse-v0",
                      config=RolloutConfig(context_mode="window", action_mode="score"))
    with pytest.raises(ValueError, match="action_mode"):
        RolloutConfig(context_mode="window", action_mode="pick")


def _scored_trajectories():
    model, tok = tiny_pair()
    agent = LLMAgent(copy.deepcopy(model), tok, prompt_format="plain")
    engine = RolloutEngine(agent, TOY_ID, config=RolloutConfig(
        context_mode="window", action_mode="score", max_steps=2, temperature=1.0))
    return agent, engine.run([0, 1], group_size=2)


def test_ppo_scored_batch_log_pi_matches_the_sampling_scores():
    from trainers.ppo.batch import collate, select_rows
    from trainers.ppo.model import ActorCritic

    agent, trajs = _scored_trajectories()
    batch = collate(trajs, pad_id=0)
    assert batch.scored and batch.completion_ids.shape[1] == 1
    ac = ActorCritic(agent.model, use_reference=True)
    out = ac.forward_batch(batch, temperature=1.0, values=True, entropy=True)
    samples = [s for t in trajs for s in t.samples]
    for row, s in enumerate(samples):
        expected = action_log_policy(torch.tensor(s.candidate_scores), 1.0)
        assert out.logprobs[row, 0].item() == pytest.approx(expected[s.chosen].item(), abs=1e-4)
        ent = -(expected.exp() * expected).sum().item()
        assert out.entropy[row, 0].item() == pytest.approx(ent, abs=1e-4)
    ref = ac.reference_logprobs(batch, 1.0)  # a frozen copy of the same weights
    assert torch.allclose(ref, out.logprobs.detach(), atol=1e-5)
    # every candidate gets gradient through the normaliser
    out.logprobs[0, 0].backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in agent.model.parameters())
    sub = select_rows(batch, [2, 0])
    assert sub.choices == [batch.choices[2], batch.choices[0]]


def test_grpo_scored_batch_and_logps():
    from trainers.grpo import scored_logps_and_entropies, scored_training_batch

    agent, trajs = _scored_trajectories()
    advantages = [[[0.5] * len(s.completion_ids) for s in t.samples] for t in trajs]
    out = scored_training_batch(trajs, advantages, pad_id=0, temperature=1.0, multiple=3)
    rows = sum(len(t.samples) for t in trajs)
    assert out["prompt_ids"].shape[0] % 3 == 0 and out["action_choices"][rows:] == [None] * (
        out["prompt_ids"].shape[0] - rows)
    ids = torch.cat([out["prompt_ids"], out["completion_ids"]], dim=1)
    mask = torch.cat([out["prompt_mask"], out["completion_mask"]], dim=1)
    logps, ent, _ = scored_logps_and_entropies(agent.model, ids, mask, 1, out["action_choices"],
                                               1.0)
    assert torch.allclose(logps[:rows], out["sampling_per_token_logps"][:rows], atol=1e-4)
    assert (logps[rows:] == 0).all() and (ent[:rows] > 0).all()
    assert out["advantages"][:rows].eq(0.5).all() and out["tool_mask"][rows:].eq(0).all()
