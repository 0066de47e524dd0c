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
