"""Stock quotes and currency conversion (time-sensitive: prices and rates of the episode's "now")."""

from __future__ import annotations

from typing import Any

from envs.tooluse.tools.base import Tool, ToolError
from tasks.tooluse.world import World


def _stock_quote(world: World, symbol: str) -> dict[str, Any]:
    try:
        return world.quote(symbol)
    except LookupError as exc:
        raise ToolError(f"{exc}; known symbols: {', '.join(sorted(world.stocks))}") from None


def _currency_convert(world: World, amount: float, from_currency: str, to_currency: str) -> dict[str, Any]:
    try:
        return world.convert_currency(amount, from_currency, to_currency)
    except LookupError as exc:
        raise ToolError(f"{exc}; supported: {', '.join(sorted(world.fx))}") from None


TOOLS = [
    Tool(
        name="stock_quote",
        description="Latest stock quote for a ticker symbol: price (USD), previous close, change in %.",
        parameters={"symbol": {"type": "string", "description": "ticker symbol, e.g. 'ACMX'"}},
        required=("symbol",),
        func=_stock_quote,
        time_sensitive=True,
    ),
    Tool(
        name="currency_convert",
        description="Convert an amount between currencies (ISO codes such as USD, EUR, JPY) at the latest rate.",
        parameters={
            "amount": {"type": "number", "description": "amount in from_currency"},
            "from_currency": {"type": "string", "description": "ISO code, e.g. 'USD'"},
            "to_currency": {"type": "string", "description": "ISO code, e.g. 'EUR'"},
        },
        required=("amount", "from_currency", "to_currency"),
        func=_currency_convert,
        time_sensitive=True,
    ),
]
