"""Math format: reason freely, end with the answer as ``\\boxed{...}`` (or "Answer: ...").

The whole reply is the action: math envs read the final answer themselves (MathChain uses
its own answer parser), so a worked solution reaches the env intact.
"""

from __future__ import annotations

from agents.formats.base import PromptFormat


class MathFormat(PromptFormat):
    name = "math"
    instructions = "Work step by step if needed, then end with the final answer as \\boxed{answer}."
    list_admissible = False

    def extract_action(self, text: str) -> str:
        return text.strip()
