"""AgentGRPOTrainer smoke tests on a tiny random Qwen2 and the toy counting env: the rollout
adapter's shapes and order, (B, T) credit advantages reaching TRL's loss, LoRA."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents import LLMAgent
from tests.agents.tiny import tiny_pair
from tests.conftest import TOY_ID
from trainers.config import AgentArguments
from trainers.grpo import build_trainer, pad_advantages, prompt_seed, task_prompt

pytestmark = pytest.mark.timeout(240)


def grpo_args(tmp_path, **kw):
    from trl import GRPOConfig

    base = dict(output_dir=str(tmp_path / "run"), num_generations=2,
                per_device_train_batch_size=4, max_steps=2, learning_rate=1e-3, beta=0.0,
                use_cpu=True, bf16=False, gradient_checkpointing=False, report_to=[],
                logging_steps=1, save_strategy="no", seed=0, temperature=1.0,
                max_completion_length=256, disable_tqdm=True)
    base.update(kw)
    return GRPOConfig(**base)


def model_args(**kw):
    from trl import ModelConfig

    return ModelConfig(model_name_or_path="tiny", **kw)


def agent_args(**kw):
    base = dict(env_id=TOY_ID, num_train_tasks=4, max_new_tokens=6, max_context_tokens=512,
                max_env_steps=3, credit="gigpo", credit_kwargs={"gamma": 0.9})
    base.update(kw)
    return AgentArguments(**base)


def fresh_agent(seed: int = 0) -> LLMAgent:
    model, tok = tiny_pair()
    import copy

    return LLMAgent(copy.deepcopy(model), tok, prompt_format="plain")


def test_prompt_seed_roundtrip():
    assert prompt_seed(task_prompt(17)) == 17


def test_pad_advantages():
    out = pad_advantages([[np.array([1.0, 2.0])], [np.array([3.0, 4.0, 5.0, 6.0])]], 3)
    assert out.tolist() == [[1.0, 2.0, 0.0], [3.0, 4.0, 5.0]]


@pytest.mark.parametrize("credit", ["grpo", "gigpo", "step_returns"])
def test_smoke_credit_advantages_replace_trl(tmp_path, credit):
    torch.manual_seed(0)
    trainer = build_trainer(agent_args(credit=credit, credit_kwargs={}), grpo_args(tmp_path),
                            model_args(), agent=fresh_agent())
    before = {k: v.detach().clone() for k, v in trainer.model.named_parameters()}
    seen = {}
    orig = trainer._generate_and_score_completions

    def spy(inputs):
        out = orig(inputs)
        seen["adv"] = out["advantages"]
        seen["ids"] = out["completion_ids"]
        seen["trajs"] = list(trainer.rollouts.last)
        return out

    trainer._generate_and_score_completions = spy
    trainer.train()
    adv, trajs = seen["adv"], seen["trajs"]
    assert adv.shape == seen["ids"].shape and adv.dim() == 2
    # groups of 2 consecutive rollouts of the same seed, as TRL repeats prompts
    assert [t.seed for t in trajs][::2] == [t.seed for t in trajs][1::2]
    # env/template tokens get 0 advantage; row i's tokens are trajectory i's
    expected = trainer.credit.token_advantages(trajs)
    for i, t in enumerate(trajs):
        n = len(t.samples[0].completion_ids)
        np.testing.assert_allclose(adv[i, :n].numpy(), expected[i][0], atol=1e-6)
        mask = np.asarray(t.samples[0].loss_mask) == 0
        assert np.all(adv[i, :n].numpy()[mask] == 0)
    assert trainer.state.global_step == 2 and trainer.env_steps > 0
    changed = any(not torch.equal(before[k], v) for k, v in trainer.model.named_parameters())
    assert changed or float(adv.abs().sum()) == 0.0
    assert (tmp_path / "run" / "rollouts.jsonl").exists()


def test_lora_trains_adapters_only(tmp_path):
    trainer = build_trainer(agent_args(), grpo_args(tmp_path, max_steps=1),
                            model_args(use_peft=True, lora_r=4, lora_alpha=8,
                                       lora_target_modules=["q_proj", "v_proj"]),
                            agent=fresh_agent())
    trainable = [n for n, p in trainer.model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    trainer.train()
    assert trainer.state.global_step == 1


def test_lm_head_lora_rejected(tmp_path):
    with pytest.raises(ValueError, match="lm_head"):
        build_trainer(agent_args(), grpo_args(tmp_path),
                      model_args(use_peft=True, lora_target_modules=["q_proj", "lm_head"]),
                      agent=fresh_agent())


def test_window_training_batch_layout():
    """One row per step: left-padded prompts, right-padded completions, loss mask as
    tool_mask, advantages per token, zero-mask padding rows up to the multiple."""
    from trainers.grpo import window_training_batch
    from trainers.trajectory import TokenSample, Trajectory

    def sample(p, c, mask):
        return TokenSample(prompt_ids=p, completion_ids=c, loss_mask=mask,
                           logprobs=[-0.5 * m for m in mask], step_ids=[0 if m else -1 for m in mask])

    t = Trajectory(traj_id="a", group_id="g", env_id="x", task_id="t", seed=0, steps=[],
                   samples=[sample([5, 6, 7], [8, 9], [1, 1]), sample([5], [10, 11, 12], [1, 1, 0])],
                   context_mode="window")
    adv = [[np.array([0.5, 0.5]), np.array([-1.0, -1.0, 0.0])]]
    out = window_training_batch([t], adv, pad_id=0, multiple=4)
    assert out["prompt_ids"].tolist()[:2] == [[5, 6, 7], [0, 0, 5]]
    assert out["prompt_mask"].tolist()[:2] == [[1, 1, 1], [0, 0, 1]]
    assert out["completion_ids"].tolist()[:2] == [[8, 9, 0], [10, 11, 12]]
    assert out["completion_mask"].tolist()[:2] == [[1, 1, 0], [1, 1, 1]]
    assert out["tool_mask"].tolist()[:2] == [[1, 1, 0], [1, 1, 0]]
    assert out["advantages"].tolist()[:2] == [[0.5, 0.5, 0.0], [-1.0, -1.0, 0.0]]
    assert out["prompt_ids"].shape[0] == 4  # padded to the multiple
    assert out["completion_mask"][2:].sum() == 0 and out["tool_mask"][2:].sum() == 0


@pytest.mark.parametrize("beta", [0.0, 0.05])
def test_window_mode_trains_one_row_per_step(tmp_path, beta):
    """Window mode through TRL's loss: rows = env steps, advantages = credit's, params move.
    With ``beta > 0`` the reference is the LoRA model with its adapters disabled."""
    torch.manual_seed(0)
    lora = dict(use_peft=True, lora_r=4, lora_alpha=8, lora_target_modules=["q_proj", "v_proj"])
    trainer = build_trainer(agent_args(context_mode="window", window_steps=1),
                            grpo_args(tmp_path, beta=beta), model_args(**(lora if beta else {})),
                            agent=fresh_agent())
    before = {k: v.detach().clone() for k, v in trainer.model.named_parameters()}
    seen = {}
    orig = trainer._generate_and_score_completions

    def spy(inputs):
        out = orig(inputs)
        seen.setdefault("outs", []).append(out)
        seen.setdefault("trajs", []).append(list(trainer.rollouts.last))
        return out

    trainer._generate_and_score_completions = spy
    trainer.train()
    out, trajs = seen["outs"][0], seen["trajs"][0]
    steps = sum(len(t.samples) for t in trajs)
    assert all(len(t.samples) == t.num_steps for t in trajs)
    assert out["completion_ids"].shape[0] >= steps
    assert int((out["completion_mask"] * out["tool_mask"]).sum()) == sum(
        sum(s.loss_mask) for t in trajs for s in t.samples)
    if beta:
        assert out["ref_per_token_logps"].shape == out["completion_ids"].shape
    assert trainer.state.global_step == 2
    moved = any(not torch.equal(before[k], v) for k, v in trainer.model.named_parameters())
    assert moved or all(float(o["advantages"].abs().sum()) == 0.0 for o in seen["outs"])


def test_window_batch_loss_moves_logprobs_along_the_advantages(tmp_path):
    """One gradient step on TRL's loss over a window-mode batch raises the log-probs of
    positive-advantage tokens relative to negative ones: the step rows, masks and advantages
    reach TRL's loss aligned and with the right sign."""
    torch.manual_seed(0)
    trainer = build_trainer(agent_args(context_mode="window", window_steps=1, credit="grpo",
                                       credit_kwargs={}),
                            grpo_args(tmp_path), model_args(), agent=fresh_agent())
    inputs = [{"prompt": task_prompt(s)} for s in (0, 0, 1, 1)]
    trainer.model.train()
    out = trainer._generate_and_score_completions(inputs)
    mask = (out["completion_mask"] * out["tool_mask"]).float()
    gen = torch.Generator().manual_seed(1)  # advantages of both signs on every row
    out["advantages"] = torch.randn(out["advantages"].shape, generator=gen) * mask

    def logps() -> torch.Tensor:
        with torch.no_grad():
            ids = torch.cat([out["prompt_ids"], out["completion_ids"]], dim=1)
            att = torch.cat([out["prompt_mask"], out["completion_mask"]], dim=1)
            lp, _, _ = trainer._get_per_token_logps_and_entropies(
                trainer.model, ids, att, out["completion_ids"].size(1))
        return lp

    before = logps()
    trainer.current_gradient_accumulation_steps = 1  # set by Trainer.train(); not running it here
    trainer.model.zero_grad()
    trainer.compute_loss(trainer.model, out).backward()
    with torch.no_grad():
        for p in trainer.model.parameters():
            if p.grad is not None:
                p -= 0.05 * p.grad
    delta = (logps() - before) * mask
    assert float((delta * out["advantages"]).sum()) > 0


@pytest.mark.parametrize("accumulation", [1, 2])
def test_window_batch_keeps_old_logps_when_a_generation_feeds_several_steps(tmp_path,
                                                                             accumulation):
    """As TRL: if one generation feeds several optimizer steps (gradient accumulation not a
    multiple of steps_per_generation), the batch carries the behaviour policy's log-probs so
    the clipped ratio can act; otherwise TRL uses the detached current ones (ratio 1)."""
    torch.manual_seed(0)
    trainer = build_trainer(agent_args(context_mode="window", window_steps=1),
                            grpo_args(tmp_path, steps_per_generation=2,
                                      gradient_accumulation_steps=accumulation),
                            model_args(), agent=fresh_agent())
    out = trainer._generate_and_score_completions([{"prompt": task_prompt(s)} for s in (0, 0)])
    if accumulation == 2:
        assert "old_per_token_logps" not in out
        return
    mask = (out["completion_mask"] * out["tool_mask"]).bool()
    old = out["old_per_token_logps"]
    assert old.shape == out["completion_ids"].shape and mask.any()
    # the policy that sampled them: the engine's recorded sampling log-probs
    assert torch.allclose(old[mask], out["sampling_per_token_logps"][mask], atol=1e-3)
