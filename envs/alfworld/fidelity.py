"""Play the same commands in our engine and in alfworld's TextWorld engine, and compare.

Needs the optional extra (``pip install stepgym[alfworld]``: alfworld 0.4.2 with TextWorld's PDDL
backend). Each task is exported as a ``game.tw-pddl`` file (export.py) and loaded the way
alfworld's ``AlfredTWEnv`` loads it (TextWorld's ``PddlEnv`` with ``AlfredDemangler`` naming);
then at every step the two engines' admissible command sets, observations (whitespace
normalised) and won flags are compared.

    python -m envs.alfworld.fidelity --tasks 30   # writes benchmarks/results/alfworld_fidelity.md/.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

INVALID_PROBES = ("take unicorn 1 from cabinet 1", "go to kitchen")
RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


def extra_available() -> str | None:
    """None if alfworld + TextWorld are importable, else the reason they are not."""
    try:
        import alfworld.agents.environment.alfred_tw_env  # noqa: F401
        import textworld  # noqa: F401
    except Exception as exc:  # any import failure means "extra absent"
        return f"alfworld extra not installed ({type(exc).__name__}: {exc})"
    return None


@dataclass
class Episode:
    task_id: str
    policy: str
    steps: int = 0
    agree_admissible: int = 0
    agree_observation: int = 0
    agree_won: int = 0
    agree_all: int = 0
    diffs: list[dict[str, Any]] = field(default_factory=list)
    verbs: dict[str, int] = field(default_factory=dict)  # commands played, by first word


def _norm(text: str) -> str:
    return " ".join(text.split())


def real_engine(game_file: Path) -> Any:
    """alfworld's engine on one game file, as ``AlfredTWEnv`` sets it up."""
    import textworld
    from alfworld.agents.environment.alfred_tw_env import AlfredDemangler

    infos = textworld.EnvInfos(won=True, admissible_commands=True)
    return textworld.start(str(game_file), request_infos=infos, wrappers=[AlfredDemangler()])


def compare_episode(task_index: int, split: str, policy: str, seed: int, workdir: Path,
                    max_steps: int = 50) -> Episode:
    """One episode in both engines, lockstep; ``policy`` is "expert" or "random"."""
    from envs.alfworld.env import ALFWorldEnv
    from envs.alfworld.export import export_game

    ours = ALFWorldEnv(split=split)
    obs, info = ours.reset(options={"task_index": task_index})
    task = ours.task
    assert task is not None
    path = export_game(task, workdir / f"{task.task_id.replace(':', '_')}.tw-pddl")
    real = real_engine(path)
    state = real.reset()
    episode = Episode(task.task_id, policy)
    rng = np.random.default_rng(seed)
    command = "(reset)"
    for t in range(max_steps + 1):
        _record(episode, t, command, obs, info, state)
        if info["won"] or state["won"] or t == max_steps:
            break
        if t % 9 == 4:  # an invalid command now and then: both must say "Nothing happens."
            command = INVALID_PROBES[t % 2]
        elif policy == "expert" and info["expert_action"] is not None:
            command = info["expert_action"]
        else:  # random, biased to object interactions so slice/use/heat/... get exercised
            admissible = info["admissible_actions"]
            acts = [a for a in admissible if not a.startswith("go to ") and a not in ("look", "help")]
            pool = acts if acts and rng.random() < 0.6 else admissible
            command = str(rng.choice(pool))
        verb = command.split(" ", 1)[0]
        episode.verbs[verb] = episode.verbs.get(verb, 0) + 1
        obs, _, _, _, info = ours.step(command)
        state, _, _ = real.step(command)
    real.close()
    return episode


def _record(episode: Episode, t: int, command: str, obs: str, info: dict[str, Any], state: Any) -> None:
    ours_adm, real_adm = set(info["admissible_actions"]), set(state["admissible_commands"])
    checks = {
        "admissible": ours_adm == real_adm,
        "observation": _norm(obs) == _norm(state.feedback),
        "won": bool(info["won"]) == bool(state["won"]),
    }
    episode.steps += 1
    episode.agree_admissible += checks["admissible"]
    episode.agree_observation += checks["observation"]
    episode.agree_won += checks["won"]
    episode.agree_all += all(checks.values())
    if not all(checks.values()) and len(episode.diffs) < 5:
        episode.diffs.append({
            "step": t, "command": command,
            "only_ours": sorted(ours_adm - real_adm)[:5], "only_real": sorted(real_adm - ours_adm)[:5],
            "ours": obs if not checks["observation"] else "", "real": state.feedback if not checks["observation"] else "",
            "won": [bool(info["won"]), bool(state["won"])],
        })


def run(n_tasks: int, split: str = "eval_seen") -> Iterator[Episode]:
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n_tasks):
            for policy in ("expert", "random"):
                yield compare_episode(i, split, policy, seed=i, workdir=Path(tmp))


def summarise(episodes: list[Episode]) -> dict[str, Any]:
    steps = sum(e.steps for e in episodes)
    verbs: dict[str, int] = {}
    for e in episodes:
        for verb, n in e.verbs.items():
            verbs[verb] = verbs.get(verb, 0) + n
    return {
        "episodes": len(episodes),
        "steps": steps,
        "admissible_agreement": sum(e.agree_admissible for e in episodes) / steps,
        "observation_agreement": sum(e.agree_observation for e in episodes) / steps,
        "won_agreement": sum(e.agree_won for e in episodes) / steps,
        "step_agreement": sum(e.agree_all for e in episodes) / steps,
        "episodes_fully_agreeing": sum(e.agree_all == e.steps for e in episodes),
        "commands_by_verb": dict(sorted(verbs.items())),
    }


def main(argv: list[str] | None = None) -> None:
    from tqdm import tqdm

    parser = argparse.ArgumentParser(description="compare our ALFWorld engine with alfworld's")
    parser.add_argument("--tasks", type=int, default=30, help="tasks per split (x2 policies)")
    args = parser.parse_args(argv)
    reason = extra_available()
    if reason:
        raise SystemExit(reason)
    episodes: list[Episode] = []
    for split in ("eval_seen", "eval_unseen"):
        episodes += list(tqdm(run(args.tasks, split), total=2 * args.tasks, desc=split))
    summary = summarise(episodes)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "alfworld_fidelity.json").write_text(json.dumps(
        {"summary": summary, "episodes": [asdict(e) for e in episodes]}, indent=1))
    lines = ["# ALFWorld fidelity: our engine vs alfworld 0.4.2's TextWorld engine", "",
             "| episodes | steps | admissible sets | observations | won | all three |",
             "|---|---|---|---|---|---|",
             f"| {summary['episodes']} | {summary['steps']} | {summary['admissible_agreement']:.2%} "
             f"| {summary['observation_agreement']:.2%} | {summary['won_agreement']:.2%} "
             f"| {summary['step_agreement']:.2%} |", "",
             "Commands played, by verb: " + ", ".join(f"{k} {v}" for k, v in summary["commands_by_verb"].items()),
             ""]
    diffs = [(e.task_id, e.policy, d) for e in episodes for d in e.diffs]
    lines += ["## Differences (first 20)", ""] + [f"- {tid} ({pol}): `{json.dumps(d)}`" for tid, pol, d in diffs[:20]]
    (RESULTS / "alfworld_fidelity.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:6]))


if __name__ == "__main__":
    main()
