"""ReAct format: "Think: <reasoning>" then "Action: <action>" (ReAct, arXiv 2210.03629)."""

from __future__ import annotations

import re

from agents.formats.base import PromptFormat, first_line

_ACTION = re.compile(r"^\s*Action\s*:\s*(.*)$", re.IGNORECASE | re.MULTILINE)


class ReActFormat(PromptFormat):
    name = "react"
    instructions = (
        "Reply in two lines: 'Think: <your reasoning>' then 'Action: <one action>'."
    )

    def render_action(self, action: str) -> str:
        return f"Think: next I {action}.\nAction: {action}"

    def extract_action(self, text: str) -> str:
        # The last "Action:" line wins; without one, fall back to the first line so a
        # model that skips the thought still acts.
        matches = _ACTION.findall(text)
        if matches:
            return matches[-1].strip()
        return first_line(text)
