"""``stepgym demo``: the README's main job (``make demo``).

1. Build the recipe's start model (``stepgym-alfworld-l1``, a named preset of
   ``stepgym bootstrap``) if it is not cached.
2. Train it with GRPO + GiGPO on ALFWorld level 1 with action scoring (``recipes/demo.yaml``:
   TRL's ``GRPOTrainer`` fed by our rollout engine, GiGPO's step-level advantages), evaluating
   on the frozen ``eval_seen`` split before and after.
3. Print before/after success with 95% Wilson intervals, the difference with its Newcombe
   interval, and the learning curve's path.

``stepgym demo --play`` instead plays the expert and a uniform-random agent on every
registered env and prints a table (success, mean steps, env steps/second).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DEMO_RECIPE = Path(__file__).resolve().parents[2] / "recipes" / "demo.yaml"
QUICK_OVERRIDES = ["--max_steps", "2", "--eval_episodes", "4", "--num_generations", "2",
                   "--per_device_train_batch_size", "1", "--max_env_steps", "3",
                   "--save_steps", "1", "--report_to", "none"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="the main demo job: bootstrap, GRPO+GiGPO, eval")
    parser.add_argument("--recipe", default=str(DEMO_RECIPE), help="GRPO recipe (YAML)")
    parser.add_argument("--output-dir", default="runs/demo", help="run directory")
    parser.add_argument("--quick", action="store_true",
                        help="a < 1 minute smoke run (tiny model, 2 steps; no claim of learning)")
    parser.add_argument("--play", action="store_true",
                        help="instead: expert and random agents on every env (no model)")
    parser.add_argument("-n", "--episodes", type=int, default=20,
                        help="--play: episodes per env and agent")
    parser.add_argument("--envs", nargs="+", default=None, help="--play: env ids (default: all)")
    parser.add_argument("overrides", nargs=argparse.REMAINDER,
                        help="after `--`: --key value pairs overriding the recipe")
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
    return play(args) if args.play else train_demo(args)


def train_demo(args: argparse.Namespace) -> int:
    import os

    import torch

    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    from agents import default_model_path
    from trainers.bootstrap import START_MODELS, BootstrapConfig, bootstrap, start_model_config
    from trainers.cli.train import format_eval
    from trainers.config import parse_config
    from trainers.evaluation import difference_interval
    from trainers.run_grpo import run_grpo

    torch.set_num_threads(min(torch.get_num_threads(), 2))
    extra = list(args.overrides)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    overrides = ["--output_dir", args.output_dir, *extra]
    if args.quick:
        model_dir = Path(args.output_dir) / "quick-model"
        if not (model_dir / "stepgym.json").is_file():
            cfg = BootstrapConfig.quick(str(model_dir))
            demo_start = start_model_config("stepgym-alfworld-l1", str(model_dir))
            for key in ("envs", "action_mode", "action_score", "prompt_format", "eval_temperature"):
                setattr(cfg, key, getattr(demo_start, key))  # the start model's settings, tiny
            bootstrap(cfg)
        overrides = [*QUICK_OVERRIDES, "--model_name_or_path", str(model_dir), *overrides]
    agent_args, grpo_args, model_args = parse_config([args.recipe, *overrides])
    name = model_args.model_name_or_path
    if name in START_MODELS and not (default_model_path(name) / "stepgym.json").is_file():
        print(f"{name} is not built yet: running `stepgym bootstrap --name {name}` first")
        bootstrap(start_model_config(name, str(default_model_path(name))))
    summary = run_grpo(agent_args, grpo_args, model_args)
    before, after = summary["eval_first"], summary["eval_last"]
    print(f"\nGRPO + {agent_args.credit} on {agent_args.env_id}: {summary['global_step']} updates, "
          f"{summary['env_steps']} env steps")
    print(f"eval before: {format_eval(before)}")
    print(f"eval after:  {format_eval(after)}")
    if before and after:
        n1, n2 = before["episodes"], after["episodes"]
        s1, s2 = round(before["success"] * n1), round(after["success"] * n2)
        lo, hi = difference_interval(s2, n2, s1, n1)
        verdict = ("improved" if lo > 0 else "got worse" if hi < 0
                   else "no change beyond the 95% interval")
        print(f"success change: {after['success'] - before['success']:+.3f} "
              f"[95% Newcombe {lo:+.3f}, {hi:+.3f}]: {verdict}")
    print(f"learning curve: {summary['curve']}\nfinal model: {summary['final_model']}")
    return 0


def play(args: argparse.Namespace) -> int:
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
