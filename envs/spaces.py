"""A free-text space: any Python ``str`` up to a maximum length.

Gymnasium's ``spaces.Text`` defaults to a 62-character alphanumeric charset, so
``Text(64).contains("go to cabinet 1")`` is False and ``check_env`` fails on any
real command. Text envs need a space that accepts whatever a model writes.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np
from gymnasium import spaces

# Printable ASCII plus a few characters models really produce; used only by sample().
_SAMPLE_CHARSET = string.ascii_letters + string.digits + string.punctuation + " \n\téü→"


class FreeText(spaces.Space[str]):
    """Any ``str`` of at most ``max_length`` characters (the empty string included).

    ``sample()`` draws random printable text from this space's own RNG, which is what
    Gymnasium's checker and fuzzers need; it is not a distribution over sensible actions.

    >>> FreeText(32).contains("go to cabinet 1")
    True
    >>> FreeText(4).contains("too long")
    False
    """

    def __init__(self, max_length: int = 8192, seed: int | np.random.Generator | None = None):
        if max_length < 1:
            raise ValueError(f"max_length must be >= 1, got {max_length}")
        self.max_length = int(max_length)
        super().__init__(shape=None, dtype=None, seed=seed)

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        length = int(self.np_random.integers(0, min(self.max_length, 64) + 1))
        idx = self.np_random.integers(0, len(_SAMPLE_CHARSET), size=length)
        return "".join(_SAMPLE_CHARSET[i] for i in idx)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"FreeText({self.max_length})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FreeText) and other.max_length == self.max_length

    def __hash__(self) -> int:
        return hash(("FreeText", self.max_length))
