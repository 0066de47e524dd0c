"""Difficulty levels of MathChain: from one small one-step problem up to h1's setting.

A level caps the numbers (every quantity's range and every answer) and sets the default
horizon. The families are the catalog's own (same templates, answers and worked solutions);
a level narrows each quantity's range to ``1..max_operand`` and each answer to
``1..max_answer``, and keeps only the families that still have a value in every range (so
level 1, one-digit operands and answers below 100, serves ``production``, ``rope``,
``stickers`` and ``ages``). Links feed slots inside the narrowed ranges, so chains stay small too.

Level :data:`BENCHMARK_LEVEL` is today's setting (full ranges, horizon 3) and the default;
its tasks, ids and checksums are those of the suite before levels existed.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

from tasks.mathchain.catalog import FAMILIES
from tasks.mathchain.families import Family, Quantity


@dataclass(frozen=True)
class MathLevel:
    """One rung: default horizon and number caps (``None``: the catalog's own ranges)."""

    horizon: int
    max_operand: int | None
    max_answer: int | None
    summary: str


LEVELS: dict[int, MathLevel] = {
    1: MathLevel(1, 9, 99, "horizon 1; one-digit quantities, answers below 100 (4 families)"),
    2: MathLevel(1, 99, 999, "horizon 1; quantities up to 99, answers below 1,000"),
    3: MathLevel(2, 999, 9_999, "horizon 2; quantities up to 999, answers below 10,000"),
    4: MathLevel(3, None, None, "the benchmark: horizon 3, the families' full ranges "
                                "(answers up to 20,000)"),
}
BENCHMARK_LEVEL = max(LEVELS)


def _cap(quantity: Quantity, high: int) -> Quantity | None:
    """``quantity`` with its range cut at ``high``, or None if no value is left."""
    top = min(quantity.high, high)
    first = -(-quantity.low // quantity.step) * quantity.step
    return dataclasses.replace(quantity, high=top) if first <= top else None


def _capped(family: Family, max_operand: int, max_answer: int) -> Family | None:
    quantities = [_cap(q, max_operand) for q in family.quantities]
    if any(q is None for q in quantities):
        return None
    return dataclasses.replace(family, quantities=tuple(quantities),
                               max_answer=min(family.max_answer, max_answer))


@functools.cache
def level_families(level: int) -> tuple[Family, ...]:
    """The families a level draws from (the catalog's own tuple at the benchmark level)."""
    spec = LEVELS[level]
    if spec.max_operand is None or spec.max_answer is None:
        return FAMILIES
    capped = (_capped(f, spec.max_operand, spec.max_answer) for f in FAMILIES)
    return tuple(f for f in capped if f is not None)
