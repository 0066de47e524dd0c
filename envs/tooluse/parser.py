"""Parse one agent turn: ``<tool_call>{json}</tool_call>`` blocks (Qwen/Hermes style, several
per turn) or one final ``<answer>...</answer>``. Never raises on model text."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_CALLS_PER_TURN = 8

_CALL = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)
_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)

FORMAT_HELP = (
    'Call tools as <tool_call>{"name": "TOOL", "arguments": {...}}</tool_call> (several per turn '
    "allowed), or give the final answer as <answer>...</answer>."
)


@dataclass
class ParsedCall:
    name: Any = None
    arguments: Any = None
    error: str | None = None  # set when the block itself is malformed


@dataclass
class ParsedTurn:
    kind: str  # "calls" | "answer" | "invalid"
    calls: list[ParsedCall] = field(default_factory=list)
    answer: str | None = None
    error: str | None = None


def _parse_call(body: str) -> ParsedCall:
    text = body.strip()
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        return ParsedCall(error=f"malformed JSON in <tool_call>: {str(exc)[:120]}")
    if not isinstance(obj, dict):
        return ParsedCall(error='a <tool_call> must hold a JSON object {"name": ..., "arguments": {...}}')
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        return ParsedCall(error='the tool call has no "name" string')
    extra = sorted(set(obj) - {"name", "arguments"})
    if extra:
        return ParsedCall(name=name, error=f'unexpected key(s) {extra} in the tool call; use "name" and "arguments"')
    arguments = obj.get("arguments", {})
    if isinstance(arguments, str):  # OpenAI-style arguments as a JSON string
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except (json.JSONDecodeError, RecursionError, ValueError):
            return ParsedCall(name=name, error='"arguments" is a string that is not a JSON object')
    if not isinstance(arguments, dict):
        return ParsedCall(name=name, error='"arguments" must be a JSON object')
    return ParsedCall(name=name, arguments=arguments)


def parse_turn(text: str) -> ParsedTurn:
    """Split one model turn into tool calls, a final answer, or a format error."""
    bodies = _CALL.findall(text)
    answers = _ANSWER.findall(text)
    open_calls = text.count("<tool_call>")
    if bodies and answers:
        return ParsedTurn("invalid", error="Write either tool calls or a final answer in one turn, not both.")
    if answers:
        if len(answers) > 1:
            return ParsedTurn("invalid", error="Give exactly one <answer>...</answer>.")
        answer = answers[0].strip()
        if not answer:
            return ParsedTurn("invalid", error="The <answer> is empty.")
        return ParsedTurn("answer", answer=answer)
    if not bodies:
        if open_calls:
            return ParsedTurn("invalid", error="A <tool_call> is not closed with </tool_call>. " + FORMAT_HELP)
        return ParsedTurn("invalid", error="No tool call or answer found. " + FORMAT_HELP)
    calls = [_parse_call(b) for b in bodies[:MAX_CALLS_PER_TURN]]
    extra = len(bodies) - MAX_CALLS_PER_TURN
    if extra > 0:  # one message for all of them, not one per call
        calls.append(ParsedCall(error=f"too many tool calls in one turn ({len(bodies)}; the limit "
                                      f"is {MAX_CALLS_PER_TURN}): the first {MAX_CALLS_PER_TURN} "
                                      f"ran, the other {extra} did not"))
    if open_calls > len(bodies):
        calls.append(ParsedCall(error="a <tool_call> is not closed with </tool_call>"))
    return ParsedTurn("calls", calls=calls)


def format_call(name: str, arguments: dict[str, Any]) -> str:
    """The canonical text of one call (what the expert writes)."""
    return "<tool_call>\n" + json.dumps({"name": name, "arguments": arguments}, ensure_ascii=False) + "\n</tool_call>"
