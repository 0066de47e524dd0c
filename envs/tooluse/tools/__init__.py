"""The ToolUse tools (PORTool's setting, arXiv 2510.26020): one module per tool group.

``TOOLS`` maps name -> :class:`Tool`; ``tool_schemas()`` gives the OpenAI/Qwen function
schemas for ``apply_chat_template(tools=...)``; ``call_tool`` runs one call and never
raises on bad input.
"""

from __future__ import annotations

from typing import Any

from envs.tooluse.tools import (
    agenda,
    calculator,
    dates,
    finance,
    geo,
    lexicon,
    personal,
    search,
    travel,
    units,
    weather,
)
from envs.tooluse.tools.base import ArgumentError, Tool, ToolError, render_result

TOOLS: dict[str, Tool] = {
    tool.name: tool
    for module in (calculator, units, geo, lexicon, dates, weather, finance, agenda, search, travel, personal)
    for tool in module.TOOLS
}


def tool_schemas() -> list[dict[str, Any]]:
    """Every tool's schema, in a fixed order."""
    return [tool.schema() for tool in TOOLS.values()]


def call_tool(world: Any, name: Any, arguments: Any) -> tuple[dict[str, Any], str | None]:
    """Run one call. Returns (result, error_kind): error_kind is None on success,
    'invalid' for unknown tools / schema violations, 'tool' for a refused value."""
    if not isinstance(name, str) or name not in TOOLS:
        known = ", ".join(TOOLS)
        return {"error": f"unknown tool {str(name)[:60]!r}; available tools: {known}"}, "invalid"
    try:
        return TOOLS[name].run(world, arguments), None
    except ArgumentError as exc:
        return {"error": str(exc)}, "invalid"
    except ToolError as exc:
        return {"error": str(exc)}, "tool"
    except (ValueError, TypeError, ArithmeticError, LookupError, RecursionError) as exc:
        # a tool that fails on a value it accepted still answers with a readable error
        return {"error": f"{name} failed: {type(exc).__name__}: {str(exc)[:200]}"}, "tool"


__all__ = ["TOOLS", "ArgumentError", "Tool", "ToolError", "call_tool", "render_result", "tool_schemas"]
