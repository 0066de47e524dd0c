"""GRPO vs GiGPO vs PORTool (arXiv 2510.26020) on ToolUse at equal generated tokens.

Every run trains from the recipe's start model with ``max_generated_tokens_total`` =
``--tokens`` (tree rollouts count their discarded candidates' tokens too), 3 seeds; the methods
differ only in rollouts (independent groups vs trees of the same size) and credit. Evaluation on
the frozen eval split before and after (the recipe's mode). Reported, as the paper does:
accuracy and tool calls per query, plus generated tokens per solved query (eval). Writes
benchmarks/results/portool_<setting>.{md,json,png}. Finished runs are reused.

    python benchmarks/bench_portool.py                               # tooluse1, 3 seeds
    python benchmarks/bench_portool.py --seeds 0 --tokens 2000 --smoke
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

#: setting -> (recipe, overrides): the starter level, and the default level 4 (PORTool's setting:
#: plans of 1-5 calls among all tools), where the same start wins about a quarter at T=1
SETTINGS: dict[str, tuple[str, list[str]]] = {
    "tooluse1": ("recipes/grpo_portool_tooluse1.yaml", []),
    "tooluse4": ("recipes/grpo_portool_tooluse1.yaml",
                 ["--env_kwargs", "{level: 4, candidate_actions: 6}", "--max_env_steps", "12"]),
}
METHODS = {
    "grpo": ["--rollout", "group", "--credit", "grpo", "--credit_kwargs", "{scale_std: true}"],
    "gigpo": ["--rollout", "group", "--credit", "gigpo", "--credit_kwargs", "{}"],
    "portool": ["--rollout", "tree", "--credit", "portool",
                "--credit_kwargs", "{tool_weight: 0.1, fork_weight: 1.0, decay: 1.0}"],
    # ablation: R(s) without the tool-call term (sibling normalisation turns a 0.1 difference
    # between two children into +-0.7)
    "portool_notool": ["--rollout", "tree", "--credit", "portool",
                       "--credit_kwargs", "{tool_weight: 0.0, fork_weight: 1.0, decay: 1.0}"],
}


def run_one(setting: str, method: str, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    from trainers.checkpoint import read_jsonl
    from trainers.config import parse_config
    from trainers.run_grpo import run_grpo

    out = Path(args.runs) / f"{setting}_{method}_s{seed}"
    row_path = out / "bench_row.json"
    if row_path.is_file():
        row = json.loads(row_path.read_text())
        if row.get("tokens_budget") == args.tokens:
            print(f"{row_path}: finished earlier, reusing it")
            return row
    recipe, overrides = SETTINGS[setting]
    argv = [recipe, *overrides, *METHODS[method], "--seed", str(seed), "--output_dir", str(out),
            "--max_generated_tokens_total", str(args.tokens), "--max_steps", "100000",
            "--save_steps", "100000", "--report_to", "none", "--disable_tqdm", "true"]
    if args.smoke:
        argv += ["--eval_episodes", "4", "--num_generations", "4",
                 "--per_device_train_batch_size", "4", "--gradient_accumulation_steps", "1",
                 "--steps_per_generation", "1"]
    summary = run_grpo(*parse_config(argv))
    evals = read_jsonl(out / "eval.jsonl")
    first, last = evals[0], evals[-1]
    row = {"setting": setting, "method": method, "seed": seed, "tokens_budget": args.tokens,
           "updates": summary["global_step"], "env_steps": summary["env_steps"],
           "generated_tokens_train": last.get("generated_tokens_train"),
           "before": first["success"], "after": last["success"],
           "tool_calls_before": first.get("tool_calls_mean"),
           "tool_calls_after": last.get("tool_calls_mean"),
           "tokens_per_success_after": last.get("generated_tokens_per_success")}
    row_path.write_text(json.dumps(row))
    return row


def table(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = ["# GRPO vs GiGPO vs PORTool", "",
             f"Settings {args.settings}, seeds {args.seeds}, {args.tokens} generated tokens per "
             "run (tree rollouts count discarded candidates). Eval: the recipe's frozen split "
             "and mode, before and after.", "",
             "| setting | method | seeds | updates | accuracy before | accuracy after (mean ± std)"
             " | tool calls / query after | eval tokens / solved query after |",
             "|---|---|---|---|---|---|---|---|"]
    for setting in args.settings:
        for method in args.methods:
            rs = [r for r in rows if r["setting"] == setting and r["method"] == method]
            if not rs:
                continue
            a = np.array([r["after"] for r in rs])
            calls = [r["tool_calls_after"] for r in rs if r["tool_calls_after"] is not None]
            toks = [r["tokens_per_success_after"] for r in rs
                    if r["tokens_per_success_after"] is not None]
            lines.append(
                f"| {setting} | {method} | {len(rs)} | {np.mean([r['updates'] for r in rs]):.1f} "
                f"| {100 * np.mean([r['before'] for r in rs]):.1f} | {100 * a.mean():.1f} ± "
                f"{100 * a.std():.1f} | {np.mean(calls) if calls else float('nan'):.2f} | "
                f"{np.mean(toks) if toks else float('nan'):.0f} |")
    return "\n".join(lines) + "\n"


def plot(rows: list[dict[str, Any]], args: argparse.Namespace, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for i, method in enumerate(args.methods):
        rs = [r for r in rows if r["method"] == method]
        for ax, key, scale in ((axes[0], "after", 100), (axes[1], "tool_calls_after", 1)):
            vals = [scale * r[key] for r in rs if r[key] is not None]
            if vals:
                ax.bar(i, np.mean(vals), yerr=np.std(vals), capsize=4, alpha=0.7)
                ax.scatter([i] * len(vals), vals, color="k", s=10, zorder=3)
    for ax, label in zip(axes, ("eval accuracy %", "tool calls per query")):
        ax.set_xticks(range(len(args.methods)), args.methods)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--settings", nargs="+", default=["tooluse1"], choices=SETTINGS)
    p.add_argument("--methods", nargs="+", default=["grpo", "gigpo", "portool"], choices=METHODS)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--tokens", type=int, default=40_000, help="generated-token budget per run")
    p.add_argument("--runs", default="runs/bench_portool")
    p.add_argument("--out", default=None, help="default: benchmarks/results/portool_<setting>")
    p.add_argument("--smoke", action="store_true", help="tiny groups and evals (checks)")
    args = p.parse_args()
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    import torch

    torch.set_num_threads(1)
    rows = [run_one(s, m, seed, args) for s in args.settings for seed in args.seeds
            for m in args.methods]
    out = Path(args.out or f"benchmarks/results/portool_{'_'.join(args.settings)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2))
    text = table(rows, args)
    out.with_suffix(".md").write_text(text)
    print(text)
    plot(rows, args, out.with_suffix(".png"))
    print(f"wrote {out.with_suffix('.md')}, .json, .png")


if __name__ == "__main__":
    main()
