"""What a ToolUse tool is: a name, a JSON schema, a function of the world, and limits.

Schemas are in the OpenAI/Qwen function format (``{"type": "function", "function":
{"name", "description", "parameters"}}``) that ``transformers``' ``apply_chat_template(
tools=...)`` accepts. Arguments are validated against the schema before the function
runs; a :class:`ToolError` (bad value, unknown city, ...) and an :class:`ArgumentError`
(schema violation) both become readable error results, never exceptions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_OUTPUT_CHARS = 2000
MAX_STRING_ARG_CHARS = 300

_JSON_TYPES: dict[str, str] = {"string": "str", "number": "number", "integer": "int", "boolean": "bool"}


class ToolError(Exception):
    """A tool refused its (well-formed) input: the message goes back to the agent."""


class ArgumentError(ToolError):
    """The call does not match the tool's schema (missing, unknown or mistyped argument)."""


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: Mapping[str, Mapping[str, Any]]  # property name -> JSON schema of that property
    required: tuple[str, ...]
    func: Callable[..., dict[str, Any]]
    time_sensitive: bool
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def schema(self) -> dict[str, Any]:
        """The OpenAI/Qwen function schema of this tool."""
        props = {k: dict(v) for k, v in self.parameters.items()}
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": {"type": "object", "properties": props, "required": list(self.required)},
            },
        }

    def validate(self, arguments: Any) -> dict[str, Any]:
        """Checked arguments with defaults filled in; raises :class:`ArgumentError`."""
        if not isinstance(arguments, dict):
            raise ArgumentError(f"'arguments' must be a JSON object, got {type(arguments).__name__}")
        unknown = sorted(set(arguments) - set(self.parameters))
        if unknown:
            raise ArgumentError(
                f"{self.name} has no argument(s) {unknown}; its arguments are {sorted(self.parameters)}"
            )
        missing = [k for k in self.required if k not in arguments]
        if missing:
            raise ArgumentError(f"{self.name} is missing required argument(s) {missing}")
        out = dict(self.defaults)
        for key, value in arguments.items():
            out[key] = _check_value(self.name, key, value, self.parameters[key])
        return out

    def run(self, world: Any, arguments: Any) -> dict[str, Any]:
        """Validate then call; raises ToolError/ArgumentError with a readable message."""
        return self.func(world, **self.validate(arguments))


def _check_value(tool: str, key: str, value: Any, spec: Mapping[str, Any]) -> Any:
    kind = spec.get("type", "string")
    if kind == "string":
        if not isinstance(value, str):
            raise ArgumentError(f"{tool}: argument {key!r} must be a string, got {type(value).__name__}")
        if len(value) > MAX_STRING_ARG_CHARS:
            raise ArgumentError(f"{tool}: argument {key!r} is longer than {MAX_STRING_ARG_CHARS} characters")
        if "enum" in spec and value.strip().lower() not in [str(e).lower() for e in spec["enum"]]:
            raise ArgumentError(f"{tool}: argument {key!r} must be one of {list(spec['enum'])}, got {value!r}")
        return value.strip().lower() if "enum" in spec else value
    if kind in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            article = "an" if kind == "integer" else "a"
            raise ArgumentError(f"{tool}: argument {key!r} must be {article} {kind}, got {type(value).__name__}")
        if not math.isfinite(value) or abs(value) > 1e15:
            raise ArgumentError(f"{tool}: argument {key!r} must be a finite number of magnitude <= 1e15")
        if kind == "integer":
            if isinstance(value, float) and not value.is_integer():
                raise ArgumentError(f"{tool}: argument {key!r} must be an integer, got {value!r}")
            value = int(value)
            lo, hi = spec.get("minimum"), spec.get("maximum")
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise ArgumentError(f"{tool}: argument {key!r} must be between {lo} and {hi}")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ArgumentError(f"{tool}: argument {key!r} must be true or false")
        return value
    raise ArgumentError(f"{tool}: argument {key!r} has unsupported schema type {kind!r}")


def number_out(value: float, digits: int = 4) -> float | int:
    """Round for display: integers stay integers, others keep ``digits`` decimals."""
    if float(value).is_integer() and abs(value) < 1e15:
        return int(value)
    return round(float(value), digits)


def render_result(result: Any) -> str:
    """JSON text of a tool result, cut to :data:`MAX_OUTPUT_CHARS` (bounded output)."""
    text = json.dumps(result, ensure_ascii=False, sort_keys=False)
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[: MAX_OUTPUT_CHARS - 40] + ' ... [output truncated]"'
    return text
