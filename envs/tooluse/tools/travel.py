"""Flight schedules (time-sensitive: from the episode's today up to 60 days ahead)."""

from __future__ import annotations

from typing import Any

from envs.tooluse.tools.base import Tool, ToolError
from tasks.tooluse.world import World, parse_date


def _find_flights(world: World, origin: str, destination: str, date: str) -> dict[str, Any]:
    try:
        day = parse_date(date)
    except ValueError:
        raise ToolError(f"date must be written YYYY-MM-DD, got {date!r}") from None
    try:
        flights = world.flights(origin, destination, day)
    except LookupError as exc:
        raise ToolError(str(exc)) from None
    return {"origin": origin, "destination": destination, "date": day.isoformat(), "flights": flights}


TOOLS = [
    Tool(
        name="find_flights",
        description=(
            "Scheduled flights between two cities on a date: flight number, airline, local "
            "departure time, duration in hours, stops and price in USD."
        ),
        parameters={
            "origin": {"type": "string", "description": "departure city"},
            "destination": {"type": "string", "description": "arrival city"},
            "date": {"type": "string", "description": "YYYY-MM-DD"},
        },
        required=("origin", "destination", "date"),
        func=_find_flights,
        time_sensitive=True,
    )
]
