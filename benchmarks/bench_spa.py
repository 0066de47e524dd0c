"""SPA (arXiv 2505.20732) against the baselines, on the starter levels, 3 seeds.

Per setting: (1) the start model explores training tasks (``--explore-tasks`` x 4 episodes at
T=1); (2) a progress estimator is fitted on a copy of it (``stepgym spa fit``); its held-out
Spearman correlation with the env's true progress increments is reported; (3) PPO + SPA and
GRPO + SPA train from the same start with the same settings and budgets as the baselines in
``bench_ppo_ads.py`` (PPO) and ``bench_credit.py`` (GRPO, GiGPO), whose finished results
(``benchmarks/results/ppo_ads_<setting>.json``, ``credit_<setting>.json``) are read, not
re-run. Writes benchmarks/results/spa.{md,json,png}.

    python benchmarks/bench_spa.py --settings alfworld1 --seeds 0 1 2
    python benchmarks/bench_spa.py --settings alfworld1 --seeds 0 --methods ppo_spa --smoke
    python benchmarks/bench_spa.py --methods ppo_spa_nog ppo_oracle --seeds 0   # ablations:
    #   c_t alone (beta 0), and the env's true progress increments in place of c_t

Every stage is reused when its output is there (explore, estimator, each run's result), so the
work can be split across processes (``--methods``, ``--seeds``) and tabled afterwards.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_credit
import bench_ppo_ads

#: setting -> start model, exploration env, estimator fit settings, the baselines' budgets
SETTINGS: dict[str, dict[str, Any]] = {
    "alfworld1": {
        "model": "stepgym-alfworld-l1",
        "explore": {"env_id": "stepgym/ALFWorld-v0", "split": "train", "group": 4, "seed": 0,
                    "rollout": {"temperature": 1.0, "max_steps": 30}},
        "grpo_overrides": ["--max_steps", "25"], "eval_episodes": 140,
    },
    "webshop2": {
        "model": "stepgym-webshop-l2",
        "explore": {"env_id": "stepgym/WebShop-v0", "split": "train", "group": 4, "seed": 0,
                    "rollout": {"temperature": 1.0, "max_steps": 15}},
        "grpo_overrides": ["--max_steps", "15"], "eval_episodes": 100,
    },
}
def explore_env_kwargs(name: str) -> dict[str, Any]:
    """The env the RL runs train in (the PPO baseline recipe's ``env_kwargs``): exploration and
    the estimator must see the same env, or c_t is fitted to another task."""
    import yaml

    recipe, overrides = bench_ppo_ads.SETTINGS[name]
    data = yaml.safe_load(Path(recipe).read_text())
    return dict(overrides.get("env_kwargs", data.get("env_kwargs") or {}))


#: PPO variants: the credit method giving step rewards and its parameters (beta: grounding weight)
PPO_VARIANTS: dict[str, tuple[str, dict[str, float]]] = {
    "ppo_spa": ("spa", {"alpha": 1.0, "beta": 0.5}),  # the paper's Eq. 6
    "ppo_spa_nog": ("spa", {"alpha": 1.0, "beta": 0.0}),  # c_t alone (no grounding bonus)
    "ppo_oracle": ("progress_oracle", {"alpha": 1.0, "beta": 0.0}),  # true progress increments
}
#: GRPO variants: SPA's grounding weight beta (GRPO-style use: normalised discounted step returns)
GRPO_VARIANTS: dict[str, float] = {"grpo_spa": 0.5, "grpo_spa_nog": 0.0}
SPA_METHODS = (*PPO_VARIANTS, *GRPO_VARIANTS)
BASELINES = ("ppo", "grpo", "gigpo")


def estimator_for(name: str, args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """Explore and fit (each reused when done); the estimator's directory and fit report."""
    from trainers.spa.fit import REPORT_FILE
    from trainers.spa.pipeline import SPARecipe, run_pipeline

    s = SETTINGS[name]
    explore = {**s["explore"], "env_kwargs": explore_env_kwargs(name),
               "tasks": 2 if args.smoke else args.explore_tasks}
    fit = {"learning_rate": args.fit_lr, "epochs": 1 if args.smoke else args.fit_epochs,
           "batch_size": args.fit_batch_size, "train_backbone": not args.fit_head_only}
    recipe = SPARecipe(output_dir=str(Path(args.runs) / name), model=s["model"],
                       explore=explore, fit=fit)
    run_pipeline(recipe, ("explore", "fit"))
    est = recipe.out / "estimator"
    report = json.loads((est / REPORT_FILE).read_text())
    report.pop("losses", None)
    return est, report


def run_ppo_variant(name: str, method: str, seed: int, estimator: Path,
                    args: argparse.Namespace) -> dict[str, Any]:
    ns = argparse.Namespace(runs=args.runs, updates=args.ppo_updates, set=[], smoke=args.smoke)
    credit, params = PPO_VARIANTS[method]
    kwargs: dict[str, Any] = dict(params)
    if credit == "spa":
        kwargs["estimator"] = str(estimator)
    extra = {"discount": "constant", "credit": credit, "credit_kwargs": kwargs,
             "output_dir": str(Path(args.runs) / f"{name}_{method}_s{seed}")}
    return bench_ppo_ads.run_one(name, "ppo", seed, ns, extra=extra, label=method)


def run_grpo_spa(name: str, method: str, seed: int, estimator: Path,
                 args: argparse.Namespace) -> list[dict[str, Any]]:
    beta = GRPO_VARIANTS[method]
    bench_credit.METHODS[method] = [
        "--credit", "spa", "--credit_kwargs",
        f"{{estimator: {estimator}, alpha: 1.0, beta: {beta}, gamma: 0.95, invalid_penalty: 0.1}}"]
    ns = argparse.Namespace(out_dir=args.runs, env_steps=1_000_000, eval_every=0,
                            eval_episodes=2 if args.smoke else SETTINGS[name]["eval_episodes"],
                            overrides=SETTINGS[name]["grpo_overrides"], smoke=args.smoke)
    return bench_credit.run_one(name, method, seed, ns)


def finished_rows(name: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """``--table-only``: the SPA runs of ``args.methods`` x ``args.seeds`` already finished; a
    run whose directory is gone (another machine, a cleaned ``runs/``) keeps the row the last
    published table (``args.out``.json) has for it."""
    from trainers.checkpoint import read_jsonl

    published = Path(args.out).with_suffix(".json")
    old = {(r["setting"], r["method"], r["seed"]): r
           for r in (json.loads(published.read_text())["rows"] if published.is_file() else [])}
    rows = []
    for method in args.methods:
        for seed in args.seeds:
            out = Path(args.runs) / f"{name}_{method}_s{seed}"
            if (out / "bench_row.json").is_file():
                r = json.loads((out / "bench_row.json").read_text())
                rows.append({"setting": name, "method": method, "seed": seed,
                             "before": r["eval_before"], "after": r["eval_after"]})
            elif (out / "final").is_dir() and (out / "eval.jsonl").is_file():
                lg = read_jsonl(out / "eval.jsonl")
                rows.append({"setting": name, "method": method, "seed": seed,
                             "before": lg[0]["success"], "after": lg[-1]["success"]})
            elif (name, method, seed) in old:
                rows.append(old[(name, method, seed)])
    return rows


def finished_fit(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """``--table-only``: the estimator's fit report, or the published one if its run is gone."""
    path = Path(args.runs) / name / "estimator" / "fit_report.json"
    if path.is_file():
        report = json.loads(path.read_text())
        report.pop("losses", None)
        return report
    return json.loads(Path(args.out).with_suffix(".json").read_text())["estimators"][name]


def baseline_rows(name: str, seeds: list[int],
                  files: list[str] | None = None) -> list[dict[str, Any]]:
    """The finished baseline runs of this setting (same start, budget and eval) as rows like
    ours: from bench_ppo_ads.py's and bench_credit.py's results, by default the published
    ``benchmarks/results/{ppo_ads,credit}_<setting>.json``; ``files`` names others (e.g. runs
    of one seed each, ``--results /tmp/part``), so a table can compare runs from one build."""
    res = Path("benchmarks/results")
    paths = ([Path(f) for f in files] if files
             else [res / f"ppo_ads_{name}.json", res / f"credit_{name}.json"])
    rows: list[dict[str, Any]] = []
    for path in paths:
        if not path.is_file():
            if files:
                raise FileNotFoundError(f"no baseline results {path}")
            continue
        data = json.loads(path.read_text())
        if "ledgers" in data:  # bench_credit.py: ledgers[setting][method][i] is seed_list[i]
            given = data.get("args", {}).get("seed_list")
            for method in ("grpo", "gigpo"):
                ledgers = data["ledgers"].get(name, {}).get(method, [])
                for seed, lg in zip(given or range(len(ledgers)), ledgers, strict=False):
                    if seed in seeds:
                        rows.append({"method": method, "seed": seed,
                                     "before": lg[0]["success"], "after": lg[-1]["success"]})
        else:  # bench_ppo_ads.py
            rows += [{"method": "ppo", "seed": r["seed"], "before": r["eval_before"],
                      "after": r["eval_after"]} for r in data["rows"]
                     if r.get("setting", name) == name and r["method"] == "ppo"
                     and r["seed"] in seeds]
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--settings", nargs="+", default=["alfworld1"], choices=SETTINGS)
    p.add_argument("--methods", nargs="+", default=["ppo_spa", "grpo_spa"], choices=SPA_METHODS)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--explore-tasks", type=int, default=64, help="x 4 episodes each")
    p.add_argument("--fit-lr", type=float, default=1e-3)
    p.add_argument("--fit-epochs", type=int, default=8)
    p.add_argument("--fit-batch-size", type=int, default=8, help="trajectories per fit step")
    p.add_argument("--fit-head-only", action="store_true",
                   help="freeze the backbone; train only the estimator's head (linear probe)")
    p.add_argument("--ppo-updates", type=int, default=15, help="the PPO baseline's budget")
    p.add_argument("--runs", default="runs/bench_spa")
    p.add_argument("--out", default="benchmarks/results/spa")
    p.add_argument("--smoke", action="store_true", help="2 tasks, 1 fit epoch (checks)")
    p.add_argument("--baseline-files", nargs="+", default=None, metavar="JSON",
                   help="bench_ppo_ads.py / bench_credit.py results to read the PPO, GRPO and "
                        "GiGPO rows from (default: benchmarks/results/*_<setting>.json)")
    p.add_argument("--table-only", action="store_true",
                   help="table the finished runs of --methods x --seeds; run nothing")
    args = p.parse_args()
    import os

    import torch

    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    torch.set_num_threads(1)
    rows: list[dict[str, Any]] = []
    fits: dict[str, Any] = {}
    for name in args.settings:
        if args.table_only:
            rows += finished_rows(name, args)
            fits[name] = finished_fit(name, args)
            rows += [{"setting": name, **r}
                     for r in baseline_rows(name, args.seeds, args.baseline_files)]
            continue
        est, report = estimator_for(name, args)
        fits[name] = report
        for seed in args.seeds:
            for method in (m for m in args.methods if m in PPO_VARIANTS):
                r = run_ppo_variant(name, method, seed, est, args)
                rows.append({"setting": name, "method": method, "seed": seed,
                             "before": r["eval_before"], "after": r["eval_after"]})
            for method in (m for m in args.methods if m in GRPO_VARIANTS):
                lg = run_grpo_spa(name, method, seed, est, args)
                rows.append({"setting": name, "method": method, "seed": seed,
                             "before": lg[0]["success"], "after": lg[-1]["success"]})
        rows += [{"setting": name, **r}
                 for r in baseline_rows(name, args.seeds, args.baseline_files)]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"args": vars(args), "rows": rows,
                                                    "estimators": fits}, indent=2))
    text = table(rows, fits, args)
    out.with_suffix(".md").write_text(text)
    print(text)
    plot(rows, args, out.with_suffix(".png"))
    print(f"wrote {out.with_suffix('.md')}, .json, .png")


ORDER = ("ppo", "ppo_spa", "ppo_spa_nog", "ppo_oracle", "grpo", "grpo_spa", "grpo_spa_nog", "gigpo")


def table(rows: list[dict[str, Any]], fits: dict[str, Any], args: argparse.Namespace) -> str:
    lines = ["# SPA vs PPO, GRPO and GiGPO", "",
             f"Seeds {args.seeds}; PPO runs: {args.ppo_updates} updates (bench_ppo_ads.py's "
             "setting); GRPO runs: bench_credit.py's setting; estimators: "
             + "; ".join(f"{n}: {r['trajectories_used']} exploration episodes, "
                         f"{r['config']['epochs']} epochs at lr {r['config']['learning_rate']:g}"
                         for n, r in fits.items())
             + ". Success on the frozen eval split before and after training.", "",
             "| setting | method | seeds | before | after (mean ± std) | change |",
             "|---|---|---|---|---|---|"]
    for name in args.settings:
        for method in ORDER:
            rs = [r for r in rows if r["setting"] == name and r["method"] == method]
            if not rs:
                continue
            b = np.array([r["before"] for r in rs])
            a = np.array([r["after"] for r in rs])
            lines.append(f"| {name} | {method} | {len(rs)} | {100 * b.mean():.1f} | "
                         f"{100 * a.mean():.1f} ± {100 * a.std():.1f} | "
                         f"{100 * (a - b).mean():+.1f} |")
    lines += ["", "Progress estimator (held-out task groups of the exploration data):", "",
              "| setting | trajectories (train / held-out) | Spearman(c_t, true progress "
              "increments) | within trajectories | MSE(sum c_t, R) | MSE of the mean R "
              "| Spearman(sum c_t, steps) |", "|---|---|---|---|---|---|---|"]
    for name, rep in fits.items():
        h = rep.get("heldout") or {}
        lines.append(f"| {name} | {rep['train_trajectories']} / {rep['heldout_trajectories']} | "
                     f"{_f(h.get('spearman_progress'))} | {_f(h.get('spearman_progress_within'))}"
                     f" | {_f(h.get('return_mse'), 4)} | {_f(h.get('return_mse_constant'), 4)}"
                     f" | {_f(h.get('spearman_sum_length'))} |")
    return "\n".join(lines) + "\n"


def _f(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def plot(rows: list[dict[str, Any]], args: argparse.Namespace, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(args.settings), figsize=(5 * len(args.settings), 3.8),
                             squeeze=False)
    for ax, name in zip(axes[0], args.settings):
        methods = [m for m in ORDER if any(r["setting"] == name and r["method"] == m
                                           for r in rows)]
        for i, m in enumerate(methods):
            after = [r["after"] for r in rows if r["setting"] == name and r["method"] == m]
            ax.bar(i, 100 * np.mean(after), yerr=100 * np.std(after), capsize=4, alpha=0.7)
            ax.scatter([i] * len(after), [100 * x for x in after], color="k", s=10, zorder=3)
        before = [r["before"] for r in rows if r["setting"] == name]
        if before:
            ax.axhline(100 * np.mean(before), color="gray", ls="--", label="start (mean)")
            ax.legend()
        ax.set_xticks(range(len(methods)), methods, rotation=30, ha="right")
        ax.set_ylabel("eval success %")
        ax.set_title(name)
        ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
