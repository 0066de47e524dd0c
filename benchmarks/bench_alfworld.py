"""Speed of stepgym/ALFWorld-v0 vs alfworld 0.4.2's TextWorld engine, same games, same commands.

    python benchmarks/bench_alfworld.py [--games 8] [--steps 30]

Generated eval_seen tasks (level 5, with official games' initial state) are written as
official-format game folders; one command list per game is drawn once (seeded random admissible
commands, planned in our engine) and then played by both engines on the same file, in one
process on one core, so the two columns time identical work. The real engine is timed the way
ALFWorld's AlfredTWEnv runs it (TextWorld PDDL backend, AlfredDemangler, admissible commands +
won requested); ours through ``gym.make(..., games=...)`` with every info key (admissible
actions, progress, expert action) computed at every step. Without the alfworld extra only our
column is filled. Writes benchmarks/results/alfworld.md and .json.
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
from envs.alfworld.export import export_official
from envs.alfworld.fidelity import extra_available, real_engine

RESULTS = Path(__file__).resolve().parent / "results"


def write_games(games: int, folder: Path) -> list[Path]:
    env = gym.make("stepgym/ALFWorld-v0", split="eval_seen")
    files = []
    for i in range(games):
        env.reset(options={"task_index": i})
        files.append(export_official(env.unwrapped.task, folder / "valid_seen"))
    return files


def command_lists(files: list[Path], steps: int) -> list[list[str]]:
    """Seeded random admissible commands per game, drawn while playing our engine."""
    env = gym.make("stepgym/ALFWorld-v0")
    lists = []
    for i, game_file in enumerate(files):
        _, info = env.reset(options={"game_file": str(game_file)})
        rng = np.random.default_rng(i)
        commands: list[str] = []
        for _ in range(steps):
            commands.append(str(rng.choice(info["admissible_actions"])))
            _, _, terminated, truncated, info = env.step(commands[-1])
            if terminated or truncated:
                break
        lists.append(commands)
    return lists


def bench_ours(folder: Path, lists: list[list[str]], repeats: int) -> dict[str, Any]:
    env = gym.make("stepgym/ALFWorld-v0", games=str(folder), split="eval_seen")
    t0 = time.perf_counter()
    for i in range(len(lists)):  # first reset of a game: read and parse the file
        env.reset(options={"task_index": i})
    first = (time.perf_counter() - t0) / len(lists)
    n_steps, step_time, reset_time, resets = 0, 0.0, 0.0, 0
    for _ in range(repeats):
        for i, commands in enumerate(lists):
            t = time.perf_counter()
            env.reset(options={"task_index": i})
            reset_time += time.perf_counter() - t
            resets += 1
            t = time.perf_counter()
            for command in commands:
                env.step(command)
            step_time += time.perf_counter() - t
            n_steps += len(commands)
    return {"steps_per_s": n_steps / step_time, "reset_s": reset_time / resets, "first_reset_s": first,
            "steps": n_steps}


def bench_real(files: list[Path], lists: list[list[str]]) -> dict[str, Any]:
    n_steps, step_time, reset_time = 0, 0.0, 0.0
    for game_file, commands in tqdm(list(zip(files, lists)), desc="alfworld engine", leave=False):
        t = time.perf_counter()
        real = real_engine(game_file)
        real.reset()
        reset_time += time.perf_counter() - t
        t = time.perf_counter()
        for command in commands:
            real.step(command)
        step_time += time.perf_counter() - t
        n_steps += len(commands)
        real.close()
    return {"steps_per_s": n_steps / step_time, "reset_s": reset_time / len(files), "steps": n_steps}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=8)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=40, help="passes over the games (ours)")
    args = parser.parse_args(argv)
    reason = extra_available()
    with tempfile.TemporaryDirectory() as tmp:
        files = write_games(args.games, Path(tmp))
        lists = command_lists(files, args.steps)
        ours = bench_ours(Path(tmp), lists, args.repeats)
        real = None if reason else bench_real(files, lists)
    rows = [("steps / s", f"{ours['steps_per_s']:,.0f}", real and f"{real['steps_per_s']:,.1f}",
             real and f"{ours['steps_per_s'] / real['steps_per_s']:,.0f}x"),
            ("reset (s)", f"{ours['reset_s'] * 1e3:.3f} ms", real and f"{real['reset_s'] * 1e3:.0f} ms",
             real and f"{real['reset_s'] / ours['reset_s']:,.0f}x"),
            ("first reset of a game (read + parse the file)", f"{ours['first_reset_s'] * 1e3:.2f} ms",
             "-", "-")]
    lines = ["# ALFWorld engine speed: stepgym vs alfworld 0.4.2 (TextWorld PDDL)", "",
             f"{args.games} generated eval_seen games (level 5) as official-format files; the same "
             f"seeded random admissible command lists ({sum(map(len, lists))} commands) in both "
             "engines, single process; "
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
