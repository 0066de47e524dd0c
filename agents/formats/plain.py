"""Plain format: the model writes the action and nothing else."""

from __future__ import annotations

from agents.formats.base import PromptFormat, first_line


class PlainFormat(PromptFormat):
    name = "plain"
    instructions = "Reply with exactly one action on one line and nothing else."

    def extract_action(self, text: str) -> str:
        return first_line(text)
