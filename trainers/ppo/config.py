"""PPOConfig: every knob of the multi-turn PPO trainer, documented field by field.

A recipe YAML (``recipes/ppo_*.yaml``) is a flat mapping of these fields (plus
``trainer: ppo``); :func:`PPOConfig.from_dict` rejects unknown keys so typos fail loudly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

ADVANTAGE_LEVELS = ("token", "turn", "bilevel")
CRITICS = ("shared", "separate")
KL_MODES = ("reward", "loss")
DISCOUNTS = ("constant", "ads")
STEP_REWARD_CREDITS = ("spa", "spa_loo", "progress_oracle")


@dataclass
class PPOConfig:
    # ---- run ----
    output_dir: str = "runs/ppo"  # checkpoints, config.yaml, metrics.jsonl, TensorBoard, curve
    seed: int = 0  # seeds task selection, generation, minibatch order and schedules
    num_updates: int = 20  # PPO iterations (rollout phase + optimisation phase)
    save_every: int = 5  # checkpoint every N updates (0: only at the end)
    resume: bool = True  # continue from the latest checkpoint in output_dir if there is one

    # ---- model ----
    model: str = "stepgym-tiny"  # agents.load_agent name or path (hub id, local dir)
    use_lora: bool = False  # train LoRA adapters (PEFT); the reference is the adapters disabled
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.0
    lora_target_modules: list[str] | None = None  # None: PEFT's default for the architecture
    critic: str = "shared"  # "shared": value head on the policy's last hidden states;
    #                         "separate": its own backbone (a copy of the policy at start, or
    #                         critic_model) plus a value head
    critic_model: str | None = None  # path of a separate critic's backbone (default: policy copy)

    # ---- environment and rollouts (the rollout engine's RolloutConfig) ----
    env_id: str = "stepgym/MathChain-v0"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    num_tasks: int = 8  # distinct task seeds per update
    group_size: int = 1  # rollouts per task (PPO needs no groups; >1 for equal-sample comparisons)
    rollout: str = "group"  # "group" (independent rollouts) or "tree" (PORTool: group_size
    #                         leaves grown by forking unfinished branches, trainers/tree.py)
    tree_branching: int = 2  # tree: candidate continuations per unfinished branch per step
    context_mode: str = "concat"  # "concat" (one sequence per episode) or "window"
    window_steps: int = 2  # steps of history in window mode
    max_new_tokens: int = 48  # per turn
    max_context_tokens: int = 2048
    temperature: float = 1.0  # sampling temperature; log-probs are computed at the same one
    top_p: float = 1.0
    max_steps: int | None = None  # per-episode step cap (None: the env's limit)
    action_mode: str = "generate"  # "generate" (the model writes actions) or "score" (GLAM:
    #                                softmax over the scored admissible actions; window mode)
    action_score: str = "sum"  # score mode: "sum" (GLAM) or "mean" of the action's token log-probs
    train_seed_offset: int = 0  # update u uses seeds offset + u * num_tasks + [0, num_tasks)
    eval_seeds: list[int] = field(default_factory=lambda: list(range(1_000_000, 1_000_032)))
    eval_every: int = 0  # evaluate (pass rate) every N updates; 0: only for gated curricula
    eval_temperature: float = 0.0  # 0: greedy; > 0: sampled with the same generation seed at
    #                                every evaluation (for policies that loop when greedy)
    eval_group: int = 1  # rollouts per eval seed (sampled evaluation)
    eval_env_kwargs: dict[str, Any] = field(default_factory=dict)  # merged over env_kwargs
    #                                   for evaluation (e.g. {"split": "eval"} where supported)

    # ---- advantages ----
    advantage_level: str = "turn"  # "token" | "turn" | "bilevel" (see trainers/ppo/gae.py)
    gamma: float = 1.0  # discount across env steps (turn, bilevel) or per token (token level)
    lam: float = 0.95  # GAE lambda at the same level as gamma
    gamma_token: float = 1.0  # bilevel: discount within a turn
    lam_token: float = 1.0  # bilevel: lambda within a turn
    whiten_advantages: bool = True  # normalise advantages over the batch's generated tokens
    invalid_penalty: float = 0.0  # subtracted from the reward of each step with an invalid
    #                               action (verl-agent uses 0.1 for every algorithm)
    credit: str | None = None  # a credit method that gives step rewards (spa, spa_loo,
    #                            progress_oracle): they replace the env rewards in the GAE
    credit_kwargs: dict[str, Any] = field(default_factory=dict)  # its parameters (spa:
    #                            {estimator: DIR, alpha: 1.0, beta: 0.5})

    # ---- discount schedule ----
    discount: str = "constant"  # "constant" (gamma above) or "ads" (turn/bilevel only)
    ads_alpha: float = 0.2  # gamma = alpha^(1/k)
    ads_k0: int | None = None  # initial progress; None: floor(0.2 * H)
    ads_matcher: str = "exact"  # "exact" state match or "fuzzy" (rapidfuzz ratio)
    ads_min_similarity: float = 90.0  # fuzzy matcher floor (0-100)
    ads_state_field: str = "observation"  # StepRecord field compared: observation | state_key
    ads_demo_seeds: list[int] = field(default_factory=lambda: list(range(64)))  # expert demos
    ads_demo_options: dict[str, Any] | None = None  # reset options for the demos

    # ---- horizon curriculum (h1) ----
    curriculum: str | None = None  # None | fixed | uniform | only_longest | only_h1 | gated
    horizons: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 5])
    horizon_option: str = "horizon"  # the env's reset option that sets the horizon
    steps_per_horizon: int = 200  # fixed curriculum: updates per horizon
    gate_threshold: float = 0.5  # gated curriculum: eval pass rate to move up

    # ---- optimisation ----
    learning_rate: float = 1e-5  # policy (or its adapters)
    critic_learning_rate: float = 1e-4  # value head (and separate critic)
    anneal_lr: bool = False  # linear decay to 0 over num_updates (CleanRL)
    weight_decay: float = 0.0
    update_epochs: int = 4  # passes over each batch
    num_minibatches: int = 4  # per epoch, over token sequences
    clip_range: float = 0.2  # policy ratio clip epsilon
    dual_clip: float | None = None  # c > 1: bound the loss of A < 0 tokens at c * |A| (dual-clip
    #                                 PPO); scored actions need it (rare actions, big ratios)
    clip_range_value: float | None = 0.2  # value clip around rollout values; None: unclipped
    vf_coef: float = 0.5
    ent_coef: float = 0.0
    max_grad_norm: float = 1.0
    target_kl: float | None = None  # stop the epochs early when approx KL exceeds it
    kl_coef: float = 0.05  # weight of the KL to the reference policy (0: no reference)
    kl_mode: str = "reward"  # "reward": -kl_coef * k1 in the per-token reward; "loss": k3 term
    forward_batch_size: int = 8  # sequences per no-grad forward (old log-probs, values, ref)

    def __post_init__(self) -> None:
        checks = [("advantage_level", ADVANTAGE_LEVELS), ("critic", CRITICS),
                  ("kl_mode", KL_MODES), ("discount", DISCOUNTS)]
        for name, allowed in checks:
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if self.discount == "ads" and self.advantage_level == "token":
            raise ValueError("ADS discounts across env steps: use advantage_level turn or bilevel")
        if self.eval_temperature < 0 or self.eval_group < 1:
            raise ValueError("eval_temperature must be >= 0 and eval_group >= 1")
        if self.context_mode not in ("concat", "window"):
            raise ValueError(f"context_mode must be concat or window, got {self.context_mode!r}")
        if self.rollout not in ("group", "tree") or self.tree_branching < 1:
            raise ValueError(f"rollout must be group or tree (tree_branching >= 1), got "
                             f"{self.rollout!r}, {self.tree_branching}")
        if self.credit is not None:
            from trainers.credit import available_credit

            if self.credit not in STEP_REWARD_CREDITS:
                known = self.credit in available_credit()
                raise ValueError(
                    f"PPO's credit must be one of {STEP_REWARD_CREDITS} (methods that give step "
                    f"rewards for the GAE), got {self.credit!r}"
                    + (": it gives advantages, which PPO's critic replaces" if known else ""))
        if self.dual_clip is not None and self.dual_clip <= 1.0:
            raise ValueError(f"dual_clip must be > 1, got {self.dual_clip}")
        self.rollout_config(self.temperature)  # validates the rollout settings together

    def rollout_config(self, temperature: float) -> Any:
        """The rollout engine's settings for these fields at ``temperature``."""
        from trainers.rollout import RolloutConfig

        return RolloutConfig(context_mode=self.context_mode, window_steps=self.window_steps,
                             max_new_tokens=self.max_new_tokens,
                             max_context_tokens=self.max_context_tokens, temperature=temperature,
                             top_p=self.top_p, max_steps=self.max_steps,
                             action_mode=self.action_mode, action_score=self.action_score)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PPOConfig:
        data = {k: v for k, v in data.items() if k != "trainer"}
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown PPO config keys: {unknown}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return {"trainer": "ppo", **asdict(self)}
