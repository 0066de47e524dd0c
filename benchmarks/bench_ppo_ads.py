"""PPO vs PPO + ADS, side by side, on a long-horizon setting (default: MathChain multi mode).

For each seed and method, a fresh copy of the model trains for ``--updates`` PPO updates
(same tasks, same sampling seeds for both methods); greedy eval pass rate on the env's eval
split before and after. Writes benchmarks/results/ppo_ads.{md,json}.

    python benchmarks/bench_ppo_ads.py --model stepgym-tiny --seeds 0 1 2 --updates 20
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

METHODS = {"ppo": {"discount": "constant", "gamma": 0.95},
           "ppo_ads": {"discount": "ads", "gamma": 0.95}}


def run_one(args: argparse.Namespace, method: str, seed: int) -> dict[str, Any]:
    import torch

    from agents import load_agent
    from trainers.ppo.build import build_trainer
    from trainers.ppo.config import PPOConfig

    torch.set_num_threads(args.threads)
    cfg = PPOConfig(
        output_dir=str(Path(args.runs) / f"{method}_s{seed}"), seed=seed, resume=False,
        num_updates=args.updates, save_every=0, model=args.model, env_id=args.env_id,
        env_kwargs={"mode": "multi", "horizon": args.horizon}, num_tasks=args.num_tasks,
        max_new_tokens=args.max_new_tokens, max_steps=2 * args.horizon,  # failing episodes
        advantage_level="turn", lam=0.95,  # would otherwise run to the env's 32-step limit
        learning_rate=args.lr, critic_learning_rate=10 * args.lr, update_epochs=2,
        num_minibatches=2, kl_coef=0.02, eval_env_kwargs={"split": "eval"},
        eval_seeds=list(range(args.eval_episodes)), ads_demo_seeds=list(range(16)),
        **METHODS[method])
    trainer = build_trainer(cfg, load_agent(args.model))
    start = time.perf_counter()
    trainer.ac.eval()
    before = trainer.source.evaluate(None)
    history = trainer.train()
    trainer.ac.eval()
    after = trainer.source.evaluate(None)
    return {
        "method": method, "seed": seed,
        "eval_before": float(np.mean([t.won for t in before])),
        "eval_after": float(np.mean([t.won for t in after])),
        "progress_after": float(np.mean([t.total_reward for t in after])),
        "train_reward_first": history[0]["reward_mean"],
        "train_reward_last": float(np.mean([h["reward_mean"] for h in history[-3:]])),
        "final_gamma": history[-1]["gamma"],
        "ads_k": history[-1].get("ads_k"),
        "seconds": round(time.perf_counter() - start, 1),
    }


def table(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [f"# PPO vs PPO + ADS ({args.env_id}, multi mode, h = {args.horizon})", "",
             f"Model `{args.model}`, {args.updates} updates x {args.num_tasks} tasks, "
             f"greedy eval on {args.eval_episodes} eval-split tasks, seeds {args.seeds}.", "",
             "| method | eval success before | eval success after | eval reward after | "
             "train reward (last 3) | final gamma | s/run |", "|---|---|---|---|---|---|---|"]
    for method in METHODS:
        rs = [r for r in rows if r["method"] == method]
        if not rs:
            continue
        lines.append(f"| {method} | {_ms(rs, 'eval_before')} | {_ms(rs, 'eval_after')} | "
                     f"{_ms(rs, 'progress_after')} | {_ms(rs, 'train_reward_last')} | "
                     f"{_ms(rs, 'final_gamma')} | "
                     f"{np.mean([r['seconds'] for r in rs]):.0f} |")
    return "\n".join(lines) + "\n"


def _ms(rows: list[dict[str, Any]], key: str) -> str:
    vals = [r[key] for r in rows]
    return f"{np.mean(vals):.3f} ± {np.std(vals):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="stepgym-tiny")
    parser.add_argument("--env-id", default="stepgym/MathChain-v0")
    parser.add_argument("--horizon", type=int, default=4)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--num-tasks", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--eval-episodes", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", default="runs/bench_ppo_ads")
    parser.add_argument("--out", default="benchmarks/results/ppo_ads")
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        for method in METHODS:
            rows.append(run_one(args, method, seed))
            print(json.dumps(rows[-1]), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"args": vars(args), "rows": rows}, indent=1))
    out.with_suffix(".md").write_text(table(rows, args))
    print(table(rows, args))


if __name__ == "__main__":
    main()
