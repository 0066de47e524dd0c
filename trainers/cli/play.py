"""``stepgym play ID``: play an env in the terminal as a human."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import TextIO

from trainers.cli._errors import UsageError, check_env_id, nonnegative_int


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("play", help="play an env in the terminal")
    parser.add_argument("env_id", help="a registered id, e.g. stepgym/ALFWorld-v0")
    parser.add_argument("--seed", type=nonnegative_int, default=0, help="task seed")
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


def tool_lines(env: object) -> list[str]:
    """One line per tool an env offers (ToolUse): its name, arguments (``?`` = optional) and
    what it does, so ``:a`` can show what a call takes.

    >>> class Env:
    ...     unwrapped = None
    ...     all_tool_schemas = [{"type": "function", "function": {"name": "add", "description":
    ...         "Sum.", "parameters": {"properties": {"a": {"type": "number"}, "b": {"type":
    ...         "number"}}, "required": ["a"]}}}]
    >>> Env.unwrapped = Env
    >>> tool_lines(Env())
    ['add(a: number, b?: number)  Sum.']
    """
    schemas = getattr(env.unwrapped, "all_tool_schemas", None) or []
    lines = []
    for schema in schemas:
        fn = schema.get("function", schema)
        params = fn.get("parameters", {})
        required = set(params.get("required", []))
        args = ", ".join(f"{name}{'' if name in required else '?'}: {spec.get('type', 'any')}"
                         for name, spec in params.get("properties", {}).items())
        lines.append(f"{fn['name']}({args})  {fn.get('description', '')}".rstrip())
    return lines


def _enable_line_editing(stdin: TextIO) -> None:
    """Arrow keys and history for a human at a terminal (readline hooks ``input``-style reads
    of ``sys.stdin``; absent on some platforms, then plain lines)."""
    if stdin is sys.stdin and stdin.isatty():
        try:
            import readline  # noqa: F401
        except ImportError:
            pass


def _read_line(stdin: TextIO, stdout: TextIO) -> str:
    if stdin is sys.stdin and stdin.isatty() and stdout is sys.stdout:
        try:
            return input("> ") + "\n"  # readline: editing and history
        except EOFError:
            return ""
    print("> ", end="", file=stdout, flush=True)
    return stdin.readline()


def play(env_id: str, seed: int, split: str | None, make_kwargs: dict, stdin: TextIO, stdout: TextIO) -> int:
    import gymnasium as gym

    import envs  # noqa: F401

    env = gym.make(check_env_id(env_id), **make_kwargs)
    suite = getattr(env.unwrapped, "suite", None)
    if split and suite is not None and split not in suite.splits:
        raise UsageError(f"{env_id} has no split {split!r}; splits: {', '.join(sorted(suite.splits))}")
    options = {"split": split} if split else None
    obs, info = env.reset(seed=seed, options=options)
    help_text = getattr(env.unwrapped, "action_help", "")
    print(f"== {env_id}  task {info['task_id']}", file=stdout)
    if help_text:
        print(textwrap.fill(help_text, 100), file=stdout)
    print(HELP, file=stdout)
    print(f"\n{obs}", file=stdout)
    _enable_line_editing(stdin)
    total = 0.0
    while True:
        if info.get("admissible_actions"):
            shown = preview_actions(info["admissible_actions"], 12)
            more = len(info["admissible_actions"]) - len(shown)
            print(f"  [{', '.join(shown)}{f', ... +{more}' if more > 0 else ''}]", file=stdout)
        line = _read_line(stdin, stdout)
        if not line:
            break
        action = line.rstrip("\n")
        if not action.strip():  # an empty line is no move: it does not use a step
            continue
        if action == ":q":
            break
        if action == ":a":
            print("\n".join(info.get("admissible_actions") or tool_lines(env)
                            or ["(this env lists no actions)"]), file=stdout)
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
        raise UsageError(f"--kwargs is not valid JSON: {exc}") from exc
    return play(args.env_id, args.seed, args.split, make_kwargs, sys.stdin, sys.stdout)
