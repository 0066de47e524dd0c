"""Speed of stepgym/ALFWorld-v0 vs alfworld 0.4.2's TextWorld engine, on the same games.

    python benchmarks/bench_alfworld.py [--games 8] [--steps 30]

Both engines play the same generated eval_seen tasks (exported as ``game.tw-pddl`` for the real
engine) with the same seeded random-admissible commands, in one process on one core. The real
engine is timed the way ALFWorld's AlfredTWEnv runs it (TextWorld PDDL backend, AlfredDemangler,
admissible commands + won requested). Ours is timed through ``gym.make`` with every info key
(admissible actions, progress, expert action) computed at every step. Without the alfworld extra
only our column is filled. Writes benchmarks/results/alfworld.md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gymnasium as gym

import envs  # noqa: F401
from envs.alfworld.export import export_game
from envs.alfworld.fidelity import extra_available, real_engine

RESULTS = Path(__file__).resolve().parent / "results"


def bench_ours(games: int, steps: int, repeats: int) -> dict[str, Any]:
    env = gym.make("stepgym/ALFWorld-v0", split="eval_seen")
    t0 = time.perf_counter()
    for i in range(games):  # first reset of a task: generation + expert verification
        env.reset(options={"task_index": 200 % 140 + i})
    fresh = (time.perf_counter() - t0) / games
    n_steps, step_time, reset_time, resets = 0, 0.0, 0.0, 0
    for r in range(repeats):
        for i in range(games):
            t = time.perf_counter()
            _, info = env.reset(options={"task_index": i})
            reset_time += time.perf_counter() - t
            resets += 1
            rng = np.random.default_rng(1000 * r + i)
            t = time.perf_counter()
            for _ in range(steps):
                _, _, terminated, truncated, info = env.step(str(rng.choice(info["admissible_actions"])))
                n_steps += 1
                if terminated or truncated:
                    break
            step_time += time.perf_counter() - t
    return {"steps_per_s": n_steps / step_time, "reset_s": reset_time / resets, "first_reset_s": fresh,
            "steps": n_steps}


def bench_real(games: int, steps: int) -> dict[str, Any]:
    env = gym.make("stepgym/ALFWorld-v0", split="eval_seen")
    n_steps, step_time, reset_time = 0, 0.0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for i in tqdm(range(games), desc="alfworld engine", leave=False):
            env.reset(options={"task_index": i})
            path = export_game(env.unwrapped.task, Path(tmp) / f"g{i}.tw-pddl")
            t = time.perf_counter()
            real = real_engine(path)
            state = real.reset()
            reset_time += time.perf_counter() - t
            rng = np.random.default_rng(i)
            t = time.perf_counter()
            for _ in range(steps):
                state, _, done = real.step(str(rng.choice(state["admissible_commands"])))
                n_steps += 1
                if done:
                    break
            step_time += time.perf_counter() - t
            real.close()
    return {"steps_per_s": n_steps / step_time, "reset_s": reset_time / games, "steps": n_steps}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=8)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=40, help="passes over the games (ours)")
    args = parser.parse_args(argv)
    ours = bench_ours(args.games, args.steps, args.repeats)
    reason = extra_available()
    real = None if reason else bench_real(args.games, args.steps)
    rows = [("steps / s", f"{ours['steps_per_s']:,.0f}", real and f"{real['steps_per_s']:,.1f}",
             real and f"{ours['steps_per_s'] / real['steps_per_s']:,.0f}x"),
            ("reset (s)", f"{ours['reset_s'] * 1e3:.3f} ms", real and f"{real['reset_s'] * 1e3:.0f} ms",
             real and f"{real['reset_s'] / ours['reset_s']:,.0f}x"),
            ("first reset of a task (generate + verify)", f"{ours['first_reset_s'] * 1e3:.2f} ms", "-", "-")]
    lines = ["# ALFWorld engine speed: stepgym vs alfworld 0.4.2 (TextWorld PDDL)", "",
             f"{args.games} eval_seen games, random admissible commands, single process; "
             f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
             f"{platform.python_version()}.", "",
             "| measure | stepgym | alfworld TextWorld | speed-up |", "|---|---|---|---|"]
    lines += [f"| {m} | {a} | {b or 'n/a'} | {c or 'n/a'} |" for m, a, b, c in rows]
    if reason:
        lines += ["", f"alfworld column empty: {reason}"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "alfworld.md").write_text("\n".join(lines) + "\n")
    (RESULTS / "alfworld.json").write_text(json.dumps({"ours": ours, "alfworld": real, "args": vars(args)}, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
