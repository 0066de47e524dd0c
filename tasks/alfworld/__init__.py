"""ALFWorld-style household tasks generated offline from ALFWorld's facts (see facts.py)."""

from tasks.alfworld.generate import TASK_TYPES
from tasks.alfworld.suite import ALFWorldSuite

__all__ = ["TASK_TYPES", "ALFWorldSuite"]
