"""SPA's progress estimator: a causal LM backbone and a scalar head read at each step's end.

Eq. 4 of arXiv 2505.20732: for a trajectory with final reward R and per-step contributions
c_1..c_T (the head's outputs at the last generated token of each step),

    L = (sum_t c_t - R)^2

averaged over the trajectories of a batch. Nothing constrains an individual c_t: the split of R
over steps is whatever the estimator learns to predict from each step's context. The backbone is
by default a copy of the policy's (the paper starts from the SFT model); the head is
:class:`trainers.ppo.model.ValueHead` on the last hidden state (the released code puts a
``Linear(vocab_size, 1)`` on the logits instead; a head on the hidden state is the usual value
head and has far fewer parameters).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from trainers.ppo.model import ValueHead, _hidden_size
from trainers.spa.positions import trajectory_read_points
from trainers.trajectory import TokenSample, Trajectory

HEAD_FILE = "progress_head.pt"
META_FILE = "spa_estimator.json"


class ProgressEstimator(nn.Module):
    """``c_t`` for every step of a trajectory (see module docstring)."""

    def __init__(self, backbone: nn.Module, seed: int = 0, source: str = "") -> None:
        super().__init__()
        self.backbone = backbone
        self.head = ValueHead(_hidden_size(backbone), seed).to(next(backbone.parameters()).device)
        self.source = source  # the model the backbone was copied from (for the saved metadata)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_model(cls, name_or_path: str | os.PathLike, device: str | None = None,
                   seed: int = 0) -> ProgressEstimator:
        """A fresh estimator on a copy of ``name_or_path`` (a stepgym model name or a path)."""
        from transformers import AutoModelForCausalLM

        from agents.models import resolve_model

        path = resolve_model(name_or_path)
        torch.manual_seed(seed)
        backbone = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
        return cls(backbone.to(device or "cpu"), seed, source=str(path))

    @classmethod
    def load(cls, directory: str | os.PathLike, device: str | None = None) -> ProgressEstimator:
        """An estimator saved by :meth:`save`."""
        from transformers import AutoModelForCausalLM

        d = Path(directory)
        if not (d / HEAD_FILE).is_file():
            raise FileNotFoundError(f"{d} holds no progress estimator (no {HEAD_FILE}); "
                                    "train one with `stepgym spa fit`")
        meta = json.loads((d / META_FILE).read_text()) if (d / META_FILE).is_file() else {}
        backbone = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32).to(device or "cpu")
        est = cls(backbone, source=meta.get("source", ""))
        est.head.load_state_dict(torch.load(d / HEAD_FILE, map_location=device or "cpu",
                                            weights_only=True))
        return est

    def save(self, directory: str | os.PathLike, extra: dict | None = None) -> Path:
        """The backbone (``save_pretrained``, with the source's tokenizer files), the head and
        a small JSON of metadata."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self.backbone.save_pretrained(d)
        torch.save(self.head.state_dict(), d / HEAD_FILE)
        src = Path(self.source) if self.source else None
        if src is not None and src.is_dir():
            for name in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja",
                         "special_tokens_map.json"):
                if (src / name).is_file() and not (d / name).exists():
                    shutil.copy2(src / name, d / name)
        meta = {"source": self.source, **(extra or {})}
        (d / META_FILE).write_text(json.dumps(meta, indent=2))
        return d

    # ------------------------------------------------------------------ forward
    @property
    def device(self) -> torch.device:
        return next(self.backbone.parameters()).device

    def sample_hidden(self, samples: Sequence[TokenSample],
                      positions: Sequence[Sequence[int]]) -> list[torch.Tensor]:
        """Last hidden states at ``positions[i]`` of sample i's ``prompt_ids +
        completion_ids`` (one forward over the right-padded batch), each ``(len(pos), H)``."""
        seqs = [list(s.prompt_ids) + list(s.completion_ids) for s in samples]
        width = max(len(s) for s in seqs)
        ids = torch.zeros(len(seqs), width, dtype=torch.long)
        mask = torch.zeros(len(seqs), width, dtype=torch.long)
        for i, seq in enumerate(seqs):
            ids[i, :len(seq)] = torch.as_tensor(seq)
            mask[i, :len(seq)] = 1
        ids, mask = ids.to(self.device), mask.to(self.device)
        decoder = getattr(self.backbone, "get_decoder", None)
        if decoder is not None:  # the transformer without its LM head: no logits to compute
            hidden = decoder()(input_ids=ids, attention_mask=mask).last_hidden_state
        else:
            hidden = self.backbone(input_ids=ids, attention_mask=mask,
                                   output_hidden_states=True).hidden_states[-1]
        return [hidden[i, list(pos)] for i, pos in enumerate(positions)]

    def step_values(self, trajectories: Sequence[Trajectory],
                    batch_size: int = 8) -> list[torch.Tensor]:
        """Per trajectory, the tensor of its c_t (one per env step), with gradients."""
        return [self.head(h) for h in self.step_hidden(trajectories, batch_size)]

    def step_hidden(self, trajectories: Sequence[Trajectory],
                    batch_size: int = 8) -> list[torch.Tensor]:
        """Per trajectory, the ``(num_steps, H)`` hidden states the head reads (one row per
        env step; the head-only fit caches these once)."""
        jobs: list[tuple[int, TokenSample, list[int], list[int]]] = []  # traj, sample, steps, pos
        for k, traj in enumerate(trajectories):
            by_sample: dict[int, tuple[list[int], list[int]]] = {}
            for step, (i, pos) in enumerate(trajectory_read_points(traj)):
                steps, poss = by_sample.setdefault(i, ([], []))
                steps.append(step)
                poss.append(pos)
            for i, (steps, poss) in by_sample.items():
                jobs.append((k, traj.samples[i], steps, poss))
        slots: list[list[torch.Tensor | None]] = [[None] * t.num_steps for t in trajectories]
        for start in range(0, len(jobs), batch_size):
            chunk = jobs[start:start + batch_size]
            vals = self.sample_hidden([j[1] for j in chunk], [j[3] for j in chunk])
            for (k, _, steps, _), v in zip(chunk, vals, strict=True):
                for n, step in enumerate(steps):
                    slots[k][step] = v[n]
        width = _hidden_size(self.backbone)
        empty = torch.zeros(0, width, device=self.device)
        return [torch.stack(s) if s else empty for s in slots]  # type: ignore[arg-type]

    @torch.no_grad()
    def predict(self, trajectories: Sequence[Trajectory], batch_size: int = 8) -> list[np.ndarray]:
        """Per trajectory, its c_t as a float array (no gradients, eval mode)."""
        was_training = self.training
        self.eval()
        try:
            vals = self.step_values(trajectories, batch_size)
        finally:
            self.train(was_training)
        return [v.double().cpu().numpy() for v in vals]


def trajectory_return(traj: Trajectory) -> float:
    """R, the final reward the estimator decomposes: the episode's summed env reward (the
    outcome reward in ALFWorld and WebShop, where only the last step pays)."""
    return traj.total_reward


def progress_loss(step_values: Sequence[torch.Tensor], returns: Sequence[float]) -> torch.Tensor:
    """Eq. 4: mean over trajectories of ``(sum_t c_t - R)^2``.

    >>> progress_loss([torch.tensor([0.25, 0.5]), torch.tensor([1.0])], [1.0, 0.0]).item()
    0.53125
    """
    if len(step_values) != len(returns) or not step_values:
        raise ValueError("one return per trajectory, and at least one trajectory")
    sums = torch.stack([v.sum() for v in step_values])
    target = torch.as_tensor(list(returns), dtype=sums.dtype, device=sums.device)
    return ((sums - target) ** 2).mean()
