"""``stepgym envs``: list the registered environments."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("envs", help="list the registered environments")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from envs.registry import ENV_TABLE

    width = max(len(e.env_id) for e in ENV_TABLE)
    print(f"{'id'.ljust(width)}  steps  description")
    for entry in ENV_TABLE:
        steps = str(entry.max_episode_steps or "-")
        print(f"{entry.env_id.ljust(width)}  {steps:>5}  {entry.description}")
    return 0
