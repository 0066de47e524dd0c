"""MathChain: h1's composed long-horizon math chains (arXiv 2510.07312) as a task suite.

* :mod:`~tasks.mathchain.families` / :mod:`~tasks.mathchain.catalog`: 23 atomic
  word-problem families with exact ``Fraction`` answers;
* :mod:`~tasks.mathchain.compose`: links phi (identity, scaling, offset, unit conversion)
  and deterministic, range-checked chain building;
* :mod:`~tasks.mathchain.answers`: answer extraction from free text;
* :mod:`~tasks.mathchain.levels`: difficulty levels (number caps, default horizon);
* :mod:`~tasks.mathchain.suite`: the suite (train / frozen eval per horizon and level).
"""

from tasks.mathchain.answers import extract_answer
from tasks.mathchain.catalog import FAMILIES, FAMILY_BY_NAME
from tasks.mathchain.compose import Draws, Phi, build_chain, recompute_answers
from tasks.mathchain.levels import BENCHMARK_LEVEL, LEVELS
from tasks.mathchain.suite import EVAL_CHECKSUMS, LEVEL_EVAL_CHECKSUMS, MathChainSuite

__all__ = [
    "BENCHMARK_LEVEL",
    "EVAL_CHECKSUMS",
    "FAMILIES",
    "FAMILY_BY_NAME",
    "LEVELS",
    "LEVEL_EVAL_CHECKSUMS",
    "Draws",
    "MathChainSuite",
    "Phi",
    "build_chain",
    "extract_answer",
    "recompute_answers",
]
