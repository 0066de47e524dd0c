"""``stepgym spa``: SPA's progress estimator (arXiv 2505.20732) and its pipeline.

    stepgym spa fit --trajectories runs/eval/trajectories.jsonl --model stepgym-alfworld-l1 \\
        --output runs/spa/estimator [--lr 1e-3 --epochs 4]
    stepgym spa report --estimator runs/spa/estimator --trajectories FILE.jsonl
    stepgym spa run recipes/spa_ppo_alfworld1.yaml [--stages explore fit] [--set fit.epochs=2]

Trajectory files are the rollout engine's JSONL (``stepgym eval --split train --out DIR`` writes
``DIR/trajectories.jsonl``). Train with the estimator's step rewards by naming the credit method
``spa`` with ``credit_kwargs: {estimator: DIR}`` in a PPO or GRPO recipe.
"""

from __future__ import annotations

import argparse
import json

from trainers.cli._errors import UsageError, nonnegative_int, positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("spa", help="SPA: fit a progress estimator, run the pipeline",
                                   description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="spa_command", metavar="SUBCOMMAND")

    fit = sub.add_parser("fit", help="train a progress estimator on trajectory JSONL")
    fit.add_argument("--trajectories", nargs="+", required=True, help="JSONL file(s)")
    fit.add_argument("--model", default="stepgym-tiny", help="backbone source (the policy)")
    fit.add_argument("--output", required=True, help="directory for the estimator")
    fit.add_argument("--lr", type=float, default=None, help="learning rate (default 3e-6, SPA's)")
    fit.add_argument("--epochs", type=positive_int, default=None, help="default 1 (SPA's)")
    fit.add_argument("--batch-size", type=positive_int, default=None,
                     help="trajectories per step (default 8)")
    fit.add_argument("--head-only", action="store_true",
                     help="keep the policy's backbone frozen and train only the linear head on "
                          "hidden states computed once (a linear probe: fast, many epochs)")
    fit.add_argument("--heldout", type=float, default=None,
                     help="share of task groups held out for the report (default 0.2)")
    fit.add_argument("--seed", type=nonnegative_int, default=0)
    fit.add_argument("--device", default=None)
    fit.set_defaults(func=run_fit)

    rep = sub.add_parser("report", help="learned c_t against the env's true progress")
    rep.add_argument("--estimator", required=True)
    rep.add_argument("--trajectories", nargs="+", required=True)
    rep.set_defaults(func=run_report)

    pipe = sub.add_parser("run", help="bootstrap -> explore -> fit -> RL from one recipe")
    pipe.add_argument("recipe", help="YAML (recipes/spa_*.yaml)")
    pipe.add_argument("--stages", nargs="+", default=None, choices=["explore", "fit", "rl"],
                      help="run only these stages (default: all)")
    pipe.add_argument("--set", dest="overrides", action="append", default=None,
                      metavar="KEY=VALUE", help="override a recipe field; dotted keys reach into "
                      "sections (fit.epochs=2)")
    pipe.set_defaults(func=run_pipeline_cmd)
    parser.set_defaults(func=lambda args: _missing(parser))


def _missing(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def run_fit(args: argparse.Namespace) -> int:
    from trainers.spa.fit import FitConfig, fit

    given = {"learning_rate": args.lr, "epochs": args.epochs, "batch_size": args.batch_size,
             "heldout_fraction": args.heldout}
    try:
        cfg = FitConfig(trajectories=list(args.trajectories), model=args.model,
                        output_dir=args.output, seed=args.seed, device=args.device,
                        train_backbone=not args.head_only,
                        **{k: v for k, v in given.items() if v is not None})
        report = fit(cfg)
    except (FileNotFoundError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    print(_format_report(report))
    print(f"saved {args.output} (fit_report.json, loss.png)")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from trainers.spa.estimator import ProgressEstimator
    from trainers.spa.fit import load_trajectories
    from trainers.spa.positions import scorable
    from trainers.spa.report import progress_report

    try:
        est = ProgressEstimator.load(args.estimator)
        trajs = scorable(load_trajectories(args.trajectories))
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from exc
    print(json.dumps(progress_report(trajs, est.predict(trajs)), indent=2))
    return 0


def run_pipeline_cmd(args: argparse.Namespace) -> int:
    from trainers.cli.overrides import read_recipe
    from trainers.spa.pipeline import STAGES, SPARecipe, run_pipeline

    data = read_recipe(args.recipe, args.overrides)
    try:
        recipe = SPARecipe.from_dict(data)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    done = run_pipeline(recipe, tuple(args.stages or STAGES))
    for stage, path in done.items():
        print(f"{stage}: {path}")
    return 0


def _format_report(report: dict) -> str:
    lines = [f"trajectories: {report['train_trajectories']} train, "
             f"{report['heldout_trajectories']} held out; {report['optimizer_steps']} steps, "
             f"loss {report['loss_first']:.4f} -> {report['loss_last_10']:.4f} "
             f"(mean of last 10), {report['seconds']} s"]
    for part in ("train", "heldout"):
        r = report.get(part) or {}
        if r:
            lines.append(f"{part:>8}: spearman(c_t, true progress increments) "
                         f"{_f(r['spearman_progress'])} (within trajectories "
                         f"{_f(r['spearman_progress_within'])}), MSE(sum c_t, R) "
                         f"{_f(r['return_mse'], 4)} (constant predictor "
                         f"{_f(r.get('return_mse_constant'), 4)}), spearman(sum c_t, steps) "
                         f"{_f(r.get('spearman_sum_length'))}, {int(r['steps'])} steps")
    lines += _warnings(report.get("heldout") or {})
    return "\n".join(lines)


def _warnings(heldout: dict) -> list[str]:
    """Held-out signs that c_t would be a poor reward (docs/spa.md, WebShop level 2)."""
    out = []
    mse, constant = heldout.get("return_mse"), heldout.get("return_mse_constant")
    if mse is not None and constant is not None and mse >= constant:
        out.append(f"warning: held-out MSE(sum c_t, R) {mse:.4f} is no better than predicting the "
                   f"mean R ({constant:.4f}): c_t carries no per-trajectory signal")
    rho = heldout.get("spearman_sum_length")
    if rho is not None and rho > 0.5:
        out.append(f"warning: sum c_t rises with episode length (Spearman {rho:.2f}): as a reward, "
                   "c_t pays for longer episodes")
    return out


def _f(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"
