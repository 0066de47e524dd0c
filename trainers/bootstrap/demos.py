"""Expert demonstrations rendered exactly as the rollout engine renders prompts.

Each demo step is (user text, target text). In window mode the user text comes from
:func:`trainers.rollout.window_user_text` (``window_steps`` past steps); in concat mode it is
the observation as the engine renders each user turn (``observation_text``), and the steps
of one demo form one growing conversation. The target is the format's ``render_action``, so
behaviour cloning trains on the sequences the model sees at inference.

With probability ``noise`` the executed action is a random one instead of the expert's, so
the demos visit off-expert states and show how to recover (DART-style noise injection). With
``stale_noise`` it is drawn from the current admissible actions together with the previous
step's, some of which no longer apply (a move through an exit this room lacks, ``go to`` the
receptacle the agent stands at): the error a policy makes when it repeats an outdated action.
Those steps show the env's rejection text in later windows and the expert's recovery as the
label, which the model never sees when every demo action is applicable. In window mode the
label stays the expert's action; in concat mode the conversation shows the executed random
action, in a turn that gets no loss, and the next turn's label recovers from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from agents.formats import format_for_env, get_format
from trainers.rollout import task_text, window_user_text


@dataclass
class Demo:
    env_id: str
    system: str
    tools: list[dict[str, Any]] | None
    steps: list[tuple[str, str]] = field(default_factory=list)  # (user text, target text)
    context_mode: str = "window"
    untrained: set[int] = field(default_factory=set)  # concat turns shown but not trained on


@dataclass
class _Seen:
    observation: str
    action: str


def collect_demos(env_id: str, env_kwargs: dict[str, Any], episodes: int, window_steps: int,
                  seed: int = 0, noise: float = 0.0, max_steps: int = 50,
                  context_mode: str = "window", stale_noise: bool = False,
                  prompt_format: str | None = None,
                  reset_options: list[dict[str, Any]] | None = None) -> list[Demo]:
    """``episodes`` expert episodes of ``env_id`` (train split, seeds ``seed..``), rendered in
    ``prompt_format`` (default: the env's own format); episode ``i`` is reset with
    ``reset_options[i % len(reset_options)]`` when given."""
    if context_mode not in ("window", "concat"):
        raise ValueError(f"context_mode must be 'window' or 'concat', got {context_mode!r}")
    import envs  # noqa: F401

    env = gym.make(env_id, **env_kwargs)
    fmt = get_format(prompt_format) if prompt_format else format_for_env(env)
    system = fmt.system_prompt(getattr(env.unwrapped, "action_help", ""))
    tools = fmt.tools(env)
    rng = np.random.default_rng(seed)
    demos = []
    for episode in range(episodes):
        options = dict(reset_options[episode % len(reset_options)]) if reset_options else None
        obs, info = env.reset(seed=seed + episode, options=options)
        goal = task_text(obs, info)
        demo = Demo(env_id, system, tools, context_mode=context_mode)
        seen: list[_Seen] = []
        previous: list[str] = []  # last step's admissible actions (stale_noise)
        for _ in range(max_steps):
            expert = info.get("expert_action")
            if not expert:
                break
            user = (window_user_text(fmt, goal, seen, obs, info, window_steps)
                    if context_mode == "window" else fmt.observation_text(obs, info))
            action = expert
            admissible = list(info.get("admissible_actions") or [])
            if admissible and noise > 0 and rng.random() < noise:
                pool = sorted(set(admissible) | set(previous)) if stale_noise else admissible
                action = str(pool[int(rng.integers(len(pool)))])
            previous = admissible
            if context_mode == "concat" and action != expert:
                # The conversation must show what was executed; that turn is not a label.
                demo.untrained.add(len(demo.steps))
                demo.steps.append((user, fmt.render_action(action)))
            else:
                demo.steps.append((user, fmt.render_action(expert)))
            seen.append(_Seen(obs, action))
            obs, _, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                break
        demos.append(demo)
    env.close()
    return demos
