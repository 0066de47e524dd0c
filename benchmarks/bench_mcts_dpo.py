"""MCTS-DPO (arXiv 2405.00451) against its start and GRPO at equal generated tokens, 3 seeds.

Per setting and seed: (1) the MCTS-DPO loop from its recipe (``recipes/mcts_dpo_<setting>.yaml``,
``seed`` set), 3 iterations of search -> pairs -> DPO -> eval; its held-out success after each
iteration and the tokens its searches generated; (2) GRPO from the same start model with
``max_generated_tokens_total`` = the tokens that seed's loop generated, evaluated on the same
frozen split. The start policy's success is the loop's iteration 0. Writes
benchmarks/results/mcts_dpo.{md,json,png}.

    python benchmarks/bench_mcts_dpo.py --settings alfworld1 --seeds 0 1 2
    python benchmarks/bench_mcts_dpo.py --settings alfworld1 --seeds 0 --smoke   # checks
    python benchmarks/bench_mcts_dpo.py --settings alfworld1 mathchain1 mathchain1_2steps --table-only
    # GRPO alone for a seed whose loop ran elsewhere (budget: its published token count)
    python benchmarks/bench_mcts_dpo.py --settings mathchain1 --seeds 1 --grpo-only \
        --out /tmp/mcts_dpo_s1 --published benchmarks/results/mcts_dpo

Runs are reused when finished (the loop resumes per stage; a GRPO run with a final model is
read back), so seeds can run in separate processes and be tabled afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

#: MathChain level 1 GRPO from the loop's start model, acting and evaluated as the loop does (the
#: start model's rollout settings, its stepgym.json, and the loop's eval): window of 2 steps, 96
#: new tokens, sampled at T=1
_MATHCHAIN1_GRPO = ["--model_name_or_path", "stepgym-mathchain-l1",
                    "--env_kwargs", "{mode: multi, expert_style: worked, level: 1}",
                    "--context_mode", "window", "--window_steps", "2",
                    "--max_context_tokens", "3072", "--max_new_tokens", "96",
                    "--eval_temperature", "1.0"]

#: setting -> the loop's recipe, and GRPO's recipe + overrides giving the same start and env
SETTINGS: dict[str, dict[str, Any]] = {
    "alfworld1": {"recipe": "recipes/mcts_dpo_alfworld1.yaml", "grpo": "recipes/demo.yaml",
                  "grpo_overrides": []},
    # the env's 32-step limit
    "mathchain1": {"recipe": "recipes/mcts_dpo_mathchain1.yaml",
                   "grpo": "recipes/grpo_gigpo_mathchain.yaml",
                   "grpo_overrides": [*_MATHCHAIN1_GRPO, "--max_env_steps", "32"]},
    # two attempts per problem (the recipe's rollout.max_steps)
    "mathchain1_2steps": {"recipe": "recipes/mcts_dpo_mathchain1_2steps.yaml",
                          "grpo": "recipes/grpo_gigpo_mathchain.yaml",
                          "grpo_overrides": [*_MATHCHAIN1_GRPO, "--max_env_steps", "2"]},
}
GRPO = ["--credit", "grpo", "--credit_kwargs", "{scale_std: true, invalid_penalty: 0.1}"]


def load_recipe(name: str, seed: int, args: argparse.Namespace) -> Any:
    import yaml

    from trainers.mcts.loop import MCTSDPORecipe

    data = yaml.safe_load(Path(SETTINGS[name]["recipe"]).read_text())
    data.update(seed=seed, output_dir=str(Path(args.runs) / f"{name}_mcts_dpo_s{seed}"))
    if args.smoke:
        data.update(iterations=1, tasks_per_iteration=2, max_pairs=2)
        data["search"] = {**data.get("search", {}), "simulations_per_step": 1}
        data["eval"] = {**data.get("eval", {}), "episodes": 2}
        data["rollout"] = {**data.get("rollout", {}), "max_steps": 4}
    return MCTSDPORecipe.from_dict(data)


def run_loop_seed(name: str, seed: int, args: argparse.Namespace) -> list[dict[str, Any]]:
    from trainers.mcts.loop import run_loop

    return run_loop(load_recipe(name, seed, args), progress=not args.quiet)


def grpo_argv(name: str, seed: int, tokens: int, episodes: int, out: Path,
              smoke: bool = False) -> list[str]:
    """``stepgym train`` arguments of the GRPO baseline: the setting's recipe and overrides,
    stopped at ``tokens`` generated tokens, evaluated at the start and the end only."""
    argv = [SETTINGS[name]["grpo"], *GRPO, "--seed", str(seed), "--output_dir", str(out),
            "--max_generated_tokens_total", str(tokens), "--max_steps", "100000",
            "--eval_every", "0", "--eval_episodes", str(episodes), "--save_steps", "100000",
            "--report_to", "none", "--disable_tqdm", "true", *SETTINGS[name]["grpo_overrides"]]
    if smoke:
        argv += ["--num_generations", "2", "--per_device_train_batch_size", "4",
                 "--max_env_steps", "3"]
    return argv


def grpo_finished(out: Path) -> bool:
    """A GRPO run that saved its final model and its eval ledger (a half run has only the
    ledger's first row)."""
    return (out / "final" / "stepgym.json").is_file() and (out / "eval.jsonl").is_file()


def run_grpo_seed(name: str, seed: int, tokens: int, episodes: int,
                  args: argparse.Namespace) -> dict[str, Any]:
    from trainers.checkpoint import read_jsonl
    from trainers.config import parse_config
    from trainers.run_grpo import run_grpo

    out = Path(args.runs) / f"{name}_grpo_s{seed}"
    if not grpo_finished(out):
        run_grpo(*parse_config(grpo_argv(name, seed, tokens, episodes, out, args.smoke)))
    ledger = read_jsonl(out / "eval.jsonl")
    return {"before": ledger[0]["success"], "after": ledger[-1]["success"],
            "generated_tokens": int(ledger[-1].get("generated_tokens_train", tokens))}


def published_rows(name: str, seed: int, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The rows the last published table (``args.published`` or ``args.out``, .json) has for
    ``name`` and ``seed``:
    ``--table-only`` keeps them for runs whose directories are gone (another machine, a
    cleaned ``runs/``)."""
    published = Path(args.published or args.out).with_suffix(".json")
    if not published.is_file():
        return []
    return [r for r in json.loads(published.read_text())["rows"]
            if (r["setting"], r["seed"]) == (name, seed)]


def collect(name: str, seeds: list[int], args: argparse.Namespace) -> list[dict[str, Any]]:
    """One row per (method, seed): start, each MCTS-DPO iteration, GRPO."""
    rows: list[dict[str, Any]] = []
    for seed in seeds:
        recipe = load_recipe(name, seed, args)
        results = recipe.out / "results.json"
        if results.is_file() or not (args.table_only or args.grpo_only):
            loop_rows = (json.loads(results.read_text())["rows"] if results.is_file()
                         else run_loop_seed(name, seed, args))
            for r in loop_rows:
                method = "start" if r["iteration"] == 0 else f"mcts_dpo_it{r['iteration']}"
                rows.append({"setting": name, "method": method, "seed": seed,
                             "success": r["eval_success"],
                             "generated_tokens": r["generated_tokens"], "pairs": r["pairs"]})
            tokens = int(loop_rows[-1]["generated_tokens"])
        else:
            # the loop's folder is gone: its published rows stand, and GRPO's budget is the
            # tokens its last published iteration had generated
            published = published_rows(name, seed, args)
            loop_published = [r for r in published if r["method"] != "grpo"]
            if not loop_published:
                continue
            rows += loop_published
            tokens = int(max(r["generated_tokens"] for r in loop_published))
        grpo_out = Path(args.runs) / f"{name}_grpo_s{seed}"
        if args.table_only and not grpo_finished(grpo_out):
            rows += [r for r in published_rows(name, seed, args) if r["method"] == "grpo"]
            continue
        g = run_grpo_seed(name, seed, tokens, int(recipe.eval.get("episodes", 100)), args)
        rows.append({"setting": name, "method": "grpo", "seed": seed, "success": g["after"],
                     "generated_tokens": g["generated_tokens"], "pairs": None})
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| setting | method | seeds | held-out success (mean ± std) | generated tokens (mean) |",
             "|---|---|---:|---|---:|"]
    keys = list(dict.fromkeys((r["setting"], r["method"]) for r in rows))
    for setting, method in keys:
        sel = [r for r in rows if (r["setting"], r["method"]) == (setting, method)]
        s = np.array([r["success"] for r in sel], dtype=float)
        t = np.mean([r["generated_tokens"] for r in sel])
        lines.append(f"| {setting} | {method} | {len(sel)} | {s.mean():.3f} ± {s.std():.3f} | "
                     f"{t:.0f} |")
    return "\n".join(lines)


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    settings = list(dict.fromkeys(r["setting"] for r in rows))
    fig, axes = plt.subplots(1, len(settings), figsize=(5 * len(settings), 3.4), squeeze=False)
    for ax, setting in zip(axes[0], settings, strict=True):
        loop = [r for r in rows if r["setting"] == setting and r["method"] != "grpo"]
        for seed in sorted({r["seed"] for r in loop}):
            pts = sorted((r["generated_tokens"], r["success"]) for r in loop if r["seed"] == seed)
            ax.plot(*zip(*pts, strict=True), "o-", color="tab:blue", alpha=0.6,
                    label="MCTS-DPO" if seed == min(r["seed"] for r in loop) else None)
        grpo = [r for r in rows if r["setting"] == setting and r["method"] == "grpo"]
        if grpo:
            ax.scatter([r["generated_tokens"] for r in grpo], [r["success"] for r in grpo],
                       marker="s", color="tab:orange", label="GRPO (equal tokens)", zorder=3)
        ax.set_title(setting)
        ax.set_xlabel("generated tokens")
        ax.set_ylabel("held-out success")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--settings", nargs="+", default=["alfworld1"], choices=list(SETTINGS))
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--runs", default="runs/bench_mcts_dpo")
    p.add_argument("--out", default="benchmarks/results/mcts_dpo")
    p.add_argument("--smoke", action="store_true", help="1 iteration, 2 tasks, 2 eval episodes")
    p.add_argument("--table-only", action="store_true", help="table the finished runs only")
    p.add_argument("--grpo-only", action="store_true",
                   help="run or read GRPO only; a seed whose loop folder is gone takes its "
                   "token budget from the published table")
    p.add_argument("--published", default=None,
                   help="the published table to keep rows from (default: --out)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args()
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    rows = [r for name in args.settings for r in collect(name, args.seeds, args)]
    if not rows:
        raise SystemExit("no finished runs to table")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    md = table(rows)
    header = (f"# MCTS-DPO vs its start and GRPO at equal generated tokens\n\nseeds "
              f"{sorted({r['seed'] for r in rows})}; recipes "
              f"{', '.join(SETTINGS[s]['recipe'] for s in args.settings)}; GRPO from the same "
              "start model with the loop's generated tokens as its budget.\n\n")
    out.with_suffix(".md").write_text(header + md + "\n")
    out.with_suffix(".json").write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2))
    plot(rows, out.with_suffix(".png"))
    print(md)


if __name__ == "__main__":
    main()
