"""The user's to-do list and contacts (time-sensitive: the store belongs to the episode's world)."""

from __future__ import annotations

from typing import Any

from envs.tooluse.tools.base import Tool, ToolError
from tasks.tooluse.world import World


def _list_todos(world: World, status: str = "all", priority: str = "any") -> dict[str, Any]:
    items = world.todos_with(None if status == "all" else status, None if priority == "any" else priority)
    return {"count": len(items), "todos": items}


def _find_contact(world: World, name: str) -> dict[str, Any]:
    found = world.find_contacts(name)
    if not found:
        raise ToolError(f"no contact matches {name!r}")
    return {"contacts": found[:5]}


TOOLS = [
    Tool(
        name="list_todos",
        description="The user's to-do items (task, due date, priority, status), optionally filtered.",
        parameters={
            "status": {"type": "string", "enum": ["open", "done", "all"], "description": "default all"},
            "priority": {"type": "string", "enum": ["high", "medium", "low", "any"], "description": "default any"},
        },
        required=(),
        func=_list_todos,
        time_sensitive=True,
        defaults={"status": "all", "priority": "any"},
    ),
    Tool(
        name="find_contact",
        description="Look up the user's contacts by (part of) a name: phone, email, city, company.",
        parameters={"name": {"type": "string", "description": "full or partial name"}},
        required=("name",),
        func=_find_contact,
        time_sensitive=True,
    ),
]
