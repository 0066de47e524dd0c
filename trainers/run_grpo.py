"""One GRPO run end to end: configs -> trainer (+ eval/resume callback) -> train -> final model,
config.yaml, learning curve and a summary (used by ``stepgym train`` and ``make demo``)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from trainers.config import AgentArguments, save_run_config


def prepare_for_device(grpo_args: Any) -> None:
    """CPU settings from NOTES.md: use_cpu, no bf16, no gradient checkpointing."""
    import torch

    if not torch.cuda.is_available():
        grpo_args.use_cpu = True
        grpo_args.bf16 = False
        grpo_args.fp16 = False
        grpo_args.gradient_checkpointing = False


def run_grpo(agent_args: AgentArguments, grpo_args: Any, model_args: Any, resume: bool = False,
             agent: Any = None, callbacks: list | None = None) -> dict[str, Any]:
    """Train (resuming from the latest checkpoint when ``resume``), save ``final/`` (LoRA
    merged), the learning curve and ``summary.json``; return the summary."""
    from trainers.checkpoint import latest_checkpoint, read_jsonl
    from trainers.curves import plot_learning_curve
    from trainers.grpo import add_run_callback, build_trainer
    from trainers.rollout import format_meta, save_model_meta

    prepare_for_device(grpo_args)
    out = Path(grpo_args.output_dir)
    ckpt = latest_checkpoint(out) if resume else None
    if resume and ckpt is None:
        print(f"--resume: no checkpoint in {out}; starting fresh")
    save_run_config(out, agent=agent_args, grpo=grpo_args, model=model_args)
    trainer = build_trainer(agent_args, grpo_args, model_args, agent=agent)
    add_run_callback(trainer, agent_args)
    for cb in callbacks or []:
        trainer.add_callback(cb)
    trainer.train(resume_from_checkpoint=str(ckpt) if ckpt else None)

    final = out / "final"
    model = trainer.model
    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
    model.save_pretrained(final)
    trainer.agent.tokenizer.save_pretrained(final)
    save_model_meta(final, agent_args.rollout_config(grpo_args.temperature, grpo_args.top_p),
                    {agent_args.env_id: agent_args.env_kwargs}, trained_by="grpo",
                    **format_meta(trainer.agent))

    train_rows = read_jsonl(out / "rollouts.jsonl")
    eval_rows = read_jsonl(out / "eval.jsonl")
    curve = plot_learning_curve(train_rows, eval_rows, out / "learning_curve.png",
                                title=f"{agent_args.env_id} {agent_args.credit}")
    summary = {"global_step": trainer.state.global_step, "env_steps": trainer.env_steps,
               "eval_first": eval_rows[0] if eval_rows else None,
               "eval_last": eval_rows[-1] if eval_rows else None,
               "final_model": str(final), "curve": str(curve), "agent": asdict(agent_args)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    summary["trainer"] = trainer
    return summary
