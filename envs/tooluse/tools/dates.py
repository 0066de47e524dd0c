"""Dates: arithmetic (time-invariant) and the episode's current date and time (time-sensitive).

Each episode has its own "now" (PORTool's time-sensitive queries, arXiv 2510.26020), so
"what day is it in Tokyo" has a different answer in every world.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from envs.tooluse.tools.base import Tool, ToolError
from tasks.tooluse.tables import find_city
from tasks.tooluse.world import World, parse_date

_OFFSET = re.compile(r"^(?:utc|gmt)\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?$")


def _date(text: str, name: str) -> dt.date:
    try:
        return parse_date(text)
    except ValueError:
        raise ToolError(f"{name} must be a date written YYYY-MM-DD, got {text!r}") from None


def resolve_offset(timezone: str) -> tuple[str, float]:
    """A city name or 'UTC', 'UTC+5:30', 'GMT-3' -> (label, offset in hours)."""
    city = find_city(timezone)
    if city is not None:
        return city.name, city.utc_offset
    match = _OFFSET.match(" ".join(timezone.strip().lower().split()))
    if not match:
        raise ToolError(f"unknown time zone {timezone!r}: give a city name or an offset like 'UTC+2'")
    sign, hours, minutes = match.groups()
    if sign is None:
        return "UTC", 0.0
    value = int(hours) + int(minutes or 0) / 60.0
    if value > 14:
        raise ToolError("UTC offsets range from -14 to +14 hours")
    return f"UTC{sign}{hours}" + (f":{minutes}" if minutes else ""), value if sign == "+" else -value


def _current_datetime(world: World, timezone: str = "UTC") -> dict[str, Any]:
    label, offset = resolve_offset(timezone)
    local = world.local_now(offset)
    return {"timezone": label, "date": local.date().isoformat(), "time": local.strftime("%H:%M"),
            "weekday": local.strftime("%A")}


def _date_diff(world: object, start_date: str, end_date: str) -> dict[str, Any]:
    a, b = _date(start_date, "start_date"), _date(end_date, "end_date")
    return {"start_date": a.isoformat(), "end_date": b.isoformat(), "days": (b - a).days}


def _date_add(world: object, date: str, days: int) -> dict[str, Any]:
    d = _date(date, "date")
    try:
        out = d + dt.timedelta(days=days)
    except OverflowError:
        raise ToolError("resulting date is out of range") from None
    return {"date": out.isoformat(), "weekday": out.strftime("%A")}


TOOLS = [
    Tool(
        name="current_datetime",
        description=(
            "The current local date, time (24h) and weekday in a time zone given as a city name "
            "(e.g. 'Tokyo') or a UTC offset (e.g. 'UTC', 'UTC+5:30'). Default: UTC."
        ),
        parameters={"timezone": {"type": "string", "description": "city name or UTC offset"}},
        required=(),
        func=_current_datetime,
        time_sensitive=True,
        defaults={"timezone": "UTC"},
    ),
    Tool(
        name="date_diff",
        description="Number of days from start_date to end_date (negative if end_date is earlier).",
        parameters={
            "start_date": {"type": "string", "description": "YYYY-MM-DD"},
            "end_date": {"type": "string", "description": "YYYY-MM-DD"},
        },
        required=("start_date", "end_date"),
        func=_date_diff,
        time_sensitive=False,
    ),
    Tool(
        name="date_add",
        description="The date (and weekday) a number of days after (or before, if negative) a date.",
        parameters={
            "date": {"type": "string", "description": "YYYY-MM-DD"},
            "days": {"type": "integer", "minimum": -100000, "maximum": 100000,
                     "description": "days to add (may be negative)"},
        },
        required=("date", "days"),
        func=_date_add,
        time_sensitive=False,
    ),
]
