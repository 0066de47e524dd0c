"""Named start models: what ``stepgym bootstrap --name NAME`` builds for each known name.

A start model is the policy RL begins from. ``stepgym-tiny`` is the all-round default;
``stepgym-alfworld-l1`` is the demo's: cloned from the explorer on ALFWorld level 1 (one task
type, three receptacles), written in the plain format (the bare action, no thought line) and
acting by action scoring with length-normalised scores at T=1: it wins about half of the frozen
held-out tasks in 30 steps, and GRPO + GiGPO moves it (docs/experiments/2026-12-03-demo-gain.md). Other flags of ``stepgym bootstrap`` override a
preset's fields.
"""

from __future__ import annotations

from collections.abc import Callable

from trainers.bootstrap.build import BootstrapConfig

ALFWORLD = "stepgym/ALFWorld-v0"


def _tiny(output: str) -> BootstrapConfig:
    return BootstrapConfig(output=output)


def _alfworld_level1(output: str) -> BootstrapConfig:
    return BootstrapConfig(output=output, envs={ALFWORLD: {"expert": "explorer", "level": 1}},
                           episodes_per_env=200, train_steps=600, eval_temperature=1.0,
                           action_mode="score", action_score="mean", prompt_format="plain")


START_MODELS: dict[str, Callable[[str], BootstrapConfig]] = {
    "stepgym-tiny": _tiny,
    "stepgym-alfworld-l1": _alfworld_level1,
}


def start_model_config(name: str, output: str) -> BootstrapConfig:
    """The preset of a named start model, saving to ``output``.

    >>> start_model_config("stepgym-alfworld-l1", "/tmp/m").action_mode
    'score'
    >>> start_model_config("nope", "/tmp/m")
    Traceback (most recent call last):
    ...
    KeyError: "no start model named 'nope'; known: stepgym-tiny, stepgym-alfworld-l1"
    """
    if name not in START_MODELS:
        raise KeyError(f"no start model named {name!r}; known: {', '.join(START_MODELS)}")
    return START_MODELS[name](output)
