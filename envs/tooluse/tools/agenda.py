"""The user's calendar (time-sensitive: events around the episode's "now")."""

from __future__ import annotations

from typing import Any

from envs.tooluse.tools.base import Tool, ToolError
from tasks.tooluse.world import World, parse_date


def _list_events(world: World, date: str) -> dict[str, Any]:
    try:
        day = parse_date(date)
    except ValueError:
        raise ToolError(f"date must be written YYYY-MM-DD, got {date!r}") from None
    return {"date": day.isoformat(), "events": world.events_on(day)}


TOOLS = [
    Tool(
        name="list_events",
        description="The user's calendar events on a date: start, end, title, attendee, location.",
        parameters={"date": {"type": "string", "description": "YYYY-MM-DD"}},
        required=("date",),
        func=_list_events,
        time_sensitive=True,
    )
]
