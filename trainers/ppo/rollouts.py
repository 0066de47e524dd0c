"""The rollout engine as PPO's rollout source (``trainers.rollout.RolloutEngine``).

Training rollouts sample at the configured temperature from the policy being trained (the
agent holds the same model object, LoRA-wrapped or not); update u uses task seeds
``train_seed_offset + u * num_tasks + [0, num_tasks)`` and generation seed
``seed * 1_000_003 + u``, so a resumed run sees the same tasks and samples. Evaluation is
greedy on ``eval_seeds``. With ``rollout: tree`` the training rollouts are PORTool trees of
``group_size`` leaves (:mod:`trainers.tree`; a shared step's tokens are in one leaf, so GAE
trains them once); evaluation stays plain.

Data parallel (``rank`` of ``world_size`` processes): each process runs every
``world_size``-th task seed from its rank (a task's ``group_size`` rollouts stay together,
as group-wise credit needs) with generation seed ``(seed * 1_000_003 + u) * world_size +
rank``, and every ``world_size``-th eval seed. One process: exactly the above.
"""

from __future__ import annotations

from typing import Any

from trainers.ppo.config import PPOConfig
from trainers.ppo.distributed import shard
from trainers.trajectory import Trajectory


class EngineRollouts:
    """``train(update, options)`` and ``evaluate(options)`` through the rollout engine."""

    def __init__(self, agent: Any, cfg: PPOConfig, rank: int = 0, world_size: int = 1) -> None:
        from trainers.rollout import RolloutEngine

        if cfg.num_tasks < world_size:
            raise ValueError(f"num_tasks ({cfg.num_tasks}) must be at least the number of "
                             f"processes ({world_size}): each process needs a task per update")
        shard([], rank, world_size)  # validates rank
        self.cfg, self.rank, self.world_size = cfg, rank, world_size

        def engine(temperature: float, env_kwargs: dict[str, Any]) -> RolloutEngine:
            return RolloutEngine(agent, cfg.env_id, env_kwargs, cfg.rollout_config(temperature))

        self.train_engine = engine(cfg.temperature, dict(cfg.env_kwargs))
        self.eval_engine = engine(cfg.eval_temperature, {**cfg.env_kwargs, **cfg.eval_env_kwargs})
        self.tree = None  # PORTool tree rollouts (rollout: tree): group_size leaves per task
        if cfg.rollout == "tree":
            from trainers.tree import TreeConfig, TreeRolloutEngine

            self.tree = TreeRolloutEngine(self.train_engine, TreeConfig(
                n=cfg.group_size, branching=cfg.tree_branching))

    def train(self, update: int, options: dict[str, Any] | None) -> list[Trajectory]:
        cfg = self.cfg
        seeds = [cfg.train_seed_offset + update * cfg.num_tasks + i for i in range(cfg.num_tasks)]
        generation_seed = (cfg.seed * 1_000_003 + update) * self.world_size + self.rank
        if self.tree is not None:
            return self.tree.run(shard(seeds, self.rank, self.world_size), options=options,
                                 generation_seed=generation_seed)
        return self.train_engine.run(shard(seeds, self.rank, self.world_size),
                                     group_size=cfg.group_size, options=options,
                                     generation_seed=generation_seed)

    def evaluate(self, options: dict[str, Any] | None) -> list[Trajectory]:
        seeds = shard(list(self.cfg.eval_seeds), self.rank, self.world_size)
        if not seeds:  # fewer eval seeds than processes
            return []
        return self.eval_engine.run(seeds, group_size=self.cfg.eval_group, options=options,
                                    generation_seed=self.cfg.seed)
