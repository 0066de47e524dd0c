"""PPO vs PPO + ADS (arXiv 2310.07433), side by side, on long-horizon settings.

For each setting, seed and method, a fresh copy of the setting's model trains for
``--updates`` PPO updates from the setting's recipe; the two methods differ only in the
discount (constant gamma vs ADS's schedule gamma = alpha^(1/k)) and share tasks and sampling
seeds. Each run is evaluated on the env's frozen eval split before and after (greedy, or
sampled where the recipe says so). Writes benchmarks/results/ppo_ads.{md,json,png}: a table
(eval success before/after, mean ± std over seeds, last train reward, final gamma and k) and
training reward and gamma per update.

    python benchmarks/bench_ppo_ads.py                                  # the SETTINGS below
    python benchmarks/bench_ppo_ads.py --settings mathchain_h4 --seeds 0 --updates 2 --smoke
    python benchmarks/bench_ppo_ads.py --settings textworld5 --set model=DIR
    python benchmarks/bench_ppo_ads.py --settings alfworld1 --updates 15 --methods ppo --seeds 0

A run whose directory already holds its result (``bench_row.json``, same ``--updates``) is
reused, not repeated, so runs can be split across processes (``--methods``, ``--seeds``) and
tabled together afterwards.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

METHODS = {"ppo": {"discount": "constant"}, "ppo_ads": {"discount": "ads"}}

#: name -> (recipe, overrides): the issue's long-horizon settings that train on CPU
SETTINGS: dict[str, tuple[str, dict[str, Any]]] = {
    "mathchain_h4": ("recipes/ppo_ads_mathchain.yaml",
                     {"env_kwargs": {"mode": "multi", "horizon": 4}, "max_steps": 8,
                      "ads_demo_options": {"horizon": 4}}),
    "mathchain_h6": ("recipes/ppo_ads_mathchain.yaml",
                     {"env_kwargs": {"mode": "multi", "horizon": 6}, "max_steps": 12,
                      "ads_demo_options": {"horizon": 6}}),
    "alfworld_pick_two": ("recipes/ppo_ads_alfworld.yaml",
                          {"env_kwargs": {"task_types": ["pick_two_obj_and_place"]}}),
    "alfworld_pick_heat": ("recipes/ppo_ads_alfworld.yaml",
                           {"env_kwargs": {"task_types": ["pick_heat_then_place_in_recep"]}}),
    "textworld5": ("recipes/ppo_textworld.yaml", {}),
    # from the demo's start model (stepgym-alfworld-l1, ~50% at T=1): a start PPO can improve
    "alfworld1": ("recipes/ppo_ads_alfworld1.yaml", {}),
    # from stepgym-webshop-l2 (~19% success at T=1), success reward, like the GRPO comparison
    "webshop2": ("recipes/ppo_ads_webshop2.yaml", {}),
}
DEFAULT_SETTINGS = ("mathchain_h4", "alfworld_pick_two", "alfworld_pick_heat")


def setting_config(name: str, method: str, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """The setting's recipe, its overrides, the method's discount and the shared budget."""
    from trainers.cli.train_ppo import load_recipe

    recipe, overrides = SETTINGS[name]
    data = load_recipe(recipe, args.set)
    data.update({k: v for k, v in overrides.items() if k not in _set_keys(args)})
    data.update(METHODS[method], output_dir=str(Path(args.runs) / f"{name}_{method}_s{seed}"),
                seed=seed, num_updates=args.updates, save_every=0, resume=False,
                eval_every=0)
    if args.smoke:
        data.update(num_tasks=2, max_new_tokens=8, ads_demo_seeds=[0, 1],
                    eval_seeds=list(data.get("eval_seeds", range(2)))[:2], eval_group=1)
    return data


def _set_keys(args: argparse.Namespace) -> set[str]:
    return {item.partition("=")[0].strip() for item in args.set or []}


def run_one(name: str, method: str, seed: int, args: argparse.Namespace,
            extra: dict[str, Any] | None = None, label: str | None = None) -> dict[str, Any]:
    """One run (reused when its ``bench_row.json`` is there); ``extra`` overrides config fields
    after the method's (bench_spa.py adds a credit method and its own output_dir), ``label``
    names the method in the row."""
    import torch

    from trainers.ppo.build import build_trainer
    from trainers.ppo.config import PPOConfig

    data = setting_config(name, method, seed, args)
    data.update(extra or {})
    done = Path(data["output_dir"]) / "bench_row.json"
    if done.is_file():
        row = json.loads(done.read_text())
        if row.get("updates") == args.updates:  # a run with another budget is not reused
            print(f"{done}: finished earlier, reusing it")
            return row
    torch.manual_seed(seed)
    cfg = PPOConfig.from_dict(data)
    trainer = build_trainer(cfg)
    start = time.perf_counter()
    trainer.ac.eval()
    before = trainer.source.evaluate(None)
    history = trainer.train()
    trainer.ac.eval()
    after = trainer.source.evaluate(None)
    row = {
        "setting": name, "method": label or method, "seed": seed, "updates": args.updates,
        "eval_before": float(np.mean([t.won for t in before])),
        "eval_after": float(np.mean([t.won for t in after])),
        "eval_episodes": len(after),
        "reward_after": float(np.mean([t.total_reward for t in after])),
        "train_reward": [h["reward_mean"] for h in history if "reward_mean" in h],
        "gamma": [h["gamma"] for h in history if "gamma" in h],
        "ads_k": history[-1].get("ads_k"),
        "seconds": round(time.perf_counter() - start, 1),
    }
    done.parent.mkdir(parents=True, exist_ok=True)
    done.write_text(json.dumps(row))
    return row


def table(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = ["# PPO vs PPO + ADS", "",
             f"{args.updates} PPO updates per run, seeds {args.seeds}; recipe overrides: "
             f"{args.set or 'none'}. Eval: the recipe's frozen split and mode, same episodes "
             "before and after.", "",
             "| setting | method | eval success before | eval success after | eval reward after "
             "| train reward, last 3 updates | final gamma | final k | s/run |",
             "|---|---|---|---|---|---|---|---|---:|"]
    for name in args.settings:
        for method in METHODS:
            rs = [r for r in rows if r["setting"] == name and r["method"] == method]
            if not rs:
                continue
            last = [float(np.mean(r["train_reward"][-3:])) for r in rs]
            gam = [r["gamma"][-1] for r in rs]
            ks = [r["ads_k"] for r in rs if r["ads_k"] is not None]
            lines.append(
                f"| {name} | {method} | {_ms([r['eval_before'] for r in rs])} | "
                f"{_ms([r['eval_after'] for r in rs])} | {_ms([r['reward_after'] for r in rs])} | "
                f"{_ms(last)} | {_ms(gam)} | {_ms(ks) if ks else '-'} | "
                f"{np.mean([r['seconds'] for r in rs]):.0f} |")
    return "\n".join(lines) + "\n"


def _ms(vals: list[float]) -> str:
    return f"{np.mean(vals):.3f} ± {np.std(vals):.3f}"


def plot(rows: list[dict[str, Any]], args: argparse.Namespace, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(args.settings), figsize=(4.5 * len(args.settings), 6),
                             squeeze=False)
    for col, name in enumerate(args.settings):
        for i, method in enumerate(METHODS):
            rs = [r for r in rows if r["setting"] == name and r["method"] == method]
            for j, r in enumerate(rs):
                label = method if j == 0 else None
                xs = range(1, len(r["train_reward"]) + 1)
                axes[0][col].plot(xs, r["train_reward"], color=f"C{i}", alpha=0.6, label=label)
                axes[1][col].plot(range(1, len(r["gamma"]) + 1), r["gamma"], color=f"C{i}",
                                  alpha=0.6, label=label)
        axes[0][col].set_title(name)
        axes[0][col].set_ylabel("train reward")
        axes[1][col].set_ylabel("gamma")
        axes[1][col].set_xlabel("update")
        axes[0][col].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--settings", nargs="+", default=list(DEFAULT_SETTINGS), choices=SETTINGS)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    p.add_argument("--updates", type=int, default=20)
    p.add_argument("--set", action="append", default=None, metavar="KEY=VALUE",
                   help="override a recipe field in every run (repeatable, wins over SETTINGS)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", default="runs/bench_ppo_ads")
    p.add_argument("--out", default="benchmarks/results/ppo_ads")
    p.add_argument("--smoke", action="store_true", help="2 tasks, 8-token turns (checks)")
    args = p.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    rows = []
    for name in args.settings:
        for seed in args.seeds:
            for method in args.methods:
                rows.append(run_one(name, method, seed, args))
                print(json.dumps({k: v for k, v in rows[-1].items()
                                  if k not in ("train_reward", "gamma")}), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"args": vars(args), "rows": rows}, indent=1))
    out.with_suffix(".md").write_text(table(rows, args))
    plot(rows, args, out.with_suffix(".png"))
    print(table(rows, args))


if __name__ == "__main__":
    main()
