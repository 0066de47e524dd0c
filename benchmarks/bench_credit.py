"""GRPO vs GiGPO (and optionally discounted step returns) at the same env-step budget.

For every env and credit method, ``--seeds`` runs of ``stepgym train`` with the method's
recipe settings and ``max_env_steps_total`` = ``--env-steps``; a run whose output directory
already holds a finished model is reused, not repeated (so runs can be split across processes
with ``--methods``/``--seed-list`` and tabled together afterwards); then one table (final eval
success mean and spread over seeds, env steps to reach the GRPO baseline's final success), a
JSON with every run's eval ledger, and a PNG of eval success vs env steps, side by side.

    python benchmarks/bench_credit.py                       # ALFWorld + MathChain, 3 seeds
    python benchmarks/bench_credit.py --envs mathchain --seeds 1 --env-steps 64 --smoke
    python benchmarks/bench_credit.py --envs alfworld1 --eval-every 0 --eval-episodes 140 \
        --env-steps 1000000 -- --max_steps 25      # the demo's setting, 25 generations each
    python benchmarks/bench_credit.py --envs textworld      # after building stepgym-tiny-textworld
    python benchmarks/bench_credit.py --envs textworld5 --eval-episodes 20 --eval-every 20 \
        --env-steps 2400 -- --model_name_or_path DIR   # recipe overrides after "--"
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

RECIPES = {"alfworld": "recipes/grpo_gigpo_alfworld.yaml",
           "alfworld1": "recipes/demo.yaml",  # level 1, action scoring, from stepgym-alfworld-l1
           "mathchain": "recipes/grpo_gigpo_mathchain.yaml",
           "webshop2": "recipes/grpo_gigpo_webshop2.yaml",  # level 2, scoring, from stepgym-webshop-l2
           "textworld": "recipes/grpo_gigpo_textworld.yaml",  # needs stepgym-tiny-textworld
           "textworld5": "recipes/grpo_gigpo_textworld5.yaml"}  # needs stepgym-tiny-textworld5
# GRPO with GiGPO's invalid-action penalty (verl-agent penalises every algorithm), so the two
# differ only in GiGPO's step-level term
METHODS = {"grpo": ["--credit", "grpo", "--credit_kwargs", "{scale_std: true, invalid_penalty: 0.1}"],
           "gigpo": ["--credit", "gigpo"],
           "step_returns": ["--credit", "step_returns", "--credit_kwargs", "{gamma: 0.95}"]}


def run_one(env: str, method: str, seed: int, args: argparse.Namespace) -> list[dict[str, Any]]:
    from trainers.checkpoint import read_jsonl
    from trainers.config import parse_config
    from trainers.run_grpo import run_grpo

    out = Path(args.out_dir) / f"{env}_{method}_s{seed}"
    if (out / "final" / "stepgym.json").is_file() and (out / "eval.jsonl").is_file():
        print(f"{out}: finished earlier, reusing its eval ledger")  # resumable benchmark
        return read_jsonl(out / "eval.jsonl")
    argv = [RECIPES[env], *METHODS[method], "--seed", str(seed), "--output_dir", str(out),
            "--max_env_steps_total", str(args.env_steps), "--max_steps", "100000",
            "--eval_every", str(args.eval_every), "--eval_episodes", str(args.eval_episodes),
            "--save_steps", "100000", "--report_to", "none", "--disable_tqdm", "true",
            *args.overrides]
    if args.smoke:
        argv += ["--num_generations", "2", "--per_device_train_batch_size", "4",
                 "--max_env_steps", "3"]
    run_grpo(*parse_config(argv))
    return read_jsonl(out / "eval.jsonl")


def eval_mode(env: str) -> str:
    """How the env's recipe evaluates: greedy, or sampled with a group per task."""
    from trainers.config import parse_config

    a, _, _ = parse_config([RECIPES[env]])
    if a.eval_temperature == 0:
        return f"{env}: greedy"
    return f"{env}: {a.eval_group} samples per task at T={a.eval_temperature:g}"


def steps_to_reach(ledger: list[dict[str, Any]], target: float) -> int | None:
    for row in ledger:
        if row["success"] >= target:
            return int(row["env_steps"])
    return None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--envs", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    p.add_argument("--methods", nargs="+", default=["grpo", "gigpo"], choices=list(METHODS))
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--seed-list", type=int, nargs="+", default=None,
                   help="run these seeds only (default: 0 .. --seeds - 1)")
    p.add_argument("--env-steps", type=int, default=2000, help="env-step budget per run")
    p.add_argument("--eval-every", type=int, default=10)
    p.add_argument("--eval-episodes", type=int, default=32)
    p.add_argument("--out-dir", default="runs/bench_credit")
    p.add_argument("--results", default="benchmarks/results/credit")
    p.add_argument("--smoke", action="store_true", help="tiny groups and episodes (checks)")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    p.add_argument("overrides", nargs=argparse.REMAINDER,
                   help='after "--": recipe overrides for every run, e.g. -- --learning_rate 1e-4')
    args = p.parse_args()
    args.overrides = [a for a in args.overrides if a != "--"]
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    import torch

    torch.set_num_threads(args.threads)
    ledgers: dict[str, dict[str, list[list[dict[str, Any]]]]] = {}
    for env in args.envs:
        seeds = args.seed_list if args.seed_list is not None else range(args.seeds)
        ledgers[env] = {m: [run_one(env, m, s, args) for s in seeds] for m in args.methods}
    rows = []
    for env, by_method in ledgers.items():
        base = by_method.get("grpo")
        target = float(np.mean([lg[-1]["success"] for lg in base])) if base else None
        for method, runs in by_method.items():
            finals = [lg[-1]["success"] for lg in runs]
            reach = [steps_to_reach(lg, target) for lg in runs] if target is not None else []
            rows.append({"env": env, "method": method, "seeds": len(runs),
                         "final_success_mean": float(np.mean(finals)),
                         "final_success_std": float(np.std(finals)),
                         "grpo_final": target, "env_steps_to_grpo_final": reach})
    res = Path(args.results)
    res.parent.mkdir(parents=True, exist_ok=True)
    res.with_suffix(".json").write_text(json.dumps(
        {"args": vars(args), "rows": rows, "ledgers": ledgers}, indent=2))
    lines = ["| env | method | seeds | final eval success (mean ± std) | env steps to GRPO's final |",
             "|---|---|---|---|---|"]
    for r in rows:
        reach = ", ".join("-" if x is None else str(x) for x in r["env_steps_to_grpo_final"])
        lines.append(f"| {r['env']} | {r['method']} | {r['seeds']} | "
                     f"{r['final_success_mean']:.3f} ± {r['final_success_std']:.3f} | {reach} |")
    table = "\n".join(lines)
    settings = (f"envs {args.envs}, {args.seeds} seed(s), env-step budget {args.env_steps}, "
                f"eval every {args.eval_every} steps on {args.eval_episodes} frozen-split "
                f"tasks ({'; '.join(eval_mode(e) for e in args.envs)})"
                f"{', overrides ' + ' '.join(args.overrides) if args.overrides else ''}"
                f"{', smoke settings' if args.smoke else ''}")
    res.with_suffix(".md").write_text(f"# GRPO vs GiGPO\n\n{settings}\n\n{table}\n")
    print(table)
    plot(ledgers, res.with_suffix(".png"))
    print(f"wrote {res.with_suffix('.md')}, .json, .png")


def plot(ledgers: dict[str, dict[str, list[list[dict[str, Any]]]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(ledgers), figsize=(5 * len(ledgers), 4), squeeze=False)
    for ax, (env, by_method) in zip(axes[0], ledgers.items()):
        for method, runs in by_method.items():
            for i, lg in enumerate(runs):
                ax.plot([r["env_steps"] for r in lg], [r["success"] for r in lg], "o-",
                        alpha=0.6, label=method if i == 0 else None,
                        color="C0" if method == "grpo" else "C1" if method == "gigpo" else "C2")
        ax.set_title(env)
        ax.set_xlabel("env steps")
        ax.set_ylabel("eval success (frozen split)")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
