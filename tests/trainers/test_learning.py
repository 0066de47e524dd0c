"""Learning regression tests: GRPO and PPO must take a tiny from-scratch policy from chance to
>= 90% greedy success on frozen eval tasks (one of two seeds), with free generation and with
action scoring.

Two tasks (tests/helpers/signal_env.py): a contextual bandit (the signal word decides the code
word; chance 25%) and a 3-step chain whose reward, the fraction answered right, comes only at
the end (chance 1/64), so credit must reach earlier steps in window mode. The policy first
learns to write *a* code word (behaviour cloning on random labels), so it starts at chance and
only RL can teach the mapping. The chain uses two signals (chance 1/8 per episode). A sign error, a token misalignment between the rollout and the
loss, or advantages that never reach the loss leave success at chance and fail these tests.
Settings were sized to finish in under a minute each on one core of a fast CPU (2-3 min on a
slow one).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from agents import LLMAgent
from tests.helpers.learning import (
    BANDIT_ID,
    CHAIN_ID,
    eval_success,
    register_signal_envs,
    signal_agent,
    warm_start_uninformed,
)

# 130-190 s for the slowest case on a slow 2-core CPU (AVX2 EPYC); the timeout only catches hangs
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

CASES = [(BANDIT_ID, "generate"), (BANDIT_ID, "score"), (CHAIN_ID, "generate"),
         (CHAIN_ID, "score")]
# Seeds the model, the warm start and the trainer; CI runs 0. Other seeds:
# STEPGYM_LEARNING_SEED=1 pytest tests/trainers/test_learning.py
SEED = int(os.environ.get("STEPGYM_LEARNING_SEED", "0"))
CHANCE = {BANDIT_ID: 0.5, CHAIN_ID: 0.25}  # upper bounds on a start "near chance" (greedy)
# The signal envs let an invalid reply retry for free (up to the step limit), so with gamma 1 an
# invalid reply before a lucky right one earns the full return. Without a penalty, free
# generation drifted into invalid replies on another CPU's numerics at seed 0 (PPO bandit: entropy
# 0.97 -> 3.4, episodes 1.1 -> 3.9 steps, success 0.25 -> 0; GRPO chain: 0.16). verl-agent's
# invalid-action penalty, which our recipes use, removes that drift; scored actions are always
# valid, so it changes nothing there.
INVALID_PENALTY = 0.1


# Free generation stays seed- and CPU-sensitive (on an AVX2 EPYC with the penalty: seed 0 passes
# all four generate cases; PPO bandit failed at seeds 1 and 2, GRPO bandit at seed 1), so a
# case passes when one of two seeds reaches the bar; a sign error or a token misalignment keeps
# both at chance. The second seed runs only when the first fails.
SEEDS = (SEED, SEED + 1)
BAR = 0.9


def _start(env_id: str, mode: str, seed: int) -> LLMAgent:
    register_signal_envs()
    torch.manual_seed(seed)
    agent = signal_agent(seed=seed)
    warm_start_uninformed(agent, env_id, seed=seed)
    start = eval_success(agent, env_id, mode)
    assert start <= CHANCE[env_id], f"the start policy already wins {start:.2f}"
    return agent


def _learns_with_one_of_two_seeds(train: Callable[[int], float]) -> None:
    finals = []
    for seed in SEEDS:
        finals.append(train(seed))
        if finals[-1] >= BAR:
            return
    pytest.fail(f"greedy success after training {finals} for seeds {SEEDS}: none >= {BAR}")


@pytest.mark.parametrize("env_id, mode", CASES)
def test_grpo_learns(tmp_path, env_id, mode):
    _learns_with_one_of_two_seeds(lambda seed: _train_grpo(tmp_path / str(seed), env_id, mode, seed))


def _train_grpo(tmp_path: Path, env_id: str, mode: str, seed: int) -> float:
    from trl import GRPOConfig, ModelConfig

    from trainers.config import AgentArguments
    from trainers.grpo import build_trainer

    agent = _start(env_id, mode, seed)
    # (generations, episodes per generation, learning rate, entropy bonus). Scored policies
    # over a few actions turn near-deterministic fast; an entropy bonus keeps the chain's
    # from the gradient spikes seen then (docs/experiments/2026-12-03-learning-tests.md).
    gens, episodes, lr, ent = {(BANDIT_ID, "generate"): (32, 512, 2e-3, 0.0),
                               (BANDIT_ID, "score"): (10, 512, 2e-3, 0.0),
                               (CHAIN_ID, "generate"): (24, 256, 2e-3, 0.0),
                               (CHAIN_ID, "score"): (32, 256, 2e-3, 0.02)}[(env_id, mode)]
    iters = 2  # passes over each generation (GRPO's mu)
    a = AgentArguments(env_id=env_id, num_train_tasks=100_000, context_mode="window",
                       window_steps=0, max_new_tokens=3, max_context_tokens=256, credit="grpo",
                       action_mode=mode, eval_episodes=0,
                       credit_kwargs={"invalid_penalty": INVALID_PENALTY})
    g = GRPOConfig(output_dir=str(tmp_path), num_generations=8,
                   per_device_train_batch_size=episodes // 4, steps_per_generation=4,
                   num_iterations=iters, gradient_accumulation_steps=1,
                   max_steps=4 * gens * iters, learning_rate=lr,
                   entropy_coef=ent,
                   lr_scheduler_type="constant", beta=0.0, use_cpu=True,
                   bf16=False, gradient_checkpointing=False, report_to=[], logging_steps=10_000,
                   save_strategy="no", seed=seed, temperature=1.0, disable_tqdm=True)
    trainer = build_trainer(a, g, ModelConfig(model_name_or_path="tiny"), agent=agent)
    trainer.train()
    return eval_success(agent, env_id, mode)


@pytest.mark.parametrize("env_id, mode", CASES)
def test_ppo_learns(tmp_path, env_id, mode):
    _learns_with_one_of_two_seeds(lambda seed: _train_ppo(tmp_path / str(seed), env_id, mode, seed))


def _train_ppo(tmp_path: Path, env_id: str, mode: str, seed: int) -> float:
    # PPO with free generation is the fragile case: at other seeds, or run for longer, it rises
    # slowly and then collapses (docs/experiments/2026-12-03-action-scoring-and-learning-tests.md).
    # Scored PPO on the chain reaches 1.0 by update 27 and may fall after a long stretch at
    # near-zero entropy (seed 0: 1.0 -> 0.34 at update 60), so it stops at 40.
    from trainers.ppo.build import build_trainer
    from trainers.ppo.config import PPOConfig

    agent = _start(env_id, mode, seed)
    cfg = PPOConfig(output_dir=str(tmp_path), model="tiny", seed=seed, env_id=env_id, num_tasks=128,
                    context_mode="window", window_steps=0, max_new_tokens=3, action_mode=mode,
                    learning_rate=1e-3 if mode == "generate" else 3e-4,
                    critic_learning_rate=3e-3,
                    num_updates={"generate": 30, "score": 60 if env_id == BANDIT_ID else 40}[mode],
                    save_every=0, resume=False,
                    kl_coef=0.0, update_epochs=2, num_minibatches=4, advantage_level="turn",
                    gamma=1.0, lam=1.0, whiten_advantages=False, forward_batch_size=64,
                    ent_coef=0.02 if (env_id, mode) == (CHAIN_ID, "score") else 0.0,
                    invalid_penalty=INVALID_PENALTY)
    trainer = build_trainer(cfg, agent=agent)
    trainer.train()
    return eval_success(agent, env_id, mode)
