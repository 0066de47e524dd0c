"""PPO loss terms against small computations worked out by hand, and the actor-critic's
token alignment against a direct forward pass."""

from __future__ import annotations

import math

import pytest
import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

from trainers.ppo.batch import collate
from trainers.ppo.losses import (
    entropy_from_logits,
    kl_k1,
    kl_k3,
    masked_mean,
    policy_loss,
    value_loss,
)
from trainers.ppo.model import ActorCritic
from trainers.trajectory import StepRecord, TokenSample, Trajectory


def test_policy_loss_hand_computed():
    # ratios 1.5, 0.5 (third token masked), A = [1, -1, (2)], clip 0.2:
    # token 0: max(-1*1.5, -1*1.2) = -1.2 ; token 1: max(0.5, 0.8) = 0.8 ; mean = -0.2
    logp = torch.tensor([math.log(1.5), math.log(0.5), 0.0])
    old = torch.zeros(3)
    adv = torch.tensor([1.0, -1.0, 2.0])
    mask = torch.tensor([True, True, False])
    loss, stats = policy_loss(logp, old, adv, mask, clip_range=0.2)
    assert float(loss) == pytest.approx(-0.2)
    assert float(stats["clipfrac"]) == pytest.approx(1.0)
    # approx KL (k3): (0.5 - ln 1.5 + (-0.5) - ln 0.5) / 2 = (0.094535 + 0.193147) / 2
    assert float(stats["approx_kl"]) == pytest.approx(0.143841, abs=1e-6)


def test_policy_loss_gradient_vanishes_when_clipped():
    logp = torch.tensor([math.log(1.5)], requires_grad=True)
    loss, _ = policy_loss(logp, torch.zeros(1), torch.ones(1), torch.ones(1, dtype=torch.bool), 0.2)
    loss.backward()
    assert float(logp.grad) == 0.0  # ratio 1.5 > 1.2 with A > 0: no incentive to go further


def test_dual_clip_bounds_negative_advantages():
    # ratio 10 (an action sampled at low probability that became likely), A = -1, clip 0.2:
    # plain PPO: max(10, 1.2) = 10 and the gradient grows with the ratio; dual clip c = 3:
    # min(10, 3) = 3 with no gradient. A > 0 rows are untouched by the dual clip.
    logp = torch.tensor([math.log(10.0), math.log(1.1)], requires_grad=True)
    adv, mask = torch.tensor([-1.0, 1.0]), torch.ones(2, dtype=torch.bool)
    plain, _ = policy_loss(logp, torch.zeros(2), adv, mask, 0.2)
    assert float(plain) == pytest.approx((10.0 - 1.1) / 2)
    loss, _ = policy_loss(logp, torch.zeros(2), adv, mask, 0.2, dual_clip=3.0)
    assert float(loss) == pytest.approx((3.0 - 1.1) / 2)
    loss.backward()
    assert float(logp.grad[0]) == 0.0 and float(logp.grad[1]) == pytest.approx(-1.1 / 2)
    # a ratio below c keeps the ordinary clipped objective
    small, _ = policy_loss(torch.tensor([math.log(2.0)]), torch.zeros(1), torch.tensor([-1.0]),
                           torch.ones(1, dtype=torch.bool), 0.2, dual_clip=3.0)
    assert float(small) == pytest.approx(2.0)


def test_value_loss_hand_computed():
    # V = [1, 0], V_old = [0.5, 0.5], R = [2, 0.4], clip 0.2:
    # token 0: (1-2)^2 = 1 vs (0.7-2)^2 = 1.69 -> 1.69 ; token 1: 0.16 vs (0.3-0.4)^2 -> 0.16
    v, old, ret = torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.5]), torch.tensor([2.0, 0.4])
    mask = torch.ones(2, dtype=torch.bool)
    assert float(value_loss(v, old, ret, mask, 0.2)) == pytest.approx(0.5 * (1.69 + 0.16) / 2)
    assert float(value_loss(v, old, ret, mask, None)) == pytest.approx(0.5 * (1 + 0.16) / 2)


def test_entropy_and_kl_estimators():
    logits = torch.tensor([[0.0, 0.0], [0.0, math.log(3.0)]])
    # uniform over 2: ln 2 ; probs (0.25, 0.75): -(0.25 ln 0.25 + 0.75 ln 0.75) = 0.562335
    assert entropy_from_logits(logits).tolist() == pytest.approx([math.log(2), 0.562335], abs=1e-6)
    # log pi = -1, log pi_ref = -2: k1 = 1, k3 = e^-1 + 1 - 1 = 0.367879
    assert float(kl_k1(torch.tensor(-1.0), torch.tensor(-2.0))) == pytest.approx(1.0)
    assert float(kl_k3(torch.tensor(-1.0), torch.tensor(-2.0))) == pytest.approx(0.367879, abs=1e-6)
    assert float(masked_mean(torch.tensor([1.0, 5.0]), torch.tensor([True, False]))) == 1.0


def tiny_model(seed: int = 0) -> Qwen2ForCausalLM:
    config = Qwen2Config(vocab_size=32, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return Qwen2ForCausalLM(config)


def test_actor_critic_aligns_tokens_and_ignores_padding():
    torch.set_num_threads(1)
    model = tiny_model().eval()
    long = TokenSample([1, 2, 3], [4, 5, 6, 7], [1, 1, 0, 1], [0.0] * 4, [0, 0, -1, 1])
    short = TokenSample([1, 2], [8, 9], [1, 1], [0.0] * 2, [0, 0])
    trajs = [Trajectory(f"t{i}", "g", "e", "k", 0, [StepRecord(0, "", "", "", 0, True, False, True)],
                        [s]) for i, s in enumerate([long, short])]
    batch = collate(trajs, pad_id=0)
    ac = ActorCritic(model, use_reference=False)
    out = ac.forward_batch(batch, temperature=2.0, entropy=True)
    for row, s in enumerate([long, short]):
        ids = torch.tensor([s.prompt_ids + s.completion_ids])
        with torch.no_grad():
            logp = torch.log_softmax(model(ids).logits[0] / 2.0, dim=-1)
        p = len(s.prompt_ids)
        expected = [float(logp[p + j - 1, tok]) for j, tok in enumerate(s.completion_ids)]
        n = len(s.completion_ids)
        assert out.logprobs[row, :n].tolist() == pytest.approx(expected, abs=1e-5)
    assert batch.loss_mask[0].tolist() == [True, True, False, True]
    assert batch.loss_mask[1].tolist() == [True, True, False, False]  # padding
    assert torch.isfinite(out.values).all() and out.last_values.shape == (2,)
