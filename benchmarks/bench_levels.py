"""Success of the expert and of a random baseline at every difficulty level of an env.

    python benchmarks/bench_levels.py --env mathchain|tooluse|webshop [--limit N] [--seed S]

Over each level's frozen eval split (every task, or the first ``--limit``), through ``gym.make``
with the registered step limit:

* expert: follows ``info["expert_action"]``;
* random (per env, seeded per task):
  - webshop: a uniformly random admissible action; on the search page, whose only admissible
    action is the ``search[<your query>]`` template, it searches the instruction's text;
  - tooluse: each turn, with probability 1/3 (always on the last allowed turn) an answer,
    else one call of a uniformly random offered tool whose arguments come from the question
    (a string: a random one- or two-word span of it, or a choice of the schema's enum; a
    number: a random number of the question, else 1..100; optional arguments half the time);
    the answer is a random value of the last tool response (else a random word of the
    question);
  - mathchain (single mode): ``\\boxed{N}`` with N uniform in 1..the level's answer cap.

Prints a Markdown table and writes benchmarks/results/levels_<env>.json and .md. The
default-model column stays "not measured yet" until a trained model is evaluated.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gymnasium as gym

import envs  # noqa: F401
from tasks import mathchain, tooluse, webshop
from tasks.mathchain.families import MAX_VALUE

RESULTS = Path(__file__).resolve().parent / "results"
ENV_IDS = {"mathchain": "stepgym/MathChain-v0", "tooluse": "stepgym/ToolUse-v0", "webshop": "stepgym/WebShop-v0"}
PACKAGES: dict[str, Any] = {"mathchain": mathchain, "tooluse": tooluse, "webshop": webshop}
NOT_MEASURED = "not measured yet"

Policy = Callable[[gym.Env, str, dict[str, Any], np.random.Generator], str]


# ----------------------------------------------------------------------------- policies
def expert_policy(env: gym.Env, obs: str, info: dict[str, Any], rng: np.random.Generator) -> str:
    return info["expert_action"]


def webshop_random(env: gym.Env, obs: str, info: dict[str, Any], rng: np.random.Generator) -> str:
    admissible = info["admissible_actions"] or []
    clicks = [a for a in admissible if a.startswith("click[")]
    if not clicks:
        return f"search[{info['goal']}]"
    return clicks[int(rng.integers(0, len(clicks)))]


def mathchain_random(env: gym.Env, obs: str, info: dict[str, Any], rng: np.random.Generator) -> str:
    level = int(env.unwrapped.task.options.get("level", mathchain.BENCHMARK_LEVEL))
    cap = mathchain.LEVELS[level].max_answer or MAX_VALUE
    return f"\\boxed{{{int(rng.integers(1, cap + 1))}}}"


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.'@-]*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _span(text: str, rng: np.random.Generator) -> str:
    words = [w.strip(".'") for w in _WORD.findall(text)] or ["x"]
    start = int(rng.integers(0, len(words)))
    return " ".join(words[start:start + int(rng.integers(1, 3))])


def _random_argument(spec: dict[str, Any], question: str, rng: np.random.Generator) -> Any:
    if "enum" in spec:
        return spec["enum"][int(rng.integers(0, len(spec["enum"])))]
    if spec.get("type") in ("number", "integer"):
        numbers = [float(x) for x in _NUMBER.findall(question)]
        value = numbers[int(rng.integers(0, len(numbers)))] if numbers else float(rng.integers(1, 101))
        return int(value) if spec["type"] == "integer" else value
    return _span(question, rng)


def _response_values(obs: str) -> list[str]:
    """Every scalar value of the tool responses in ``obs`` (strings and numbers)."""
    values: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, (str, int, float)) and not isinstance(node, bool):
            values.append(str(node))

    for block in re.findall(r"<tool_response>\s*(.*?)\s*</tool_response>", obs, re.DOTALL):
        try:
            walk(json.loads(block))
        except json.JSONDecodeError:
            values.extend(_WORD.findall(block))
    return values


def tooluse_random(env: gym.Env, obs: str, info: dict[str, Any], rng: np.random.Generator) -> str:
    base = env.unwrapped
    question = info["goal"]
    last_turn = info["step"] >= env.spec.max_episode_steps - 1
    if last_turn or (info["step"] > 0 and rng.random() < 1 / 3):
        values = _response_values(obs) or [_span(question, rng)]
        return f"<answer>{values[int(rng.integers(0, len(values)))]}</answer>"
    schemas = base.tool_schemas
    schema = schemas[int(rng.integers(0, len(schemas)))]["function"]
    params = schema["parameters"]
    required = set(params.get("required", []))
    arguments = {key: _random_argument(spec, question, rng) for key, spec in params["properties"].items()
                 if key in required or rng.random() < 0.5}
    return f"<tool_call>{json.dumps({'name': schema['name'], 'arguments': arguments})}</tool_call>"


RANDOM: dict[str, Policy] = {"mathchain": mathchain_random, "tooluse": tooluse_random, "webshop": webshop_random}


# ----------------------------------------------------------------------------- measuring
def success_rate(env: gym.Env, policy: Policy, tasks: int, seed: int) -> float:
    """The fraction of the first ``tasks`` eval tasks ``policy`` wins (``info["won"]``)."""
    wins = 0
    for index in range(tasks):
        rng = np.random.default_rng([seed, index])
        obs, info = env.reset(options={"task_index": index})
        while True:
            obs, _, terminated, truncated, info = env.step(policy(env, obs, info, rng))
            if terminated or truncated:
                break
        wins += int(info["won"])
    return wins / tasks


def measure(name: str, limit: int | None, seed: int) -> dict[str, Any]:
    pkg = PACKAGES[name]
    rows = []
    start = time.perf_counter()
    for level in sorted(pkg.LEVELS):
        env = gym.make(ENV_IDS[name], level=level, split="eval")
        size = env.unwrapped.suite.split_size("eval")
        tasks = min(size, limit) if limit else size
        rows.append({
            "level": level,
            "summary": pkg.LEVELS[level].summary,
            "tasks": tasks,
            "expert_success": success_rate(env, expert_policy, tasks, seed),
            "random_success": success_rate(env, RANDOM[name], tasks, seed),
            "default_model_success": None,
        })
        print(f"level {level}: {rows[-1]}", file=sys.stderr)
    return {
        "env": ENV_IDS[name],
        "split": "eval",
        "seed": seed,
        "levels": rows,
        "seconds": round(time.perf_counter() - start, 1),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"Levels of `{result['env']}` (eval split, seed {result['seed']}; "
        "`python benchmarks/bench_levels.py --env "
        f"{result['env'].split('/')[1].split('-')[0].lower()}`)",
        "",
        "| level | what it is | tasks | expert success | random success | default-model success |",
        "| ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for row in result["levels"]:
        model = NOT_MEASURED if row["default_model_success"] is None else f"{100 * row['default_model_success']:.1f}%"
        lines.append(f"| {row['level']} | {row['summary']} | {row['tasks']} | {100 * row['expert_success']:.1f}% | "
                     f"{100 * row['random_success']:.1f}% | {model} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", choices=sorted(ENV_IDS), required=True)
    parser.add_argument("--limit", type=int, default=None, help="measure the first N eval tasks per level")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random baseline")
    args = parser.parse_args(argv)
    result = measure(args.env, args.limit, args.seed)
    table = markdown(result)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"levels_{args.env}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"levels_{args.env}.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
