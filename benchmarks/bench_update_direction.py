"""Does one GRPO generation's update move the policy the way its advantages say, per learning rate?

For each ``--lrs`` value, from the same starting model and with the same seeds (so every run
samples the same first generation), run ``stepgym train RECIPE`` for exactly one generation
(``steps_per_generation`` optimizer steps), then score that generation's sampled steps under
the updated policy. Per step: ``dlogp`` = log p_new(action tokens) - log p_sampling(action
tokens), summed over the step's generated tokens. A sound update raises ``dlogp`` where the
credit method's advantage is positive and lowers it where negative; a step too large for the
signal lowers every sampled action (the policy moves off the data in all directions).

Side by side in one run (same batch, only the learning rate differs): correlation of advantage
and ``dlogp``, mean ``dlogp`` for positive / negative advantages and for valid / invalid actions.
Writes benchmarks/results/update_direction.{json,md}.

    python benchmarks/bench_update_direction.py --model stepgym-tiny-textworld \\
        --lrs 0 2e-5 1e-4 3e-4 1e-3 -- --env_kwargs '{challenge: coin_collector, level: 5}'
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def score_update(trainer: Any) -> dict[str, float]:
    """Advantage vs log-prob change over the last generation's steps (see module docstring)."""
    from trainers.grpo import window_training_batch

    trajs = trainer.rollouts.last
    if any(len(t.samples) != t.num_steps for t in trajs):
        raise ValueError("window-mode recipes only (one sample per env step)")
    advantages = trainer.credit.step_advantages(trajs)
    # the trainer's own rows (one per env step, in trajectory order) and log-prob forward
    out = window_training_batch(trajs, trainer.credit.token_advantages(trajs),
                                trainer.processing_class.pad_token_id)
    trainer.model.eval()
    new = trainer._logps(trainer.model, out)
    mask = (out["completion_mask"] * out["tool_mask"]).bool()
    n = sum(t.num_steps for t in trajs)
    dlogp = ((new - out["sampling_per_token_logps"]) * mask).sum(-1)[:n].tolist()
    adv = [float(x) for step_adv in advantages for x in step_adv]
    valid = [s.action_valid for t in trajs for s in t.steps]
    d, a, v = np.array(dlogp), np.array(adv), np.array(valid, dtype=bool)

    def mean(x: np.ndarray) -> float:
        return float(x.mean()) if x.size else float("nan")

    corr = float(np.corrcoef(a, d)[0, 1]) if d.std() > 0 and a.std() > 0 else float("nan")
    return {"steps": int(d.size), "corr_adv_dlogp": corr,
            "dlogp_adv_pos": mean(d[a > 0]), "dlogp_adv_neg": mean(d[a < 0]),
            "dlogp_valid": mean(d[v]), "dlogp_invalid": mean(d[~v]),
            "invalid_frac": float(1.0 - v.mean()) if v.size else float("nan")}


def run_lr(recipe: str, model: str, lr: float, extra: list[str]) -> dict[str, float]:
    import torch

    from trainers.config import parse_config
    from trainers.grpo import build_trainer
    from trainers.run_grpo import prepare_for_device

    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as out:
        agent_args, grpo_args, model_args = parse_config([
            recipe, "--model_name_or_path", model, "--learning_rate", str(lr),
            "--output_dir", out, "--save_steps", "100000", "--report_to", "none",
            "--disable_tqdm", "true", "--eval_every", "0", *extra])
        grpo_args.max_steps = (grpo_args.steps_per_generation
                               // grpo_args.gradient_accumulation_steps) or 1
        prepare_for_device(grpo_args)
        trainer = build_trainer(agent_args, grpo_args, model_args)
        trainer.train()
        return {"lr": lr, "optimizer_steps": grpo_args.max_steps, **score_update(trainer)}


def to_markdown(rows: list[dict[str, Any]], title: str) -> str:
    lines = [f"### {title}", "",
             "| lr | optimizer steps | steps scored | corr(A, dlogp) | dlogp, A > 0 | dlogp, A < 0 "
             "| dlogp, valid | dlogp, invalid |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['lr']:g} | {r['optimizer_steps']} | {r['steps']} | "
                     f"{r['corr_adv_dlogp']:.3f} | {r['dlogp_adv_pos']:+.3f} | "
                     f"{r['dlogp_adv_neg']:+.3f} | {r['dlogp_valid']:+.3f} | "
                     f"{r['dlogp_invalid']:+.3f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipe", default="recipes/grpo_gigpo_textworld.yaml")
    parser.add_argument("--model", default="stepgym-tiny-textworld")
    parser.add_argument("--lrs", nargs="+", type=float, default=[0.0, 2e-5, 1e-4, 3e-4, 1e-3])
    parser.add_argument("--name", default="update_direction", help="results file stem")
    parser.add_argument("extra", nargs=argparse.REMAINDER,
                        help="after `--`: --key value recipe overrides")
    args = parser.parse_args(argv)
    extra = args.extra[1:] if args.extra[:1] == ["--"] else args.extra
    rows = []
    for lr in args.lrs:
        rows.append(run_lr(args.recipe, args.model, lr, extra))
        print(json.dumps(rows[-1]))
    title = f"{args.recipe} from {args.model} {' '.join(extra)}".strip()
    table = to_markdown(rows, title)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(
        {"recipe": args.recipe, "model": args.model, "overrides": extra, "rows": rows}, indent=1))
    (RESULTS / f"{args.name}.md").write_text(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
