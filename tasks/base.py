"""Task suites: deterministic generation, frozen splits with checksums, verified tasks.

A task is data (id, split, goal text, initial state, expert solution); it carries no
dynamics. A suite generates tasks procedurally from ``(suite name, split, index,
options)``: the same arguments always give the same task on every machine, because
each task draws from its own ``numpy`` generator seeded from those arguments (never
the global RNG). Finite splits (evaluation sets) are frozen: their checksum is stored
in the suite and tested, so results stay comparable across versions.

Every task is verified solvable by its expert before it is served: the env passes a
``verify`` callable (tasks never import envs); a task that fails is regenerated with
the next ``attempt`` number, so rejection sampling stays deterministic.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

MAX_ATTEMPTS = 64


@dataclass(frozen=True)
class Task:
    """One task instance: everything an env needs to start an episode.

    ``data`` must be JSON-serialisable (it feeds checksums and exports); ``expert`` is
    the expert's action sequence when it is fixed in advance, or None when the env
    computes expert actions from its state.
    """

    task_id: str
    split: str
    goal: str
    task_type: str
    data: Mapping[str, Any]
    expert: tuple[str, ...] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """Canonical JSON (sorted keys): the basis of split checksums."""
        return json.dumps(asdict(self), sort_keys=True, default=_json_default)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (tuple, set, frozenset)):
        return sorted(obj) if isinstance(obj, (set, frozenset)) else list(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    raise TypeError(f"not JSON-serialisable in task data: {type(obj).__name__}")


def stable_hash(text: str) -> int:
    """A process-independent 32-bit hash (Python's ``hash`` is salted per process)."""
    return zlib.crc32(text.encode("utf-8"))


def task_rng(suite: str, split: str, index: int, attempt: int = 0, salt: str = "") -> np.random.Generator:
    """The generator for one task: a function of its coordinates only."""
    seq = np.random.SeedSequence(
        [stable_hash(suite), stable_hash(split), int(index), int(attempt), stable_hash(salt)]
    )
    return np.random.default_rng(seq)


def format_task_id(suite: str, split: str, index: int, options: Mapping[str, Any] | None = None) -> str:
    """``suite:split:index`` plus ``:k=v,...`` for generation options (sorted).

    >>> format_task_id("mathchain", "train", 7, {"horizon": 3})
    'mathchain:train:7:horizon=3'
    """
    base = f"{suite}:{split}:{int(index)}"
    if options:
        base += ":" + ",".join(f"{k}={options[k]}" for k in sorted(options))
    return base


def parse_task_id(task_id: str) -> tuple[str, str, int, dict[str, str]]:
    """Inverse of :func:`format_task_id`; option values come back as strings.

    >>> parse_task_id("mathchain:train:7:horizon=3")
    ('mathchain', 'train', 7, {'horizon': '3'})
    """
    parts = task_id.split(":")
    if len(parts) not in (3, 4):
        raise ValueError(f"malformed task id {task_id!r}: expected suite:split:index[:k=v,...]")
    suite, split, index = parts[0], parts[1], parts[2]
    if not index.lstrip("-").isdigit():
        raise ValueError(f"malformed task id {task_id!r}: index {index!r} is not an integer")
    options: dict[str, str] = {}
    if len(parts) == 4 and parts[3]:
        for item in parts[3].split(","):
            key, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"malformed option {item!r} in task id {task_id!r}")
            options[key] = value
    return suite, split, int(index), options


def check_level(value: Any, levels: Sequence[int]) -> int:
    """A difficulty level (an int, or its text from a task id) checked against ``levels``.

    >>> check_level("2", (1, 2, 3))
    2
    """
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) not in levels:
        raise ValueError(f"level must be one of {list(levels)}, got {value!r}")
    return int(value)


Verifier = Callable[[Task], bool]


class DataMissing(FileNotFoundError):
    """Data a user pointed at is not there; the message says how to get it (the CLI prints it
    as one line, no traceback)."""


class TaskSuite(ABC):
    """Base class of every suite.

    Subclasses set ``name`` and ``splits`` (split name -> size, ``None`` = unbounded,
    indexed by seed) and implement :meth:`_generate`. Frozen splits list their expected
    checksum in ``frozen_checksums``; tests compare it with :meth:`split_checksum`.
    """

    name: str = "suite"
    splits: Mapping[str, int | None] = {"train": None, "eval": 100}
    frozen_checksums: Mapping[str, str] = {}
    #: option names (curriculum knobs etc.) that change generation and are part of the id
    generation_options: tuple[str, ...] = ()
    #: difficulty levels, easiest first (empty: the suite has none). ``benchmark_level`` is
    #: the benchmark's own setting: a task id names it by leaving ``level=`` out, so its ids
    #: stay as they were; ``level`` is this instance's default (level-aware suites set it)
    levels: tuple[int, ...] = ()
    benchmark_level: int = 0
    level: int = 0

    def __init__(self) -> None:
        self._cache: dict[str, Task] = {}

    # --- what subclasses implement -------------------------------------------------
    @abstractmethod
    def _generate(
        self, rng: np.random.Generator, split: str, index: int, options: Mapping[str, Any]
    ) -> Task:
        """Build one task from its private generator. Must not touch global RNG state."""

    def normalise_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        """Keep only generation options, coerced to their proper types (override)."""
        if not options:
            return {}
        return {k: options[k] for k in self.generation_options if k in options}

    def level_option(self, options: Mapping[str, Any] | None) -> dict[str, int]:
        """``{"level": L}`` for the level ``options`` ask for (else this suite's ``level``),
        checked; ``{}`` for the benchmark level, which task ids leave implicit."""
        level = check_level((options or {}).get("level", self.level), self.levels)
        return {} if level == self.benchmark_level else {"level": level}

    # --- public API ------------------------------------------------------------------
    def split_size(self, split: str) -> int | None:
        if split not in self.splits:
            raise KeyError(f"suite {self.name!r} has no split {split!r}; splits: {sorted(self.splits)}")
        return self.splits[split]

    def index_for_seed(self, split: str, seed: int) -> int:
        """Map a reset seed to a task index: identity for unbounded splits, modulo for frozen ones."""
        size = self.split_size(split)
        return int(seed) if size is None else int(seed) % size

    def get(
        self,
        split: str,
        index: int,
        options: Mapping[str, Any] | None = None,
        verify: Verifier | None = None,
    ) -> Task:
        """The task at ``index`` of ``split``, verified by ``verify`` when given.

        Tasks failing verification are regenerated with the next attempt number (up to
        ``MAX_ATTEMPTS``); the served task keeps the requested id.
        """
        size = self.split_size(split)
        if index < 0 or (size is not None and index >= size):
            raise IndexError(f"index {index} out of range for split {split!r} of size {size}")
        opts = self.normalise_options(options)
        task_id = format_task_id(self.name, split, index, opts)
        cached = self._cache.get(task_id)
        if cached is not None:
            return cached
        for attempt in range(MAX_ATTEMPTS):
            rng = task_rng(self.name, split, index, attempt)
            task = self._generate(rng, split, index, opts)
            if task.task_id != task_id:
                task = Task(
                    task_id=task_id,
                    split=task.split,
                    goal=task.goal,
                    task_type=task.task_type,
                    data=task.data,
                    expert=task.expert,
                    options=opts,
                )
            if verify is None or verify(task):
                if len(self._cache) > 4096:  # bound memory for long training runs
                    self._cache.clear()
                self._cache[task_id] = task
                return task
        raise RuntimeError(
            f"{self.name}: no verifiable task after {MAX_ATTEMPTS} attempts at {task_id}"
        )

    def get_by_id(self, task_id: str, verify: Verifier | None = None) -> Task:
        suite, split, index, options = parse_task_id(task_id)
        if suite != self.name:
            raise ValueError(f"task id {task_id!r} belongs to suite {suite!r}, not {self.name!r}")
        if self.levels:  # no ``level=`` in an id means the benchmark level, whatever our default
            options.setdefault("level", str(self.benchmark_level))
        return self.get(split, index, options, verify)

    def iter_split(
        self, split: str, options: Mapping[str, Any] | None = None, verify: Verifier | None = None
    ) -> Iterator[Task]:
        size = self.split_size(split)
        if size is None:
            raise ValueError(f"split {split!r} is unbounded; iterate a frozen split instead")
        for index in range(size):
            yield self.get(split, index, options, verify)

    def split_checksum(
        self, split: str, options: Mapping[str, Any] | None = None, verify: Verifier | None = None
    ) -> str:
        """SHA-256 over the canonical JSON of every served task of a frozen split, in order.

        Pass the env's ``verify`` so the checksum covers exactly the tasks that are served.
        """
        digest = hashlib.sha256()
        for task in self.iter_split(split, options, verify):
            digest.update(task.to_json().encode("utf-8"))
            digest.update(b"\n")
        return digest.hexdigest()
