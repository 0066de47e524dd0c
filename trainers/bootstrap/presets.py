"""Named start models: what ``stepgym bootstrap --name NAME`` builds for each known name.

A start model is the policy RL begins from: one that wins some but not all held-out tasks at
T=1, so groups of rollouts have mixed outcomes. ``stepgym-tiny`` is the all-round default;
``stepgym-alfworld-l1`` is the demo's: cloned from the explorer on ALFWorld level 1 (one task
type, three receptacles), written in the plain format (the bare action, no thought line) and
acting by action scoring with length-normalised scores at T=1: it wins about half of the frozen
held-out tasks in 30 steps, and GRPO + GiGPO moves it (docs/experiments/2026-12-03-demo-gain.md).
The other families' starts and their measured success are in
docs/experiments/2026-12-03-start-models.md. Other flags of ``stepgym bootstrap`` override a
preset's fields.
"""

from __future__ import annotations

from collections.abc import Callable

from trainers.bootstrap.build import BootstrapConfig

ALFWORLD = "stepgym/ALFWorld-v0"
MATHCHAIN = "stepgym/MathChain-v0"
WEBSHOP = "stepgym/WebShop-v0"
TEXTWORLD = "stepgym/TextWorld-v0"
TOOLUSE = "stepgym/ToolUse-v0"


def _tiny(output: str) -> BootstrapConfig:
    return BootstrapConfig(output=output)


def _alfworld_level1(output: str) -> BootstrapConfig:
    return BootstrapConfig(output=output, envs={ALFWORLD: {"expert": "explorer", "level": 1}},
                           episodes_per_env=200, train_steps=600, eval_temperature=1.0,
                           action_mode="score", action_score="mean", prompt_format="plain")


def _mathchain_level1(output: str) -> BootstrapConfig:
    # worked solutions (each product and sum written out) clone far better than bare answers
    return BootstrapConfig(output=output,
                           envs={MATHCHAIN: {"mode": "multi", "expert_style": "worked", "level": 1}},
                           episodes_per_env=2000, train_steps=1500, max_new_tokens=96,
                           eval_temperature=1.0)


def _mathchain_horizon2(output: str) -> BootstrapConfig:
    # an h1 start attempt (arXiv 2510.07312): single mode, worked solutions of one- and
    # two-problem chains. Measured greedy on 50 level-1 eval tasks: 8% at h = 1, 2% at h = 2
    # (it copies the wrong quantities), far below stepgym-mathchain-l1's 50% at h = 1, so the
    # h1 benchmark starts from that one; kept for bench_h1's mathchain_h2 setting
    return BootstrapConfig(output=output,
                           envs={MATHCHAIN: {"mode": "single", "expert_style": "worked",
                                             "level": 1}},
                           reset_options={MATHCHAIN: [{"horizon": 1}, {"horizon": 2}]},
                           episodes_per_env=3000, train_steps=2000, max_new_tokens=192,
                           eval_temperature=1.0)


def _webshop_level2(output: str) -> BootstrapConfig:
    # instruction_search: the expert searches the instruction (imitable) and score mode can
    # score the search page's one listed search
    return BootstrapConfig(output=output, envs={WEBSHOP: {"level": 2, "instruction_search": True}},
                           episodes_per_env=400, train_steps=1200, eval_temperature=1.0,
                           action_mode="score", action_score="mean")


def _tooluse_level1(output: str) -> BootstrapConfig:
    # candidate_actions: the env lists the expert's turn among 5 distractors that differ in one
    # argument, tool or answer, so score mode applies; the inline format keeps the 18 tool
    # schemas out of the prompt (they made it ~2,700 tokens)
    return BootstrapConfig(output=output,
                           envs={TOOLUSE: {"level": 1, "candidate_actions": 6}},
                           episodes_per_env=400, train_steps=800, eval_temperature=1.0,
                           action_mode="score", action_score="mean",
                           prompt_format="tool_call_inline")


def _textworld_coin_collector10(output: str) -> BootstrapConfig:
    return BootstrapConfig(output=output,
                           envs={TEXTWORLD: {"challenge": "coin_collector", "level": 10}},
                           eval_temperature=1.0)


START_MODELS: dict[str, Callable[[str], BootstrapConfig]] = {
    "stepgym-tiny": _tiny,
    "stepgym-alfworld-l1": _alfworld_level1,
    "stepgym-mathchain-l1": _mathchain_level1,
    "stepgym-mathchain-h2": _mathchain_horizon2,
    "stepgym-webshop-l2": _webshop_level2,
    "stepgym-tooluse-l1": _tooluse_level1,
    "stepgym-textworld-cc10": _textworld_coin_collector10,
}


def start_model_config(name: str, output: str) -> BootstrapConfig:
    """The preset of a named start model, saving to ``output``.

    >>> start_model_config("stepgym-alfworld-l1", "/tmp/m").action_mode
    'score'
    >>> start_model_config("nope", "/tmp/m")
    Traceback (most recent call last):
    ...
    KeyError: "no start model named 'nope'; known: stepgym-tiny, stepgym-alfworld-l1, stepgym-mathchain-l1, stepgym-mathchain-h2, stepgym-webshop-l2, stepgym-tooluse-l1, stepgym-textworld-cc10"
    """
    if name not in START_MODELS:
        raise KeyError(f"no start model named {name!r}; known: {', '.join(START_MODELS)}")
    return START_MODELS[name](output)
