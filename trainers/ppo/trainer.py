"""Multi-turn PPO over stepgym trajectories, in the order of the PPO pseudocode (CleanRL's
``ppo.py`` layout): for each update, (1) anneal the learning rate, (2) collect rollouts with
the current policy (reset options from the horizon curriculum), (3) score them without
gradients (old log-probs, values, reference log-probs), (4) rewards -> GAE advantages and
returns at the configured level, discount from the schedule (constant or ADS), (5) several
epochs of minibatch updates on the clipped policy loss, clipped value loss, entropy bonus and
optional KL loss, (6) update the schedules, log, checkpoint.

Schulman et al. 2017 (arXiv 1707.06347) Algorithm 1; GAE arXiv 1506.02438; KL-in-reward as in
InstructGPT (arXiv 2203.02155 eq. 2). Rollouts come from a :class:`RolloutSource`; the rollout
engine adapter lives in :mod:`trainers.ppo.rollouts`.

Data parallel under ``accelerate launch`` (:mod:`trainers.ppo.distributed`): an ``Accelerator``
prepares the actor-critic (DDP) and the optimiser; each process's source yields its share of
the update's tasks, advantages are whitened with global statistics, every process runs the
same number of minibatch steps and DDP averages the gradients (each process's minibatch loss
is a token mean over its own rows, so processes weigh equally). The schedules see every
process's trajectories, evaluation pass rates are summed over processes (each evaluates its
share of the eval seeds), and only the main process writes logs, checkpoints and config.
With one process nothing changes: the numbers are those of the plain loop.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
import yaml
from tqdm.auto import tqdm

from trainers.ppo.advantages import compute_advantages
from trainers.ppo.batch import PPOBatch, collate, select_rows
from trainers.ppo.config import PPOConfig
from trainers.ppo.distributed import (
    gather_objects,
    make_accelerator,
    reduce_mean,
    reduce_min,
    reduce_sum,
)
from trainers.ppo.losses import kl_k1, kl_k3, masked_mean, policy_loss, value_loss
from trainers.ppo.model import ActorCritic
from trainers.schedules.curriculum import HorizonCurriculum
from trainers.schedules.discount import ConstantDiscount, resolve_gamma
from trainers.trajectory import Trajectory


class RolloutSource(Protocol):
    """Where trajectories come from (the rollout engine, or synthetic data in tests)."""

    def train(self, update: int, options: dict[str, Any] | None) -> list[Trajectory]: ...

    def evaluate(self, options: dict[str, Any] | None) -> list[Trajectory]: ...


# A source used with several processes returns only its process's share (whole task groups)
# from both methods; :class:`trainers.ppo.rollouts.EngineRollouts` does so given its rank.


class PPOTrainer:
    """PPO for LLM agents: ``PPOTrainer(cfg, actor_critic, source, pad_id).train()``.
    ``accelerator``: an ``accelerate.Accelerator`` (default: a new one, on the CPU when the
    actor-critic is)."""

    def __init__(
        self,
        config: PPOConfig,
        actor_critic: ActorCritic,
        source: RolloutSource,
        pad_id: int,
        discount: Any = None,
        curriculum: HorizonCurriculum | None = None,
        accelerator: Any = None,
        step_credit: Any = None,
    ) -> None:
        self.cfg = config
        self.step_credit = step_credit  # a credit method whose step_rewards replace env rewards
        self.ac = actor_critic
        self.source = source
        self.pad_id = int(pad_id)
        self.discount = discount if discount is not None else ConstantDiscount(config.gamma)
        self.curriculum = curriculum
        self.rng = np.random.default_rng(config.seed)
        groups = [{"params": actor_critic.policy_parameters(), "lr": config.learning_rate},
                  {"params": actor_critic.critic_parameters(), "lr": config.critic_learning_rate}]
        self.base_lrs = [config.learning_rate, config.critic_learning_rate]
        optimizer = torch.optim.AdamW(groups, weight_decay=config.weight_decay)
        self.accelerator = accelerator or make_accelerator(
            next(actor_critic.policy.parameters()).device,
            find_unused_parameters=config.critic == "separate")
        # self.ac stays the plain module (scoring, sampling, checkpoints); self.model is the
        # prepared (DDP with several processes) one that runs the training forward
        self.model, self.optimizer = self.accelerator.prepare(actor_critic, optimizer)
        self.rank = self.accelerator.process_index
        self.world_size = self.accelerator.num_processes
        self.is_main = self.accelerator.is_main_process
        self.update = 0  # updates completed
        self.out = Path(config.output_dir)
        self.history: list[dict[str, Any]] = []
        self._writer: Any = None
        self.device = next(actor_critic.policy.parameters()).device

    def _reduce_sum(self, values: np.ndarray) -> np.ndarray:
        return reduce_sum(self.accelerator, values)

    # ------------------------------------------------------------------ scoring (no grad)
    @torch.no_grad()
    def score(self, batch: PPOBatch) -> dict[str, torch.Tensor]:
        """Old log-probs, values, bootstrap values and reference log-probs, in chunks."""
        self.ac.eval()
        parts: dict[str, list[torch.Tensor]] = {"logp": [], "values": [], "last": [], "ref": []}
        width = batch.completion_ids.shape[1]
        pad = lambda t: torch.nn.functional.pad(t.float().cpu(), (0, width - t.shape[1]))  # noqa: E731
        for start in range(0, batch.num_rows, self.cfg.forward_batch_size):
            rows = list(range(start, min(start + self.cfg.forward_batch_size, batch.num_rows)))
            mb = select_rows(batch, rows).to(self.device)
            out = self.ac.forward_batch(mb, self.cfg.temperature, values=True)
            parts["logp"].append(pad(out.logprobs))
            parts["values"].append(pad(out.values))
            parts["last"].append(out.last_values.float().cpu())
            if self.cfg.kl_coef > 0:
                parts["ref"].append(pad(self.ac.reference_logprobs(mb, self.cfg.temperature)))
        self.ac.train()
        return {k: torch.cat(v) for k, v in parts.items() if v}

    # ------------------------------------------------------------------ one PPO update
    def step(self, trajectories: Sequence[Trajectory]) -> dict[str, float]:
        """Steps (3)-(5) of the module docstring on one batch of trajectories."""
        cfg = self.cfg
        batch = collate(trajectories, self.pad_id)
        scored = self.score(batch)
        mask = batch.loss_mask
        kl_reward = None
        if cfg.kl_coef > 0 and cfg.kl_mode == "reward":
            kl_reward = -cfg.kl_coef * kl_k1(scored["logp"], scored["ref"]) * mask
        gamma = resolve_gamma(self.discount)
        rewards = None if self.step_credit is None else self.step_credit.step_rewards(trajectories)
        adv = compute_advantages(
            trajectories, batch, scored["values"], scored["last"], cfg.advantage_level,
            gamma, cfg.lam, cfg.gamma_token, cfg.lam_token, kl_reward, cfg.whiten_advantages,
            reduce_sum=self._reduce_sum if self.world_size > 1 else None,
            invalid_penalty=cfg.invalid_penalty, step_rewards=rewards)

        stats: dict[str, list[float]] = {k: [] for k in (
            "policy_loss", "value_loss", "entropy", "approx_kl", "clipfrac", "kl_ref", "loss")}
        # every process must take the same number of optimiser steps (DDP all-reduces per step)
        n_mb = max(1, min(cfg.num_minibatches, reduce_min(self.accelerator, batch.num_rows)))
        # one process: minibatch order from the trainer's RNG, as always; several: a per-update,
        # per-rank stream, so self.rng (curriculum draws) stays equal across processes
        order_rng = self.rng if self.world_size == 1 else \
            np.random.default_rng([cfg.seed, self.update, self.rank])
        stop = False
        for _epoch in range(cfg.update_epochs):
            order = order_rng.permutation(batch.num_rows)
            for mb_rows in np.array_split(order, n_mb):
                rows = [int(r) for r in mb_rows]
                mb = select_rows(batch, rows).to(self.device)
                w = mb.completion_ids.shape[1]
                idx = torch.as_tensor(rows)

                def part(t: torch.Tensor, idx: torch.Tensor = idx, w: int = w) -> torch.Tensor:
                    return t[idx, :w].to(self.device)

                out = self.model(mb, cfg.temperature, values=True, entropy=True)
                pg, pg_stats = policy_loss(out.logprobs, part(scored["logp"]),
                                           part(adv.advantages), mb.loss_mask, cfg.clip_range,
                                           cfg.dual_clip)
                vl = value_loss(out.values, part(scored["values"]), part(adv.returns),
                                part(adv.value_mask), cfg.clip_range_value)
                ent = masked_mean(out.entropy, mb.loss_mask)
                loss = pg + cfg.vf_coef * vl - cfg.ent_coef * ent
                kl_ref = torch.zeros(())
                if cfg.kl_coef > 0:
                    kl_ref = masked_mean(kl_k3(out.logprobs, part(scored["ref"])), mb.loss_mask)
                    if cfg.kl_mode == "loss":
                        loss = loss + cfg.kl_coef * kl_ref
                self.optimizer.zero_grad(set_to_none=True)
                self.accelerator.backward(loss)  # DDP averages the gradients over processes
                params = [p for g in self.optimizer.param_groups for p in g["params"]]
                self.accelerator.clip_grad_norm_(params, cfg.max_grad_norm)
                self.optimizer.step()
                for key, val in (("policy_loss", pg), ("value_loss", vl), ("entropy", ent),
                                 ("approx_kl", pg_stats["approx_kl"]),
                                 ("clipfrac", pg_stats["clipfrac"]), ("kl_ref", kl_ref),
                                 ("loss", loss)):
                    stats[key].append(float(val.detach()))
                if cfg.target_kl is not None and self._mean(stats["approx_kl"][-1]) > cfg.target_kl:
                    stop = True
                    break
            if stop:
                break
        metrics = {k: float(np.mean(v)) for k, v in stats.items() if v}
        gen = mask.float()
        metrics.update({
            "gamma": gamma,
            "values_mean": float(masked_mean(scored["values"], mask)),
            "advantage_std": float(adv.advantages[mask].std()) if mask.any() else 0.0,
            "advantages_whitened": float(adv.whitened),
            "return_mean": float(masked_mean(adv.returns, adv.value_mask)),
            "generated_tokens": float(gen.sum()),
        })
        if self.step_credit is not None:
            metrics.update({f"credit/{k}": v for k, v in self.step_credit.stats().items()})
        return reduce_mean(self.accelerator, metrics, sums=("generated_tokens",))

    def _mean(self, value: float) -> float:
        """``value`` averaged over processes (itself with one process)."""
        return float(self._reduce_sum(np.array([value]))[0]) / self.world_size

    # ------------------------------------------------------------------ the loop
    def train(self) -> list[dict[str, Any]]:
        """Run (or resume) ``num_updates`` updates; returns the metric history."""
        cfg = self.cfg
        if self.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            with open(self.out / "config.yaml", "w") as fh:
                yaml.safe_dump(cfg.to_dict(), fh, sort_keys=False)
        if cfg.resume:
            self.load_latest()
        if self.update == 0 and self.is_main:  # a fresh start: lines of an earlier run are stale
            (self.out / "metrics.jsonl").unlink(missing_ok=True)
        if self.update == 0 and cfg.eval_every:  # the starting policy, for before/after
            self.log({"update": 0, **self.maybe_evaluate(0, start=True)})
        bar = tqdm(range(self.update, cfg.num_updates), desc="ppo", initial=self.update,
                   total=cfg.num_updates, disable=not self.is_main)
        for update in bar:
            if cfg.anneal_lr:  # (1)
                frac = 1.0 - update / cfg.num_updates
                for group, base in zip(self.optimizer.param_groups, self.base_lrs):
                    group["lr"] = frac * base
            options = self.curriculum.options(update, self.rng) if self.curriculum else None
            self.ac.eval()  # (2) sample with the current policy, no dropout
            trajectories = self.source.train(update, options)
            self.ac.train()
            metrics = self.step(trajectories)  # (3)-(5)
            trajectories = gather_objects(self.accelerator, trajectories)  # all processes'
            metrics.update(rollout_metrics(trajectories))
            if options:
                metrics.update({f"option_{k}": float(v) for k, v in options.items()})
            if hasattr(self.discount, "update") and cfg.discount == "ads":  # (6)
                record = self.discount.update(trajectories)
                metrics.update({"ads_k": float(record["k"]), "ads_gamma": record["gamma"]})
            metrics.update(self.maybe_evaluate(update))
            self.update = update + 1
            metrics["update"] = self.update
            self.log(metrics)
            bar.set_postfix(reward=f"{metrics['reward_mean']:.3f}", gamma=f"{metrics['gamma']:.3f}")
            if (cfg.save_every and self.update % cfg.save_every == 0) or \
                    self.update == cfg.num_updates:
                self.save_checkpoint()
        self.close()
        self.accelerator.wait_for_everyone()
        return self.history

    def maybe_evaluate(self, update: int, start: bool = False) -> dict[str, float]:
        """Pass rates per horizon for the gated curriculum (and every eval_every updates);
        ``start``: the evaluation before the first update (the gate is not moved by it)."""
        cfg = self.cfg
        gated = self.curriculum is not None and cfg.curriculum == "gated"
        every = cfg.eval_every or (1 if gated else 0)
        if not every or (not start and (update + 1) % every):
            return {}
        gated = gated and not start
        key = self.curriculum.option_key if self.curriculum else "horizon"
        horizons = self.curriculum.eval_horizons() if self.curriculum else (None,)
        rates: dict[int, float] = {}
        out: dict[str, float] = {}
        self.ac.eval()
        for h in horizons:
            trajs = self.source.evaluate({key: h} if h is not None else None)
            if self.world_size == 1:
                rate = float(np.mean([t.won for t in trajs])) if trajs else 0.0
            else:  # each process evaluated its share of the seeds
                won, count = self._reduce_sum(np.array([sum(t.won for t in trajs), len(trajs)]))
                rate = float(won / count) if count else 0.0
            out["eval_pass_rate" if h is None else f"eval_pass_rate_h{h}"] = rate
            if h is not None:
                rates[int(h)] = rate
            if gated and rate < cfg.gate_threshold:
                break  # the gate stops here: higher horizons are not needed
        self.ac.train()
        if gated:
            record = self.curriculum.update(rates)
            out["curriculum_horizon"] = float(record["horizon"])
        return out

    # ------------------------------------------------------------------ logging
    def log(self, metrics: dict[str, Any]) -> None:
        self.history.append(metrics)
        if not self.is_main:
            return
        with open(self.out / "metrics.jsonl", "a") as fh:
            fh.write(json.dumps(metrics) + "\n")
        if self._writer is None:
            from torch.utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(str(self.out / "tb"))
        for key, val in metrics.items():
            if isinstance(val, (int, float)) and math.isfinite(val) and key != "update":
                self._writer.add_scalar(key, val, metrics["update"])

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self.history and self.is_main:
            plot_curves(self.history, self.out / "curves.png")

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(self) -> Path:
        """Trainable weights, optimiser and trainer state; written by the main process only
        (DDP keeps weights, optimiser state and schedules equal on every process)."""
        path = self.out / f"checkpoint-{self.update}"
        if not self.is_main:
            return path
        path.mkdir(parents=True, exist_ok=True)
        trainable = {n: p.detach().clone() for n, p in self.ac.named_parameters()
                     if p.requires_grad}
        torch.save(trainable, path / "trainable.pt")
        torch.save(self.optimizer.state_dict(), path / "optimizer.pt")
        state = {
            "update": self.update,
            "rng": self.rng.bit_generator.state,
            "discount": self.discount.state_dict() if hasattr(self.discount, "state_dict") else {},
            "curriculum": self.curriculum.state_dict() if self.curriculum else {},
        }
        (path / "trainer_state.json").write_text(json.dumps(state, default=_jsonable))
        return path

    def load_latest(self) -> bool:
        """Restore the newest checkpoint in output_dir (returns False if there is none)."""
        ckpts = sorted(self.out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
        if not ckpts:
            return False
        path = ckpts[-1]
        trainable = torch.load(path / "trainable.pt", weights_only=True)
        missing = set(trainable) - {n for n, _ in self.ac.named_parameters()}
        if missing:
            raise RuntimeError(f"checkpoint has parameters the model lacks: {sorted(missing)[:5]}")
        self.ac.load_state_dict(trainable, strict=False)
        self.optimizer.load_state_dict(torch.load(path / "optimizer.pt", weights_only=True))
        state = json.loads((path / "trainer_state.json").read_text())
        self.update = int(state["update"])
        self.rng.bit_generator.state = state["rng"]
        if state.get("discount") and hasattr(self.discount, "load_state_dict"):
            self.discount.load_state_dict(state["discount"])
        if state.get("curriculum") and self.curriculum:
            self.curriculum.load_state_dict(state["curriculum"])
        metrics = self.out / "metrics.jsonl"
        if metrics.exists():  # keep the log consistent with the restored step
            lines = [ln for ln in metrics.read_text().splitlines() if ln.strip()]
            # one line per update up to the restored one, plus the evaluation before update 1
            self.history = [m for m in map(json.loads, lines) if m["update"] <= self.update]
        self.accelerator.wait_for_everyone()  # all have read before the main process rewrites
        if metrics.exists() and self.is_main:
            metrics.write_text("".join(json.dumps(m) + "\n" for m in self.history))
        return True


def rollout_metrics(trajectories: Sequence[Trajectory]) -> dict[str, float]:
    """Episode reward, success rate, length and action validity of a batch."""
    if not trajectories:
        return {"reward_mean": 0.0, "success_rate": 0.0, "episode_len": 0.0, "valid_rate": 0.0}
    steps = [s for t in trajectories for s in t.steps]
    return {
        "reward_mean": float(np.mean([t.total_reward for t in trajectories])),
        "success_rate": float(np.mean([t.won for t in trajectories])),
        "episode_len": float(np.mean([t.num_steps for t in trajectories])),
        "valid_rate": float(np.mean([s.action_valid for s in steps])) if steps else 0.0,
    }


def plot_curves(history: Sequence[dict[str, Any]], path: Path) -> None:
    """Reward, success, losses and gamma against the update number, one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [k for k in ("reward_mean", "success_rate", "eval_pass_rate", "policy_loss",
                        "value_loss", "gamma")
            if any(k in h for h in history)]
    fig, axes = plt.subplots(1, len(keys), figsize=(3.2 * len(keys), 2.8))
    for ax, key in zip(np.atleast_1d(axes), keys):
        xs = [h["update"] for h in history if key in h]
        ax.plot(xs, [h[key] for h in history if key in h])
        ax.set_title(key)
        ax.set_xlabel("update")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj)}")
