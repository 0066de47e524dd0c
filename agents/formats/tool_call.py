"""JSON tool-call format: ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks
(Qwen/Hermes style, which TRL's response parsing reads) or a final ``<answer>...</answer>``.

The env parses the calls itself, so the action is the generated text, trimmed. The tool
schemas come from ``env.unwrapped.all_tool_schemas`` (else ``tool_schemas``) and go to
``apply_chat_template(tools=)``: every tool the env knows, because one system prompt serves a
whole batch of tasks (the rollout engine builds it once per env); a task's offered tools are
named in its own prompt, and the env refuses the others.
"""

from __future__ import annotations

from typing import Any

from agents.formats.base import PromptFormat


class ToolCallFormat(PromptFormat):
    name = "tool_call"
    instructions = (
        "Call tools with <tool_call>{\"name\": ..., \"arguments\": {...}}</tool_call>; "
        "give the final answer as <answer>...</answer>."
    )
    list_admissible = False

    def extract_action(self, text: str) -> str:
        return text.strip()

    def tools(self, env: object) -> list[dict[str, Any]] | None:
        base = getattr(env, "unwrapped", env)
        schemas = getattr(base, "all_tool_schemas", None) or getattr(base, "tool_schemas", None)
        return list(schemas) if schemas else None


class InlineToolCallFormat(ToolCallFormat):
    """The tool-call format without tool schemas in the system prompt: the env's own prompt
    names the task's tools (ToolUse ``tools_in_prompt="names"``, or ``"schemas"`` for their
    schemas). For small models: the 18 schemas the chat template would add are ~2,500 tokens
    of every prompt, the same for every task, while a level below 4 offers 3-11 tools.
    """

    name = "tool_call_inline"

    def tools(self, env: object) -> list[dict[str, Any]] | None:
        return None
