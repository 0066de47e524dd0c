"""The agent interface every policy shares: act on text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Agent:
    """A policy over text: ``reset`` at the start of an episode, then ``act`` each step."""

    name: str = "agent"

    def reset(self, env: Any, observation: str, info: Mapping[str, Any]) -> None:
        """Start an episode in ``env`` (the made env, for its prompt format and schemas)."""

    def act(self, observation: str, info: Mapping[str, Any]) -> str:
        raise NotImplementedError
