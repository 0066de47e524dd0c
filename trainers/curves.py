"""Learning-curve plots: success rate and return against env steps (train rollouts, and the
periodic evaluation on the frozen split with its 95% Wilson interval)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def smooth(values: Sequence[float], window: int = 5) -> np.ndarray:
    """Trailing moving average (shorter at the start)."""
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        return x
    c = np.cumsum(np.insert(x, 0, 0.0))
    idx = np.arange(1, x.size + 1)
    lo = np.maximum(idx - window, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def plot_learning_curve(train_rows: Sequence[dict[str, Any]], eval_rows: Sequence[dict[str, Any]],
                        path: str | Path, title: str = "") -> Path:
    """Two panels (success rate, mean return) vs env steps; returns the PNG path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, ekey, label in ((axes[0], "success", "success", "success rate"),
                                 (axes[1], "return", "mean_return", "mean return")):
        if train_rows:
            x = [r["env_steps"] for r in train_rows]
            ax.plot(x, smooth([r[key] for r in train_rows]), label="train (smoothed)", alpha=0.8)
        if eval_rows:
            x = [r["env_steps"] for r in eval_rows]
            ax.plot(x, [r[ekey] for r in eval_rows], "o-", label="eval (frozen split)")
            if key == "success":
                lo = [r["success_ci"][0] for r in eval_rows]
                hi = [r["success_ci"][1] for r in eval_rows]
                ax.fill_between(x, lo, hi, alpha=0.2)
        ax.set_xlabel("env steps")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
