"""The rollout engine as PPO's rollout source (``trainers.rollout.RolloutEngine``).

Training rollouts sample at the configured temperature from the policy being trained (the
agent holds the same model object, LoRA-wrapped or not); update u uses task seeds
``train_seed_offset + u * num_tasks + [0, num_tasks)`` and generation seed
``seed * 1_000_003 + u``, so a resumed run sees the same tasks and samples. Evaluation is
greedy on ``eval_seeds``.
"""

from __future__ import annotations

from typing import Any

from trainers.ppo.config import PPOConfig
from trainers.trajectory import Trajectory


class EngineRollouts:
    """``train(update, options)`` and ``evaluate(options)`` through the rollout engine."""

    def __init__(self, agent: Any, cfg: PPOConfig) -> None:
        from trainers.rollout import RolloutConfig, RolloutEngine

        self.cfg = cfg

        def engine(temperature: float, env_kwargs: dict[str, Any]) -> RolloutEngine:
            rc = RolloutConfig(context_mode=cfg.context_mode, window_steps=cfg.window_steps,
                               max_new_tokens=cfg.max_new_tokens,
                               max_context_tokens=cfg.max_context_tokens,
                               temperature=temperature, top_p=cfg.top_p, max_steps=cfg.max_steps)
            return RolloutEngine(agent, cfg.env_id, env_kwargs, rc)

        self.train_engine = engine(cfg.temperature, dict(cfg.env_kwargs))
        self.eval_engine = engine(0.0, {**cfg.env_kwargs, **cfg.eval_env_kwargs})

    def train(self, update: int, options: dict[str, Any] | None) -> list[Trajectory]:
        cfg = self.cfg
        seeds = [cfg.train_seed_offset + update * cfg.num_tasks + i for i in range(cfg.num_tasks)]
        return self.train_engine.run(seeds, group_size=cfg.group_size, options=options,
                                     generation_seed=cfg.seed * 1_000_003 + update)

    def evaluate(self, options: dict[str, Any] | None) -> list[Trajectory]:
        return self.eval_engine.run(list(self.cfg.eval_seeds), group_size=1, options=options,
                                    generation_seed=self.cfg.seed)
