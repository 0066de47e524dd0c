"""Shared pieces of the learning regression tests: the signal envs' registration, a tiny
from-scratch model with a tokenizer that knows their words, a warm start for free generation
(behaviour cloning on uninformative labels: the model learns to write a code word, not which
one), and the greedy success rate on the frozen eval split."""

from __future__ import annotations

import functools
from typing import Any

import gymnasium as gym
import torch

from tests.helpers.signal_env import ACTIONS, SIGNALS, SignalFormat

BANDIT_ID = "stepgym-test/SignalBandit-v0"
CHAIN_ID = "stepgym-test/SignalChain-v0"


def register_signal_envs() -> None:
    if BANDIT_ID not in gym.registry:
        gym.register(BANDIT_ID, entry_point="tests.helpers.signal_env:SignalEnv",
                     max_episode_steps=4, kwargs={"steps": 1})
    if CHAIN_ID not in gym.registry:
        gym.register(CHAIN_ID, entry_point="tests.helpers.signal_env:SignalEnv",
                     max_episode_steps=8, kwargs={"steps": 3, "signals": 2})


@functools.cache
def _tokenizer() -> Any:
    from agents.models import train_tokenizer

    corpus = ["Signal: " + " ".join([s] * 8) for s in SIGNALS] + list(ACTIONS)
    corpus += ["Reply with one code word: " + ", ".join(ACTIONS) + ".",
               "Unknown code word.", "Done.",
               "Task: Your last step(s): Observation: Action: Current observation:",
               "You are an agent acting in a text environment. Reply with one code word.",
               "Admissible actions:"]
    return train_tokenizer(corpus * 20, vocab_size=600, template="chatml")


def signal_agent(seed: int = 0) -> Any:
    """An ``LLMAgent`` over :func:`tiny_policy` with the signal envs' prompt format."""
    from agents import LLMAgent

    model, tokenizer = tiny_policy(seed)
    return LLMAgent(model, tokenizer, prompt_format=SignalFormat())


def tiny_policy(seed: int = 0) -> tuple[Any, Any]:
    """A fresh random tiny Qwen2 (about 60k parameters) and its tokenizer."""
    from agents.models import tiny_model

    torch.set_num_threads(1)
    tokenizer = _tokenizer()
    model = tiny_model(tokenizer, hidden_size=48, num_layers=2, num_heads=2, num_kv_heads=1,
                       intermediate_size=96, seed=seed)
    return model, tokenizer


def warm_start_uninformed(agent: Any, env_id: str, steps: int = 60, seed: int = 0) -> None:
    """Teach free generation to write *a* code word and stop: each prompt of a sampled window
    gets a uniformly random code word as label, so nothing about the mapping is learnt."""
    from trainers.rollout import RolloutConfig, RolloutEngine

    engine = RolloutEngine(agent, env_id, {}, RolloutConfig(context_mode="window", window_steps=0,
                                                            max_new_tokens=3, temperature=1.0))
    trajs = engine.run(list(range(16)), group_size=1, generation_seed=seed)
    prompts = [s.prompt_ids for t in trajs for s in t.samples]
    rng = torch.Generator().manual_seed(seed)
    stop = engine.pieces.stop_token_id
    codes = engine.run([0])[0].steps[0].info["admissible_actions"]
    labels = [[*engine.pieces.encode(a), stop] for a in codes]
    opt = torch.optim.Adam(agent.model.parameters(), lr=3e-3)
    agent.model.train()
    for _ in range(steps):
        rows = torch.randint(len(prompts), (16,), generator=rng).tolist()
        picks = torch.randint(len(labels), (16,), generator=rng).tolist()
        loss = torch.zeros(())
        for r, k in zip(rows, picks):
            ids = torch.tensor([prompts[r] + labels[k]])
            logits = agent.model(input_ids=ids).logits[0, len(prompts[r]) - 1: -1]
            loss = loss + torch.nn.functional.cross_entropy(logits, ids[0, len(prompts[r]):])
        opt.zero_grad()
        (loss / len(rows)).backward()
        opt.step()
    agent.model.eval()


def eval_success(agent: Any, env_id: str, action_mode: str, n: int = 32) -> float:
    """Greedy success on the frozen eval split (seeds 0..n-1)."""
    from trainers.rollout import RolloutConfig, RolloutEngine

    engine = RolloutEngine(agent, env_id, {}, RolloutConfig(
        context_mode="window", window_steps=0, max_new_tokens=3, temperature=0.0,
        action_mode=action_mode))
    trajs = engine.run(list(range(n)), options={"split": "eval"}, generation_seed=123)
    return sum(t.won for t in trajs) / len(trajs)
