"""The table of stepgym envs: id, entry point, step limit, default kwargs, description.

``import envs`` registers every row in Gymnasium's ``stepgym/`` namespace with a string
entry point, so importing ``envs`` stays cheap: an env's module (and its data) loads only
when that env is made. Variants are kwargs (``gym.make(id, mode="multi")``), not new ids.
Bump ``-vN`` when observation, reward or action semantics change.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

NAMESPACE = "stepgym"


@dataclass(frozen=True)
class EnvEntry:
    env_id: str
    entry_point: str
    max_episode_steps: int | None
    description: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    requires: tuple[str, ...] = ()  # importable modules of an optional extra the env needs

    def missing_requirements(self) -> list[str]:
        """Modules of ``requires`` that are not installed (the env cannot be made)."""
        return [name for name in self.requires if importlib.util.find_spec(name) is None]


ENV_TABLE: tuple[EnvEntry, ...] = (
    EnvEntry(
        "stepgym/MathChain-v0",
        "envs.mathchain:MathChainEnv",
        32,
        "h1 composed math chains: GSM8K-style sub-problems whose answers feed the next",
    ),
    EnvEntry(
        "stepgym/ALFWorld-v0",
        "envs.alfworld:ALFWorldEnv",
        50,
        "ALFWorld household tasks (6 types) on a pure-Python engine of its PDDL domain",
    ),
    EnvEntry(
        "stepgym/WebShop-v0",
        "envs.webshop:WebShopEnv",
        15,
        "WebShop-style shopping: search, browse, choose options, buy; WebShop's reward",
    ),
    EnvEntry(
        "stepgym/ToolUse-v0",
        "envs.tooluse:ToolUseEnv",
        12,
        "Tool use (PORTool setting): 18 JSON tools, multi-hop and time-sensitive queries",
    ),
    EnvEntry(
        "stepgym/TextWorld-v0",
        "envs.textworld:TextWorldEnv",
        100,
        "TextWorld generated games (cooking, coin collector, treasure hunter) on its own engine",
        requires=("textworld",),
    ),
)


def register_all() -> None:
    """Register every row of :data:`ENV_TABLE` (idempotent)."""
    for entry in ENV_TABLE:
        if entry.env_id in gym.registry:
            continue
        gym.register(
            id=entry.env_id,
            entry_point=entry.entry_point,
            max_episode_steps=entry.max_episode_steps,
            kwargs=dict(entry.kwargs),
            disable_env_checker=True,  # the conformance kit runs the checker explicitly
        )


def registered_ids() -> list[str]:
    """Every stepgym env id, in table order."""
    return [entry.env_id for entry in ENV_TABLE]


def entry_for(env_id: str) -> EnvEntry:
    for entry in ENV_TABLE:
        if entry.env_id == env_id:
            return entry
    raise KeyError(f"unknown stepgym env {env_id!r}; known: {registered_ids()}")
