"""Units of the math-chain problems: how a quantity is written and how units convert.

A quantity's unit is a key of :data:`UNITS` (or ``""`` for a bare count whose noun the
template writes itself). Units of one dimension convert exactly through integer factors to
a base unit, which is what the unit-conversion link phi of h1 (arXiv 2510.07312) needs:
an answer in hours may feed a slot measured in minutes ("X hours" = 60X minutes).
"""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple


class Unit(NamedTuple):
    singular: str
    plural: str
    dimension: str | None  # None: never converted
    to_base: int  # how many base units one of this unit is


UNITS: dict[str, Unit] = {
    "seconds": Unit("second", "seconds", "time", 1),
    "minutes": Unit("minute", "minutes", "time", 60),
    "hours": Unit("hour", "hours", "time", 3600),
    "days": Unit("day", "days", "time", 86400),
    "weeks": Unit("week", "weeks", "time", 604800),
    "years": Unit("year", "years", None, 1),  # ages: kept out of the time dimension
    "grams": Unit("gram", "grams", "mass", 1),
    "kilograms": Unit("kilogram", "kilograms", "mass", 1000),
    "milliliters": Unit("milliliter", "milliliters", "volume", 1),
    "liters": Unit("liter", "liters", "volume", 1000),
    "centimeters": Unit("centimeter", "centimeters", "length", 1),
    "meters": Unit("meter", "meters", "length", 100),
    "kilometers": Unit("kilometer", "kilometers", "length", 100_000),
    "dollars": Unit("dollar", "dollars", None, 1),
    "percent": Unit("percent", "percent", None, 1),
    "km_per_hour": Unit("kilometer per hour", "kilometers per hour", None, 1),
}


# every convertible (from, to) pair, precomputed: look-ups sit on the task-generation path
_FACTORS: dict[tuple[str, str], Fraction] = {
    (a, b): Fraction(ua.to_base, ub.to_base)
    for a, ua in UNITS.items()
    for b, ub in UNITS.items()
    if a != b and ua.dimension is not None and ua.dimension == ub.dimension
}


def conversion_factor(from_unit: str, to_unit: str) -> Fraction | None:
    """How many ``to_unit`` make one ``from_unit``; None if they do not convert.

    >>> conversion_factor("hours", "minutes")
    Fraction(60, 1)
    >>> conversion_factor("grams", "kilograms")
    Fraction(1, 1000)
    >>> conversion_factor("hours", "hours") is None  # the same unit is identity, not conversion
    True
    """
    return _FACTORS.get((from_unit, to_unit))


def with_unit(expr: str, unit: str) -> str:
    """Write a value (a number or an expression in X) with its unit.

    >>> with_unit("1", "hours"), with_unit("X + 4", "dollars"), with_unit("12", "")
    ('1 hour', 'X + 4 dollars', '12')
    """
    if not unit:
        return expr
    spec = UNITS[unit]
    return f"{expr} {spec.singular if expr == '1' else spec.plural}"


def fmt(value: Fraction | int) -> str:
    """An exact number as a person writes it: 7, 1.5, 0.25 or 7/3 (never a rounded float).

    >>> fmt(Fraction(7)), fmt(Fraction(3, 2)), fmt(Fraction(1, 8)), fmt(Fraction(7, 3))
    ('7', '1.5', '0.125', '7/3')
    """
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den == 1:  # a terminating decimal: print it exactly
        digits = max(twos, fives)
        scaled = abs(value) * 10**digits
        sign = "-" if value < 0 else ""
        whole, frac = divmod(int(scaled), 10**digits)
        return f"{sign}{whole}.{str(frac).rjust(digits, '0')}"
    return f"{value.numerator}/{value.denominator}"
