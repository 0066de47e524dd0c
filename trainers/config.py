"""Run configuration for ``stepgym train``: our :class:`AgentArguments` next to TRL's
``GRPOConfig`` (optimiser, loss, logging, checkpoints) and ``ModelConfig`` (model path, LoRA),
all parsed by ``trl.TrlParser`` from a YAML recipe plus ``--key value`` overrides.

The full resolved configuration is written to ``<output_dir>/config.yaml`` by
:func:`save_run_config`.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CREDIT_METHODS = ("grpo", "gigpo", "step_returns", "spa", "spa_loo", "progress_oracle",
                  "portool")


def _mapping(value: Any) -> dict[str, Any]:
    """A dict from a dict, a YAML/JSON string, or None."""
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return dict(value)
    import yaml

    out = yaml.safe_load(value)
    if not isinstance(out, dict):
        raise ValueError(f"expected a mapping, got {value!r}")
    return out


@dataclass
class AgentArguments:
    """Environment, rollouts, credit assignment and evaluation (the parts TRL does not own).

    Mapping-valued fields (``env_kwargs``, ``eval_env_kwargs``, ``credit_kwargs``) accept a
    YAML mapping in a recipe or a YAML/JSON string on the command line (declared ``str`` for
    the argument parser); ``__post_init__`` turns them into dicts.
    """

    env_id: str = field(default="stepgym/MathChain-v0", metadata={"help": "registered env id"})
    env_kwargs: str | None = field(default=None, metadata={"help": "env kwargs (YAML mapping)"})
    num_train_tasks: int = field(default=64, metadata={"help": "distinct training task seeds"})
    train_seed_offset: int = field(default=0, metadata={"help": "first training task seed"})
    context_mode: str = field(default="concat", metadata={"help": "concat (one row per episode) "
                                                                  "or window (one per step)"})
    window_steps: int = field(default=2, metadata={"help": "window mode: past steps shown"})
    max_new_tokens: int = field(default=48, metadata={"help": "tokens per turn"})
    max_context_tokens: int = field(default=1024, metadata={"help": "episode token budget"})
    max_env_steps: int | None = field(default=None, metadata={"help": "per-episode step cap"})
    action_mode: str = field(default="generate", metadata={
        "help": "generate (the model writes its action) or score (GLAM: softmax over the "
                "scored admissible actions; window mode, envs that list admissible actions)"})
    action_score: str = field(default="sum", metadata={
        "help": "score mode: an action's score is the sum (GLAM) or mean of its token log-probs"})
    rollout: str = field(default="group", metadata={
        "help": "group (G independent rollouts per task) or tree (PORTool: G leaves grown by "
                "forking unfinished branches, trainers/tree.py)"})
    tree_branching: int = field(default=2, metadata={"help": "tree: candidate continuations "
                                                             "per unfinished branch per step"})
    credit: str = field(default="gigpo", metadata={"help": f"one of {CREDIT_METHODS}"})
    credit_kwargs: str | None = field(default=None, metadata={"help": "credit method params (YAML)"})
    eval_every: int = field(default=0, metadata={"help": "evaluate every N steps (0: start/end)"})
    eval_episodes: int = field(default=32, metadata={"help": "episodes per evaluation"})
    eval_split: str = field(default="eval", metadata={"help": "frozen eval split (\"eval\" "
                                                             "falls back to eval_seen etc.)"})
    eval_env_kwargs: str | None = field(default=None, metadata={"help": "merged over env_kwargs "
                                                                 "for eval"})
    eval_seed_offset: int = field(default=0, metadata={"help": "first eval task seed"})
    eval_temperature: float = field(default=0.0, metadata={"help": "eval sampling temperature "
                                                                     "(0: greedy)"})
    eval_group: int = field(default=1, metadata={"help": "eval rollouts per task (sampled eval: "
                                                         "same generation seed every eval)"})
    max_generated_tokens_total: int | None = field(default=None, metadata={
        "help": "stop after sampling this many tokens (tree rollouts count discarded "
                "candidates): equal-compute comparisons"})
    max_env_steps_total: int | None = field(default=None, metadata={"help": "stop after this "
                                                                               "many env steps"})

    def __post_init__(self) -> None:
        self.env_kwargs = _mapping(self.env_kwargs)
        self.eval_env_kwargs = _mapping(self.eval_env_kwargs)
        self.credit_kwargs = _mapping(self.credit_kwargs)
        if self.credit not in CREDIT_METHODS:
            raise ValueError(f"credit must be one of {CREDIT_METHODS}, got {self.credit!r}")
        if self.rollout not in ("group", "tree"):
            raise ValueError(f"rollout must be 'group' or 'tree', got {self.rollout!r}")
        if self.credit == "portool" and self.rollout != "tree":
            raise ValueError("credit 'portool' reads rollout trees: set rollout: tree")
        if self.tree_branching < 1:
            raise ValueError(f"tree_branching must be >= 1, got {self.tree_branching}")
        if self.eval_temperature < 0 or self.eval_group < 1:
            raise ValueError("eval_temperature must be >= 0 and eval_group >= 1, got "
                             f"{self.eval_temperature} and {self.eval_group}")
        if self.context_mode not in ("concat", "window"):
            raise ValueError(f"context_mode must be 'concat' or 'window', got {self.context_mode!r}")
        self.rollout_config(1.0)  # validates the rollout settings together

    def rollout_config(self, temperature: float, top_p: float = 1.0) -> Any:
        """The rollout engine's settings for these arguments at ``temperature``."""
        from trainers.rollout import RolloutConfig

        return RolloutConfig(context_mode=self.context_mode, window_steps=self.window_steps,
                             max_new_tokens=self.max_new_tokens,
                             max_context_tokens=self.max_context_tokens, temperature=temperature,
                             top_p=top_p, max_steps=self.max_env_steps,
                             action_mode=self.action_mode, action_score=self.action_score)


def parse_config(argv: list[str] | None = None) -> tuple[AgentArguments, Any, Any]:
    """(agent_args, grpo_config, model_config) from ``[RECIPE.yaml] [--key value ...]``."""
    import torch
    from trl import GRPOConfig, ModelConfig, TrlParser

    argv = list(argv or [])
    if argv and not argv[0].startswith("-"):
        argv = ["--config", argv[0], *argv[1:]]
    if not torch.cuda.is_available():  # NOTES.md: CPU needs these (validated while parsing)
        argv = ["--use_cpu", "true", "--bf16", "false", "--gradient_checkpointing", "false",
                *argv]
    parser = TrlParser((AgentArguments, GRPOConfig, ModelConfig))
    agent_args, grpo_args, model_args = parser.parse_args_and_config(argv)
    return agent_args, grpo_args, model_args


def to_dict(obj: Any) -> dict[str, Any]:
    """A YAML-safe dict of a dataclass (enums and odd objects as strings)."""
    raw = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    return json.loads(json.dumps(raw, default=str))  # str-enums become plain strings


def save_run_config(output_dir: str | Path, **parts: Any) -> Path:
    """Write every config part (``agent=..., grpo=..., model=...``) to ``config.yaml``."""
    import yaml

    path = Path(output_dir) / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({k: to_dict(v) for k, v in parts.items()}, sort_keys=False))
    return path
