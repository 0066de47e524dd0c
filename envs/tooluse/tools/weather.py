"""Weather forecast (time-sensitive): daily forecasts for the next 7 days of the episode's world."""

from __future__ import annotations

from typing import Any

from envs.tooluse.tools.base import Tool, ToolError
from tasks.tooluse.world import FORECAST_DAYS, World, parse_date


def _weather_forecast(world: World, city: str, date: str) -> dict[str, Any]:
    try:
        day = parse_date(date)
    except ValueError:
        raise ToolError(f"date must be written YYYY-MM-DD, got {date!r}") from None
    try:
        return world.forecast(city, day)
    except LookupError as exc:
        raise ToolError(str(exc)) from None


TOOLS = [
    Tool(
        name="weather_forecast",
        description=(
            f"Daily weather forecast for a city on a date (today up to {FORECAST_DAYS - 1} days ahead, "
            "in the city's local calendar): high and low in °C, condition, chance of precipitation (%)."
        ),
        parameters={
            "city": {"type": "string", "description": "city name, e.g. 'Madrid'"},
            "date": {"type": "string", "description": "YYYY-MM-DD"},
        },
        required=("city", "date"),
        func=_weather_forecast,
        time_sensitive=True,
    )
]
