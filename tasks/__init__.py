"""Task suites: procedural generators, frozen splits and expert solutions (data, no dynamics)."""

from tasks.base import Task, TaskSuite, format_task_id, parse_task_id, stable_hash, task_rng

__all__ = ["Task", "TaskSuite", "format_task_id", "parse_task_id", "stable_hash", "task_rng"]
