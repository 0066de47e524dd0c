"""``stepgym eval``: success rate, return, steps and invalid actions of a model on an env."""

from __future__ import annotations

import argparse
import json
import sys

from trainers.cli._errors import UsageError, check_env_id, nonnegative_int, positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval", help="evaluate a model (or 'expert'/'random') on an env")
    parser.add_argument("--model", default="stepgym-tiny",
                        help="stepgym-tiny, a local model directory, a hub id, 'expert' or 'random'")
    parser.add_argument("--env", required=True, help="a registered env id")
    parser.add_argument("--split", default="eval", help="task split (default eval)")
    parser.add_argument("-n", type=positive_int, default=50, help="number of tasks (seeds 0..n-1)")
    parser.add_argument("--group", type=positive_int, default=1, help="rollouts per task")
    parser.add_argument("--kwargs", default=None, help="JSON gym.make kwargs (default: the model's)")
    parser.add_argument("--context-mode", choices=["concat", "window"], default=None,
                        help="rollout settings: default, what the model's stepgym.json states")
    parser.add_argument("--window-steps", type=int, default=None)
    parser.add_argument("--max-new-tokens", type=int, default=None)
    parser.add_argument("--max-context-tokens", type=int, default=None)
    parser.add_argument("--temperature", type=float, default=None, help="0: greedy")
    parser.add_argument("--action-mode", choices=["generate", "score"], default=None,
                        help="score: the model scores the admissible actions (GLAM)")
    parser.add_argument("--action-score", choices=["sum", "mean"], default=None,
                        help="score mode: summed or length-normalised action log-probs")
    parser.add_argument("--max-steps", type=int, default=None,
                        help="step limit per episode (default: the env's)")
    parser.add_argument("--seed", type=nonnegative_int, default=0, help="generation seed")
    parser.add_argument("--out", default="runs/eval", help="output directory")
    parser.set_defaults(func=run)


OVERRIDES = ("context_mode", "window_steps", "max_new_tokens", "max_context_tokens",
             "temperature", "action_mode", "action_score", "max_steps")


def run(args: argparse.Namespace) -> int:
    from agents import resolve_model
    from trainers.evaluation import evaluate, format_table, model_rollout_config
    from trainers.rollout import REQUIRED_ROLLOUT, saved_rollout_config

    check_env_id(args.env)
    config = None
    if args.model not in ("expert", "random"):
        path = resolve_model(args.model)
        trained = model_rollout_config(path).get("rollout", {}) if path else {}
        overrides = {k: getattr(args, k) for k in OVERRIDES}
        missing = [k for k in REQUIRED_ROLLOUT if k not in trained and overrides.get(k) is None]
        if missing:  # refuse to guess how the model acts
            flags = " ".join(f"--{k.replace('_', '-')}" for k in missing)
            print(f"stepgym eval: error: {args.model} has no stepgym.json stating its rollout "
                  f"settings; give {flags}", file=sys.stderr)
            return 2
        config = saved_rollout_config(trained, overrides, model=args.model)
    try:
        kwargs = json.loads(args.kwargs) if args.kwargs else None
    except json.JSONDecodeError as exc:
        raise UsageError(f"--kwargs is not valid JSON: {exc}") from exc
    summary = evaluate(args.model, args.env, split=args.split, n=args.n, group=args.group,
                       env_kwargs=kwargs, config=config, out_dir=args.out, generation_seed=args.seed)
    print(format_table(summary))
    print(f"written: {args.out}/summary.json, {args.out}/trajectories.jsonl")
    return 0
