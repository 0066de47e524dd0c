"""Grading final answers: numbers within tolerance, normalised strings, lists as sets,
and refusals for unanswerable queries (PORTool's reward is answer correctness, arXiv 2510.26020).

A gold answer is ``{"type": "number" | "string" | "list" | "unanswerable", "value": ...}``.
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
REFUSAL_MARKERS = (
    "cannot", "can't", "can not", "unable", "unanswerable", "not available", "no information",
    "not possible", "don't know", "do not know", "unknown", "no data", "not enough information",
    "impossible to answer", "no way to",
)


def normalise_text(text: str) -> str:
    """Lower case, punctuation to spaces (keeps - : @ + . inside tokens), no articles."""
    words = str(text).lower().translate(_PUNCT).split()
    words = [w.strip(".") for w in words]
    return " ".join(w for w in words if w and w not in _ARTICLES)


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


def _split_list(text: str) -> set[str]:
    parts = re.split(r",|;|\n|\band\b|\|", str(text))
    return {normalise_text(p) for p in parts if normalise_text(p)}


def check_answer(answer: str, gold: Mapping[str, Any]) -> bool:
    """True if ``answer`` (the text inside ``<answer>``) is correct for ``gold``."""
    kind, value = gold["type"], gold.get("value")
    text = str(answer)
    if kind == "unanswerable":
        low = text.lower().replace("’", "'")
        return any(marker in low for marker in REFUSAL_MARKERS)
    if kind == "number":
        got = first_number(text)
        return got is not None and numbers_close(got, float(value))
    if kind == "string":
        got, want = normalise_text(text), normalise_text(value)
        if not want:
            return False
        if got == want:
            return True
        # a short sentence containing the exact answer is accepted ("The capital is Paris")
        return len(got.split()) <= len(want.split()) + 8 and f" {want} " in f" {got} "
    if kind == "list":
        return _split_list(text) == {normalise_text(v) for v in value}
    raise ValueError(f"unknown gold answer type {kind!r}")


def format_gold(gold: Mapping[str, Any]) -> str:
    """The expert's answer text for a gold answer."""
    kind, value = gold["type"], gold.get("value")
    if kind == "number":
        v = float(value)
        return str(int(v)) if v.is_integer() else f"{v:.4f}".rstrip("0").rstrip(".")
    if kind == "list":
        return ", ".join(str(v) for v in value)
    if kind == "unanswerable":
        return f"I cannot answer this: {value}"
    return str(value)
