"""PPO smoke runs on a tiny random Qwen2 built from config: parameters change, losses stay
finite, a simple reward is learnt, LoRA/separate-critic/window variants run, resume is exact."""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch

from trainers.ppo.advantages import compute_advantages
from trainers.ppo.batch import collate
from trainers.ppo.config import PPOConfig
from trainers.ppo.gae import turn_level_token_gae
from trainers.ppo.model import ActorCritic
from trainers.ppo.trainer import PPOTrainer
from trainers.schedules.ads import ADSSchedule
from trainers.schedules.curriculum import make_curriculum
from trainers.trajectory import StepRecord, TokenSample, Trajectory

from .test_ppo_losses import tiny_model

TARGET = 7  # the token the synthetic task rewards
ENV_TOKENS = [5, 6]  # an "observation" between the two turns (loss mask 0)


class SampledSource:
    """Two-turn episodes sampled from the policy itself: prompt [1, 2, 3], turn 0 (4 tokens),
    env tokens, turn 1 (4 tokens). Each turn's reward: the fraction of its tokens == TARGET.
    ``window`` mode makes one sample per turn. The horizon option, if given, sets the turns."""

    def __init__(self, model: Any, num_episodes: int = 6, window: bool = False, seed: int = 0):
        self.model, self.n, self.window, self.seed = model, num_episodes, window, seed

    @torch.no_grad()
    def _sample(self, prefix: list[int], k: int, gen: torch.Generator) -> tuple[list[int], list[float]]:
        ids, lps = list(prefix), []
        for _ in range(k):
            logits = self.model(torch.tensor([ids])).logits[0, -1]
            logp = torch.log_softmax(logits, dim=-1)
            tok = int(torch.multinomial(logp.exp(), 1, generator=gen))
            ids.append(tok)
            lps.append(float(logp[tok]))
        return ids[len(prefix):], lps

    def _episode(self, i: int, turns: int, gen: torch.Generator) -> Trajectory:
        prompt, completion, mask, lps, sids, steps, samples = [1, 2, 3], [], [], [], [], [], []
        for t in range(turns):
            context = prompt + completion if not self.window else prompt + ENV_TOKENS * t
            toks, lp = self._sample(context, 4, gen)
            reward = sum(tok == TARGET for tok in toks) / 4
            steps.append(StepRecord(t, f"obs{t}", "", "a", reward, t == turns - 1, False, True))
            if self.window:
                samples.append(TokenSample(prompt + ENV_TOKENS * t, toks, [1] * 4, lp, [t] * 4))
                continue
            completion += toks
            mask += [1] * 4
            lps += lp
            sids += [t] * 4
            if t < turns - 1:
                completion += ENV_TOKENS
                mask += [0, 0]
                lps += [0.0, 0.0]
                sids += [-1, -1]
        if not self.window:
            samples = [TokenSample(prompt, completion, mask, lps, sids)]
        return Trajectory(f"e{i}", f"g{i}", "synthetic", f"task{i}", i, steps, samples,
                          context_mode="window" if self.window else "concat",
                          won=steps[-1].reward > 0.5, stop_reason="terminated")

    def train(self, update: int, options: dict[str, Any] | None) -> list[Trajectory]:
        gen = torch.Generator().manual_seed(self.seed * 100_003 + update)
        turns = int((options or {}).get("horizon", 2))
        return [self._episode(i, turns, gen) for i in range(self.n)]

    def evaluate(self, options: dict[str, Any] | None) -> list[Trajectory]:
        return self.train(10_000, options)


def make_trainer(tmp_path, model=None, source=None, **overrides) -> PPOTrainer:
    torch.set_num_threads(1)
    fields = dict(output_dir=str(tmp_path), num_updates=2, update_epochs=2, num_minibatches=2,
                  learning_rate=3e-3, critic_learning_rate=3e-3, save_every=0, kl_coef=0.01)
    fields.update(overrides)
    cfg = PPOConfig(**fields)
    model = model or tiny_model()
    peft = False
    if cfg.use_lora:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8,
                                                 target_modules=["q_proj", "v_proj"]))
        peft = True
    ac = ActorCritic(model, critic=cfg.critic, use_reference=cfg.kl_coef > 0, peft=peft)
    src = source or SampledSource(ac.policy, window=cfg.context_mode == "window")
    return PPOTrainer(cfg, ac, src, pad_id=0)


def snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in module.named_parameters() if p.requires_grad}


@pytest.mark.parametrize("level", ["token", "turn", "bilevel"])
def test_smoke_changes_parameters_and_stays_finite(tmp_path, level):
    trainer = make_trainer(tmp_path, advantage_level=level)
    before = snapshot(trainer.ac)
    history = trainer.train()
    after = snapshot(trainer.ac)
    assert len(history) == 2
    for m in history:
        for key in ("policy_loss", "value_loss", "entropy", "kl_ref", "loss"):
            assert torch.isfinite(torch.tensor(m[key])), key
    changed = [n for n in before if not torch.equal(before[n], after[n])]
    assert any("value_head" in n for n in changed) and any("policy" in n for n in changed)
    assert (tmp_path / "config.yaml").exists() and (tmp_path / "curves.png").exists()
    assert (tmp_path / "checkpoint-2" / "trainable.pt").exists()


def test_variants_lora_separate_critic_window_kl_loss(tmp_path):
    for i, kw in enumerate([dict(use_lora=True), dict(critic="separate", kl_mode="loss"),
                            dict(context_mode="window", advantage_level="bilevel")]):
        trainer = make_trainer(tmp_path / str(i), num_updates=1, **kw)
        before = snapshot(trainer.ac)
        trainer.train()
        after = snapshot(trainer.ac)
        assert any(not torch.equal(before[n], after[n]) for n in before if "value_head" not in n)
        if kw.get("use_lora"):  # only adapters train; the reference is the adapters disabled
            assert all("lora_" in n for n in before if "value_head" not in n)


def test_ppo_learns_the_synthetic_reward(tmp_path):
    # 15 updates of PPO on 8 episodes each raise the episode reward (share of TARGET tokens in
    # two 4-token turns, a 32-token vocabulary: ~0.06 at random) far above its start; seeds
    # 0-3 measured 0.04-0.10 -> 0.87-1.60 (first vs last three updates)
    model = tiny_model()
    trainer = make_trainer(tmp_path, model=model, source=SampledSource(model, num_episodes=8),
                           num_updates=15, update_epochs=4, kl_coef=0.0,
                           advantage_level="turn", gamma=1.0, lam=1.0)
    history = trainer.train()
    first = sum(h["reward_mean"] for h in history[:3]) / 3
    last = sum(h["reward_mean"] for h in history[-3:]) / 3
    assert last > first + 0.5, (first, last)


def test_resume_is_exact(tmp_path):
    straight = make_trainer(tmp_path / "a", num_updates=2)
    straight.train()
    first = make_trainer(tmp_path / "b", num_updates=1)
    first.train()
    resumed = make_trainer(tmp_path / "b", num_updates=2)
    resumed.train()
    assert resumed.update == 2
    a, b = snapshot(straight.ac), snapshot(resumed.ac)
    for n in a:
        torch.testing.assert_close(a[n], b[n], rtol=1e-5, atol=1e-6)
    lines = (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(ln)["update"] for ln in lines] == [1, 2]


def test_ads_and_gated_curriculum_drive_the_loop(tmp_path):
    demos = {f"task{i}": [["obs0", "obs1", "obs2", "obs3", "obs4"]] for i in range(6)}
    ads = ADSSchedule(demos)  # H = 5, k0 = 1, gamma 0.2
    trainer = make_trainer(tmp_path, discount="ads", curriculum="gated", gate_threshold=0.0,
                           horizons=[1, 2, 3], num_updates=2)
    trainer.discount = ads
    trainer.curriculum = make_curriculum("gated", horizons=(1, 2, 3), threshold=0.0)
    history = trainer.train()
    # update 1, h = 1: episodes see only obs0 (score 1). k=1: q90 = 1 >= floor(0.9) = 0 -> 2;
    # k=2: 1 >= floor(1.8) = 1 -> 3; k=3: 1 < floor(2.7) = 2 -> stop. gamma used: 0.2^(1/1)
    assert history[0]["ads_k"] == 3 and history[0]["gamma"] == pytest.approx(0.2)
    # update 2, h = 3: obs0..obs2 (score 3). k=3: 3 >= 2 -> 4; k=4: 3 >= floor(3.6) -> 5 = H
    assert history[1]["gamma"] == pytest.approx(0.2 ** (1 / 3)) and history[1]["ads_k"] == 5
    # threshold 0: every eval passes, so the gated horizon climbs to the top in the first eval
    assert history[0]["curriculum_horizon"] == 3 and history[1]["option_horizon"] == 3


def test_advantages_concat_equal_gae_on_concatenated_tokens():
    steps = [StepRecord(0, "o", "", "a", 0.0, False, False, True),
             StepRecord(1, "o", "", "a", 1.0, False, True, True)]
    sample = TokenSample([1], [4, 5, 6, 7, 8], [1, 1, 0, 1, 1], [0.0] * 5, [0, 0, -1, 1, 1])
    traj = Trajectory("t", "g", "e", "k", 0, steps, [sample], stop_reason="truncated")
    batch = collate([traj], pad_id=0)
    values = torch.tensor([[0.2, 0.3, 0.0, 0.4, 0.5]])
    out = compute_advantages([traj], batch, values, torch.tensor([0.9]), "turn", 0.9, 0.5,
                             whiten_advantages=False)
    ref = turn_level_token_gae([0.0, 1.0], values[0].numpy(), sample.step_ids, sample.loss_mask,
                               0.9, 0.5, last_value=0.9)  # truncated: bootstrap 0.9
    assert out.advantages[0].tolist() == pytest.approx(ref.advantages.tolist())
    # by hand: A1 = 1 + 0.9*0.9 - 0.4 = 1.41 ; A0 = 0.9*0.4 - 0.2 + 0.45*1.41 = 0.7945
    assert out.advantages[0, 0].item() == pytest.approx(0.7945)
    assert out.advantages[0, 3].item() == pytest.approx(1.41)


def test_invalid_penalty_lowers_the_invalid_steps_reward():
    # step 0 invalid (penalty 0.1), step 1 valid with reward 1; terminal, so no bootstrap
    steps = [StepRecord(0, "o", "", "a", 0.0, False, False, False),
             StepRecord(1, "o", "", "a", 1.0, True, False, True)]
    sample = TokenSample([1], [4, 5, 6, 7], [1, 1, 1, 1], [0.0] * 4, [0, 0, 1, 1])
    traj = Trajectory("t", "g", "e", "k", 0, steps, [sample])
    batch = collate([traj], pad_id=0)
    values = torch.tensor([[0.2, 0.2, 0.5, 0.5]])
    out = compute_advantages([traj], batch, values, torch.tensor([0.0]), "turn", 0.9, 1.0,
                             whiten_advantages=False, invalid_penalty=0.1)
    # by hand, turn level, lambda 1: A1 = 1 - 0.5 = 0.5 ; A0 = -0.1 + 0.9*1 - 0.2 = 0.6
    assert out.advantages[0, 2].item() == pytest.approx(0.5)
    assert out.advantages[0, 0].item() == pytest.approx(0.6)
    plain = compute_advantages([traj], batch, values, torch.tensor([0.0]), "turn", 0.9, 1.0,
                               whiten_advantages=False)
    assert plain.advantages[0, 0].item() == pytest.approx(0.7)  # no penalty: 0.9 - 0.2


def _one_step_traj(traj_id: str, reward: float) -> Trajectory:
    steps = [StepRecord(0, "o", "", "a", reward, True, False, True)]
    return Trajectory(traj_id, "g", "e", "k", 0, steps, [TokenSample([1], [4, 5], [1, 1], [0.0] * 2, [0, 0])])


def test_zero_variance_batch_is_not_whitened():
    # an all-success batch: the advantages are only the critic's error (1 - V); whitening them
    # would turn that bias into unit-size pushes in both directions, so they stay raw
    trajs = [_one_step_traj("a", 1.0), _one_step_traj("b", 1.0)]
    batch = collate(trajs, pad_id=0)
    values = torch.tensor([[0.6, 0.6], [0.8, 0.8]])
    out = compute_advantages(trajs, batch, values, torch.zeros(2), "turn", 0.9, 1.0)
    assert not out.whitened
    assert out.advantages[:, 0].tolist() == pytest.approx([0.4, 0.2])  # 1 - V, by hand
    # one failure among them: the returns vary, so the advantages are whitened
    trajs[1] = _one_step_traj("b", 0.0)
    out = compute_advantages(trajs, collate(trajs, pad_id=0), values, torch.zeros(2), "turn",
                             0.9, 1.0)
    assert out.whitened
    gen = out.advantages[batch.loss_mask]
    assert gen.mean().item() == pytest.approx(0.0, abs=1e-6)
    assert gen.std(unbiased=False).item() == pytest.approx(1.0, abs=1e-5)
