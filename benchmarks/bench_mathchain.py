"""Benchmark of ``stepgym/MathChain-v0``: throughput and expert success, side by side.

For each mode (single, multi) and horizon, plays the expert on fresh seeds through
``gym.make`` (TimeLimit and all) and reports:

* ``steps/s``: env steps per second of wall time *including* ``reset`` (task generation
  and expert verification happen in reset, so this is what a rollout loop sees);
* ``step-only/s``: steps per second counting only the time inside ``step``;
* ``reset ms``: mean time of one ``reset`` (a fresh task each time: no cache hits);
* ``expert won``: fraction of seeds the expert solves (must be 100%).

Rates are the best of 3 runs on different seeds, as ``timeit`` does: on a shared machine other
load only ever slows a run down.

Then a sweep of the expert over 1,000 seeds at every horizon 1-8 in both modes, and a
fuzz of 10,000 garbage actions (nothing may raise). Pinned to one core where the OS
allows. Writes benchmarks/results/mathchain.md and .json.

    python benchmarks/bench_mathchain.py            # full run (about a minute)
    python benchmarks/bench_mathchain.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
from tqdm import tqdm

import envs  # noqa: F401  (registers the ids)
from envs.testing import garbage_actions

ENV_ID = "stepgym/MathChain-v0"
RESULTS = Path(__file__).resolve().parent / "results"


def throughput(mode: str, horizon: int, episodes: int, seed0: int) -> dict[str, float]:
    env = gym.make(ENV_ID, mode=mode, horizon=horizon)
    steps = wins = 0
    reset_time = step_time = 0.0
    start = time.perf_counter()
    for seed in range(seed0, seed0 + episodes):
        t0 = time.perf_counter()
        _, info = env.reset(seed=seed)
        t1 = time.perf_counter()
        reset_time += t1 - t0
        done = False
        while not done:
            t0 = time.perf_counter()
            _, _, terminated, truncated, info = env.step(info["expert_action"])
            step_time += time.perf_counter() - t0
            steps += 1
            done = terminated or truncated
        wins += bool(info["won"])
    wall = time.perf_counter() - start
    return {
        "mode": mode, "horizon": horizon, "episodes": episodes, "steps": steps,
        "steps_per_s": steps / wall, "step_only_per_s": steps / step_time,
        "reset_ms": 1000 * reset_time / episodes, "expert_won": wins / episodes,
    }


def invalid_throughput(n: int) -> dict[str, float]:
    """Steps/s on replies with no readable answer (the hint path: no task generation)."""
    env = gym.make(ENV_ID, mode="multi", horizon=8, max_episode_steps=n + 1)
    env.reset(seed=0)
    start = time.perf_counter()
    for _ in range(n):
        env.step("I am not sure yet, let me think about it.")
    return {"steps": n, "steps_per_s": n / (time.perf_counter() - start)}


def expert_sweep(seeds: int, horizons: range) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    for mode in ("single", "multi"):
        env = gym.make(ENV_ID, mode=mode)
        out[mode] = {}
        for h in tqdm(horizons, desc=f"expert sweep ({mode})"):
            wins = 0
            for seed in range(seeds):
                _, info = env.reset(seed=seed, options={"horizon": h})
                done = False
                while not done:
                    _, _, terminated, truncated, info = env.step(info["expert_action"])
                    done = terminated or truncated
                wins += bool(info["won"])
            out[mode][h] = wins / seeds
    return out


def fuzz(n: int) -> dict[str, int]:
    env = gym.make(ENV_ID, mode="multi", horizon=4)
    rng = np.random.default_rng(2024)
    env.reset(seed=0)
    episodes = 1
    for action in garbage_actions(rng, n):
        _, _, terminated, truncated, _ = env.step(action)  # raising here fails the run
        if terminated or truncated:
            env.reset(seed=int(rng.integers(0, 1 << 30)))
            episodes += 1
    return {"actions": n, "episodes": episodes, "raised": 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts (smoke test)")
    parser.add_argument("--no-write", action="store_true", help="do not write results/")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    episodes = 100 if args.quick else 500
    sweep_seeds = 50 if args.quick else 1000

    rows = []
    for mode in ("single", "multi"):
        for h in tqdm((1, 3, 5, 8), desc=f"throughput ({mode})"):
            # best of 3 runs on different seeds (timeit's rule: other load only slows a run)
            runs = [throughput(mode, h, episodes, seed0=10_000_000 + r * episodes) for r in range(3)]
            best = max(runs, key=lambda r: r["steps_per_s"])
            best["expert_won"] = min(r["expert_won"] for r in runs)
            best["episodes"] = sum(r["episodes"] for r in runs)
            best["steps"] = sum(r["steps"] for r in runs)
            rows.append(best)
    invalid = invalid_throughput(2000 if args.quick else 20_000)
    sweep = expert_sweep(sweep_seeds, range(1, 9))
    fuzzed = fuzz(1000 if args.quick else 10_000)

    lines = [
        "# MathChain-v0 benchmark",
        "",
        f"One core ({platform.processor() or platform.machine()}), Python "
        f"{platform.python_version()}; expert replies on fresh seeds (every reset generates and "
        "verifies a new task). Rates: the best of 3 runs (other load on the machine only slows "
        "a run); episodes, steps and expert won: all 3 runs.",
        "",
        "| mode | horizon | episodes | steps | steps/s (incl. reset) | step-only/s | reset ms "
        "| expert won |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['mode']} | {r['horizon']} | {r['episodes']} | {r['steps']} | "
            f"{r['steps_per_s']:,.0f} | {r['step_only_per_s']:,.0f} | {r['reset_ms']:.2f} | "
            f"{100 * r['expert_won']:.1f}% |"
        )
    lines += [
        "",
        f"Unreadable replies (hint path, multi mode): {invalid['steps_per_s']:,.0f} steps/s.",
        "",
        f"Expert over {sweep_seeds} seeds per horizon (won %):",
        "",
        "| mode | " + " | ".join(f"h={h}" for h in range(1, 9)) + " |",
        "| --- |" + " ---: |" * 8,
    ]
    for mode, by_h in sweep.items():
        lines.append(f"| {mode} | " + " | ".join(f"{100 * v:.1f}" for v in by_h.values()) + " |")
    lines += ["", f"Fuzz: {fuzzed['actions']:,} garbage actions over {fuzzed['episodes']} "
              "episodes, nothing raised."]
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "mathchain.md").write_text(table + "\n")
        payload = {"throughput": rows, "invalid": invalid, "expert_sweep": sweep,
                   "fuzz": fuzzed, "quick": args.quick}
        (RESULTS / "mathchain.json").write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
