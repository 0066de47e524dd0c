"""``stepgym play ID``: play an env in the terminal as a human."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import TextIO


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("play", help="play an env in the terminal")
    parser.add_argument("env_id", help="a registered id, e.g. stepgym/ALFWorld-v0")
    parser.add_argument("--seed", type=int, default=0, help="task seed")
    parser.add_argument("--split", default=None, help="split to draw the task from")
    parser.add_argument("--kwargs", default="{}", help="JSON dict of gym.make kwargs")
    parser.set_defaults(func=run)


HELP = "Type an action. ':a' lists admissible actions, ':e' shows the expert's move, ':q' quits."


def preview_actions(actions: list[str], limit: int) -> list[str]:
    """Up to ``limit`` actions, taking one of each verb in turn so that a list dominated by
    one verb (ALFWorld's many ``go to`` moves) still shows the other kinds.

    >>> preview_actions(["go to a", "go to b", "go to c", "look", "take x from a"], 3)
    ['go to a', 'look', 'take x from a']
    """
    groups: dict[str, list[str]] = {}
    for action in actions:
        groups.setdefault(action.split(" ", 1)[0], []).append(action)
    shown: list[str] = []
    depth = 0
    while len(shown) < min(limit, len(actions)):
        for group in groups.values():
            if depth < len(group) and len(shown) < limit:
                shown.append(group[depth])
        depth += 1
    return shown


def play(env_id: str, seed: int, split: str | None, make_kwargs: dict, stdin: TextIO, stdout: TextIO) -> int:
    import gymnasium as gym

    import envs  # noqa: F401

    env = gym.make(env_id, **make_kwargs)
    options = {"split": split} if split else None
    obs, info = env.reset(seed=seed, options=options)
    help_text = getattr(env.unwrapped, "action_help", "")
    print(f"== {env_id}  task {info['task_id']}", file=stdout)
    if help_text:
        print(textwrap.fill(help_text, 100), file=stdout)
    print(HELP, file=stdout)
    print(f"\n{obs}", file=stdout)
    total = 0.0
    while True:
        if info.get("admissible_actions"):
            shown = preview_actions(info["admissible_actions"], 12)
            more = len(info["admissible_actions"]) - len(shown)
            print(f"  [{', '.join(shown)}{f', ... +{more}' if more > 0 else ''}]", file=stdout)
        print("> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            break
        action = line.rstrip("\n")
        if action == ":q":
            break
        if action == ":a":
            print("\n".join(info.get("admissible_actions") or ["(this env lists no actions)"]), file=stdout)
            continue
        if action == ":e":
            print(f"expert: {info.get('expert_action')}", file=stdout)
            continue
        obs, reward, terminated, truncated, info = env.step(action)
        total += reward
        flag = "" if info["action_valid"] else "  (invalid action)"
        print(f"\n{obs}{flag}", file=stdout)
        print(f"  reward {reward:+.2f}  progress {info['progress']:.2f}  step {info['step']}", file=stdout)
        if terminated or truncated:
            outcome = "WON" if info["won"] else ("time limit" if truncated else "episode over")
            print(f"\n{outcome}: total reward {total:.2f}", file=stdout)
            break
    env.close()
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        make_kwargs = json.loads(args.kwargs)
    except json.JSONDecodeError as exc:
        raise SystemExit(f"--kwargs is not valid JSON: {exc}") from exc
    return play(args.env_id, args.seed, args.split, make_kwargs, sys.stdin, sys.stdout)
