"""``stepgym train-ppo RECIPE.yaml``: multi-turn PPO (with ADS / horizon curricula) from a
recipe. Recipe keys are :class:`trainers.ppo.config.PPOConfig` fields; ``--set KEY=VALUE``
overrides one (VALUE parsed as YAML).

Data parallel with Hugging Face ``accelerate`` (each process collects its share of the
``num_tasks`` task seeds, DDP averages the gradients, the main process logs and saves)::

    accelerate launch --multi_gpu --num_processes 2 -m trainers.cli train-ppo RECIPE.yaml

On GPUs that is one process per GPU; on a CPU-only machine the same command starts 2 CPU
processes (gloo) -- accelerate 1.15's ``--cpu`` flag alone starts a single process. Plain
``stepgym train-ppo`` is the one-process run, unchanged. ``num_tasks`` must be at least the
number of processes.
"""

from __future__ import annotations

import argparse
from typing import Any

from trainers.cli._errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train-ppo", help="train with multi-turn PPO from a recipe")
    parser.add_argument("recipe", help="YAML recipe (PPOConfig fields; trainer: ppo)")
    parser.add_argument("--set", dest="overrides", action="append", default=None,
                        metavar="KEY=VALUE", help="override a recipe field (repeatable)")
    parser.add_argument("--output-dir", default=None, help="override output_dir")
    parser.add_argument("--num-updates", type=int, default=None, help="override num_updates")
    parser.add_argument("--no-resume", action="store_true", help="ignore existing checkpoints")
    parser.set_defaults(func=run)


def load_recipe(path: str, overrides: list[str] | None = None) -> dict[str, Any]:
    """The recipe mapping with ``KEY=VALUE`` overrides applied (values parsed as YAML)."""
    import yaml

    from trainers.cli.overrides import parse_overrides

    with open(path) as fh:
        data = yaml.safe_load(fh) or {}
    data.update(parse_overrides(overrides))
    trainer = data.get("trainer", "ppo")
    if trainer != "ppo":
        raise UsageError(f"{path} is a {trainer!r} recipe; train-ppo runs trainer: ppo")
    return data


def run(args: argparse.Namespace) -> int:
    import torch

    from trainers.ppo.build import run_ppo
    from trainers.ppo.config import PPOConfig
    from trainers.ppo.distributed import finish_distributed

    data = load_recipe(args.recipe, args.overrides)
    if args.output_dir:
        data["output_dir"] = args.output_dir
    if args.num_updates is not None:
        data["num_updates"] = args.num_updates
    if args.no_resume:
        data["resume"] = False
    cfg = PPOConfig.from_dict(data)
    if not torch.cuda.is_available():
        torch.set_num_threads(min(torch.get_num_threads(), 4))
    trainer = run_ppo(cfg)
    finish_distributed(trainer.accelerator)
    if not trainer.is_main:
        return 0
    last = trainer.history[-1] if trainer.history else {}
    print(f"done: {trainer.update} updates, last reward_mean={last.get('reward_mean', 0):.4f}, "
          f"success_rate={last.get('success_rate', 0):.3f}; outputs in {cfg.output_dir}")
    return 0
