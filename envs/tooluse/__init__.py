"""``stepgym/ToolUse-v0``: JSON tool calls over 18 tools and a per-episode world (PORTool's
setting, arXiv 2510.26020). The TRL adapter lives in :mod:`envs.tooluse.trl_adapter` and is
not imported here (it needs no torch either, but TRL users import it explicitly)."""

from envs.tooluse.env import ToolUseEnv
from envs.tooluse.tools import TOOLS, tool_schemas

__all__ = ["TOOLS", "ToolUseEnv", "tool_schemas"]
