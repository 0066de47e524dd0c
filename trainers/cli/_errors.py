"""Bad command-line input ends in one line on stderr and exit status 2, never a traceback.

Subcommands raise :class:`UsageError` (or use the argparse types below); ``stepgym``'s ``main``
prints it as ``stepgym COMMAND: error: MESSAGE``.
"""

from __future__ import annotations

import argparse
import difflib

USAGE_EXIT = 2


class UsageError(Exception):
    """A mistake in what the user typed: printed as one line, exit status 2."""


def _int_at_least(text: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low:
        raise argparse.ArgumentTypeError(f"must be an integer >= {low}, got {text!r}")
    return value


def nonnegative_int(text: str) -> int:
    """argparse type for seeds and counts.

    >>> nonnegative_int("3")
    3
    >>> nonnegative_int("-5")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be an integer >= 0, got '-5'
    """
    return _int_at_least(text, 0)


def positive_int(text: str) -> int:
    """argparse type for counts that must be at least 1 (``-n``, ``--group``).

    >>> positive_int("2")
    2
    """
    return _int_at_least(text, 1)


def check_env_id(env_id: str) -> str:
    """``env_id`` if gym.make knows it; else a :class:`UsageError` naming the closest id.

    An id without the namespace gets the namespaced one suggested (``ALFWorld-v0`` ->
    ``stepgym/ALFWorld-v0``); a misspelt one its nearest registered id, case aside.
    """
    import gymnasium as gym

    import envs  # noqa: F401  (registers the stepgym ids)

    known = sorted(gym.registry)
    if env_id in gym.registry:
        return env_id
    ours = [k for k in known if k.startswith("stepgym/")]
    lowered = {k.lower(): k for k in ours}
    guess = lowered.get(f"stepgym/{env_id}".lower()) or lowered.get(env_id.lower())
    if guess is None:  # compare bare names: "stepgym/" and "-v0" alone make ids look alike
        bare = {_bare(k): k for k in ours}
        close = difflib.get_close_matches(_bare(env_id), list(bare), n=1, cutoff=0.7)
        guess = bare[close[0]] if close else None
    hint = f"; did you mean {guess}?" if guess else f"; `stepgym envs` lists them ({len(ours)})"
    raise UsageError(f"unknown env id {env_id!r}{hint}")


def _bare(env_id: str) -> str:
    return env_id.rpartition("/")[2].lower().rpartition("-v")[0] or env_id.lower()
