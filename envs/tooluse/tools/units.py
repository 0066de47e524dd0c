"""Unit conversion (time-invariant): length, mass, volume, time, speed, area, data, temperature."""

from __future__ import annotations

from typing import Any

from envs.tooluse.tools.base import Tool, ToolError, number_out
from tasks.tooluse.tables import UNITS, canonical_unit, convert


def _convert_units(world: object, value: float, from_unit: str, to_unit: str) -> dict[str, Any]:
    a, b = canonical_unit(from_unit), canonical_unit(to_unit)
    for given, unit in ((from_unit, a), (to_unit, b)):
        if unit is None:
            raise ToolError(f"unknown unit {given!r}; known units: {', '.join(UNITS)}")
    try:
        result = convert(float(value), a, b)
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    return {"value": value, "from_unit": a, "to_unit": b, "result": number_out(result)}


TOOLS = [
    Tool(
        name="convert_units",
        description=(
            "Convert a value between units of the same kind: length (mm, cm, m, km, in, ft, yd, mi, "
            "nmi), mass (mg, g, kg, t, oz, lb, st), volume (ml, l, m3, gal, qt, cup, floz), time "
            "(s, min, h, day, week), speed (m/s, km/h, mph, knot), area (m2, km2, ha, acre, ft2), "
            "data (b, kb, mb, gb, tb, kib, mib, gib) and temperature (c, f, k). Full names work too."
        ),
        parameters={
            "value": {"type": "number", "description": "the quantity to convert"},
            "from_unit": {"type": "string", "description": "unit of the value, e.g. 'mi'"},
            "to_unit": {"type": "string", "description": "target unit, e.g. 'km'"},
        },
        required=("value", "from_unit", "to_unit"),
        func=_convert_units,
        time_sensitive=False,
    )
]
