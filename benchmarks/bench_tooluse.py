"""Speed of stepgym/ToolUse-v0: resets and env steps per second, and per-tool call latency.

    python benchmarks/bench_tooluse.py [--episodes 500] [--calls 200]

Env steps go through ``gym.make`` with every info key (progress against the plan, the
expert's next turn) computed each step. Policies: the expert (plan calls, then the
answer) and a "noisy" policy (one random well-formed tool call with plausible arguments
or a malformed one, each turn, 4 turns, then a guess). Reset time includes task
generation, the world and the expert verification of the task. Per tool: mean latency
of a call on warm worlds. Single process. Writes benchmarks/results/tooluse.md and .json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gymnasium as gym

import envs  # noqa: F401
from envs.tooluse.tools import TOOLS, call_tool
from tasks.tooluse.suite import ToolUseSuite
from tasks.tooluse.world import generate_world

RESULTS = Path(__file__).resolve().parent / "results"

NOISY_ACTIONS = (
    '<tool_call>{"name": "calculator", "arguments": {"expression": "(12.5 * 3) / 4"}}</tool_call>',
    '<tool_call>{"name": "city_distance", "arguments": {"city_a": "Paris", "city_b": "Tokyo"}}</tool_call>',
    '<tool_call>{"name": "current_datetime", "arguments": {}}</tool_call>',
    '<tool_call>{"name": "search_news", "arguments": {"query": "headquarters revenue", "top_k": 5}}</tool_call>',
    '<tool_call>{"name": "list_todos", "arguments": {"status": "open"}}</tool_call>',
    '<tool_call>{"name": "stock_quote", "arguments": {"symbol": "ACMX"}}</tool_call>',
    '<tool_call>{"name": "calculator", "arguments": {"expression": "9**9**9"}}</tool_call>',
    '<tool_call>{"name": "nope", "arguments": {}}</tool_call>',
    "<tool_call>{broken json</tool_call>",
)


def _episodes(env: gym.Env, episodes: int, policy: str) -> dict[str, float]:
    steps, step_time, reset_time, rewards, calls = 0, 0.0, 0.0, [], []
    for ep in range(episodes):
        rng = np.random.default_rng(ep)
        t = time.perf_counter()
        _, info = env.reset(seed=20_000 + ep)
        reset_time += time.perf_counter() - t
        reward, turn = 0.0, 0
        while True:
            if policy == "expert":
                action = info["expert_action"]
            elif turn < 4:
                action = NOISY_ACTIONS[int(rng.integers(0, len(NOISY_ACTIONS)))]
            else:
                action = "<answer>42</answer>"
            t = time.perf_counter()
            _, reward, terminated, truncated, info = env.step(action)
            step_time += time.perf_counter() - t
            steps += 1
            turn += 1
            if terminated or truncated:
                break
        rewards.append(float(reward))
        calls.append(info["tool_calls"])
    return {"steps": steps, "steps_per_s": steps / step_time, "resets_per_s": episodes / reset_time,
            "mean_reward": float(np.mean(rewards)), "mean_tool_calls": float(np.mean(calls))}


def _tool_latency(calls: int) -> dict[str, float]:
    suite = ToolUseSuite()
    samples: dict[str, list[float]] = {name: [] for name in TOOLS}
    tasks = [suite.get("train", i) for i in range(calls)]
    plan_calls = [(generate_world(t.data["world_seed"]), c) for t in tasks for turn in t.data["plan"] for c in turn]
    for world, c in plan_calls:
        call_tool(world, c["name"], c["arguments"])  # warm (search index, caches)
        t = time.perf_counter()
        call_tool(world, c["name"], c["arguments"])
        samples[c["name"]].append((time.perf_counter() - t) * 1e6)
    return {name: float(np.mean(v)) for name, v in samples.items() if v}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=500)
    parser.add_argument("--calls", type=int, default=300, help="train tasks whose plan calls are timed")
    args = parser.parse_args()
    env = gym.make("stepgym/ToolUse-v0")
    _episodes(env, 10, "expert")  # warm-up
    results: dict[str, Any] = {
        "episodes": args.episodes,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} CPUs",
        "expert": _episodes(env, args.episodes, "expert"),
        "noisy": _episodes(env, args.episodes, "noisy"),
        "tool_latency_us": _tool_latency(args.calls),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "tooluse.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        "# ToolUse env speed",
        "",
        f"{args.episodes} episodes per policy (seeds 20000+), single process, `gym.make` with every info key; "
        f"{results['machine']}, Python {results['python']}.",
        "",
        "| measure | expert | noisy |",
        "|---|---|---|",
    ]
    for label, key, fmt in (("env steps/s", "steps_per_s", "{:,.0f}"), ("resets/s (generate + verify)",
                            "resets_per_s", "{:,.0f}"), ("mean reward", "mean_reward", "{:.3f}"),
                            ("mean tool calls per episode", "mean_tool_calls", "{:.2f}")):
        lines.append(f"| {label} | {fmt.format(results['expert'][key])} | {fmt.format(results['noisy'][key])} |")
    lines += ["", "Mean latency of one tool call (plan calls of train tasks, warm):", "", "| tool | µs |", "|---|---|"]
    for name, us in sorted(results["tool_latency_us"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {name} | {us:,.0f} |")
    (RESULTS / "tooluse.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
