"""The TextWorld task suite: pools of generated games per challenge and settings.

Task ``index`` of ``split`` is the game TextWorld generates from a seed drawn from the task's
own generator (:func:`tasks.base.task_rng`), so pools are deterministic and the train and eval
pools never share a seed. The train split is a pool of ``pool_size`` games per setting
(``reset(seed=s)`` plays game ``s % pool_size``); the eval split is a frozen pool of
:data:`EVAL_SIZE` games. Generating a game takes a second or more (mostly the Inform 7
compile), so games are generated lazily on first use and cached on disk
(:mod:`tasks.textworld.cache`).

Task ids name the challenge and every setting, e.g.
``textworld-cooking:train:3:cook=0,cut=0,go=1,open=0,recipe=1,take=1``; the settings are also
reset options (a curriculum knob: ``reset(options={"level": 5})``). A game whose walkthrough
does not win is rejected and the next attempt's seed is used (the env's ``verify``); a seed
from which TextWorld makes no game at all is skipped for the next seed of the same generator.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from tasks.base import Task, TaskSuite, format_task_id
from tasks.textworld.cache import ensure_game, game_key, read_record
from tasks.textworld.challenges import get_challenge, normalise_settings
from tasks.textworld.generate import GenerationFailed

DEFAULT_POOL_SIZE = 100
EVAL_SIZE = 20
MAX_SEEDS = 16

#: SHA-256 of the eval pool (``split_checksum("eval")``) for each challenge's default
#: settings, with TextWorld 1.7.0. Checked by tests/envs/test_textworld.py (slow).
EVAL_CHECKSUMS: dict[str, str] = {
    "coin_collector": "07641f10df3c36c66459d89098b6615f52d98f275709f3283c070ed17acd0b8e",
    "cooking": "668806b37fea965e13167dde26b5e64c4418d2b06b855c6fbf51141f37fbfaa6",
    "treasure_hunter": "1edcfefcb7fdb41c8d19718393a85850a6baaf65ed953ff08e15f4a6c1718873",
}


class TextWorldSuite(TaskSuite):
    """Games of one TextWorld challenge; settings default to the constructor's."""

    def __init__(
        self,
        challenge: str = "cooking",
        settings: Mapping[str, Any] | None = None,
        pool_size: int = DEFAULT_POOL_SIZE,
        root: Path | None = None,
    ) -> None:
        super().__init__()
        spec = get_challenge(challenge)
        if int(pool_size) < 1:
            raise ValueError(f"pool_size must be >= 1, got {pool_size}")
        self.challenge = challenge
        self.name = f"textworld-{challenge}"
        self.splits = {"train": int(pool_size), "eval": EVAL_SIZE}
        self.generation_options = tuple(spec.defaults)
        self.default_settings = normalise_settings(challenge, settings)
        self.root = root
        checksum = EVAL_CHECKSUMS.get(challenge)
        default = self.default_settings == dict(spec.defaults)  # checksums cover defaults only
        self.frozen_checksums = {"eval": checksum} if checksum and default else {}

    def normalise_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        merged = dict(self.default_settings)
        merged.update({k: v for k, v in (options or {}).items() if k in self.generation_options})
        return normalise_settings(self.challenge, merged)

    def _generate(
        self, rng: np.random.Generator, split: str, index: int, options: Mapping[str, Any]
    ) -> Task:
        settings = normalise_settings(self.challenge, options)
        for _ in range(MAX_SEEDS):  # some seeds give no game (e.g. no quest fits the map)
            seed = int(rng.integers(1, 2**31 - 1))
            try:
                game_file = ensure_game(self.challenge, settings, split, seed, self.root)
                break
            except GenerationFailed:
                continue
        else:
            raise RuntimeError(f"{self.name}: TextWorld made no game from {MAX_SEEDS} seeds "
                               f"for {split}:{index} with {settings}")
        key = game_key(self.challenge, settings, split, seed)
        record = read_record(key, game_file)
        return Task(
            task_id=format_task_id(self.name, split, index, settings),
            split=split,
            goal=record.objective,
            task_type=self.challenge,
            data={
                "challenge": self.challenge,
                "settings": settings,
                "seed": seed,
                "game": key,
                "uuid": record.uuid,
                "max_score": record.max_score,
                "walkthrough": list(record.walkthrough),
            },
            expert=record.walkthrough,
            options=settings,
        )
