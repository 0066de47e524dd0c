"""Run TextWorld's game generator with a fixed string-hash seed, for byte-identical games.

TextWorld's generator iterates Python sets in places (e.g. a cooking quest's fail events and
the grammar's excluded names), so the game files it writes depend on ``PYTHONHASHSEED``: the
same seed gives the same game, but not the same bytes, in two processes. Generation therefore
runs where string hashing is fixed: in this process when it was started with
``PYTHONHASHSEED=0``, otherwise in one long-lived helper process (running :func:`_serve`,
started on first use, one per parent process) that keeps
TextWorld's parsed grammars warm between games. Requests and replies are JSON lines.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_lock = threading.Lock()


class GenerationFailed(RuntimeError):
    """TextWorld cannot make a game from this seed (e.g. no quest of the asked length fits
    the map it drew): a property of the seed, not an error; try another seed."""


_worker: subprocess.Popen[str] | None = None
_worker_owner = -1  # pid of the process that started _worker (forked children start their own)


def hash_seed_fixed() -> bool:
    """True when this interpreter hashes strings with the fixed seed 0."""
    return os.environ.get("PYTHONHASHSEED") == "0" and not sys.flags.hash_randomization


def generate(challenge: str, settings: Mapping[str, int], split: str, seed: int, dest: Path) -> None:
    """Make and compile one game into folder ``dest``, with string hashing fixed."""
    from tasks.textworld.cache import generate_game

    if hash_seed_fixed():
        from textworld.generator import QuestGenerationError

        try:
            generate_game(challenge, settings, split, seed, dest)
        except QuestGenerationError as exc:
            raise GenerationFailed(str(exc)) from exc
        return
    request = {"challenge": challenge, "settings": dict(settings), "split": split,
               "seed": int(seed), "dest": str(dest)}
    with _lock:
        worker = _get_worker()
        assert worker.stdin is not None and worker.stdout is not None
        worker.stdin.write(json.dumps(request) + "\n")
        worker.stdin.flush()
        line = worker.stdout.readline()
    if not line:
        raise RuntimeError(f"the TextWorld generator process died while making {request}")
    reply = json.loads(line)
    if reply.get("quest_error"):
        raise GenerationFailed(reply["error"])
    if not reply["ok"]:
        raise RuntimeError(f"TextWorld could not generate {request}:\n{reply['error']}")


def _get_worker() -> subprocess.Popen[str]:
    global _worker, _worker_owner
    if _worker is None or _worker_owner != os.getpid() or _worker.poll() is not None:
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        _worker = subprocess.Popen(
            [sys.executable, "-c", "from tasks.textworld.generate import _serve; _serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )
        _worker_owner = os.getpid()
    return _worker


@atexit.register
def _stop_worker() -> None:
    if _worker is not None and _worker_owner == os.getpid() and _worker.poll() is None:
        assert _worker.stdin is not None
        _worker.stdin.close()  # the worker exits at end of input
        try:
            _worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _worker.kill()


def _serve() -> None:
    """The helper's loop: one JSON request per input line, one JSON reply per output line."""
    from textworld.generator import QuestGenerationError

    from tasks.textworld.cache import generate_game

    # Replies go to the original stdout; anything TextWorld, Inform or the interpreter
    # prints (from Python or C) goes to stderr instead.
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    for line in sys.stdin:
        if not line.strip():
            continue
        request: dict[str, Any] = json.loads(line)
        try:
            generate_game(request["challenge"], request["settings"], request["split"],
                          request["seed"], Path(request["dest"]))
            reply: dict[str, Any] = {"ok": True}
        except QuestGenerationError as exc:
            reply = {"ok": False, "quest_error": True, "error": str(exc)}
        except Exception:  # reported to the parent, which raises it
            reply = {"ok": False, "error": traceback.format_exc()}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":
    if not hash_seed_fixed():
        raise SystemExit("run with PYTHONHASHSEED=0")
    _serve()
