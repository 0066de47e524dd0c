"""Prompt formats: small objects that render an env's prompts and extract the action.

Each env class declares ``prompt_format`` (a name); :func:`get_format` maps that name to a
format object. A format renders the system prompt, the text of each observation turn
(with admissible actions where the env lists them), how an action looks as model output
(for behaviour cloning), and extracts the env action from generated text.
"""

from __future__ import annotations

from agents.formats.base import PromptFormat
from agents.formats.math import MathFormat
from agents.formats.plain import PlainFormat
from agents.formats.react import ReActFormat
from agents.formats.tool_call import InlineToolCallFormat, ToolCallFormat

FORMATS: dict[str, type[PromptFormat]] = {
    "plain": PlainFormat,
    "react": ReActFormat,
    "tool_call": ToolCallFormat,
    "tool_call_inline": InlineToolCallFormat,
    "math": MathFormat,
}


def get_format(name: str | PromptFormat) -> PromptFormat:
    """The format registered under ``name`` (an instance passes through)."""
    if isinstance(name, PromptFormat):
        return name
    try:
        return FORMATS[name]()
    except KeyError:
        raise KeyError(f"unknown prompt format {name!r}; known: {sorted(FORMATS)}") from None


def format_for_env(env: object) -> PromptFormat:
    """The format an env declares through its class attribute ``prompt_format``."""
    base = getattr(env, "unwrapped", env)
    return get_format(getattr(base, "prompt_format", "plain"))


__all__ = ["FORMATS", "InlineToolCallFormat", "MathFormat", "PlainFormat", "PromptFormat", "ReActFormat", "ToolCallFormat",
           "format_for_env", "get_format"]
