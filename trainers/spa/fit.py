"""Train SPA's progress estimator on saved trajectories (``stepgym spa fit``).

Stage 3 of arXiv 2505.20732 (Sec. 3.2, Eq. 4): minimise ``(sum_t c_t - R)^2`` per trajectory
over the exploration trajectories. The released settings are 1 epoch at lr 3e-6 (AdamW,
weight decay 0.01, gradient clipping 1.0): the defaults here. A tiny from-scratch backbone
needs far more (the recipes say what they use).

Trajectories are the rollout engine's JSONL records (``stepgym eval --output``, the pipeline's
explore stage, or a user's own logs). A seeded fraction of the task groups is held out; the
report gives, on the held-out and the training trajectories, the MSE of ``sum c_t`` against R
and the Spearman correlation of c_t with the env's true progress increments.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from trainers.spa.positions import scorable
from trainers.trajectory import Trajectory

REPORT_FILE = "fit_report.json"


@dataclass
class FitConfig:
    trajectories: list[str] = field(default_factory=list)  # JSONL files of Trajectory records
    model: str = "stepgym-tiny"  # the backbone's source: by default the policy that explored
    output_dir: str = "runs/spa/estimator"  # the estimator, fit_report.json, loss.png
    learning_rate: float = 3e-6  # released code
    epochs: int = 1  # released code
    batch_size: int = 8  # trajectories per optimiser step
    forward_batch_size: int = 16  # token samples per forward pass
    weight_decay: float = 0.01  # released code
    max_grad_norm: float = 1.0  # released code
    heldout_fraction: float = 0.2  # share of task groups kept out of training, for the report
    seed: int = 0  # head init, group split, batch order
    # False: the backbone stays the policy's and only the linear head learns, on hidden states
    # computed once (a linear probe: one forward pass over the data, then epochs cost nothing)
    train_backbone: bool = True
    device: str | None = None  # default: cuda when available, else cpu

    def __post_init__(self) -> None:
        # YAML 1.1 reads "1e-3" as a string: numbers may come in as text from recipes
        self.learning_rate, self.weight_decay = float(self.learning_rate), float(self.weight_decay)
        self.max_grad_norm, self.heldout_fraction = (float(self.max_grad_norm),
                                                     float(self.heldout_fraction))
        if isinstance(self.trajectories, str):
            self.trajectories = [self.trajectories]
        if self.epochs < 1 or self.batch_size < 1 or self.forward_batch_size < 1:
            raise ValueError("epochs, batch_size and forward_batch_size must be >= 1")
        if not 0.0 <= self.heldout_fraction < 1.0:
            raise ValueError(f"heldout_fraction must be in [0, 1), got {self.heldout_fraction}")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")


def load_trajectories(paths: Sequence[str]) -> list[Trajectory]:
    """Every trajectory in ``paths`` (JSONL); a clear error for a missing file."""
    from trainers.rollout import read_jsonl

    out: list[Trajectory] = []
    for p in paths:
        if not Path(p).is_file():
            raise FileNotFoundError(f"no trajectory file {p}")
        out.extend(read_jsonl(p))
    return out


def split_groups(trajectories: Sequence[Trajectory], fraction: float,
                 seed: int) -> tuple[list[Trajectory], list[Trajectory]]:
    """(train, held-out): a seeded ``fraction`` of the task groups goes to held-out (a task's
    rollouts never straddle the split; at least one group stays in training)."""
    groups = sorted({t.group_id for t in trajectories})
    rng = np.random.default_rng(seed)
    n_out = min(round(fraction * len(groups)), max(len(groups) - 1, 0))
    held = set(rng.permutation(groups)[:n_out].tolist()) if n_out else set()
    train = [t for t in trajectories if t.group_id not in held]
    return train, [t for t in trajectories if t.group_id in held]


def fit(cfg: FitConfig, progress: bool = True) -> dict[str, Any]:
    """Train, save the estimator to ``cfg.output_dir`` and return the report (also written)."""
    import torch

    from trainers.spa.estimator import ProgressEstimator, progress_loss, trajectory_return
    from trainers.spa.report import progress_report

    start = time.perf_counter()
    loaded = load_trajectories(cfg.trajectories)
    usable = [t for t in scorable(loaded) if t.num_steps > 0]
    if not usable:
        raise ValueError(f"none of the {len(loaded)} trajectories in {cfg.trajectories} has "
                         "tokens for every step: nothing to train on")
    train, held = split_groups(usable, cfg.heldout_fraction, cfg.seed)
    device = cfg.device or ("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(cfg.seed)
    est = ProgressEstimator.from_model(cfg.model, device=device, seed=cfg.seed)
    est.train()
    if cfg.train_backbone:
        step_values = est.step_values
    else:
        est.backbone.requires_grad_(False)
        est.backbone.eval()  # no dropout in the cached features
        with torch.no_grad():
            cached = dict(zip((id(t) for t in train),
                              est.step_hidden(train, cfg.forward_batch_size), strict=True))

        def step_values(batch: list[Trajectory], _size: int) -> list[torch.Tensor]:
            return [est.head(cached[id(t)]) for t in batch]
    params = [p for p in est.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    rng = np.random.default_rng(cfg.seed)
    n_batches = -(-len(train) // cfg.batch_size)
    losses: list[float] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=cfg.epochs * n_batches, desc="spa fit", unit="batch")
    for _epoch in range(cfg.epochs):
        order = rng.permutation(len(train))
        for b in range(n_batches):
            batch = [train[int(i)] for i in order[b * cfg.batch_size:(b + 1) * cfg.batch_size]]
            values = step_values(batch, cfg.forward_batch_size)
            loss = progress_loss(values, [trajectory_return(t) for t in batch])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
            opt.step()
            losses.append(float(loss.detach()))
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{losses[-1]:.4f}")
    if bar is not None:
        bar.close()
    if cfg.train_backbone:
        train_values = est.predict(train, cfg.forward_batch_size)
    else:  # the backbone did not move: its cached hidden states give the same c_t
        with torch.no_grad():
            train_values = [v.double().cpu().numpy()
                            for v in step_values(train, cfg.forward_batch_size)]
    report: dict[str, Any] = {
        "config": asdict(cfg),
        "trajectories_loaded": len(loaded),
        "trajectories_used": len(usable),
        "train_trajectories": len(train),
        "heldout_trajectories": len(held),
        "train_success": float(np.mean([t.won for t in train])),
        "optimizer_steps": len(losses),
        "loss_first": losses[0],
        "loss_last_10": float(np.mean(losses[-10:])),
        "train": progress_report(train, train_values),
        "heldout": (progress_report(held, est.predict(held, cfg.forward_batch_size))
                    if held else {}),
        "seconds": round(time.perf_counter() - start, 1),
    }
    out = Path(cfg.output_dir)
    est.save(out, extra={"fit": {k: report[k] for k in ("train_trajectories", "heldout")}})
    (out / REPORT_FILE).write_text(json.dumps({**report, "losses": losses}, indent=2,
                                              default=float))
    _plot_loss(losses, out / "loss.png")
    return report


def _plot_loss(losses: Sequence[float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from trainers.curves import smooth

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(losses, alpha=0.4, label="batch loss")
    ax.plot(smooth(losses, 10), label="smoothed")
    ax.set_xlabel("optimiser step")
    ax.set_ylabel("(sum c_t - R)^2")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
