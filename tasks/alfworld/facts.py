"""ALFWorld's facts as shipped in ``data/alfworld_facts.json`` (rebuilt by ``build_data.py``).

Source: alfworld 0.4.2 (Shridhar et al., ICLR 2021; MIT licence, see data/ALFWORLD_LICENSE.txt).
Also the naming rules of alfworld's ``Demangler`` (agents/utils/misc.py) and of
``PlannedGameState.fix_pddl_str_chars`` (gen/game_states/planned_game_state.py), so generated
instance names ("cabinet 3", "sinkbasin 1") are numbered the way ALFWorld numbers them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"

#: Where lamps stand. ALFWorld's placement table has no entry for lamps (they are never moved);
#: in its scenes a desk lamp stands on furniture and the PDDL toggle action needs the lamp in a
#: receptacle at the agent's location, so we place lamps on these receptacle classes.
LAMP_HOSTS: dict[str, tuple[str, ...]] = {
    "DeskLamp": ("Desk", "SideTable", "Dresser", "DiningTable", "CoffeeTable", "Shelf", "TVStand"),
    "FloorLamp": ("SideTable", "Desk", "Dresser", "CoffeeTable", "TVStand", "Shelf", "DiningTable"),
}


@lru_cache(maxsize=1)
def facts() -> dict[str, Any]:
    """The facts table (loaded once per process)."""
    table = json.loads((DATA_DIR / "alfworld_facts.json").read_text())
    for lamp, hosts in LAMP_HOSTS.items():
        for host in hosts:
            table["can_contain"][host] = sorted(set(table["can_contain"].get(host, [])) | {lamp})
    return table


def mangle(thor_id: str) -> str:
    """ALFWorld's PDDL-safe form of a THOR object id (``fix_pddl_str_chars``)."""
    out = thor_id
    for a, b in (("-", "_minus_"), ("|", "_bar_"), ("+", "_plus_"), (".", "_dot_"), (",", "_comma_")):
        out = out.replace(a, b)
    return out


def base_name(thor_id: str) -> str:
    """The demangled class name: 'Sink|..|SinkBasin' -> 'sinkbasin', 'Cabinet|..' -> 'cabinet'."""
    name = thor_id.split("|", 1)[0].lower()
    if "basin" in thor_id.lower():
        name += "basin"
    return name


def instance_names(thor_ids: list[str]) -> dict[str, str]:
    """Number instances as alfworld's Demangler does: ids sorted (mangled), per class the first
    sorted id gets the highest number (it pops from the end of ``[1..count]``)."""
    ordered = sorted(thor_ids, key=lambda i: mangle(i).lower())
    counts: dict[str, int] = {}
    for i in ordered:
        counts[base_name(i)] = counts.get(base_name(i), 0) + 1
    names: dict[str, str] = {}
    for i in ordered:
        base = base_name(i)
        names[i] = f"{base} {counts[base]}"
        counts[base] -= 1
    return names
