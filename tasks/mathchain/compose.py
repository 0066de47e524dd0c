"""Composition of atomic problems into h1 chains (arXiv 2510.07312, Sec. 3).

A chain of horizon h is y_j = f_j(x_j) for j = 1..h with x_{j+1} = phi_j(y_j): the answer
of problem j, passed through a link phi (identity, scaling, offset, or unit conversion),
becomes one named quantity (a *slot*) of problem j+1, whose text says so explicitly
("Let X be the answer to Problem 1. ... costs X + 4 dollars"). Ground truth is recomputed
through the chain with exact fractions. Chains whose values leave the sane range (a
non-integral or out-of-range substituted quantity, a non-integral, non-positive or huge
answer) are never built: each link is drawn from the candidates that keep every value sane,
and at a dead end the previous problem is redrawn (backtracking) from the same random
stream, so generation stays deterministic.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

import numpy as np

from tasks.mathchain.catalog import FAMILIES, FAMILY_BY_NAME, NAMES
from tasks.mathchain.families import Family, Quantity
from tasks.mathchain.units import UNITS, conversion_factor, fmt, with_unit

SCALES: tuple[int, ...] = (2, 3, 4, 5, 10)
MAX_OFFSET = 20
SAMPLE_TRIES = 40  # draws of a first problem's quantities before trying another family
# fewer for a linked problem: a fed slot often makes the family infeasible (a trip of 237 km
# never needs a whole number of liters at 4..15 L/100 km), and another family is cheaper
LINKED_SAMPLE_TRIES = 6
LINK_TRIES = 8  # (family, slot, phi) choices before backtracking one problem
MAX_STEPS = 10_000  # link attempts (forward or back) before giving up on a chain

T = TypeVar("T")


def _dimension(unit: str) -> str | None:
    spec = UNITS.get(unit)
    return spec.dimension if spec is not None else None


class Draws:
    """Integer draws from a task's numpy generator, fetched in batches (one numpy call per
    512 draws instead of one per draw: generation is on the reset path)."""

    def __init__(self, rng: np.random.Generator, batch: int = 512) -> None:
        self._rng = rng
        self._batch = batch
        self._buf: list[int] = []
        self._i = 0

    def raw(self) -> int:
        """The next raw draw, uniform in ``0 .. 2**62 - 1``."""
        if self._i >= len(self._buf):
            self._buf = self._rng.integers(0, 1 << 62, size=self._batch).tolist()
            self._i = 0
        value = self._buf[self._i]
        self._i += 1
        return value

    def randint(self, low: int, high: int) -> int:
        """Uniform in ``low..high`` inclusive (modulo bias < 2**-40 for these ranges)."""
        return low + self.raw() % (high - low + 1)

    def choice(self, seq: Sequence[T]) -> T:
        return seq[self.randint(0, len(seq) - 1)]


@dataclass(frozen=True)
class Phi:
    """A link x = phi(y). ``kind`` is identity, scale, divide, offset or convert."""

    kind: str
    param: int = 0  # scale/divide factor or signed offset
    from_unit: str = ""  # convert: the unit of y (the slot's own unit is the target)

    def apply(self, y: Fraction, slot_unit: str) -> Fraction:
        if self.kind == "identity":
            return y
        if self.kind == "scale":
            return y * self.param
        if self.kind == "divide":
            return y / self.param
        if self.kind == "offset":
            return y + self.param
        if self.kind == "convert":
            factor = conversion_factor(self.from_unit, slot_unit)
            assert factor is not None
            return y * factor
        raise ValueError(f"unknown link kind {self.kind!r}")

    def expression(self) -> str:
        """How the next problem writes x in terms of X."""
        if self.kind == "scale":
            return f"{self.param}X"
        if self.kind == "divide":
            return f"X/{self.param}"
        if self.kind == "offset":
            return f"X + {self.param}" if self.param > 0 else f"X - {-self.param}"
        return "X"

    def shown(self, slot: Quantity) -> str:
        """The slot's text in the next problem: the expression with its unit."""
        unit = self.from_unit if self.kind == "convert" else slot.unit
        return with_unit(self.expression(), unit)

    def explain(self, y: Fraction, x: Fraction, slot: Quantity) -> str:
        """One worked-solution line deriving x from y."""
        what = slot.label or slot.name
        unit = UNITS[slot.unit].plural if slot.unit else ""
        tail = f"{fmt(x)} {unit}".rstrip()
        if self.kind == "identity":
            return f"X = {fmt(y)}, so the {what} is {tail}."
        if self.kind == "scale":
            return f"X = {fmt(y)}, so the {what} is {self.param} × {fmt(y)} = {tail}."
        if self.kind == "divide":
            return f"X = {fmt(y)}, so the {what} is {fmt(y)} / {self.param} = {tail}."
        if self.kind == "offset":
            sign = "+" if self.param > 0 else "-"
            return f"X = {fmt(y)}, so the {what} is {fmt(y)} {sign} {abs(self.param)} = {tail}."
        factor = conversion_factor(self.from_unit, slot.unit)
        assert factor is not None
        op = f"× {fmt(factor)}" if factor >= 1 else f"/ {fmt(1 / factor)}"
        return (f"X = {fmt(y)}, so the {what} is {fmt(y)} {UNITS[self.from_unit].plural} = "
                f"{fmt(y)} {op} = {tail}.")

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "param": self.param, "from_unit": self.from_unit}


def link_candidates(y: int, y_unit: str, slot: Quantity, draws: Draws) -> dict[str, list[Phi]]:
    """Every phi that maps ``y`` to an acceptable value of ``slot``, grouped by kind.

    Integer arithmetic only: this runs a few times per link on the reset path.
    """
    low, high = slot.low, slot.high
    out: dict[str, list[Phi]] = {}
    if low <= y <= high:
        out["identity"] = [Phi("identity")]
    scales = [Phi("scale", c) for c in SCALES if low <= y * c <= high]
    scales += [Phi("divide", c) for c in SCALES if y % c == 0 and low <= y // c <= high]
    if scales:
        out["scale"] = scales
    k = draws.randint(1, MAX_OFFSET)
    offsets = [Phi("offset", d) for d in (k, -k) if low <= y + d <= high]
    if offsets:
        out["offset"] = offsets
    if _converts(y, y_unit, slot):
        out["convert"] = [Phi("convert", 0, y_unit)]
    return out


@dataclass(frozen=True)
class Link:
    """One problem of a chain: family, integer quantities, words, and how it got its input."""

    family: Family
    values: dict[str, int]
    words: dict[str, str]
    answer: int
    slot: str | None = None  # the quantity fed by the previous answer (None for problem 1)
    phi: Phi | None = None

    def question(self) -> str:
        override = {}
        if self.slot is not None and self.phi is not None:
            override[self.slot] = self.phi.shown(self.family.quantity(self.slot))
        return self.family.render(self.values, self.words, override)

    def to_dict(self, index: int, previous_answer: int | None) -> dict[str, object]:
        """JSON-ready record: what the task stores and the checksum covers."""
        text = self.question()
        lines = list(self.family.steps(self.values))
        if index > 0:
            assert self.phi is not None and self.slot is not None and previous_answer is not None
            text = f"Let X be the answer to Problem {index}. {text}"
            slot = self.family.quantity(self.slot)
            lines.insert(0, self.phi.explain(Fraction(previous_answer),
                                             Fraction(self.values[self.slot]), slot))
        return {
            "family": self.family.name,
            "topic": self.family.topic,
            "values": dict(self.values),
            "words": dict(self.words),
            "slot": self.slot,
            "phi": self.phi.to_dict() if self.phi else None,
            "question": text,
            "steps": lines,
            "answer": self.answer,
            "answer_noun": self.family.answer_noun,
        }


def _words(draws: Draws) -> dict[str, str]:
    first = draws.randint(0, len(NAMES) - 1)
    second = (first + draws.randint(1, len(NAMES) - 1)) % len(NAMES)
    return {"name": NAMES[first], "name2": NAMES[second]}


def sample_problem(family: Family, draws: Draws, fixed: dict[str, int] | None = None) -> Link | None:
    """Draw the free quantities of ``family`` until the instance is sane (or give up)."""
    fixed = fixed or {}
    spec = family.sample_spec
    raw = draws.raw
    for _ in range(LINKED_SAMPLE_TRIES if fixed else SAMPLE_TRIES):
        # the hot loop of generation: Quantity.sample's arithmetic, inlined
        values = {name: fixed[name] if name in fixed else step * (first + raw() % span)
                  for name, first, span, step in spec}
        answer = family.accepts(values)
        if answer is not None:
            return Link(family, values, _words(draws), int(answer))
    return None


def _reach(slot: Quantity) -> tuple[int, int]:
    """The values of y some identity/scale/offset link can map into ``slot``'s range."""
    low = max(1, min(-(-slot.low // max(SCALES)), slot.low - MAX_OFFSET))
    return low, max(slot.high * max(SCALES), slot.high + MAX_OFFSET)


_Row = tuple[Family, Quantity, int, int, bool, dict[str, tuple[int, int]]]


@functools.lru_cache(maxsize=16)
def _rows(families: tuple[Family, ...]) -> tuple[_Row, ...]:
    """Per (family, slot): y's reach, whether the family's answer has a convertible unit,
    and the slot's conversion factors (num, den) from every unit that converts to it
    (cached per family tuple: difficulty levels pass their own)."""
    rows = []
    for family in families:
        for slot in family.slots:
            factors = {}
            for unit in UNITS:
                factor = conversion_factor(unit, slot.unit)
                if factor is not None:
                    factors[unit] = (factor.numerator, factor.denominator)
            rows.append((family, slot, *_reach(slot), _dimension(family.answer_unit) is not None,
                         factors))
    return tuple(rows)


_ROWS = _rows(FAMILIES)

Pair = tuple[Family, Quantity]


def _link_pools(
    y: int, y_unit: str, families: Sequence[Family], previous: str
) -> tuple[list[Pair], list[Pair], list[Pair]]:
    """The (family, slot) pairs a link may feed with y, in one pass (this runs per link):

    * ``pairs``: some link can reach the slot's range (a cheap interval prefilter, so link
      draws are not wasted on slots y cannot reach);
    * ``convertible``: a unit conversion maps y exactly to an integer in the slot's range;
    * ``dimensioned``: the family answers in a convertible unit (hours, kg, ...).
    """
    rows = _ROWS if families is FAMILIES else _rows(tuple(families))
    pairs: list[Pair] = []
    convertible: list[Pair] = []
    dimensioned: list[Pair] = []
    skip_previous = len(families) > 1
    for family, slot, low, high, dimmed, factors in rows:
        if skip_previous and family.name == previous:
            continue
        factor = factors.get(y_unit)
        converts = False
        in_reach = low <= y <= high
        if factor is not None:
            num, den = y * factor[0], factor[1]
            if slot.low * den <= num <= slot.high * den:
                in_reach = True
                converts = num % den == 0
        if in_reach:
            pairs.append((family, slot))
            if converts:
                convertible.append((family, slot))
            if dimmed:
                dimensioned.append((family, slot))
    return pairs, convertible, dimensioned


def _converts(y: int, y_unit: str, slot: Quantity) -> bool:
    factor = conversion_factor(y_unit, slot.unit)
    if factor is None:
        return False
    num = y * factor.numerator
    return num % factor.denominator == 0 and slot.low <= num // factor.denominator <= slot.high


def _apply_int(phi: Phi, y: int) -> int:
    """phi(y) for the integer-preserving kinds, without building Fractions (hot path);
    candidates are drawn only where the result is an integer."""
    if phi.kind == "scale":
        return y * phi.param
    if phi.kind == "divide":
        return y // phi.param
    if phi.kind == "offset":
        return y + phi.param
    return y


def _next_link(prev: Link, families: Sequence[Family], draws: Draws) -> Link | None:
    y, y_unit = prev.answer, prev.family.answer_unit
    pairs, convertible, dimensioned = _link_pools(y, y_unit, families, prev.family.name)
    if not pairs:
        return None
    # unit conversion is h1's most telling link but only few slots admit it: when some do,
    # take one of them half the time, so conversions are common rather than rare
    failed: set[tuple[str, str, int]] = set()
    for _ in range(LINK_TRIES):
        if convertible and draws.randint(0, 1):
            family, slot = draws.choice(convertible)
            phi = Phi("convert", 0, y_unit)
        else:
            # a family answering in a convertible unit (hours, kg...) makes the next link's
            # conversion possible: favour those half of the time
            pool = dimensioned if dimensioned and draws.randint(0, 1) else pairs
            family, slot = draws.choice(pool)
            options = link_candidates(y, y_unit, slot, draws)
            if not options:
                continue
            kind = draws.choice(sorted(options))
            phi = draws.choice(options[kind])
        x = phi.apply(Fraction(y), slot.unit) if phi.kind == "convert" else _apply_int(phi, y)
        x = int(x)
        if (family.name, slot.name, x) in failed:
            continue  # already found (nearly) infeasible in this call: do not pay for it twice
        link = sample_problem(family, draws, {slot.name: x})
        if link is not None:
            return Link(family, link.values, link.words, link.answer, slot.name, phi)
        failed.add((family.name, slot.name, x))
    return None


def build_chain(draws: Draws, horizon: int, families: Sequence[Family] = FAMILIES) -> list[Link]:
    """A chain of ``horizon`` sane problems, each fed by the previous answer."""
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    chain: list[Link] = []
    for _ in range(MAX_STEPS):
        if not chain:
            first = sample_problem(draws.choice(families), draws)
            if first is not None:
                chain.append(first)
        else:
            link = _next_link(chain[-1], families, draws)
            if link is None:
                chain.pop()  # a dead end: backtrack, so the previous problem gets a new answer
            else:
                chain.append(link)
        if len(chain) == horizon:
            return chain
    raise RuntimeError(f"could not build a sane chain of horizon {horizon}")


def recompute_answers(records: Sequence[dict]) -> list[Fraction]:
    """Ground truth re-derived from stored records: x_{j+1} = phi_j(y_j), y_j = f_j(x_j).

    Used to check stored tasks: each substituted slot value must equal phi of the
    previous recomputed answer, and each answer is recomputed from the values.
    """
    answers: list[Fraction] = []
    for j, rec in enumerate(records):
        family = FAMILY_BY_NAME[rec["family"]]
        values = dict(rec["values"])
        if j > 0:
            phi = Phi(**rec["phi"])
            slot = family.quantity(rec["slot"])
            x = phi.apply(answers[-1], slot.unit)
            if x != values[rec["slot"]]:
                raise AssertionError(f"problem {j + 1}: slot {rec['slot']} is "
                                     f"{values[rec['slot']]}, phi gives {x}")
        answers.append(family.answer(values))
    return answers
