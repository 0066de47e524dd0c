"""Assemble a PPO run from a :class:`PPOConfig`: accelerator, agent (+ LoRA), actor-critic,
rollout source (this process's share of the tasks), discount schedule, horizon curriculum; run
it and save the final policy (main process)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainers.ppo.config import PPOConfig
from trainers.ppo.distributed import make_accelerator
from trainers.ppo.model import ActorCritic
from trainers.ppo.rollouts import EngineRollouts
from trainers.ppo.trainer import PPOTrainer
from trainers.rollout import format_meta, save_model_meta
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


def build_trainer(cfg: PPOConfig, agent: Any = None, accelerator: Any = None) -> PPOTrainer:
    """A ready trainer; ``agent`` defaults to ``agents.load_agent(cfg.model)`` on this
    process's device; ``accelerator`` to one on the CPU without CUDA (or with a CPU agent)."""
    if accelerator is None:
        device = None if agent is None else next(agent.model.parameters()).device
        accelerator = make_accelerator(device, find_unused_parameters=cfg.critic == "separate")
    if agent is None:
        from agents import load_agent

        device = accelerator.device  # multi-CPU reports "cpu:0"; load_agent keys fp32 on "cpu"
        agent = load_agent(cfg.model, device="cpu" if device.type == "cpu" else str(device))
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
        backbone = backbone.to(next(policy.parameters()).device)
    ac = ActorCritic(policy, critic=cfg.critic, critic_backbone=backbone,
                     use_reference=cfg.kl_coef > 0, peft=cfg.use_lora, seed=cfg.seed,
                     action_score=cfg.action_score)
    pad_id = agent.tokenizer.pad_token_id
    if pad_id is None:
        pad_id = agent.tokenizer.eos_token_id
    source = EngineRollouts(agent, cfg, accelerator.process_index, accelerator.num_processes)
    step_credit = None
    if cfg.credit is not None:
        from trainers.credit import make_credit

        step_credit = make_credit(cfg.credit, **cfg.credit_kwargs)
    return PPOTrainer(cfg, ac, source, pad_id=pad_id, discount=make_discount(cfg),
                      curriculum=make_horizon_curriculum(cfg), accelerator=accelerator,
                      step_credit=step_credit)


def run_ppo(cfg: PPOConfig, agent: Any = None) -> PPOTrainer:
    """Build, train (resuming if a checkpoint exists), and save the policy to output_dir/final
    (merged weights under LoRA) with its tokenizer, loadable by ``agents.load_agent``."""
    trainer = build_trainer(cfg, agent)
    tokenizer = trainer.source.train_engine.agent.tokenizer
    trainer.train()
    if not trainer.is_main:
        return trainer
    final = Path(cfg.output_dir) / "final"
    policy = trainer.ac.policy
    if cfg.use_lora:
        policy = policy.merge_and_unload()
    policy.save_pretrained(final)
    tokenizer.save_pretrained(final)
    save_model_meta(final, cfg.rollout_config(cfg.temperature), {cfg.env_id: cfg.env_kwargs},
                    trained_by="ppo", **format_meta(trainer.source.train_engine.agent))
    return trainer
