"""The env's oracle as an agent: plays ``info["expert_action"]``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.base import Agent


class ExpertAgent(Agent):
    """Plays the expert action the env offers; ``fallback`` when it offers none."""

    name = "expert"

    def __init__(self, fallback: str = "look") -> None:
        self.fallback = fallback

    def act(self, observation: str, info: Mapping[str, Any]) -> str:
        action = info.get("expert_action")
        return action if isinstance(action, str) and action else self.fallback
