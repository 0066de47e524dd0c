"""Start and finish of an offline fine-tuning stage (STeP's SFT, MCTS-DPO's DPO): the start
model loaded for training, the result saved so that ``stepgym eval`` plays it as the start."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any


def load_start(name_or_path: str, seed: int) -> tuple[Path, Any, Any]:
    """``(source directory, fp32 model, tokenizer with a pad token)``, torch seeded first."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from agents import resolve_model

    source = Path(resolve_model(name_or_path))
    tokenizer = AutoTokenizer.from_pretrained(source)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32)
    return source, model, tokenizer


def save_like_start(tokenizer: Any, source: Path, final: Path) -> Path:
    """Beside a model saved in ``final``: the tokenizer and the start's ``stepgym.json`` (its
    rollout settings and envs)."""
    tokenizer.save_pretrained(str(final))
    if (source / "stepgym.json").is_file():
        shutil.copy(source / "stepgym.json", final / "stepgym.json")
    return final
