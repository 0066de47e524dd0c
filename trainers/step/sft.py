"""Partial-mask SFT on TRL's ``SFTTrainer`` (STeP, arXiv 2505.20023 Sec. 3.3).

Rows of segment conversations (synthesize.py) are tokenized with the model's own chat pieces
(segments.py) into ``input_ids`` and ``completion_mask``; the trainer gets that pre-tokenized
dataset with ``completion_only_loss=True``, so its labels come from our per-token mask (TRL
builds them from the ``completion_mask`` column) and none of TRL's assistant-only heuristics are
involved. ``partial_mask=False`` is the ablation that trains on the mistakes too.

    stepgym step sft --data runs/step/expert/dataset runs/step/synth/dataset \\
        --model stepgym-alfworld-l1 --output runs/step/sft

The trained model is saved with the start model's ``stepgym.json`` (its rollout settings and
envs), so ``stepgym eval --model OUTPUT/final`` plays it as the start model was played.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from trainers.step.segments import Conversation, Encoded, encode


@dataclass
class StepSFTConfig:
    """Arguments of ``stepgym step sft``."""

    model: str  # start model: a cached name, a path or a hub id
    data: list[str]  # dataset directories (``datasets.save_to_disk``), concatenated
    output: str
    partial_mask: bool = True  # False: mistakes are trained on too (the ablation)
    episodes_per_dataset: int | None = None  # equal-trajectory budgets: the first N of each
    max_trained_tokens: int | None = None  # equal-token budgets: stop adding sequences here
    epochs: float = 2.0
    learning_rate: float = 5e-4
    batch_size: int = 8
    max_length: int = 3072
    seed: int = 0
    resume: bool = False
    lora: dict[str, Any] = field(default_factory=dict)  # peft LoraConfig kwargs; empty: full


def load_rows(paths: Sequence[str], episodes_per_dataset: int | None = None) -> list[dict[str, Any]]:
    import datasets

    rows: list[dict[str, Any]] = []
    for path in paths:
        ds = datasets.load_from_disk(path)
        n = len(ds) if episodes_per_dataset is None else min(len(ds), episodes_per_dataset)
        rows += [ds[i] for i in range(n)]
    return rows


def tokenize_rows(rows: Sequence[dict[str, Any]], tokenizer: Any, partial_mask: bool = True,
                  max_trained_tokens: int | None = None) -> list[Encoded]:
    """Every row's sequences under ``tokenizer``'s chat template (pieces cached per system
    prompt), up to ``max_trained_tokens`` trained tokens in all."""
    from agents.chat import ChatPieces

    pieces: dict[str, ChatPieces] = {}
    out: list[Encoded] = []
    trained = 0
    for row in rows:
        conv = Conversation.from_row(row)
        key = json.dumps([conv.system, conv.tools], sort_keys=True)
        if key not in pieces:
            pieces[key] = ChatPieces(tokenizer, conv.system, conv.tools)
        for seq in encode(conv, pieces[key], partial_mask):
            if max_trained_tokens is not None and trained + sum(seq.completion_mask) > max_trained_tokens:
                return out
            trained += sum(seq.completion_mask)
            out.append(seq)
    return out


def run_sft(config: StepSFTConfig, progress: bool = True) -> Path:
    """Train; returns ``OUTPUT/final``."""
    import datasets
    import torch
    from trl import SFTConfig, SFTTrainer

    from trainers.finetune import load_start, save_like_start

    missing = [d for d in config.data if not Path(d).is_dir()]
    if missing:
        raise FileNotFoundError(f"no dataset at {missing} (stepgym step synthesize / expert "
                                "write OUTPUT/dataset)")
    out = Path(config.output)
    out.mkdir(parents=True, exist_ok=True)
    (out / "step_sft_config.json").write_text(json.dumps(asdict(config), indent=2))
    source, model, tokenizer = load_start(config.model, config.seed)
    rows = load_rows(config.data, config.episodes_per_dataset)
    seqs = tokenize_rows(rows, tokenizer, config.partial_mask, config.max_trained_tokens)
    if not seqs:
        raise ValueError(f"no training sequences in {config.data}")
    train = datasets.Dataset.from_list([{"input_ids": s.input_ids,
                                         "completion_mask": s.completion_mask} for s in seqs])
    peft_config = None
    if config.lora:
        from peft import LoraConfig

        peft_config = LoraConfig(task_type="CAUSAL_LM", **config.lora)
    args = SFTConfig(output_dir=str(out), num_train_epochs=config.epochs,
                     learning_rate=config.learning_rate,
                     per_device_train_batch_size=config.batch_size, max_length=config.max_length,
                     completion_only_loss=True, seed=config.seed, data_seed=config.seed,
                     logging_steps=5, save_strategy="epoch", save_total_limit=1,
                     report_to="none", disable_tqdm=not progress, use_cpu=not torch.cuda.is_available(),
                     dataset_num_proc=None)
    trainer = SFTTrainer(model=model, args=args, train_dataset=train, processing_class=tokenizer,
                         peft_config=peft_config)
    checkpoints = sorted(out.glob("checkpoint-*"))
    trainer.train(resume_from_checkpoint=str(checkpoints[-1]) if config.resume and checkpoints else None)
    final = out / "final"
    trainer.save_model(str(final))
    save_like_start(tokenizer, source, final)
    stats = {"sequences": len(seqs), "tokens": sum(len(s.input_ids) for s in seqs),
             "trained_tokens": sum(sum(s.completion_mask) for s in seqs),
             "episodes": len(rows), "log": trainer.state.log_history}
    (out / "sft_stats.json").write_text(json.dumps(stats, indent=2))
    return final
