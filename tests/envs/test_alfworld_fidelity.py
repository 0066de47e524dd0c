"""Our ALFWorld engine vs alfworld 0.4.2's TextWorld engine on the same exported game files.

Needs the optional extra ``stepgym[alfworld]`` (alfworld + TextWorld's PDDL backend); skipped
with the reason when it is absent. Plays expert and random-admissible episodes (with invalid
commands mixed in) in lockstep and requires identical admissible sets, observations and won
flags at every step. The full figures come from ``python -m envs.alfworld.fidelity``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envs.alfworld.fidelity import compare_episode, extra_available

REASON = extra_available()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")


@pytest.mark.parametrize("split,index", [("eval_seen", 0), ("eval_seen", 1), ("eval_unseen", 2),
                                         ("eval_unseen", 3), ("eval_seen", 4), ("eval_unseen", 5)])
def test_engines_agree_step_by_step(split: str, index: int, tmp_path: Path) -> None:
    for policy in ("expert", "random"):
        episode = compare_episode(index, split, policy, seed=index, workdir=tmp_path, max_steps=20)
        assert episode.agree_all == episode.steps, episode.diffs


def test_data_tables_rebuild_identically_from_installed_alfworld() -> None:
    import json

    import alfworld

    from tasks.alfworld.build_data import DATA_DIR, build

    rebuilt = build(Path(alfworld.__file__).parent)
    stored = json.loads((DATA_DIR / "alfworld_facts.json").read_text())
    assert rebuilt == stored
