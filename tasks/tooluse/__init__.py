"""ToolUse tasks: shipped tables, per-task worlds, query templates with tool plans, grading."""

from tasks.tooluse.suite import EVAL_CHECKSUM, EVAL_SIZE, ToolUseSuite

__all__ = ["EVAL_CHECKSUM", "EVAL_SIZE", "ToolUseSuite"]
