"""h1's comparison (arXiv 2510.07312, Table 1 / Fig. 3): accuracy at each horizon after equal
compute for each horizon schedule, mean and spread over seeds.

Each schedule trains a fresh copy of the setting's start model with PPO from its recipe
(``recipes/h1_<schedule>.yaml``: only_h1, uniform, only_longest, fixed, gated) plus the
setting's overrides, for the same number of updates x tasks; the fixed curriculum spreads those
updates evenly over its horizons (h1 uses 200 steps per horizon). Then every model, and the
untrained start, is evaluated on the frozen eval split at each horizon. Settings:

- ``mathchain``: h1's own task, MathChain single mode (one prompt, final answer rewarded) from
  ``stepgym-tiny``, greedy;
- ``mathchain_l1``: the same at level 1 (one-digit quantities) from ``stepgym-mathchain-l1``
  (worked one-problem solutions: it solves about half of h = 1, never a chain), greedy;
- ``mathchain_h2``: the same from ``stepgym-mathchain-h2`` (worked one- and two-problem chains
  at level 1), greedy;
- ``webshop``: WebShop's difficulty levels 1-4 as the horizon axis (more attributes and options
  mean more steps to a matching purchase), from ``stepgym-webshop-l2`` by action scoring, success
  reward, sampled at T=1;
- ``tooluse``: ToolUse's levels 1-4 (plans of 1, 1-2, 1-3 and 1-5 tool calls) from
  ``stepgym-tooluse-l1`` scoring 6 candidate turns, sampled at T=1.

A finished run's ``h1_row.json`` (same updates and setting) is reused. Writes
``<out>.{md,json,png}`` (default benchmarks/results/h1_<setting>).

    python benchmarks/bench_h1.py --setting mathchain_l1 --seeds 0 1 2 --updates 15
    python benchmarks/bench_h1.py --updates 2 --eval-episodes 2 --eval-horizons 1 2 --smoke
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

SCHEDULES = ("only_h1", "uniform", "only_longest", "fixed", "gated")

_WEBSHOP_PPO = {  # as recipes/ppo_ads_webshop2.yaml
    "env_id": "stepgym/WebShop-v0",
    "env_kwargs": {"instruction_search": True, "reward_mode": "success"},
    "horizons": [1, 2, 3, 4], "horizon_option": "level",
    "action_mode": "score", "action_score": "mean", "context_mode": "window", "window_steps": 2,
    "max_new_tokens": 32, "max_context_tokens": 3072, "max_steps": 15, "temperature": 1.0,
    "advantage_level": "turn", "gamma": 0.95, "lam": 0.95, "num_tasks": 4, "group_size": 8,
    "learning_rate": 1.0e-3, "critic_learning_rate": 3.0e-3, "update_epochs": 1,
    "num_minibatches": 4,
}

_TOOLUSE_PPO = {  # plan length grows with the level: 1, 1-2, 1-3, 1-5 calls
    **_WEBSHOP_PPO,
    "env_id": "stepgym/ToolUse-v0", "env_kwargs": {"candidate_actions": 6},
    "max_steps": 12, "max_context_tokens": 2048,
}

#: name -> (start model, overrides of every schedule's recipe, eval temperature, eval horizons)
SETTINGS: dict[str, tuple[str, dict[str, Any], float, list[int]]] = {
    "mathchain": ("stepgym-tiny", {}, 0.0, list(range(1, 9))),
    "mathchain_l1": ("stepgym-mathchain-l1",
                     {"env_kwargs": {"mode": "single", "level": 1}, "max_new_tokens": 320,
                      "context_mode": "window", "window_steps": 2,  # as the demos were written
                      # 64 episodes per update at lr 3e-5: 16 episodes at 1e-4 or 3e-4 drove
                      # greedy h = 1 from 50% to 26% or 0% (noise-dominated updates)
                      "group_size": 4, "learning_rate": 3.0e-5, "critic_learning_rate": 1.0e-3,
                      "horizons": [1, 2, 3, 4]},
                     0.0, [1, 2, 3, 4]),
    "mathchain_h2": ("stepgym-mathchain-h2",
                     {"env_kwargs": {"mode": "single", "level": 1}, "max_new_tokens": 320,
                      "context_mode": "window", "window_steps": 2,  # as the demos were written
                      "learning_rate": 1.0e-3, "critic_learning_rate": 3.0e-3,
                      "horizons": [1, 2, 3, 4]},
                     0.0, [1, 2, 3, 4]),
    "webshop": ("stepgym-webshop-l2", _WEBSHOP_PPO, 1.0, [1, 2, 3, 4]),
    "tooluse": ("stepgym-tooluse-l1", _TOOLUSE_PPO, 1.0, [1, 2, 3, 4]),
}


def schedule_config(schedule: str, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """The schedule's recipe with the setting's overrides, the benchmark's shared budget and
    its evaluation applied (``--set`` wins over the setting)."""
    from trainers.cli.train_ppo import load_recipe

    model, overrides, eval_temperature, _ = SETTINGS[args.setting]
    data = load_recipe(f"recipes/h1_{schedule}.yaml", args.set)
    fixed_by_user = {item.partition("=")[0].strip() for item in args.set or []}
    data.update({k: v for k, v in overrides.items() if k not in fixed_by_user})
    data.update(output_dir=str(Path(args.runs) / f"{args.setting}_{schedule}_s{seed}"),
                seed=seed, num_updates=args.updates, save_every=0, resume=False,
                model=args.model or model, eval_env_kwargs={"split": "eval"},
                eval_temperature=eval_temperature, eval_group=1,
                eval_seeds=list(range(args.gate_episodes)))
    horizons = data.get("horizons", [1, 2, 3, 4, 5])
    if schedule == "fixed":  # equal compute: the updates split evenly over the horizons
        data["steps_per_horizon"] = max(1, args.updates // len(horizons))
    if args.smoke:
        data.update(num_tasks=2, group_size=1, max_new_tokens=8)
    return data


def _accuracy(trainer: Any, cfg: Any, args: argparse.Namespace) -> dict[int, float]:
    """Success at each eval horizon over the frozen split's first ``eval_episodes`` tasks."""
    # the rollout source reads eval_seeds at each call: the gate used gate_episodes
    cfg.eval_seeds = list(range(args.eval_episodes))
    trainer.ac.eval()
    return {h: float(np.mean([t.won for t in trainer.source.evaluate({cfg.horizon_option: h})]))
            for h in args.eval_horizons}


def run_schedule(schedule: str, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """Train one schedule (or evaluate the start, ``schedule="start"``), then success at every
    eval horizon."""
    import torch

    from trainers.ppo.build import build_trainer
    from trainers.ppo.config import PPOConfig

    data = schedule_config("uniform" if schedule == "start" else schedule, seed, args)
    if schedule == "start":
        data.update(output_dir=data["output_dir"].replace("_uniform_", "_start_"), num_updates=0)
    done = Path(data["output_dir"]) / "h1_row.json"
    if done.is_file() and not args.smoke:
        row = json.loads(done.read_text())
        if row.get("updates") == data["num_updates"] and row.get("setting") == args.setting:
            print(f"{done}: finished earlier, reusing it", flush=True)
            row["accuracy"] = {int(h): a for h, a in row["accuracy"].items()}
            return row
    torch.manual_seed(seed)
    cfg = PPOConfig.from_dict(data)
    trainer = build_trainer(cfg)
    start = time.perf_counter()
    history = trainer.train() if cfg.num_updates > 0 else []
    train_s = time.perf_counter() - start
    accuracy = _accuracy(trainer, cfg, args)
    key = f"option_{cfg.horizon_option}"
    trained_on = sorted({int(row[key]) for row in history if key in row})
    rewards = [row["reward_mean"] for row in history if "reward_mean" in row]
    row = {"setting": args.setting, "schedule": schedule, "seed": seed,
           "updates": cfg.num_updates, "accuracy": accuracy, "trained_horizons": trained_on,
           "train_reward_mean": float(np.mean(rewards)) if rewards else None,
           "train_seconds": round(train_s, 1)}
    if not args.smoke:
        done.parent.mkdir(parents=True, exist_ok=True)
        done.write_text(json.dumps(row))
    return row


def summarise(rows: list[dict[str, Any]], hs: list[int]) -> list[dict[str, Any]]:
    """Per schedule: mean and sample std over seeds of the success at each horizon."""
    out = []
    for schedule in dict.fromkeys(r["schedule"] for r in rows):
        mine = [r for r in rows if r["schedule"] == schedule]
        acc = np.array([[r["accuracy"][h] for h in hs] for r in mine])
        std = acc.std(axis=0, ddof=1) if len(mine) > 1 else np.zeros(len(hs))
        trained = sorted({h for r in mine for h in r["trained_horizons"]})
        out.append({"schedule": schedule, "seeds": [r["seed"] for r in mine],
                    "mean": dict(zip(hs, acc.mean(axis=0).tolist())),
                    "std": dict(zip(hs, std.tolist())), "trained_horizons": trained,
                    "train_seconds": float(np.mean([r["train_seconds"] for r in mine]))})
    return out


def table(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    hs = args.eval_horizons
    model, _, temperature, _ = SETTINGS[args.setting]
    how = "greedy" if temperature == 0 else f"T={temperature:g}"
    axis = "level" if args.setting in ("webshop", "tooluse") else "h"
    lines = [f"# h1 horizon schedules (arXiv 2510.07312): `{args.setting}` from "
             f"`{args.model or model}`", "",
             f"PPO, {args.updates} updates per schedule (same tasks per update), seeds "
             f"{args.seeds}; success ({how}) on the first {args.eval_episodes} frozen eval tasks "
             f"per {axis} (%), mean ± sample std over seeds; `start` is the untrained model; overrides: "
             f"{args.set or 'none'}.", "",
             f"| schedule | trained on {axis} | " + " | ".join(f"{axis}={h}" for h in hs)
             + " | train s |",
             "|---|---|" + "---:|" * len(hs) + "---:|"]
    for r in summarise(rows, hs):
        spread = len(r["seeds"]) > 1  # one seed has no spread to show
        accs = " | ".join(f"{100 * r['mean'][h]:.1f}" + (f" ± {100 * r['std'][h]:.1f}" if spread else "")
                          for h in hs)
        trained = ",".join(map(str, r["trained_horizons"])) or "-"
        lines.append(f"| {r['schedule']} | {trained} | {accs} | {r['train_seconds']:.0f} |")
    return "\n".join(lines) + "\n"


def plot(rows: list[dict[str, Any]], args: argparse.Namespace, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hs = args.eval_horizons
    fig, ax = plt.subplots(figsize=(6, 4))
    for r in summarise(rows, hs):
        ax.errorbar(hs, [100 * r["mean"][h] for h in hs], yerr=[100 * r["std"][h] for h in hs],
                    marker="o", capsize=3, label=r["schedule"],
                    linestyle="--" if r["schedule"] == "start" else "-")
    ax.set_xlabel("level" if args.setting in ("webshop", "tooluse") else "chain length h")
    ax.set_ylabel("success (%)")
    ax.set_title(f"h1 schedules on {args.setting}, {args.updates} PPO updates each")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--setting", default="mathchain_l1", choices=SETTINGS)
    p.add_argument("--model", default=None, help="start model (default: the setting's)")
    p.add_argument("--schedules", nargs="+", default=list(SCHEDULES), choices=SCHEDULES)
    p.add_argument("--updates", type=int, default=15, help="PPO updates per schedule")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--eval-horizons", type=int, nargs="+", default=None,
                   help="default: the setting's")
    p.add_argument("--eval-episodes", type=int, default=50, help="eval tasks per horizon")
    p.add_argument("--gate-episodes", type=int, default=16,
                   help="eval tasks behind the gated schedule's pass rate")
    p.add_argument("--set", action="append", default=None, metavar="KEY=VALUE",
                   help="override a recipe field in every schedule (repeatable)")
    p.add_argument("--runs", default="runs/bench_h1")
    p.add_argument("--out", default=None, help="default: benchmarks/results/h1_<setting>")
    p.add_argument("--smoke", action="store_true", help="2 tasks per update, 8-token replies")
    args = p.parse_args()
    if args.eval_horizons is None:
        args.eval_horizons = SETTINGS[args.setting][3]
    greedy = SETTINGS[args.setting][2] == 0
    rows = []
    for seed in args.seeds:  # a sampled start is evaluated with each seed's generation seed
        for schedule in ("start", *args.schedules):
            if schedule == "start" and greedy and seed != args.seeds[0]:
                continue  # greedy: the same numbers for every seed
            rows.append(run_schedule(schedule, seed, args))
            print(json.dumps(rows[-1]), flush=True)
    out = Path(args.out or f"benchmarks/results/h1_{args.setting}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"args": vars(args), "rows": rows}, indent=1))
    out.with_suffix(".md").write_text(table(rows, args))
    plot(rows, args, out.with_suffix(".png"))
    print(table(rows, args))


if __name__ == "__main__":
    main()
