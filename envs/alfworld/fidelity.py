"""Play the same commands in our engine and in alfworld's TextWorld engine, and compare.

Needs the optional extra (``pip install stepgym[alfworld]``: alfworld 0.4.2 with TextWorld's PDDL
backend). Each game file is loaded the way alfworld's ``AlfredTWEnv`` loads it (TextWorld's
``PddlEnv`` with ``AlfredDemangler`` naming) and by our env (``reset(options={"game_file": ...})``,
tasks/alfworld/games.py); at every step the two engines' admissible command sets,
observations (whitespace normalised) and won flags are compared. Three policies of 50 steps:

- ``expert``: opens with ``look`` (as alfworld's handcoded expert does), then our expert's moves;
- ``random``: random admissible commands, biased to object interactions;
- ``probing``: malformed commands, wrong names and real verbs on wrong objects, between random
  admissible ones;
- ``tour`` (up to 300 steps): every receptacle in turn: go there, ``look``, examine and open
  every receptacle at that location, take up to two objects, examine them, ``inventory``, every
  admissible slice / heat / cool / clean / use, put them back. It reaches what random play
  rarely does (the second receptacle of a shared location, a bowl's contents, a lamp's switch).

The commands are drawn from our engine's state and played in both, so both see one list.

    python -m envs.alfworld.fidelity --games tests/data/alfworld_games   # official-format files
    python -m envs.alfworld.fidelity --tasks 15    # generated eval tasks, exported (export.py)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

POLICIES = ("expert", "random", "probing", "tour")
TOUR_STEPS = 300
#: malformed commands and wrong names (both engines must answer "Nothing happens.")
PROBES = ("take unicorn 1 from cabinet 1", "go to kitchen", "open drawer 99", "xyzzy", "take",
          "go to", "move", "examine", "slice apple", "use", "heat with microwave 1",
          "cool fridge 1", "inventory please", "look around")
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
    game: str
    policy: str
    steps: int = 0
    agree_admissible: int = 0
    agree_observation: int = 0
    agree_won: int = 0
    agree_all: int = 0
    diffs: list[dict[str, Any]] = field(default_factory=list)
    verbs: dict[str, int] = field(default_factory=dict)  # commands played, by first word
    commands: list[str] = field(default_factory=list)


def _norm(text: str) -> str:
    return " ".join(text.split())


def real_engine(game_file: Path) -> Any:
    """alfworld's engine on one game file, as ``AlfredTWEnv`` sets it up."""
    import textworld
    from alfworld.agents.environment.alfred_tw_env import AlfredDemangler

    infos = textworld.EnvInfos(won=True, admissible_commands=True)
    return textworld.start(str(game_file), request_infos=infos, wrappers=[AlfredDemangler()])


def next_command(policy: str, t: int, info: dict[str, Any], rng: np.random.Generator) -> str:
    """The command ``policy`` plays at step ``t`` (drawn from our engine's state)."""
    admissible = info["admissible_actions"]
    if policy == "expert":
        if t == 0:
            return "look"
        if info["expert_action"] is not None:
            return info["expert_action"]
    if policy == "probing" and rng.random() < 0.5:
        if rng.random() < 0.5:
            return str(rng.choice(PROBES))
        # a real verb on a wrong object: an admissible command with another name swapped in
        words = str(rng.choice(admissible)).split()
        names = [a.split(" ", 2)[-1] for a in admissible if a.startswith("go to ")]
        if len(words) >= 3 and names:
            return " ".join(words[:-2]) + " " + str(rng.choice(names))
        return str(rng.choice(PROBES))
    acts = [a for a in admissible if not a.startswith("go to ") and a not in ("look", "help")]
    pool = acts if acts and rng.random() < 0.6 else admissible
    return str(rng.choice(pool))


def tour_commands(game_file: Path, limit: int = TOUR_STEPS) -> list[str]:
    """The ``tour`` policy's command list, planned by playing it in our engine."""
    from envs.alfworld.env import ALFWorldEnv

    env = ALFWorldEnv(verify_tasks=False)
    _, info = env.reset(options={"game_file": str(game_file)})
    game = env.game
    assert game is not None
    commands: list[str] = []

    def play(command: str) -> bool:
        """Play ``command`` if admissible (look/inventory always); False once the game ended."""
        nonlocal info
        if command not in info["admissible_actions"] or len(commands) >= limit or info["won"]:
            return not info["won"] and len(commands) < limit
        commands.append(command)
        _, _, terminated, _, info = env.step(command)
        return not terminated and len(commands) < limit

    play("look")
    for r in range(game.n_rec):
        play(f"go to {game.rec_names[r]}")
        play("look")
        assert env.world is not None
        here = game.here(env.world)
        for other in here:
            play(f"examine {game.rec_names[other]}")
            play(f"open {game.rec_names[other]}")
        takes = [a for a in info["admissible_actions"] if a.startswith("take ")][:2]
        for take in takes:
            obj = take[len("take "):].rsplit(" from ", 1)[0]
            if not play(take):
                break
            play(f"examine {obj}")
            play("inventory")
            for a in list(info["admissible_actions"]):
                if a.split(" ", 1)[0] in ("slice", "heat", "cool", "clean", "use"):
                    play(a)
            moves = [a for a in info["admissible_actions"] if a.startswith(f"move {obj} to ")]
            if moves:
                play(moves[0])
        if info["won"] or len(commands) >= limit:
            break
    return commands


def compare_game(game_file: Path, policy: str, seed: int, max_steps: int = 50) -> Episode:
    """One episode of ``policy`` on ``game_file`` in both engines, lockstep."""
    from envs.alfworld.env import ALFWorldEnv

    ours = ALFWorldEnv(verify_tasks=False)
    obs, info = ours.reset(options={"game_file": str(game_file)})
    real = real_engine(game_file)
    state = real.reset()
    episode = Episode(str(game_file), policy)
    rng = np.random.default_rng(seed)
    planned = tour_commands(game_file) if policy == "tour" else None
    if planned is not None:
        max_steps = len(planned)
    command = "(reset)"
    for t in range(max_steps + 1):
        _record(episode, t, command, obs, info, state)
        if info["won"] or state["won"] or t == max_steps:
            break
        command = planned[t] if planned is not None else next_command(policy, t, info, rng)
        episode.commands.append(command)
        verb = command.split(" ", 1)[0] or "(empty)"
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


def export_generated(n_tasks: int, workdir: Path, splits: Sequence[str] = ("eval_seen", "eval_unseen"),
                     level: int = 5) -> list[Path]:
    """``n_tasks`` generated tasks per split, written as official-format game folders."""
    from envs.alfworld.env import ALFWorldEnv
    from envs.alfworld.export import export_official

    files = []
    for split in splits:
        env = ALFWorldEnv(split=split, level=level)
        for i in range(n_tasks):
            env.reset(options={"task_index": i})
            assert env.task is not None
            files.append(export_official(env.task, workdir / split))
    return files


def run(files: Sequence[Path], policies: Sequence[str] = POLICIES, max_steps: int = 50) -> Iterator[Episode]:
    for i, game_file in enumerate(files):
        for policy in policies:
            yield compare_game(game_file, policy, seed=i, max_steps=max_steps)


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
        "episodes_won": sum(1 for e in episodes if e.diffs == [] and e.policy == "expert"),
        "commands_by_verb": dict(sorted(verbs.items())),
    }


def report(rows: dict[str, list[Episode]], command: str) -> list[str]:
    lines = ["# ALFWorld fidelity: our engine vs alfworld 0.4.2's TextWorld engine", "",
             f"`{command}`; policies of 50 steps: expert (opens with `look`), random admissible "
             "(biased to object interactions), probing (malformed commands and wrong names "
             "between random ones); and tour (every receptacle visited, looked at, opened and "
             "examined; objects taken, examined, sliced / heated / cooled / cleaned / used where "
             "admissible, put back; up to 300 steps). Agreement at every step, the reset "
             "included.", "",
             "| games | policy | episodes | steps | admissible sets | observations | won | all three |",
             "|---|---|---|---|---|---|---|---|"]
    for source, episodes in rows.items():
        for policy in (*POLICIES, "all"):
            eps = [e for e in episodes if policy in (e.policy, "all")]
            if not eps:
                continue
            s = summarise(eps)
            lines.append(f"| {source} | {policy} | {s['episodes']} | {s['steps']} | "
                         f"{s['admissible_agreement']:.2%} | {s['observation_agreement']:.2%} | "
                         f"{s['won_agreement']:.2%} | {s['step_agreement']:.2%} |")
    everything = [e for eps in rows.values() for e in eps]
    verbs = summarise(everything)["commands_by_verb"]
    lines += ["", "Commands played, by first word: " + ", ".join(f"{k} {v}" for k, v in verbs.items()), ""]
    diffs = [(e.game, e.policy, d) for e in everything for d in e.diffs]
    lines += ["## Differences (first 20)", ""]
    lines += [f"- {g} ({pol}): `{json.dumps(d)}`" for g, pol, d in diffs[:20]] or ["none"]
    return lines


def main(argv: list[str] | None = None) -> None:
    from tqdm import tqdm

    from tasks.alfworld.games import GameDataMissing, find_game_files

    parser = argparse.ArgumentParser(description="compare our ALFWorld engine with alfworld's")
    parser.add_argument("--games", default=None,
                        help="official-format game files: a file, folder or glob, or 'official' "
                             "($ALFWORLD_DATA); every split folder found is played")
    parser.add_argument("--tasks", type=int, default=0,
                        help="also export this many generated tasks per eval split (level 5)")
    parser.add_argument("--max-games", type=int, default=0, help="cap per source (0: all)")
    parser.add_argument("--out", default=str(RESULTS / "alfworld_fidelity"))
    argv = list(sys.argv[1:] if argv is None else argv)  # alfworld's import rewrites sys.argv
    args = parser.parse_args(argv)
    reason = extra_available()
    if reason:
        raise SystemExit(reason)
    if args.games is None and not args.tasks:
        parser.error("give --games PATH and/or --tasks N")
    rows: dict[str, list[Episode]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sources: dict[str, list[Path]] = {}
        if args.games is not None:
            try:
                sources[args.games] = _all_splits(args.games, find_game_files)
            except GameDataMissing as exc:
                raise SystemExit(str(exc)) from None
        if args.tasks:
            sources[f"generated (level 5, {args.tasks} per eval split)"] = export_generated(args.tasks, Path(tmp))
        for source, files in sources.items():
            files = files[: args.max_games] if args.max_games else files
            rows[source] = list(tqdm(run(files), total=len(files) * len(POLICIES), desc=source[:40]))
    command = "python -m envs.alfworld.fidelity " + " ".join(argv)
    lines = report(rows, command)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(
        {source: {"summary": summarise(eps), "episodes": [_row(e) for e in eps]}
         for source, eps in rows.items()}, indent=1))
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:20]))


def _row(episode: Episode) -> dict[str, Any]:
    """An episode for the JSON report (its commands are replayable from the seed: left out)."""
    row = asdict(episode)
    row.pop("commands")
    return row


def _all_splits(games: str, find: Any) -> list[Path]:
    """Every split's files when ``games`` has split folders, else the files it names."""
    from tasks.alfworld.games import SPLIT_DIRS, GameDataMissing

    files: list[Path] = []
    for split in SPLIT_DIRS:
        try:
            files += [f for f in find(games, split) if f not in files]
        except GameDataMissing:
            continue
    if not files:
        files = find(games, "train")  # raises the clear message
    return files


if __name__ == "__main__":
    main()
