"""Play the expert on every eval task and on N train seeds; print a per-task-type table.

    python -m tasks.alfworld.expert_sweep --train 2000   # writes benchmarks/results/alfworld_expert.md/.json

Tasks are generated *without* the serve-time verification, so an expert failure shows up here
instead of being hidden by regeneration; each episode runs under the benchmark's 50-step limit.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from tqdm import tqdm

from tasks.alfworld.expert import expert_action
from tasks.alfworld.generate import TASK_TYPES
from tasks.alfworld.suite import ALFWorldSuite
from tasks.alfworld.world import Game, applicable, apply, initial_world, is_won
from tasks.base import Task

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
STEP_LIMIT = 50


def play_expert(task: Task, limit: int = STEP_LIMIT) -> tuple[bool, int]:
    """(won, steps) of the expert on ``task`` within ``limit`` steps."""
    game = Game(task.data)
    world = initial_world(game)
    for step in range(limit):
        action = expert_action(game, world)
        if action is None or not applicable(game, world, action):
            return False, step
        apply(game, world, action)
        if is_won(game, world):
            return True, step + 1
    return False, limit


def sweep(split: str, count: int, suite: ALFWorldSuite) -> dict[str, Any]:
    per_type: dict[str, list[int]] = defaultdict(list)
    failures: list[str] = []
    for index in tqdm(range(count), desc=split, leave=False):
        task = suite.get(split, index)  # no verify: failures must be visible
        won, steps = play_expert(task)
        if won:
            per_type[task.task_type].append(steps)
        else:
            failures.append(task.task_id)
        per_type.setdefault(task.task_type, [])
    rows = {t: {"tasks": len(per_type[t]), "mean_steps": sum(v) / max(1, len(v)),
                "min_steps": min(v, default=0), "max_steps": max(v, default=0)}
            for t in TASK_TYPES for v in [per_type[t]]}
    return {"split": split, "tasks": count, "won": count - len(failures), "failures": failures, "types": rows}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=2000, help="train seeds to sweep")
    args = parser.parse_args(argv)
    suite = ALFWorldSuite()
    results = [sweep("eval_seen", 140, suite), sweep("eval_unseen", 134, suite),
               sweep("train", args.train, suite)]
    lines = ["# ALFWorld expert sweep (50-step limit)", "",
             "| split | tasks | expert won | " + " | ".join(TASK_TYPES) + " |",
             "|---|---|---|" + "---|" * len(TASK_TYPES)]
    for r in results:
        cells = [f"{r['types'][t]['tasks']}: {r['types'][t]['mean_steps']:.1f} "
                 f"({r['types'][t]['min_steps']}-{r['types'][t]['max_steps']})" for t in TASK_TYPES]
        lines.append(f"| {r['split']} | {r['tasks']} | {r['won'] / r['tasks']:.1%} | " + " | ".join(cells) + " |")
    lines += ["", "Cells: tasks of that type won: mean expert steps (min-max)."]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "alfworld_expert.md").write_text("\n".join(lines) + "\n")
    (RESULTS / "alfworld_expert.json").write_text(json.dumps(results, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
