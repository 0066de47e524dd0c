"""The prompt-format interface shared by every format."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

MAX_LISTED_ACTIONS = 60  # longer admissible lists are cut (and the cut is said) to bound prompts


class PromptFormat:
    """Renders prompts for one env family and extracts actions from generated text."""

    name: ClassVar[str] = "base"
    instructions: ClassVar[str] = ""
    list_admissible: ClassVar[bool] = True

    def system_prompt(self, action_help: str = "") -> str:
        """The system message: the env's action help plus this format's instructions."""
        parts = ["You are an agent acting in a text environment."]
        if action_help:
            parts.append(action_help.strip())
        if self.instructions:
            parts.append(self.instructions)
        return "\n".join(parts)

    def observation_text(self, observation: str, info: Mapping[str, Any] | None = None) -> str:
        """The user-turn text for one observation (admissible actions appended if listed)."""
        text = observation.strip()
        actions = (info or {}).get("admissible_actions")
        if self.list_admissible and actions:
            shown = list(actions)[:MAX_LISTED_ACTIONS]
            more = len(actions) - len(shown)
            text += "\nAdmissible actions: " + ", ".join(shown)
            if more > 0:
                text += f", ... ({more} more)"
        return text

    def render_action(self, action: str) -> str:
        """How ``action`` looks as model output (the target text in behaviour cloning)."""
        return action

    def extract_action(self, text: str) -> str:
        """The env action in generated ``text`` (never raises; the env judges validity)."""
        raise NotImplementedError

    def tools(self, env: object) -> list[dict[str, Any]] | None:
        """Tool schemas to pass to ``apply_chat_template(tools=...)``, if the format uses them."""
        return None


def first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""
