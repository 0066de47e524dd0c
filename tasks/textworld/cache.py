"""The on-disk cache of generated TextWorld games.

A game is made by TextWorld's own generator (``textworld.challenges.<challenge>.make``, the
code behind ``tw-make``) and compiled to a Z-machine file by the Inform 7 compiler it ships.
Generation is a pure function of (challenge, settings, split, seed) and of the TextWorld
version, so those form the cache key::

    <cache_dir>/textworld/tw<version>/<challenge>/<settings slug>[-<food split>]/seed<seed>/
        game.z8  game.json  game.ni

A seed from which TextWorld cannot make a game (``QuestGenerationError``) is remembered by
a ``seed<seed>.failed`` file (holding TextWorld's message) so it is not retried. A game is generated on first
use and reused afterwards, with string hashing fixed so the
files are byte-identical on every machine (:mod:`tasks.textworld.generate`). Two processes may generate the same
game at once: each builds it in its own temporary folder next to the final one and renames
it into place (atomic on one filesystem); the loser discards its copy.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.textworld.challenges import get_challenge, settings_slug, textworld_settings

GAME_FILE = "game.z8"
GAME_JSON = "game.json"


def default_root() -> Path:
    """``agents.models.cache_dir()`` (``$STEPGYM_CACHE`` or ``~/.cache/stepgym``) / textworld."""
    # The same rule as agents.models.cache_dir(), repeated here because tasks must not
    # import agents (imports flow tasks -> envs -> agents).
    return Path(os.environ.get("STEPGYM_CACHE") or Path.home() / ".cache" / "stepgym") / "textworld"


def textworld_version() -> str:
    import textworld

    return str(textworld.__version__)


def game_key(challenge: str, settings: Mapping[str, int], split: str, seed: int) -> str:
    """The relative cache path of one game (no TextWorld version: see :func:`game_dir`).

    >>> game_key("coin_collector", {"level": 3}, "train", 42)
    'coin_collector/level3/seed42'
    >>> game_key("cooking", {"recipe": 1, "take": 1, "go": 1, "open": 0, "cook": 0, "cut": 0}, "eval", 7)
    'cooking/recipe1-take1-go1-open0-cook0-cut0-valid/seed7'
    """
    slug = settings_slug(settings)
    if challenge == "cooking":  # its food distribution depends on the split
        slug += "-" + textworld_settings(challenge, settings, split)["split"]
    return f"{challenge}/{slug}/seed{int(seed)}"


def game_dir(key: str, root: Path | None = None) -> Path:
    return (root or default_root()) / f"tw{textworld_version()}" / key


@dataclass(frozen=True)
class GameRecord:
    """What a task needs to know about a generated game (read from its JSON)."""

    key: str
    objective: str
    walkthrough: tuple[str, ...]
    max_score: int
    uuid: str


def generate_game(challenge: str, settings: Mapping[str, int], split: str, seed: int, dest: Path) -> Path:
    """Make and compile one game into folder ``dest``; return the ``.z8`` path.

    Deterministic in its arguments. TextWorld draws from ``numpy.random.RandomState`` objects
    seeded from ``seed``; the global ``random``/``numpy`` states are saved and restored anyway
    so generation leaves no trace on them.
    """
    import numpy as np
    import textworld
    import textworld.challenges
    from textworld.generator import compile_game

    spec = get_challenge(challenge)
    _, make, _ = textworld.challenges.CHALLENGES[spec.tw_name]
    options = textworld.GameOptions()
    options.seeds = int(seed)
    options.path = str(dest / GAME_FILE)
    options.file_ext = ".z8"
    options.force_recompile = True
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        game = make(settings=textworld_settings(challenge, settings, split), options=options)
        return Path(compile_game(game, options))
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)


def ensure_game(
    challenge: str, settings: Mapping[str, int], split: str, seed: int, root: Path | None = None
) -> Path:
    """The ``.z8`` file of the game, generated into the cache first if missing."""
    from tasks.textworld.generate import GenerationFailed, generate

    key = game_key(challenge, settings, split, seed)
    final = game_dir(key, root)
    game_file = final / GAME_FILE
    if game_file.is_file() and (final / GAME_JSON).is_file():
        return game_file
    failed = final.with_name(final.name + ".failed")  # TextWorld found no game for this seed
    if failed.is_file():
        raise GenerationFailed(failed.read_text())
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():  # a broken entry (e.g. files deleted by hand): rebuild it
        shutil.rmtree(final, ignore_errors=True)
    tmp = final.parent / f".tmp-{final.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        try:
            generate(challenge, settings, split, seed, tmp)  # fixed string hashing: same bytes
        except GenerationFailed as exc:
            failed.write_text(str(exc))
            raise
        try:
            os.rename(tmp, final)
        except OSError:
            if not game_file.is_file():  # not a lost race: a real error
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return game_file


def read_record(key: str, game_file: Path) -> GameRecord:
    """Objective, walkthrough and max score from the game's JSON (no TextWorld import)."""
    with open(game_file.with_name(GAME_JSON), encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    metadata = data.get("metadata", {})
    walkthrough = metadata.get("walkthrough")
    if not walkthrough:
        raise ValueError(f"game {key} has no walkthrough in its metadata")
    max_score = metadata.get("max_score")
    if max_score is None:  # coin collector / treasure hunter: one point per quest
        max_score = sum(int(q.get("reward", 1)) for q in data.get("quests", []))
    return GameRecord(
        key=key,
        objective=str(data.get("objective", "")),
        walkthrough=tuple(str(c) for c in walkthrough),
        max_score=int(max_score),
        uuid=str(metadata.get("uuid", "")),
    )
