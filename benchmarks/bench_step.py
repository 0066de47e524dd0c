"""STeP (arXiv 2505.20023) against expert-only SFT, on the starter levels, 3 seeds.

Per setting: (1) expert trajectories (``stepgym step expert``: the env's expert, seeds 0..);
(2) self-reflected trajectories of the start model with the oracle teacher (``stepgym step
synthesize``, seeds 10000..); (3) from the same start model, SFT with each seed on
- ``expert``: 2N expert trajectories;
- ``expert+step``: N expert + N STeP trajectories, mistakes in context with loss 0;
- ``expert+step_nomask``: the same data with the mistakes trained on;
first at equal numbers of trajectories, then at equal trained tokens (every variant cut to the
fewest trained tokens any of them has); (4) held-out success of each model on the frozen eval
split (the start model's rollout settings, ``eval_steps`` steps). Every stage is reused when
its output is there, and a run whose folder is gone keeps the row the published table
(``--out``.json) has for it, so the work can be split across processes and sessions and tabled
with ``--table-only``. Writes benchmarks/results/step.{md,json,png}.

    python benchmarks/bench_step.py --settings alfworld1 --seeds 0 1 2
    python benchmarks/bench_step.py --settings alfworld1 --seeds 0 --smoke
    python benchmarks/bench_step.py --settings alfworld1 webshop2 --table-only
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SETTINGS: dict[str, dict[str, Any]] = {
    "alfworld1": {"model": "stepgym-alfworld-l1", "env_id": "stepgym/ALFWorld-v0",
                  "eval_n": 140, "eval_steps": 30},
    "webshop2": {"model": "stepgym-webshop-l2", "env_id": "stepgym/WebShop-v0",
                 "eval_n": 100, "eval_steps": 15},
}
VARIANTS = ("expert", "expert+step", "expert+step_nomask")
BUDGETS = ("trajectories", "tokens")


def datasets_for(name: str, args: argparse.Namespace) -> tuple[str, str]:
    from trainers.step.synthesize import DATASET, SynthesisConfig, expert_dataset, synthesize

    s = SETTINGS[name]
    root = Path(args.runs) / name
    n = 2 if args.smoke else args.episodes
    expert = root / "expert"
    if not (expert / DATASET).is_dir():
        expert_dataset(s["env_id"], 2 * n, str(expert), like=s["model"])
    synth = root / "synth"
    if not (synth / DATASET).is_dir():
        synthesize(SynthesisConfig(model=s["model"], env_id=s["env_id"], episodes=n,
                                   output=str(synth), rollout={"max_steps": s["eval_steps"]}))
    return str(expert / DATASET), str(synth / DATASET)


def trained_tokens(model: str, data: list[str], n: int, partial: bool) -> int:
    from transformers import AutoTokenizer

    from agents import resolve_model
    from trainers.step.sft import load_rows, tokenize_rows

    tok = AutoTokenizer.from_pretrained(resolve_model(model))
    return sum(sum(s.completion_mask) for s in tokenize_rows(load_rows(data, n), tok, partial))


def published(args: argparse.Namespace) -> dict[str, Any]:
    """The last published results (rows by key, start successes, synthesis summaries)."""
    path = Path(args.out).with_suffix(".json")
    data = json.loads(path.read_text()) if path.is_file() else {}
    rows = {(r["setting"], r["variant"], r["budget"], r["seed"]): r for r in data.get("rows", [])}
    return {"rows": rows, "start": data.get("start", {}), "synthesis": data.get("synthesis", {})}


def finished_row(name: str, variant: str, budget: str, seed: int,
                 args: argparse.Namespace) -> dict[str, Any] | None:
    row_file = Path(args.runs) / name / f"{variant}_{budget}_s{seed}" / "bench_row.json"
    if row_file.is_file():
        return json.loads(row_file.read_text())
    return published(args)["rows"].get((name, variant, budget, seed))


def run_variant(name: str, variant: str, budget: str, seed: int, expert: str, synth: str,
                token_cap: int | None, args: argparse.Namespace) -> dict[str, Any]:
    from agents import resolve_model
    from trainers.evaluation import evaluate, model_rollout_config
    from trainers.rollout import saved_rollout_config
    from trainers.step.sft import StepSFTConfig, run_sft

    s = SETTINGS[name]
    out = Path(args.runs) / name / f"{variant}_{budget}_s{seed}"
    row_file = out / "bench_row.json"
    done = finished_row(name, variant, budget, seed, args)
    if done is not None:
        return done
    if variant == "expert" and budget == "tokens":
        # where the cap does not cut expert-only's data this is the equal-trajectories run
        same = run_variant(name, variant, "trajectories", seed, expert, synth, token_cap, args)
        if token_cap is None or same["trained_tokens"] <= token_cap:
            row = {**same, "budget": "tokens", "same_run_as": "trajectories"}
            out.mkdir(parents=True, exist_ok=True)
            row_file.write_text(json.dumps(row))  # so --table-only finds this row too
            return row
    n = 2 if args.smoke else args.episodes
    data, per = ([expert], 2 * n) if variant == "expert" else ([expert, synth], n)
    final = run_sft(StepSFTConfig(model=s["model"], data=data, output=str(out),
                                  partial_mask=variant != "expert+step_nomask",
                                  episodes_per_dataset=per, epochs=args.epochs,
                                  learning_rate=args.lr, seed=seed,
                                  max_trained_tokens=token_cap if budget == "tokens" else None),
                    progress=False)
    trained = model_rollout_config(resolve_model(s["model"]))
    config = saved_rollout_config(trained.get("rollout"), {"max_steps": s["eval_steps"]},
                                  model=s["model"])
    summary = evaluate(str(final), s["env_id"], split="eval", n=2 if args.smoke else s["eval_n"],
                       config=config, out_dir=out / "eval", generation_seed=seed, progress=False)
    stats = json.loads((out / "sft_stats.json").read_text())
    row = {"setting": name, "variant": variant, "budget": budget, "seed": seed,
           "success": summary["success"], "episodes": stats["episodes"],
           "trained_tokens": stats["trained_tokens"]}
    row_file.write_text(json.dumps(row))
    return row


def start_success(name: str, args: argparse.Namespace) -> float:
    from agents import resolve_model
    from trainers.evaluation import evaluate, model_rollout_config
    from trainers.rollout import saved_rollout_config

    s = SETTINGS[name]
    path = Path(args.runs) / name / "start_eval.json"
    if path.is_file():
        return float(json.loads(path.read_text())["success"])
    trained = model_rollout_config(resolve_model(s["model"]))
    config = saved_rollout_config(trained.get("rollout"), {"max_steps": s["eval_steps"]},
                                  model=s["model"])
    summary = evaluate(s["model"], s["env_id"], split="eval", n=2 if args.smoke else s["eval_n"],
                       config=config, generation_seed=0, progress=False)
    path.write_text(json.dumps(summary))
    return float(summary["success"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--settings", nargs="+", default=["alfworld1"], choices=SETTINGS)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--episodes", type=int, default=64, help="N: STeP episodes (expert: 2N)")
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--runs", default="runs/bench_step")
    p.add_argument("--out", default="benchmarks/results/step")
    p.add_argument("--smoke", action="store_true", help="2 episodes, 2 eval tasks (checks)")
    p.add_argument("--table-only", action="store_true",
                   help="table the finished runs (and published rows); run nothing")
    args = p.parse_args()
    import os

    import torch

    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    torch.set_num_threads(1)
    rows: list[dict[str, Any]] = []
    starts: dict[str, float] = {}
    datasets: dict[str, Any] = {}
    for name in args.settings:
        if args.table_only:
            old = published(args)
            for key in ("start", "synthesis"):
                path = Path(args.runs) / name / ("start_eval.json" if key == "start"
                                                 else "synth/summary.json")
                value = json.loads(path.read_text()) if path.is_file() else old[key].get(name)
                if value is None:
                    continue
                if key == "start":
                    starts[name] = float(value["success"] if isinstance(value, dict) else value)
                else:
                    datasets[name] = value
            rows += [r for seed in args.seeds for budget in BUDGETS for variant in VARIANTS
                     if (r := finished_row(name, variant, budget, seed, args)) is not None]
            continue
        expert, synth = datasets_for(name, args)
        datasets[name] = json.loads((Path(synth).parent / "summary.json").read_text())
        starts[name] = start_success(name, args)
        n = 2 if args.smoke else args.episodes
        model = SETTINGS[name]["model"]
        cap = min(trained_tokens(model, [expert], 2 * n, True),
                  trained_tokens(model, [expert, synth], n, True))
        for seed in args.seeds:
            for budget in BUDGETS:
                for variant in VARIANTS:
                    rows.append(run_variant(name, variant, budget, seed, expert, synth, cap, args))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"args": vars(args), "rows": rows,
                                                    "start": starts, "synthesis": datasets},
                                                   indent=2))
    text = table(rows, starts, datasets, args)
    out.with_suffix(".md").write_text(text)
    print(text)
    plot(rows, starts, args, out.with_suffix(".png"))


def table(rows: list[dict[str, Any]], starts: dict[str, float], synth: dict[str, Any],
          args: argparse.Namespace) -> str:
    lines = ["# STeP vs expert-only SFT", "",
             f"Seeds {args.seeds}; N = {args.episodes} STeP episodes (expert-only: 2N expert "
             f"episodes; the STeP variants: N expert + N STeP); SFT {args.epochs:g} epochs at lr "
             f"{args.lr:g} from the start model; success on the frozen eval split.", "",
             "| setting | budget | variant | episodes | trained tokens | success (mean ± std) | "
             "vs start |", "|---|---|---|---|---|---|---|"]
    for name in args.settings:
        for budget in BUDGETS:
            for variant in VARIANTS:
                rs = [r for r in rows if (r["setting"], r["budget"], r["variant"]) == (name, budget, variant)]
                if not rs:
                    continue
                a = np.array([r["success"] for r in rs])
                lines.append(f"| {name} | {budget} | {variant} | {rs[0]['episodes']} | "
                             f"{int(np.mean([r['trained_tokens'] for r in rs]))} | "
                             f"{100 * a.mean():.1f} ± {100 * a.std():.1f} | "
                             f"{100 * (a.mean() - starts[name]):+.1f} |")
    lines += ["", "Start models: " + ", ".join(f"{n} {100 * v:.1f}%" for n, v in starts.items()),
              "", "Synthesis (oracle teacher): " + "; ".join(
                  f"{n}: {s['episodes']} episodes, {s['steps']} steps, {s['interventions']} "
                  f"corrected ({100 * s['intervention_rate']:.1f}% of steps), episodes won "
                  f"{100 * s['won']:.1f}%" for n, s in synth.items())]
    return "\n".join(lines) + "\n"


def plot(rows: list[dict[str, Any]], starts: dict[str, float], args: argparse.Namespace,
         path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(args.settings), figsize=(6 * len(args.settings), 3.8),
                             squeeze=False)
    for ax, name in zip(axes[0], args.settings, strict=True):
        for b, budget in enumerate(BUDGETS):
            for v, variant in enumerate(VARIANTS):
                xs = [r["success"] for r in rows
                      if (r["setting"], r["budget"], r["variant"]) == (name, budget, variant)]
                if not xs:
                    continue
                x = b * (len(VARIANTS) + 1) + v
                ax.bar(x, 100 * np.mean(xs), yerr=100 * np.std(xs), capsize=4, alpha=0.7,
                       color=f"C{v}", label=variant if b == 0 else None)
                ax.scatter([x] * len(xs), [100 * s for s in xs], color="k", s=10, zorder=3)
        ax.axhline(100 * starts[name], color="gray", ls="--", label="start")
        ax.set_xticks([1, len(VARIANTS) + 2], [f"equal {b}" for b in BUDGETS])
        ax.set_ylabel("eval success %")
        ax.set_title(name)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
