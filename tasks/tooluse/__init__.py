"""ToolUse tasks: shipped tables, per-task worlds, query templates with tool plans, grading."""

from tasks.tooluse.levels import BENCHMARK_LEVEL, LEVELS
from tasks.tooluse.suite import EVAL_CHECKSUM, EVAL_SIZE, LEVEL_EVAL_CHECKSUMS, ToolUseSuite

__all__ = ["BENCHMARK_LEVEL", "EVAL_CHECKSUM", "EVAL_SIZE", "LEVELS", "LEVEL_EVAL_CHECKSUMS", "ToolUseSuite"]
