"""MathChain: h1's composed long-horizon math chains (arXiv 2510.07312) as a task suite.

* :mod:`~tasks.mathchain.families` / :mod:`~tasks.mathchain.catalog`: 23 atomic
  word-problem families with exact ``Fraction`` answers;
* :mod:`~tasks.mathchain.compose`: links phi (identity, scaling, offset, unit conversion)
  and deterministic, range-checked chain building;
* :mod:`~tasks.mathchain.answers`: answer extraction from free text;
* :mod:`~tasks.mathchain.suite`: the suite (train / frozen eval per horizon).
"""

from tasks.mathchain.answers import extract_answer
from tasks.mathchain.catalog import FAMILIES, FAMILY_BY_NAME
from tasks.mathchain.compose import Draws, Phi, build_chain, recompute_answers
from tasks.mathchain.suite import EVAL_CHECKSUMS, MathChainSuite

__all__ = [
    "EVAL_CHECKSUMS",
    "FAMILIES",
    "FAMILY_BY_NAME",
    "Draws",
    "MathChainSuite",
    "Phi",
    "build_chain",
    "extract_answer",
    "recompute_answers",
]
