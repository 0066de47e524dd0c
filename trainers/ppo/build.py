"""Assemble a PPO run from a :class:`PPOConfig`: agent (+ LoRA), actor-critic, rollout
source, discount schedule, horizon curriculum; run it and save the final policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainers.ppo.config import PPOConfig
from trainers.ppo.model import ActorCritic
from trainers.ppo.rollouts import EngineRollouts
from trainers.ppo.trainer import PPOTrainer
from trainers.schedules.curriculum import HorizonCurriculum, make_curriculum
from trainers.schedules.discount import ConstantDiscount


def make_discount(cfg: PPOConfig) -> Any:
    """The constant discount, or ADS with demos collected from the env's expert oracle."""
    if cfg.discount == "constant":
        return ConstantDiscount(cfg.gamma)
    from trainers.schedules.ads import ADSSchedule, collect_expert_demos

    demos = collect_expert_demos(cfg.env_id, cfg.ads_demo_seeds, cfg.ads_demo_options,
                                 cfg.env_kwargs)
    return ADSSchedule(demos, alpha=cfg.ads_alpha, k0=cfg.ads_k0, matcher=cfg.ads_matcher,
                       min_similarity=cfg.ads_min_similarity, state_field=cfg.ads_state_field)


def make_horizon_curriculum(cfg: PPOConfig) -> HorizonCurriculum | None:
    if cfg.curriculum is None:
        return None
    extra: dict[str, Any] = {"option_key": cfg.horizon_option}
    if cfg.curriculum == "fixed":
        extra["steps_per_horizon"] = cfg.steps_per_horizon
    elif cfg.curriculum == "gated":
        extra["threshold"] = cfg.gate_threshold
    return make_curriculum(cfg.curriculum, cfg.horizons, **extra)


def build_trainer(cfg: PPOConfig, agent: Any = None) -> PPOTrainer:
    """A ready trainer; ``agent`` defaults to ``agents.load_agent(cfg.model)``."""
    if agent is None:
        from agents import load_agent

        agent = load_agent(cfg.model)
    policy = agent.model
    if cfg.use_lora:
        from peft import LoraConfig, get_peft_model

        policy = get_peft_model(policy, LoraConfig(
            r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
            target_modules=cfg.lora_target_modules, task_type="CAUSAL_LM"))
        agent.model = policy  # rollouts sample from the adapted model
    backbone = None
    if cfg.critic == "separate" and cfg.critic_model:
        from transformers import AutoModelForCausalLM

        from agents import resolve_model

        backbone = AutoModelForCausalLM.from_pretrained(resolve_model(cfg.critic_model))
    ac = ActorCritic(policy, critic=cfg.critic, critic_backbone=backbone,
                     use_reference=cfg.kl_coef > 0, peft=cfg.use_lora, seed=cfg.seed)
    pad_id = agent.tokenizer.pad_token_id
    if pad_id is None:
        pad_id = agent.tokenizer.eos_token_id
    return PPOTrainer(cfg, ac, EngineRollouts(agent, cfg), pad_id=pad_id,
                      discount=make_discount(cfg), curriculum=make_horizon_curriculum(cfg))


def run_ppo(cfg: PPOConfig, agent: Any = None) -> PPOTrainer:
    """Build, train (resuming if a checkpoint exists), and save the policy to output_dir/final
    (merged weights under LoRA) with its tokenizer, loadable by ``agents.load_agent``."""
    trainer = build_trainer(cfg, agent)
    tokenizer = trainer.source.train_engine.agent.tokenizer
    trainer.train()
    final = Path(cfg.output_dir) / "final"
    policy = trainer.ac.policy
    if cfg.use_lora:
        policy = policy.merge_and_unload()
    policy.save_pretrained(final)
    tokenizer.save_pretrained(final)
    return trainer
