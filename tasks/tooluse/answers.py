"""Grading final answers (PORTool's reward is answer correctness, arXiv 2510.26020).

A gold answer is ``{"type": "number" | "string" | "list" | "unanswerable", "value": ...}``;
the text graded is what the agent put inside ``<answer>``, and it must be the answer alone:

- **number**: exactly one number (commas as thousands separators allowed, units and words
  around it ignored; two different numbers are ambiguous and wrong). Correct when within 0.5%
  of the gold value (relative), or when it is the gold value rounded to the answer's own
  precision and written with at least two significant digits (``0.10`` for 0.1011: half a unit
  of the last written digit; ``0.1`` or ``0`` are not). See :func:`number_correct`.
- **string**: equal to the gold after normalisation (case, punctuation, articles); a sentence
  around it, a list of candidates or a negation is wrong.
- **list**: the same set of normalised items, none missing, none extra.
- **unanswerable**: an explicit refusal, i.e. the answer starts with a refusal form
  (:data:`REFUSAL_OPENINGS`: "I cannot ...", "unanswerable", "I don't know", ...); a refusal
  word somewhere inside an answer ("$42 (unknown source)") is not one.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

REL_TOL = 0.005
ABS_TOL = 0.01
_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+]?\.\d+")
_ARTICLES = {"a", "an", "the"}
_PUNCT = str.maketrans({c: " " for c in string.punctuation if c not in "-:@+."})
#: how an explicit refusal starts (normalised text, after an optional "sorry" / "unfortunately")
REFUSAL_OPENINGS = (
    "i cannot", "i can't", "i can not", "cannot", "can't", "i am unable", "i'm unable", "unable",
    "unanswerable", "this is unanswerable", "this cannot", "this can't", "it cannot",
    "it is not possible", "not possible", "i don't know", "i do not know", "unknown",
    "not available", "no information", "no data", "not enough information", "there is no",
    "there's no", "impossible to answer", "no way to", "no answer",
)
_REFUSAL_PREFIXES = ("sorry", "unfortunately", "i'm sorry", "i am sorry")


def normalise_text(text: str) -> str:
    """Lower case, punctuation to spaces (keeps - : @ + . inside tokens), no articles."""
    words = str(text).lower().translate(_PUNCT).split()
    words = [w.strip(".") for w in words]
    return " ".join(w for w in words if w and w not in _ARTICLES)


def all_numbers(text: str) -> list[str]:
    """Every number written in ``text``, as written (thousands commas removed).

    >>> all_numbers("From 1,200.5 km to -3e2 m")
    ['1200.5', '-3e2']
    """
    return [m.group(0).replace(",", "") for m in _NUMBER.finditer(str(text))]


def first_number(text: str) -> float | None:
    match = _NUMBER.search(str(text))
    if not match:
        return None
    try:
        return float(match.group(0).replace(",", ""))
    except ValueError:
        return None


def numbers_close(a: float, b: float, rel: float = REL_TOL, abs_tol: float = ABS_TOL) -> bool:
    return abs(a - b) <= max(abs_tol, rel * abs(b))


def _significant_digits(written: str) -> int:
    mantissa = written.lstrip("+-").lower().partition("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


def _last_digit_unit(written: str) -> float:
    mantissa, _, exponent = written.lstrip("+-").lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def number_correct(written: str, gold: float, rel: float = REL_TOL) -> bool:
    """Is the number ``written`` (as the answer wrote it) right for ``gold``?

    Within ``rel`` of gold, or gold rounded to the answer's precision (half a unit of its last
    digit) with at least two significant digits written.

    >>> number_correct("0.10", 0.1011), number_correct("0.11", 0.1011), number_correct("0.092", 0.1011)
    (True, False, False)
    >>> number_correct("0.1", 0.1011), number_correct("0", 0.1011), number_correct("343.6", 343.6)
    (False, False, True)
    """
    try:
        value = float(written)
    except ValueError:
        return False
    if abs(value - gold) <= rel * abs(gold):
        return True
    return (_significant_digits(written) >= 2
            and abs(value - gold) <= 0.5 * _last_digit_unit(written) + 1e-12 * abs(gold))


def is_refusal(text: str) -> bool:
    """Does ``text`` start with an explicit refusal form?

    >>> is_refusal("I cannot answer this: no such flight"), is_refusal("The price is $42 (unknown source)")
    (True, False)
    """
    low = " ".join(str(text).lower().replace("’", "'").split())
    for prefix in _REFUSAL_PREFIXES:
        if low.startswith(prefix):
            low = low[len(prefix):].lstrip(" ,.!:;-")
            break
    return any(low == o or low.startswith(o + " ") or low.startswith(o + ",")
               or low.startswith(o + ".") or low.startswith(o + ":") for o in REFUSAL_OPENINGS)


def _split_list(text: str) -> set[str]:
    parts = re.split(r",|;|\n|\band\b|\|", str(text))
    return {normalise_text(p) for p in parts if normalise_text(p)}


def check_answer(answer: str, gold: Mapping[str, Any]) -> bool:
    """True if ``answer`` (the text inside ``<answer>``) is correct for ``gold``."""
    kind, value = gold["type"], gold.get("value")
    text = str(answer)
    if kind == "unanswerable":
        return is_refusal(text)
    if kind == "number":
        written = all_numbers(text)
        distinct = {float(w) for w in written if _parses(w)}
        return len(distinct) == 1 and number_correct(written[0], float(value))
    if kind == "string":
        want = normalise_text(value)
        return bool(want) and normalise_text(text) == want
    if kind == "list":
        return _split_list(text) == {normalise_text(v) for v in value}
    raise ValueError(f"unknown gold answer type {kind!r}")


def _parses(written: str) -> bool:
    try:
        float(written)
    except ValueError:
        return False
    return True


def format_gold(gold: Mapping[str, Any]) -> str:
    """The expert's answer text for a gold answer."""
    kind, value = gold["type"], gold.get("value")
    if kind == "number":
        v = float(value)
        if v.is_integer():
            return str(int(v))
        text = f"{v:.6g}"  # six significant digits: small values keep theirs (0.000123457)
        return f"{v:.12f}".rstrip("0").rstrip(".") if "e" in text else text
    if kind == "list":
        return ", ".join(str(v) for v in value)
    if kind == "unanswerable":
        return f"I cannot answer this: {value}"
    return str(value)
