"""``stepgym check ID``: run the conformance kit on one env and print a pass/fail table."""

from __future__ import annotations

import argparse
import json

from trainers.cli._errors import UsageError, check_env_id, nonnegative_int


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("check", help="run the conformance kit on an env")
    parser.add_argument("env_id", help="a registered id, e.g. stepgym/MathChain-v0")
    parser.add_argument("--seeds", type=nonnegative_int, nargs="+", default=[0, 1, 2],
                        help="seeds to test")
    parser.add_argument("--only", nargs="+", default=None, help="run only these checks")
    parser.add_argument("--fuzz-actions", type=int, default=2000, help="garbage actions to send")
    parser.add_argument("--kwargs", default="{}", help="JSON dict of gym.make kwargs")
    parser.add_argument("--verbose", action="store_true", help="print failure tracebacks")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from envs.testing import CHECKS, check_text_env, format_results

    try:
        make_kwargs = json.loads(args.kwargs)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--kwargs is not valid JSON: {exc}") from exc
    unknown = sorted(set(args.only or ()) - set(CHECKS))
    if unknown:
        raise UsageError(f"unknown checks {unknown}; available: {', '.join(CHECKS)}")
    check_env_id(args.env_id)
    results = check_text_env(
        args.env_id, make_kwargs=make_kwargs, seeds=args.seeds, only=args.only,
        fuzz_actions=args.fuzz_actions,
    )
    print(format_results(args.env_id, results))
    for result in results:
        if not result.passed and args.verbose:
            print(f"\n[{result.name}]\n{result.detail}")
    return 0 if all(r.passed for r in results) else 1
