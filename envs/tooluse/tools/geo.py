"""Geography (time-invariant): haversine distance between real cities, city and country facts."""

from __future__ import annotations

from typing import Any

from envs.tooluse.tools.base import Tool, ToolError
from tasks.tooluse.tables import KM_PER_MILE, City, find_city, find_country, haversine_km


def _city(name: str) -> City:
    city = find_city(name)
    if city is None:
        raise ToolError(f"unknown city {name!r}")
    return city


def _city_distance(world: object, city_a: str, city_b: str, unit: str = "km") -> dict[str, Any]:
    a, b = _city(city_a), _city(city_b)
    km = haversine_km(a, b)
    value = km if unit == "km" else km / KM_PER_MILE
    return {"from": a.name, "to": b.name, "distance": round(value, 1), "unit": unit}


def _city_info(world: object, city: str) -> dict[str, Any]:
    c = _city(city)
    sign = "+" if c.utc_offset >= 0 else "-"
    hours = abs(c.utc_offset)
    offset = f"UTC{sign}{int(hours)}" + (f":{round((hours % 1) * 60):02d}" if hours % 1 else "")
    return {"city": c.name, "country": c.country, "population": c.population,
            "latitude": c.lat, "longitude": c.lon, "timezone": offset}


def _country_info(world: object, country: str) -> dict[str, Any]:
    c = find_country(country)
    if c is None:
        raise ToolError(f"unknown country {country!r}")
    return {"country": c.name, "capital": c.capital, "continent": c.continent,
            "population": c.population, "area_km2": c.area_km2, "currency": c.currency,
            "main_language": c.language, "calling_code": c.calling_code}


TOOLS = [
    Tool(
        name="city_distance",
        description="Great-circle distance between two cities (haversine), in km or miles.",
        parameters={
            "city_a": {"type": "string", "description": "first city, e.g. 'Paris'"},
            "city_b": {"type": "string", "description": "second city, e.g. 'Tokyo'"},
            "unit": {"type": "string", "enum": ["km", "mi"], "description": "km (default) or mi"},
        },
        required=("city_a", "city_b"),
        func=_city_distance,
        time_sensitive=False,
        defaults={"unit": "km"},
    ),
    Tool(
        name="city_info",
        description="Facts about a city: country, population, coordinates and time zone (standard time).",
        parameters={"city": {"type": "string", "description": "city name, e.g. 'Lagos'"}},
        required=("city",),
        func=_city_info,
        time_sensitive=False,
    ),
    Tool(
        name="country_info",
        description="Facts about a country: capital, continent, population, area, currency, main language, calling code.",
        parameters={"country": {"type": "string", "description": "country name, e.g. 'Japan'"}},
        required=("country",),
        func=_country_info,
        time_sensitive=False,
    ),
]
