"""``stepgym bootstrap``: build the embedded default model ("stepgym-tiny") into the cache."""

from __future__ import annotations

import argparse
import json

from trainers.cli._errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bootstrap", help="build the embedded default model (stepgym-tiny)")
    parser.add_argument("--output", default="", help="model directory (default: the cache's stepgym-tiny)")
    parser.add_argument("--quick", action="store_true", help="tiny, < 1 minute setting (tests)")
    parser.add_argument("--envs", nargs="*", default=None,
                        help="env ids (default: stepgym/ALFWorld-v0, the demo's env)")
    parser.add_argument("--kwargs", default=None,
                        help="JSON gym.make kwargs merged over each env's preset, e.g. "
                             "'{\"challenge\": \"coin_collector\", \"level\": 10}'")
    parser.add_argument("--name", default=None,
                        help="save under this name in the cache (found later by name, like "
                             "stepgym-tiny); a named start model (stepgym-tiny, "
                             "stepgym-alfworld-l1) starts from its preset; exclusive with --output")
    parser.add_argument("--context-mode", choices=("window", "concat"), default=None,
                        help="render demos as window-mode (default) or concat-mode rollouts")
    parser.add_argument("--episodes", type=int, default=None, help="expert episodes per env")
    parser.add_argument("--steps", type=int, default=None, help="behaviour-cloning steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default=None, help="torch device for cloning (default cpu)")
    parser.add_argument("--set", dest="overrides", action="append", default=None,
                        metavar="KEY=VALUE", help="any other BootstrapConfig field, e.g. "
                        "--set hidden_size=256 --set lr=0.002 (repeatable; values parsed as YAML)")
    parser.set_defaults(func=run)


def apply_settings(config: object, settings: list[str] | None) -> None:
    """Set ``KEY=VALUE`` pairs (``--set``) on a dataclass config, refusing unknown keys and
    wrong types (an int is accepted for a float field).

    >>> from trainers.bootstrap import BootstrapConfig
    >>> c = BootstrapConfig(); apply_settings(c, ["hidden_size=256", "device=cuda"])
    >>> (c.hidden_size, c.device)
    (256, 'cuda')
    """
    from dataclasses import fields

    from trainers.cli.overrides import parse_overrides

    known = sorted(f.name for f in fields(config))  # type: ignore[arg-type]
    for key, value in parse_overrides(settings).items():
        if key not in known:
            raise UsageError(f"--set takes KEY=VALUE with KEY one of {known}, got {key!r}")
        current = getattr(config, key)
        if isinstance(current, float) and type(value) is int:
            value = float(value)
        if type(value) is not type(current):
            raise UsageError(f"--set {key}: expected {type(current).__name__}, got {value!r}")
        setattr(config, key, value)


def run(args: argparse.Namespace) -> int:
    from agents.models import default_model_path
    from trainers.bootstrap import START_MODELS, BootstrapConfig, bootstrap, start_model_config
    from trainers.bootstrap.build import ENV_PRESETS

    if args.name and args.output:
        raise UsageError("give --output or --name, not both")
    output = str(default_model_path(args.name)) if args.name else args.output
    if args.quick:
        config = BootstrapConfig.quick(output)
    elif args.name in START_MODELS:  # a named start model: its preset, then the flags below
        config = start_model_config(args.name, output)
    else:
        config = BootstrapConfig(output=output)
    if args.envs:
        config.envs = {e: dict(ENV_PRESETS.get(e, {})) for e in args.envs}
    if args.kwargs:
        extra = json.loads(args.kwargs)
        if not isinstance(extra, dict):
            raise UsageError(f"--kwargs must be a JSON object, got {args.kwargs!r}")
        config.envs = {e: {**kw, **extra} for e, kw in config.envs.items()}
    if args.episodes is not None:
        config.episodes_per_env = args.episodes
    if args.steps is not None:
        config.train_steps = args.steps
    if args.context_mode is not None:
        config.context_mode = args.context_mode
    config.seed, config.threads = args.seed, args.threads
    if args.device:
        config.device = args.device
    apply_settings(config, args.overrides)
    out = bootstrap(config)
    meta = json.loads((out / "stepgym.json").read_text())
    print(f"saved {out}  ({meta['num_parameters']:,} parameters, {meta['bc_samples']} BC samples, "
          f"final loss {meta['losses'][-1]:.3f}, {meta['seconds']} s); loss curve: {out / 'loss.png'}")
    return 0
