"""Success per difficulty level of stepgym/ALFWorld-v0: the expert, the explorers, random play.

    python benchmarks/bench_levels_alfworld.py [--split eval_seen] [--seeds 10]

For every level (tasks/alfworld/levels.py) and every task of the frozen split, through
``gym.make`` with the registered 50-step limit: the oracle expert (success, mean steps); the
text-only demonstrators ``explorer``, ``explorer_fit`` and ``explorer_random`` (success, mean
steps of wins; explorer_random seeded by the reset seed = the task index); and uniformly random
admissible commands (``--seeds`` episodes per task, reset seed s and a generator seeded by
(s, index); success averaged over tasks and seeds, with the spread of the per-seed means).
Prints the Markdown table of docs/alfworld.md ("Levels") and writes
benchmarks/results/levels_alfworld.md and .json.
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
from tasks.alfworld.levels import LEVELS

ENV_ID = "stepgym/ALFWorld-v0"
RESULTS = Path(__file__).resolve().parent / "results"
DEMONSTRATORS = ("oracle", "explorer", "explorer_fit", "explorer_random")


def play_expert(env: gym.Env, index: int) -> tuple[bool, int]:
    """Follow ``info["expert_action"]`` on task ``index`` until the episode ends: (won, steps)."""
    _, info = env.reset(seed=index, options={"task_index": index})
    steps = 0
    while info["expert_action"] is not None:
        _, _, terminated, truncated, info = env.step(info["expert_action"])
        steps += 1
        if terminated or truncated:
            break
    return bool(info["won"]), steps


def play_random(env: gym.Env, index: int, seed: int) -> tuple[bool, int]:
    """Uniformly random admissible commands on task ``index``: (won, steps)."""
    _, info = env.reset(seed=seed, options={"task_index": index})
    rng = np.random.default_rng([seed, index])
    steps = 0
    while True:
        _, _, terminated, truncated, info = env.step(str(rng.choice(info["admissible_actions"])))
        steps += 1
        if terminated or truncated:
            return bool(info["won"]), steps


def summarise(results: list[tuple[bool, int]]) -> dict[str, float]:
    wins = [steps for won, steps in results if won]
    return {"success": len(wins) / len(results), "mean_steps_of_wins": float(np.mean(wins)) if wins else 0.0}


def measure_level(level: int, split: str, seeds: int) -> dict[str, Any]:
    size = gym.make(ENV_ID, split=split).unwrapped.suite.split_size(split)
    row: dict[str, Any] = {"level": level, "split": split, "tasks": size, "summary": LEVELS[level].summary}
    for expert in DEMONSTRATORS:
        env = gym.make(ENV_ID, split=split, level=level, expert=expert)
        row[expert] = summarise([play_expert(env, i) for i in range(size)])
    env = gym.make(ENV_ID, split=split, level=level)
    per_seed = [summarise([play_random(env, i, s) for i in range(size)]) for s in range(seeds)]
    rates = [r["success"] for r in per_seed]
    row["random"] = {"success": float(np.mean(rates)), "per_seed": rates, "std_over_seeds": float(np.std(rates)),
                     "mean_steps_of_wins": float(np.mean([r["mean_steps_of_wins"] for r in per_seed]))}
    row["room"] = room_sizes(env, split, level)
    return row


def room_sizes(env: gym.Env, split: str, level: int) -> dict[str, list[float]]:
    """Receptacles and objects per task of the split: [mean, min, max]."""
    tasks = list(env.unwrapped.suite.iter_split(split, {"level": level}))
    out = {}
    for key in ("receptacles", "objects"):
        counts = [len(t.data[key]) for t in tasks]
        out[key] = [float(np.mean(counts)), min(counts), max(counts)]
    return out


def table(rows: list[dict[str, Any]], seeds: int) -> str:
    lines = ["| level | expert success (mean steps) | random-admissible success | default-model success |",
             "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['level']} | {r['oracle']['success']:.1%} ({r['oracle']['mean_steps_of_wins']:.1f}) "
                     f"| {r['random']['success']:.1%} (± {r['random']['std_over_seeds']:.1%} over {seeds} seeds) "
                     f"| not measured yet |")
    lines += ["", "| level | receptacles | objects | explorer | explorer_fit | explorer_random "
              "| random: mean steps of wins |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        room = [f"{m:.1f} ({lo}-{hi})" for m, lo, hi in (r["room"]["receptacles"], r["room"]["objects"])]
        cells = [f"{r[e]['success']:.1%} ({r[e]['mean_steps_of_wins']:.1f})" for e in DEMONSTRATORS[1:]]
        lines.append(f"| {r['level']} | " + " | ".join(room + cells) + f" | {r['random']['mean_steps_of_wins']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="eval_seen", choices=("eval_seen", "eval_unseen"))
    parser.add_argument("--seeds", type=int, default=10, help="random-play episodes per task")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows = [measure_level(level, args.split, args.seeds) for level in sorted(LEVELS)]
    text = (f"# stepgym/ALFWorld-v0 levels ({args.split}, {rows[0]['tasks']} tasks per level, 50-step limit)\n\n"
            + table(rows, args.seeds)
            + "\n\nCells: success over the split (mean steps of the won episodes). "
            "`python benchmarks/bench_levels_alfworld.py` "
            f"(--split {args.split} --seeds {args.seeds}), {time.perf_counter() - start:.0f} s.\n")
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = "levels_alfworld" if args.split == "eval_seen" else f"levels_alfworld_{args.split}"
    (RESULTS / f"{stem}.md").write_text(text)
    meta = {"python": platform.python_version(), "seconds": time.perf_counter() - start}
    (RESULTS / f"{stem}.json").write_text(json.dumps({"meta": meta, "levels": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
