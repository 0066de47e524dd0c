"""Our ALFWorld engine vs alfworld 0.4.2's TextWorld engine on the same exported game files.

Needs the optional extra ``stepgym[alfworld]`` (alfworld + TextWorld's PDDL backend); skipped
with the reason when it is absent. Generated level-5 tasks (with official games' initial
state) are exported in alfworld's layout and played by every fidelity policy in lockstep;
admissible sets, observations and won flags must agree at every step. The full figures come
from ``python -m envs.alfworld.fidelity``; the official-format test games are played in
test_alfworld_games.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envs.alfworld.fidelity import POLICIES, compare_game, export_generated, extra_available

REASON = extra_available()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")


def test_engines_agree_step_by_step(tmp_path: Path) -> None:
    files = export_generated(3, tmp_path)
    assert len(files) == 6
    for index, game_file in enumerate(files):
        for policy in POLICIES:
            episode = compare_game(game_file, policy, seed=index, max_steps=20)
            assert episode.agree_all == episode.steps, (policy, episode.diffs)


def test_data_tables_rebuild_identically_from_installed_alfworld() -> None:
    import json

    import alfworld

    from tasks.alfworld.build_data import DATA_DIR, build

    rebuilt = build(Path(alfworld.__file__).parent)
    stored = json.loads((DATA_DIR / "alfworld_facts.json").read_text())
    assert rebuilt == stored
