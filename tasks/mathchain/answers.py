"""Answer extraction: the number a model's reply commits to, parsed exactly.

Accepted, in order of precedence: the last ``\\boxed{...}``; the last ``Answer: x`` /
``answer is x``; else the last number in the text (a trailing number). Units, thousands
commas, ``$``, ``\\text{...}``, ``\\frac{a}{b}``, ``%`` and scientific notation (``9.3e2``,
exponents up to :data:`MAX_DIGITS`) are tolerated. Inside a box, an equation's right-hand side
is the answer (``\\boxed{15.5 minutes = 930}`` is 930), and a box with two different numbers
(``\\boxed{12 or 13}``) is ambiguous: no answer, with that reason. Numbers parse to
``Fraction`` (``12.50`` is 25/2; ``3/4`` is 3/4), never to float. Terminal escape sequences are dropped first. Nothing is evaluated:
``9**9**9`` is the number 9 followed by text, not an expression.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import NamedTuple

MAX_DIGITS = 60  # longer "numbers" are garbage, not answers (and int() has a digit limit)

_NUMBER = (r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+(?![\w.]))?"
           r"(?:\s*/\s*\d+(?![\d.]))?")
NUMBER_RE = re.compile(_NUMBER, re.ASCII)
ANSWER_RE = re.compile(
    r"answer\s*(?:is|:|=)?\s*[:=]?\s*\**\s*\\?\$?\s*(" + _NUMBER[len(r"(?<![\w.])"):] + ")",
    re.ASCII | re.IGNORECASE,
)
_FRAC_RE = re.compile(r"\\[dt]?frac\s*\{\s*(-?\d+)\s*\}\s*\{\s*(\d+)\s*\}", re.ASCII)
# terminal escape sequences (ESC [ 2 J ...) are not text a reply means: their digits are no answer
_ANSI_RE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|[@-Z\\-_])")
_TEXT_RE = re.compile(r"\\(?:text|mathrm|textbf|mbox)\s*\{[^{}]*\}")


class Extracted(NamedTuple):
    value: Fraction | None  # None when no answer could be found
    how: str  # "boxed", "answer", "trailing" or why nothing was found


_UNCLOSED = "\x00unclosed"


def _last_boxed(text: str) -> str | None:
    """Content of the last ``\\boxed{...}`` with balanced braces (nested ``\\frac{}{}`` ok)."""
    start = text.rfind("\\boxed")
    while start != -1:
        i = start + len("\\boxed")
        while i < len(text) and text[i] == " ":
            i += 1
        if i < len(text) and text[i] == "{":
            depth = 0
            for j in range(i, len(text)):
                if text[j] == "{":
                    depth += 1
                elif text[j] == "}":
                    depth -= 1
                    if depth == 0:
                        return text[i + 1 : j]
            return _UNCLOSED  # a cut-off reply: "\\boxed{12" may have been "\\boxed{125}"
        start = text.rfind("\\boxed", 0, start)
    return None


def parse_number(token: str) -> Fraction | None:
    """``'1,234.50'`` -> 2469/2; ``'3 / 4'`` -> 3/4; ``'9.3e2'`` -> 930; None for anything
    else, and for exponents beyond :data:`MAX_DIGITS` (``1e999999`` is no answer, not 1).

    >>> parse_number("1,234"), parse_number("-12.5"), parse_number("3/4"), parse_number("4/0")
    (Fraction(1234, 1), Fraction(-25, 2), Fraction(3, 4), None)
    >>> parse_number("9.3e2"), parse_number("1e999999")
    (Fraction(930, 1), None)
    """
    token = token.replace(",", "").replace(" ", "")
    if sum(c.isdigit() for c in token) > MAX_DIGITS:
        return None
    exponent = re.search(r"[eE]([-+]?\d+)", token)
    if exponent and abs(int(exponent.group(1))) > MAX_DIGITS:
        return None
    num, _, den = token.partition("/")
    try:
        value = Fraction(num)
        if den:
            d = int(den)
            if d == 0:
                return None
            value /= d
    except (ValueError, ZeroDivisionError):
        return None
    return value


def _clean(text: str) -> str:
    text = _FRAC_RE.sub(r"\1/\2", text)
    text = _TEXT_RE.sub(" ", text)
    return text.replace("\\$", " ").replace("\\,", "").replace("\\!", "").replace("$", " ")


def extract_answer(text: str) -> Extracted:
    """The answer a reply commits to (see module docstring).

    >>> extract_answer("so the total is \\\\boxed{1,234} apples").value
    Fraction(1234, 1)
    >>> extract_answer("Answer: $45.").value, extract_answer("It takes 12 minutes.").value
    (Fraction(45, 1), Fraction(12, 1))
    >>> extract_answer("no idea").how
    'no number'
    >>> extract_answer("\\\\boxed{9.3e2}").value, extract_answer("\\\\boxed{15.5 minutes = 930}").value
    (Fraction(930, 1), Fraction(930, 1))
    >>> extract_answer("\\\\boxed{1e999999}").how, extract_answer("\\\\boxed{12 or 13}").how
    ('unreadable number', 'ambiguous: several numbers in \\\\boxed{}')
    """
    text = _ANSI_RE.sub(" ", text)
    boxed = _last_boxed(text)
    if boxed == _UNCLOSED:
        return Extracted(None, "unclosed \\boxed{")
    if boxed is not None:
        content = _clean(boxed).rpartition("=")[2]  # an equation's right-hand side
        tokens = NUMBER_RE.findall(content)
        if not tokens:
            return Extracted(None, "boxed without a number")
        values = [parse_number(t) for t in tokens]
        if any(v is None for v in values):
            return Extracted(None, "unreadable number")
        if len(set(values)) > 1:
            return Extracted(None, "ambiguous: several numbers in \\boxed{}")
        return Extracted(values[0], "boxed")
    cleaned = _clean(text)
    matches = ANSWER_RE.findall(cleaned)
    if matches:
        value = parse_number(matches[-1])
        return Extracted(value, "answer" if value is not None else "unreadable number")
    last = None
    for last in NUMBER_RE.finditer(cleaned):  # noqa: B007 - we want the last match
        pass
    if last is None:
        return Extracted(None, "no number")
    value = parse_number(last.group(0))
    return Extracted(value, "trailing" if value is not None else "unreadable number")
