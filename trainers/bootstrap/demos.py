"""Expert demonstrations rendered exactly as the rollout engine renders window-mode prompts.

Each demo step is (system prompt, user text, target text): the user text comes from
:func:`trainers.rollout.window_user_text` and the target from the format's
``render_action``, so behaviour cloning trains on the sequences the model sees at inference
(window mode, ``window_steps`` past steps). With probability ``noise`` the executed action is
a random admissible one instead of the expert's (the label stays the expert's action): the
demos then visit off-expert states and show how to recover (DART-style noise injection).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from agents.formats import format_for_env
from trainers.rollout import window_user_text


@dataclass
class Demo:
    env_id: str
    system: str
    tools: list[dict[str, Any]] | None
    steps: list[tuple[str, str]] = field(default_factory=list)  # (user text, target text)


@dataclass
class _Seen:
    observation: str
    action: str


def collect_demos(env_id: str, env_kwargs: dict[str, Any], episodes: int, window_steps: int,
                  seed: int = 0, noise: float = 0.0, max_steps: int = 50) -> list[Demo]:
    """``episodes`` expert episodes of ``env_id`` (train split, seeds ``seed..``)."""
    import envs  # noqa: F401

    env = gym.make(env_id, **env_kwargs)
    fmt = format_for_env(env)
    system = fmt.system_prompt(getattr(env.unwrapped, "action_help", ""))
    tools = fmt.tools(env)
    rng = np.random.default_rng(seed)
    demos = []
    for episode in range(episodes):
        obs, info = env.reset(seed=seed + episode)
        goal = fmt.observation_text(obs, info)
        demo = Demo(env_id, system, tools)
        seen: list[_Seen] = []
        for _ in range(max_steps):
            expert = info.get("expert_action")
            if not expert:
                break
            demo.steps.append((window_user_text(fmt, goal, seen, obs, info, window_steps),
                               fmt.render_action(expert)))
            action = expert
            admissible = info.get("admissible_actions")
            if admissible and noise > 0 and rng.random() < noise:
                action = str(admissible[int(rng.integers(len(admissible)))])
            seen.append(_Seen(obs, action))
            obs, _, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                break
        demos.append(demo)
    env.close()
    return demos
