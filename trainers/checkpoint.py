"""Checkpoint helpers for GRPO runs: TRL/transformers save model, optimizer, scheduler, RNG and
``trainer_state.json`` under ``output_dir/checkpoint-N``; our JSONL ledgers (``rollouts.jsonl``
with cumulative env steps, ``eval.jsonl``) are cut back to the resumed step so a resumed run
continues the same curves."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_CKPT = re.compile(r"^checkpoint-(\d+)$")


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    """The ``checkpoint-N`` folder with the largest N, or None."""
    out = Path(output_dir)
    if not out.is_dir():
        return None
    found = [(int(m.group(1)), p) for p in out.iterdir()
             if p.is_dir() and (m := _CKPT.match(p.name))]
    return max(found)[1] if found else None


def checkpoint_step(path: str | Path) -> int:
    state = json.loads((Path(path) / "trainer_state.json").read_text())
    return int(state["global_step"])


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    p = Path(path)
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text().splitlines() if line.strip()]


def truncate_ledger(path: str | Path, keep: Any) -> list[dict[str, Any]]:
    """Rewrite a JSONL ledger keeping only rows where ``keep(row)``; returns the kept rows."""
    rows = [r for r in read_jsonl(path) if keep(r)]
    p = Path(path)
    if p.exists():
        p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return rows


def restore_ledgers(output_dir: str | Path, global_step: int) -> int:
    """Drop ledger rows written after ``global_step`` (the resumed checkpoint); return the
    cumulative env steps at that point."""
    out = Path(output_dir)
    # rollouts are recorded at the start of a step (global_step = steps finished before it)
    rows = truncate_ledger(out / "rollouts.jsonl", lambda r: r["global_step"] < global_step)
    truncate_ledger(out / "eval.jsonl", lambda r: r["global_step"] <= global_step)
    return int(rows[-1]["env_steps"]) if rows else 0
