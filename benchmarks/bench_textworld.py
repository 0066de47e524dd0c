"""Benchmark of ``stepgym/TextWorld-v0``: steps/s per challenge by the infos requested, and game generation.

TextWorld computes some infos at every step (admissible commands from its state tracker, the
winning policy by planning on the quest), so throughput depends on what is requested. For
each setting this script first records action scripts (seeded: mostly random admissible
commands, some expert moves, some unknown words; up to 100 steps or the end of the game) on
a few games of the train pool, then replays exactly the same commands in each mode, side by
side in one run:

* ``tw minimal``: TextWorld's own env (``textworld.start``) requesting won/lost/score only;
* ``tw all infos``: TextWorld's own env with every ``EnvInfos`` flag on;
* ``stepgym minimal``: our env with ``admissible_actions=False, expert_actions=False``;
* ``stepgym no expert``: our env with ``expert_actions=False`` (admissible commands only);
* ``stepgym default``: our env as registered (admissible commands and policy commands:
  every standard info key filled).

Rates count the time inside ``step`` only (resets load and restart the game: reported
apart), best of 3 runs, the modes interleaved (on a shared machine other load only slows a
run down). Then the time
to generate and compile a game, cold, into a temporary cache (the first game of a process
also pays for starting the generator process and parsing TextWorld's grammars). Pinned to
one core where the OS allows. Writes benchmarks/results/textworld.md and .json.

    python benchmarks/bench_textworld.py            # full run (a few minutes)
    python benchmarks/bench_textworld.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import textworld

import envs  # noqa: F401  (registers the ids)
from tasks.textworld.cache import ensure_game, game_dir, game_key
from tasks.textworld.challenges import normalise_settings

ENV_ID = "stepgym/TextWorld-v0"
RESULTS = Path(__file__).resolve().parent / "results"

SETTINGS: list[tuple[str, dict[str, Any]]] = [
    ("cooking", {}),  # the registered default: recipe 1, take 1, 1 room
    ("cooking", {"recipe": 3, "take": 3, "go": 6, "open": True, "cook": True, "cut": True}),
    ("coin_collector", {}),
    ("coin_collector", {"level": 10}),
    ("treasure_hunter", {}),
    ("treasure_hunter", {"level": 20}),
]
ALL_INFOS = [name for name in textworld.EnvInfos.__slots__ if name != "extras"]


def label(challenge: str, settings: dict[str, Any]) -> str:
    if not settings:
        return f"{challenge} (default)"
    return f"{challenge} " + ", ".join(f"{k}={int(v)}" for k, v in settings.items())


def record_scripts(challenge: str, settings: dict[str, Any], games: int, min_steps: int,
                   seed: int) -> list[tuple[str, list[str]]]:
    """(task id, commands) per episode, round-robin over ``games`` games until ``min_steps``.

    Commands: a random admissible one 80% of the time, the expert's 10%, an unknown word 10%.
    """
    env = gym.make(ENV_ID, challenge=challenge, **settings)
    rng = np.random.default_rng(seed)
    scripts: list[tuple[str, list[str]]] = []
    total = 0
    while total < min_steps:
        _, info = env.reset(options={"task_index": len(scripts) % games})
        commands: list[str] = []
        done = False
        while not done:
            u = rng.random()
            if u < 0.1:
                action = "xyzzy"
            elif u < 0.2 and info["expert_action"]:
                action = info["expert_action"]
            else:
                admissible = info["admissible_actions"]
                action = admissible[int(rng.integers(len(admissible)))]
            _, _, terminated, truncated, info = env.step(action)
            commands.append(action)
            done = terminated or truncated
        scripts.append((info["task_id"], commands))
        total += len(commands)
    return scripts


def game_file(env: gym.Env, task_id: str) -> str:
    task = env.unwrapped.suite.get_by_id(task_id)
    data = task.data
    return str(ensure_game(data["challenge"], data["settings"], task.split, data["seed"]))


def time_replays(episodes: list[tuple[Callable[[], Any], Callable[[str], Any], list[str]]],
                 ) -> tuple[float, float, int]:
    """(steps/s, mean reset ms, steps) replaying each episode's commands: (reset, step, commands)."""
    step_time = reset_time = 0.0
    steps = 0
    for reset, step, commands in episodes:
        t0 = time.perf_counter()
        reset()
        reset_time += time.perf_counter() - t0
        for command in commands:
            t0 = time.perf_counter()
            step(command)
            step_time += time.perf_counter() - t0
            steps += 1
    return steps / step_time, 1000 * reset_time / len(episodes), steps


def time_textworld(files: list[str], scripts: list[list[str]], infos: textworld.EnvInfos) -> tuple[float, float, int]:
    tw_envs = [textworld.start(f, request_infos=infos) for f in files]
    result = time_replays([(env.reset, env.step, commands) for env, commands in zip(tw_envs, scripts)])
    for env in tw_envs:
        env.close()
    return result


def time_stepgym(challenge: str, settings: dict[str, Any], scripts: list[tuple[str, list[str]]],
                 extra: dict[str, bool]) -> tuple[float, float, int]:
    env = gym.make(ENV_ID, challenge=challenge, **settings, **extra)
    for task_id, _ in scripts:  # load each game once (verification plays its walkthrough)
        env.reset(options={"task_id": task_id})
    result = time_replays([(functools.partial(env.reset, options={"task_id": task_id}), env.step, commands)
                           for task_id, commands in scripts])
    env.close()
    return result


def throughput(challenge: str, settings: dict[str, Any], games: int, min_steps: int,
               repeats: int) -> dict[str, Any]:
    scripts = record_scripts(challenge, settings, games, min_steps, seed=2024)
    probe = gym.make(ENV_ID, challenge=challenge, **settings)
    files = [game_file(probe, task_id) for task_id, _ in scripts]
    commands = [c for _, c in scripts]
    minimal = textworld.EnvInfos(won=True, lost=True, score=True)
    everything = textworld.EnvInfos(**{name: True for name in ALL_INFOS})
    modes = {
        "tw minimal": lambda: time_textworld(files, commands, minimal),
        "tw all infos": lambda: time_textworld(files, commands, everything),
        "stepgym minimal": lambda: time_stepgym(
            challenge, settings, scripts, {"admissible_actions": False, "expert_actions": False}),
        "stepgym no expert": lambda: time_stepgym(
            challenge, settings, scripts, {"expert_actions": False}),
        "stepgym default": lambda: time_stepgym(challenge, settings, scripts, {}),
    }
    row: dict[str, Any] = {"setting": label(challenge, settings), "games": games,
                           "episodes": len(scripts), "steps": sum(len(c) for c in commands)}
    runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in modes}
    for _ in range(repeats):  # interleaved, so load on the machine hits every mode alike
        for name, run in modes.items():
            runs[name].append(run())
    for name, results in runs.items():
        row[name] = max(r[0] for r in results)
        row[name + " reset ms"] = min(r[1] for r in results)
    return row


def generation(challenge: str, settings: dict[str, Any], count: int) -> dict[str, Any]:
    """Seconds to generate and compile ``count`` fresh games, cold, into a temporary cache."""
    norm = normalise_settings(challenge, settings)
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            seed = 900_000 + i
            t0 = time.perf_counter()
            path = ensure_game(challenge, norm, "train", seed, Path(tmp))
            times.append(time.perf_counter() - t0)
            assert path == game_dir(game_key(challenge, norm, "train", seed), Path(tmp)) / "game.z8"
    return {"setting": label(challenge, settings), "games": count, "first_s": times[0],
            "mean_rest_s": statistics.mean(times[1:]) if count > 1 else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts (smoke test)")
    parser.add_argument("--no-write", action="store_true", help="do not write results/")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    games, min_steps, repeats, gen_count = (2, 50, 1, 2) if args.quick else (5, 500, 3, 4)

    gen_rows = [generation(ch, st, gen_count) for ch, st in SETTINGS]
    rows = []
    for challenge, settings in SETTINGS:
        rows.append(throughput(challenge, settings, games, min_steps, repeats))
        print(rows[-1], flush=True)

    modes = ["tw minimal", "tw all infos", "stepgym minimal", "stepgym no expert", "stepgym default"]
    lines = [
        "# TextWorld-v0 benchmark",
        "",
        f"One core ({platform.processor() or platform.machine()}), Python "
        f"{platform.python_version()}, textworld {textworld.__version__}. The same recorded "
        f"commands (episodes on {games} train games per setting until at least {min_steps} steps; "
        "up to 100 steps an episode: random admissible commands, some expert moves, some unknown "
        "words) replayed in every mode; steps/s "
        f"counts time inside `step` only, best of {repeats} interleaved runs.",
        "",
        "* **tw minimal**: `textworld.start` with `EnvInfos(won, lost, score)`;",
        "* **tw all infos**: `textworld.start` with every `EnvInfos` flag;",
        "* **stepgym minimal**: `gym.make(..., admissible_actions=False, expert_actions=False)`;",
        "* **stepgym no expert**: `gym.make(..., expert_actions=False)` (admissible commands, "
        "no policy);",
        "* **stepgym default**: as registered: admissible commands + policy commands (all "
        "standard info keys filled).",
        "",
        "| setting | episodes | steps | " + " | ".join(f"{m} steps/s" for m in modes)
        + " | stepgym default reset ms |",
        "| --- | ---: | ---: |" + " ---: |" * (len(modes) + 1),
    ]
    for r in rows:
        lines.append(
            f"| {r['setting']} | {r['episodes']} | {r['steps']} | " + " | ".join(f"{r[m]:,.0f}" for m in modes)
            + f" | {r['stepgym default reset ms']:.1f} |"
        )
    lines += [
        "",
        f"Game generation and Inform 7 compilation, cold, {gen_count} games per setting "
        "(seconds; the run's very first game also starts the generator process and parses "
        "TextWorld's grammars, and each challenge's first game loads its knowledge base):",
        "",
        "| setting | first game s | later games, mean s |",
        "| --- | ---: | ---: |",
    ]
    for g in gen_rows:
        lines.append(f"| {g['setting']} | {g['first_s']:.2f} | {g['mean_rest_s']:.2f} |")
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "textworld.md").write_text(table + "\n")
        payload = {"throughput": rows, "generation": gen_rows, "quick": args.quick}
        (RESULTS / "textworld.json").write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
