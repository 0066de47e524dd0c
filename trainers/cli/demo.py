"""``stepgym demo``: the README's main job.

Until training lands this plays the expert and a random agent on every registered env
and prints a table (success, mean steps, env steps/second).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Any

import numpy as np


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="the main demo job")
    parser.add_argument("-n", "--episodes", type=int, default=20, help="episodes per env and agent")
    parser.add_argument("--envs", nargs="+", default=None, help="env ids (default: all)")
    parser.set_defaults(func=run)


@dataclass
class PlayStats:
    success: float
    mean_steps: float
    steps_per_second: float


def play_episodes(env_id: str, agent: str, episodes: int, seed: int = 0) -> PlayStats:
    """Play ``episodes`` with the env's expert or a uniform-random admissible agent."""
    import gymnasium as gym

    import envs  # noqa: F401

    rng = np.random.default_rng(seed)
    env = gym.make(env_id)
    wins, steps_taken, env_seconds = 0, 0, 0.0
    for episode in range(episodes):
        start = time.perf_counter()
        _, info = env.reset(seed=seed + episode)
        env_seconds += time.perf_counter() - start
        done = False
        while not done:
            action = _choose(agent, info, rng)
            start = time.perf_counter()
            _, _, terminated, truncated, info = env.step(action)
            env_seconds += time.perf_counter() - start
            steps_taken += 1
            done = terminated or truncated
        wins += bool(info["won"])
    env.close()
    return PlayStats(wins / episodes, steps_taken / episodes, steps_taken / max(env_seconds, 1e-9))


def _choose(agent: str, info: dict[str, Any], rng: np.random.Generator) -> str:
    if agent == "expert":
        return info["expert_action"] or ""
    admissible = info.get("admissible_actions") or []
    if admissible:
        return admissible[int(rng.integers(0, len(admissible)))]
    return "look"


def run(args: argparse.Namespace) -> int:
    from envs.registry import registered_ids

    env_ids = args.envs or registered_ids()
    print(f"{'env':24} {'agent':7} {'success':>8} {'steps':>7} {'steps/s':>10}")
    for env_id in env_ids:
        for agent in ("expert", "random"):
            try:
                stats = play_episodes(env_id, agent, args.episodes)
            except ImportError as exc:  # an optional extra (e.g. textworld) is not installed
                print(f"{env_id:24} {agent:7} skipped: {exc}")
                break
            print(
                f"{env_id:24} {agent:7} {stats.success:8.2%} {stats.mean_steps:7.1f} "
                f"{stats.steps_per_second:10.0f}"
            )
    return 0
