"""The atomic problem model: a word-problem family with named quantities and an exact answer.

A :class:`Family` is a template (question text over named quantities), an exact answer
function over ``fractions.Fraction`` (no floats anywhere), a worked solution, and validity
rules. Every quantity is an integer; a family accepts an instance only when its answer is a
positive integer in a sane range and its own rules hold (e.g. a discount below 100%), so
each atomic problem f_j of an h1 chain (arXiv 2510.07312) has one exact integral answer.
Quantities flagged ``slot`` may receive the previous problem's answer through a link phi.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from tasks.mathchain.units import with_unit

#: the largest answer (and substituted value) a chain may carry: keeps numbers human-sized
MAX_VALUE = 20_000

Values = Mapping[str, int]


def _always(_: Values) -> bool:
    return True


@dataclass(frozen=True)
class Quantity:
    """A named integer quantity: sampled from ``low..high`` in multiples of ``step``;
    a substituted value (slot) may be any integer in ``low..high``."""

    name: str
    low: int
    high: int
    unit: str = ""  # key of units.UNITS, or "" for a count whose noun the template writes
    label: str = ""  # what it is, for worked solutions ("riding time")
    step: int = 1
    slot: bool = True

    def accepts(self, value: Fraction | int) -> bool:
        return Fraction(value).denominator == 1 and self.low <= value <= self.high

    def sample(self, randint: Callable[[int, int], int]) -> int:
        first = -(-self.low // self.step)
        return self.step * randint(first, self.high // self.step)


@dataclass(frozen=True)
class Family:
    """One grade-school word-problem template (see module docstring)."""

    name: str
    topic: str  # rates, ratios, percentages, money, time, units, arithmetic
    quantities: tuple[Quantity, ...]
    answer_unit: str  # unit key, or "" for a count
    answer_noun: str  # what the answer counts ("toys", "dollars")
    question: Callable[[Mapping[str, str], Mapping[str, str]], str]  # (values, words) -> text
    answer: Callable[[Values], Fraction]
    steps: Callable[[Values], list[str]]
    valid: Callable[[Values], bool] = _always
    max_answer: int = MAX_VALUE

    @property
    def sample_spec(self) -> tuple[tuple[str, int, int, int], ...]:
        """(name, first, span, step) per quantity: value = step * (first + draw % span),
        the same value :meth:`Quantity.sample` gives, precomputed for the hot loop."""
        spec = self.__dict__.get("_spec")
        if spec is None:
            spec = tuple(
                (q.name, -(-q.low // q.step), q.high // q.step - -(-q.low // q.step) + 1, q.step)
                for q in self.quantities
            )
            object.__setattr__(self, "_spec", spec)  # a cache on a frozen dataclass
        return spec

    def quantity(self, name: str) -> Quantity:
        for q in self.quantities:
            if q.name == name:
                return q
        raise KeyError(f"family {self.name} has no quantity {name!r}")

    @property
    def slots(self) -> tuple[Quantity, ...]:
        return tuple(q for q in self.quantities if q.slot)

    def accepts(self, values: Values) -> Fraction | None:
        """The answer if ``values`` make a sane instance (integral, 1..max_answer), else None."""
        if not self.valid(values):
            return None
        answer = self.answer(values)
        # compare ints, not Fractions: this runs tens of times per generated problem
        if answer.denominator != 1 or not (1 <= answer.numerator <= self.max_answer):
            return None
        return answer

    def render(self, values: Values, words: Mapping[str, str], override: Mapping[str, str]) -> str:
        """The question text; ``override`` replaces a quantity's text (an expression in X)."""
        shown = {
            q.name: override.get(q.name) or with_unit(str(values[q.name]), q.unit)
            for q in self.quantities
        }
        return self.question(shown, words)
