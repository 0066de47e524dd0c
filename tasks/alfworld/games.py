"""ALFWorld's own game files (``game.tw-pddl``, with ``traj_data.json``) as tasks of our engine.

A game file is JSON holding the PDDL domain, the text grammar (with the task text put in) and
the PDDL problem; the problem is read with pddl_reader.py and turned into ``Task.data`` with the
whole initial state (world.py's optional keys): shared locations, receptacles that start open,
objects that start hot / cool / clean / sliced / toggled, objects inside movable receptacles,
objects that cannot be picked up, per-instance abilities, and the goal formula itself.
Instance names ("drawer 2") follow alfworld's ``Demangler`` over the problem's names.

Where games come from (the ``games=`` argument of ``stepgym/ALFWorld-v0``):
- a file, a folder (searched for ``game.tw-pddl``) or a glob: those games, in sorted order;
- ``"official"``: ``$ALFWORLD_DATA/json_2.1.1``, split folders mapped as alfworld maps them
  (train -> train, eval_seen -> valid_seen, eval_unseen -> valid_unseen). A folder that holds
  such split folders (or ``json_2.1.1``) maps the same way.
Like alfworld's ``AlfredTWEnv.collect_game_files``, folders naming ``movable`` or ``Sliced``
tasks, task types outside the six and games not marked ``solvable`` are skipped.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tasks.alfworld.facts import base_name
from tasks.alfworld.generate import TASK_TYPES
from tasks.alfworld.pddl_reader import Problem, read_problem
from tasks.base import DataMissing, Task, TaskSuite, stable_hash

GAME_FILE = "game.tw-pddl"
TRAJ_FILE = "traj_data.json"
OFFICIAL = "official"
SPLIT_DIRS = {"train": "train", "eval_seen": "valid_seen", "eval_unseen": "valid_unseen"}
DOWNLOAD_HELP = (
    "ALFWorld's official games are not on this machine. They come with alfworld: "
    "`pip install alfworld && alfworld-download` (needs network) fills $ALFWORLD_DATA with "
    "json_2.1.1/{train,valid_seen,valid_unseen}; then set ALFWORLD_DATA to that folder and "
    "pass games='official', or pass games=PATH_OR_GLOB for game.tw-pddl files you have."
)
_ABILITIES = {"heatable": "heatable", "coolable": "coolable", "cleanable": "cleanable",
              "sliceable": "sliceable", "toggleable": "toggleable", "pickupable": "pickupable",
              "isreceptacleobject": "receptacle_object"}
_STATES = {"ishot": "hot", "iscool": "cool", "isclean": "clean", "issliced": "sliced",
           "istoggled": "toggled", "ison": "on"}


class GameDataMissing(DataMissing):
    """No game files where the user pointed (the message says how to get them)."""


# ----------------------------------------------------------------------------- finding files
def official_root() -> Path:
    """``$ALFWORLD_DATA/json_2.1.1``, or :class:`GameDataMissing`."""
    data = os.environ.get("ALFWORLD_DATA")
    if not data:
        raise GameDataMissing(f"ALFWORLD_DATA is not set. {DOWNLOAD_HELP}")
    root = Path(data).expanduser() / "json_2.1.1"
    if not root.is_dir():
        raise GameDataMissing(f"{root} does not exist. {DOWNLOAD_HELP}")
    return root


def _split_root(path: Path) -> Path | None:
    """The folder holding alfworld's split folders, if ``path`` is (or holds) one."""
    for cand in (path, path / "json_2.1.1"):
        if cand.is_dir() and any((cand / d).is_dir() for d in SPLIT_DIRS.values()):
            return cand
    return None


def find_game_files(games: str, split: str) -> list[Path]:
    """The game files ``games`` names for ``split`` (sorted), filtered as alfworld filters."""
    if games == OFFICIAL:
        root: Path | None = official_root()
    else:
        path = Path(os.path.expandvars(games)).expanduser()
        root = _split_root(path) if path.is_dir() else None
    if root is not None:
        if split not in SPLIT_DIRS:
            raise ValueError(f"split {split!r} has no ALFWorld folder; splits: {sorted(SPLIT_DIRS)}")
        candidates = sorted((root / SPLIT_DIRS[split]).rglob(GAME_FILE))
        where = root / SPLIT_DIRS[split]
    else:
        path = Path(os.path.expandvars(games)).expanduser()
        if path.is_file():
            candidates = [path]
        elif path.is_dir():
            candidates = sorted(path.rglob(GAME_FILE))
        else:
            candidates = sorted(Path(p) for p in glob.glob(str(path), recursive=True))
        where = path
    files = [f for f in candidates if _playable(f)]
    if not files:
        raise GameDataMissing(f"no playable {GAME_FILE} under {where}. {DOWNLOAD_HELP}")
    return files


def _playable(game_file: Path) -> bool:
    """alfworld's filter: no movable / sliced tasks, the six types, marked solvable."""
    folder = str(game_file.parent)
    if "movable" in folder or "Sliced" in folder:
        return False
    try:
        if not json.loads(game_file.read_text()).get("solvable", False):
            return False
    except (OSError, json.JSONDecodeError):
        return False
    traj = game_file.parent / TRAJ_FILE
    if traj.is_file():
        return json.loads(traj.read_text()).get("task_type") in TASK_TYPES
    return True


def files_checksum(files: Sequence[Path], root: Path | None = None) -> str:
    """SHA-256 over the game files' bytes (and traj_data.json), in order: a split's identity."""
    digest = hashlib.sha256()
    for f in files:
        name = str(f.relative_to(root)) if root is not None else f.name
        digest.update(name.encode() + b"\n" + f.read_bytes() + b"\n")
        traj = f.parent / TRAJ_FILE
        if traj.is_file():
            digest.update(traj.read_bytes() + b"\n")
    return digest.hexdigest()


# ----------------------------------------------------------------------------- one game
def demangled_names(ids: Sequence[str]) -> dict[str, str]:
    """alfworld's ``Demangler``: ids sorted (lowered); per base name the first sorted id gets
    the highest number. Returns id -> "drawer 2"."""
    lowered = sorted(i.lower() for i in ids)
    counts: dict[str, int] = {}
    for i in lowered:
        if "_bar_" in i:
            counts[_base(i)] = counts.get(_base(i), 0) + 1
    by_lower: dict[str, str] = {}
    for i in lowered:
        if "_bar_" in i:
            by_lower[i] = f"{_base(i)} {counts[_base(i)]}"
            counts[_base(i)] -= 1
        else:
            by_lower[i] = i
    return {i: by_lower[i.lower()] for i in ids}


def _base(lowered_id: str) -> str:
    return base_name(lowered_id.replace("_bar_", "|", 1))


def _cls(type_name: str) -> str:
    """'AppleType' -> 'Apple' (the class names our tables use)."""
    return type_name[:-4] if type_name.lower().endswith("type") else type_name


def goal_text(grammar: str) -> str:
    """The task sentence the grammar's ``task`` rule carries ('put a apple in drawer')."""
    start = grammar.find('"""')
    end = grammar.find('"""', start + 3)
    if start < 0 or end < 0:
        raise ValueError("the game's grammar has no rule block")
    rules = json.loads(grammar[start + 3:end])
    text = rules["task"][0]["rhs"]
    prefix = "Your task is to: "
    text = text[len(prefix):] if text.startswith(prefix) else text
    return text[:-1] if text.endswith(".") else text


def goal_params(game_file: Path) -> dict[str, str]:
    """Task type and goal classes: traj_data.json's ``pddl_params``, else alfworld's folder name
    ``<task_type>-<Object>-<MovableRecep>-<Receptacle>-<scene>``."""
    traj = game_file.parent / TRAJ_FILE
    if traj.is_file():
        t = json.loads(traj.read_text())
        p = t.get("pddl_params", {})
        return {"task_type": t["task_type"], "obj": p.get("object_target", ""),
                "recep": p.get("parent_target", "") or "", "toggle": p.get("toggle_target", "") or "",
                "floorplan": f"FloorPlan{t['scene']['scene_num']}" if "scene" in t else ""}
    for folder in (game_file.parent, *game_file.parents):
        parts = folder.name.split("-")
        if parts[0] in TASK_TYPES and len(parts) >= 5:
            task_type, obj, _, recep = parts[:4]
            toggle = recep if task_type == "look_at_obj_in_light" else ""
            recep = "" if task_type == "look_at_obj_in_light" else recep
            return {"task_type": task_type, "obj": obj, "recep": recep, "toggle": toggle,
                    "floorplan": f"FloorPlan{parts[4]}"}
    raise ValueError(f"{game_file}: no {TRAJ_FILE} beside it and no alfworld task folder above "
                     "it, so its task type is unknown")


def task_data(game_file: Path) -> dict[str, Any]:
    """``Task.data`` for one ``game.tw-pddl``."""
    raw = json.loads(Path(game_file).read_text())
    problem = read_problem(raw["pddl_problem"])
    params = goal_params(Path(game_file))
    data = state_data(problem)
    data["goal"] = {k: params[k] for k in ("task_type", "obj", "recep", "toggle")}
    data["goal_text"] = goal_text(raw["grammar"])
    data["floorplan"] = params["floorplan"]
    return data


def state_data(problem: Problem) -> dict[str, Any]:
    """The initial state of ``problem`` in world.py's data keys."""
    by_type: dict[str, list[str]] = {}
    for name, typ in problem.objects.items():
        by_type.setdefault(typ.lower(), []).append(name)
    recs = sorted(by_type.get("receptacle", []), key=str.lower)
    objs = sorted(by_type.get("object", []), key=str.lower)
    names = demangled_names(recs + objs)
    facts: dict[str, list[tuple[str, ...]]] = {}
    for fact in problem.init:
        facts.setdefault(fact[0], []).append(fact[1:])
    r_index = {r.lower(): i for i, r in enumerate(recs)}
    o_index = {o.lower(): i for i, o in enumerate(objs)}

    def pairs(pred: str) -> dict[str, str]:
        """A binary predicate as first argument (lowered) -> second."""
        return {a[0].lower(): a[1] for a in facts.get(pred, [])}

    rtype, otype = pairs("receptacletype"), pairs("objecttype")
    rec_at, obj_at = pairs("receptacleatlocation"), pairs("objectatlocation")
    where = {a[0].lower(): r_index[a[1].lower()] for a in facts.get("inreceptacle", [])}
    held = {a[1].lower() for a in facts.get("holds", [])}
    missing = [r for r in recs if r.lower() not in rtype or r.lower() not in rec_at]
    if missing:
        raise ValueError(f"receptacles without a type or a location: {missing[:5]}")
    start = [a[1] for a in facts.get("atlocation", [])]
    data: dict[str, Any] = {
        "receptacles": [[r, _cls(rtype[r.lower()]), names[r]] for r in recs],
        "objects": [[o, _cls(otype.get(o.lower(), o)), names[o],
                     -1 if o.lower() in held else where.get(o.lower(), -2)] for o in objs],
        "locations": [rec_at[r.lower()] for r in recs],
        "start": start[0] if start else None,
        "object_locations": [obj_at.get(o.lower()) for o in objs],
        "openable": sorted(r_index[a[0].lower()] for a in facts.get("openable", [])),
        "opened": sorted(r_index[a[0].lower()] for a in facts.get("opened", [])),
        "state": {key: sorted(o_index[a[0].lower()] for a in facts.get(pred, []))
                  for pred, key in _STATES.items()},
        "abilities": {key: sorted(o_index[a[0].lower()] for a in facts.get(pred, []))
                      for pred, key in _ABILITIES.items()},
        "inside": sorted([o_index[a[0].lower()], o_index[a[1].lower()]]
                         for a in facts.get("inreceptacleobject", [])),
        "can_contain": _can_contain(facts.get("cancontain", [])),
        "goal_pddl": _lower(problem.goal),
    }
    return data


def _can_contain(pairs: list[tuple[str, ...]]) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    for rt, ot in pairs:
        out.setdefault(_cls(rt), set()).add(_cls(ot))
    return {k: sorted(v) for k, v in sorted(out.items())}


def _lower(f: Any) -> Any:
    if isinstance(f, str):
        return f.lower()
    return [_lower(x) for x in f]


def load_task(game_file: str | Path, split: str = "file", index: int = 0) -> Task:
    """One game file as a task (``reset(options={"game_file": PATH})`` plays it)."""
    path = Path(game_file)
    if path.is_dir():
        path = path / GAME_FILE
    if not path.is_file():
        raise GameDataMissing(f"{path} does not exist. {DOWNLOAD_HELP}")
    data = task_data(path)
    data["game_file"] = str(path)
    index = index or stable_hash(str(path.resolve())) % 10**9  # distinct ids per file
    return Task(task_id=f"alfworld_games:{split}:{index}", split=split, goal=data["goal_text"],
                task_type=data["goal"]["task_type"], data=data)


# ----------------------------------------------------------------------------- the suite
class GameFilesSuite(TaskSuite):
    """Game files as frozen splits; ``frozen_checksums`` are computed from the files."""

    name = "alfworld_games"

    def __init__(self, games: str, splits: Sequence[str],
                 task_types: Sequence[str] | None = None) -> None:
        super().__init__()
        self.games = games
        self.files: dict[str, list[Path]] = {}
        for split in splits:
            files = find_game_files(games, split)
            if task_types:
                files = [f for f in files if goal_params(f)["task_type"] in set(task_types)]
                if not files:
                    raise GameDataMissing(f"no {list(task_types)} games in {games} for {split}")
            self.files[split] = files
        self.splits = {s: len(f) for s, f in self.files.items()}
        self.frozen_checksums = {s: files_checksum(f, _common_root(f)) for s, f in self.files.items()}

    def _generate(self, rng: np.random.Generator, split: str, index: int,
                  options: Mapping[str, Any]) -> Task:
        path = self.files[split][index]
        data = task_data(path)
        data["game_file"] = str(path.relative_to(_common_root(self.files[split])))
        return Task(task_id="", split=split, goal=data["goal_text"],
                    task_type=data["goal"]["task_type"], data=data)


def _common_root(files: Sequence[Path]) -> Path:
    return Path(os.path.commonpath([str(f.parent) for f in files])) if len(files) > 1 \
        else files[0].parent
