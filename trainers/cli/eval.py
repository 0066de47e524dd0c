"""``stepgym eval``: success rate, return, steps and invalid actions of a model on an env."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval", help="evaluate a model (or 'expert'/'random') on an env")
    parser.add_argument("--model", default="stepgym-tiny",
                        help="stepgym-tiny, a local model directory, a hub id, 'expert' or 'random'")
    parser.add_argument("--env", required=True, help="a registered env id")
    parser.add_argument("--split", default="eval", help="task split (default eval)")
    parser.add_argument("-n", type=int, default=50, help="number of tasks (seeds 0..n-1)")
    parser.add_argument("--group", type=int, default=1, help="rollouts per task")
    parser.add_argument("--kwargs", default=None, help="JSON gym.make kwargs (default: the model's)")
    parser.add_argument("--context-mode", choices=["concat", "window"], default=None)
    parser.add_argument("--max-new-tokens", type=int, default=None)
    parser.add_argument("--temperature", type=float, default=None)
    parser.add_argument("--seed", type=int, default=0, help="generation seed")
    parser.add_argument("--out", default="runs/eval", help="output directory")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from agents import resolve_model
    from trainers.evaluation import evaluate, format_table, model_rollout_config
    from trainers.rollout import RolloutConfig

    config = None
    if args.model not in ("expert", "random"):
        path = resolve_model(args.model)
        trained = model_rollout_config(path).get("rollout", {}) if path else {}
        config = RolloutConfig(**trained)
        changes = {k: v for k, v in (("context_mode", args.context_mode),
                                     ("max_new_tokens", args.max_new_tokens),
                                     ("temperature", args.temperature)) if v is not None}
        config = replace(config, **changes)
    kwargs = json.loads(args.kwargs) if args.kwargs else None
    summary = evaluate(args.model, args.env, split=args.split, n=args.n, group=args.group,
                       env_kwargs=kwargs, config=config, out_dir=args.out, generation_seed=args.seed)
    print(format_table(summary))
    print(f"written: {args.out}/summary.json, {args.out}/trajectories.jsonl")
    return 0
