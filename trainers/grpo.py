"""``AgentGRPOTrainer``: TRL's ``GRPOTrainer`` trained on multi-turn episodes from our rollout
engine, with per-token advantages from a pluggable credit method (``trainers.credit``).

* ``rollout_func`` (:class:`EpisodeRollouts`): TRL hands it the batch's prompts, each already
  repeated ``num_generations`` times; every prompt names a task seed, so the unique seeds in
  order run as one group of G episodes each (``RolloutEngine.run`` is group-major, matching
  TRL's order). One concat-mode episode per entry: prompt ids, the whole episode after the
  prompt as the completion, ``env_mask`` = our loss mask (env/template tokens 0) and the
  sampling log-probs. The episode return goes to the reward function (for TRL's logs).
* One override, :meth:`AgentGRPOTrainer._generate_and_score_completions`: call TRL, then
  replace ``out["advantages"]`` (B,) by the credit method's (B, T) per-token advantages
  (0 on env tokens and padding). TRL's loss accepts (B, T) advantages.
* Window mode (verl-agent's setting, the one GiGPO was published with): every env step is its
  own sample (task + last k steps + current observation -> one action), so one episode gives
  several rows. TRL's one-row-per-prompt scoring does not apply; the same override then builds
  TRL's training batch itself: one row per step (prompt left-padded, completion right-padded,
  ``completion_mask`` = our loss mask, advantages broadcast over the step's tokens), padded with
  zero-mask rows to a multiple of ``steps_per_generation`` so TRL's split drops nothing.
  Reference log-probs are computed as TRL does when ``beta > 0``.

Everything else (loss types, KL to the reference, clipping, LoRA, accelerate, vLLM) is TRL's.
Single process only (the rollout batch is not split across ranks). With ``loss_type="dr_grpo"``
TRL divides by ``max_completion_length``: :func:`build_trainer` sets it to the episode token
budget ``max_context_tokens`` so the constant covers the longest multi-turn completion.
"""

from __future__ import annotations

import contextlib
import functools
import json
from pathlib import Path
from typing import Any

import torch

from trainers.config import AgentArguments
from trainers.credit import CreditMethod, make_credit
from trainers.trajectory import Trajectory

SEED_PREFIX = "task seed "


def task_prompt(seed: int) -> str:
    """The dataset prompt that names a task seed (the env builds the real prompt)."""
    return f"{SEED_PREFIX}{seed}"


def prompt_seed(prompt: Any) -> int:
    text = prompt if isinstance(prompt, str) else prompt[-1]["content"]
    return int(str(text).removeprefix(SEED_PREFIX))


def episode_return(prompts: list, completions: list, episode_return: list[float],
                   **kwargs: Any) -> list[float]:
    """Reward function: the episode's total env reward (passed through from rollout_func)."""
    return [float(r) for r in episode_return]


class EpisodeRollouts:
    """TRL ``rollout_func``: one engine episode per (repeated) prompt; keeps the last batch."""

    def __init__(self, engine: Any, group_size: int, seed: int = 0,
                 tree_branching: int | None = None) -> None:
        self.engine = engine
        self.group_size = group_size
        self.seed = seed
        self.last: list[Trajectory] = []
        self.tree = None  # PORTool tree rollouts: group_size leaves per task
        if tree_branching is not None:
            from trainers.tree import TreeConfig, TreeRolloutEngine

            self.tree = TreeRolloutEngine(engine, TreeConfig(n=group_size,
                                                             branching=tree_branching))

    def __call__(self, prompts: list, trainer: Any) -> dict[str, Any]:
        ordered = self.run(prompts, trainer)
        out: dict[str, Any] = {"prompt_ids": [], "completion_ids": [], "logprobs": [],
                               "env_mask": [], "episode_return": [], "won": []}
        for t in ordered:
            if len(t.samples) != 1:
                raise ValueError("TRL's rollout_func path needs concat mode (one sample per "
                                 "episode); window mode goes through window_training_batch")
            s = t.samples[0]
            out["prompt_ids"].append(list(s.prompt_ids))
            out["completion_ids"].append(list(s.completion_ids))
            out["logprobs"].append([float(x) for x in s.logprobs])
            out["env_mask"].append(list(s.loss_mask))
            out["episode_return"].append(t.total_reward)
            out["won"].append(bool(t.won))
        return out

    def env_steps(self, trajs: list[Trajectory]) -> int:
        """Env steps the last batch executed: a tree's every candidate step (shared steps
        once, discarded candidates too), else every episode's steps."""
        if self.tree is not None:
            return self.tree.stats.candidates
        return sum(t.num_steps for t in trajs)

    def run(self, prompts: list, trainer: Any) -> list[Trajectory]:
        """One group of ``group_size`` episodes per unique task seed, in TRL's prompt order."""
        seeds = [prompt_seed(p) for p in prompts]
        unique = list(dict.fromkeys(seeds))
        if len(unique) * self.group_size != len(seeds):
            raise ValueError(f"expected each prompt repeated {self.group_size} times, got {seeds}")
        step = int(getattr(getattr(trainer, "state", None), "global_step", 0))
        model = self.engine.agent.model
        was_training = model.training
        model.eval()
        try:
            gen_seed = self.seed * 1_000_003 + step
            if self.tree is not None:
                trajs = self.tree.run(unique, generation_seed=gen_seed)
            else:
                trajs = self.engine.run(unique, group_size=self.group_size,
                                        generation_seed=gen_seed)
        finally:
            model.train(was_training)
        by_seed = {s: [t for t in trajs if t.seed == s] for s in unique}
        ordered = [t for s in unique for t in by_seed[s]]
        if [t.seed for t in ordered] != seeds:
            raise RuntimeError("rollout order does not match TRL's prompt order")
        self.last = ordered
        return ordered


def pad_advantages(per_traj: list[list[Any]], width: int) -> torch.Tensor:
    """(B, width) float tensor from each trajectory's single-sample token advantages."""
    adv = torch.zeros(len(per_traj), width, dtype=torch.float32)
    for i, samples in enumerate(per_traj):
        a = torch.as_tensor(samples[0], dtype=torch.float32)[:width]
        adv[i, : len(a)] = a
    return adv


def window_training_batch(trajectories: list[Trajectory], advantages: list[list[Any]],
                          pad_id: int, multiple: int = 1) -> dict[str, torch.Tensor]:
    """TRL's training-batch tensors with one row per sample (window mode: per env step).

    Prompts are left-padded and completions right-padded (TRL's layout); ``completion_mask``
    marks the real completion tokens and ``tool_mask`` our loss mask (TRL's loss uses their
    product, as for its own env/tool tokens); ``advantages`` are the credit method's per-token
    values. Rows with an all-zero mask are added until the row count is a multiple of
    ``multiple``.
    """
    rows = [(s, adv) for t, advs in zip(trajectories, advantages, strict=True)
            for s, adv in zip(t.samples, advs, strict=True)]
    n = max(1, len(rows))
    n += (-n) % max(1, multiple)
    p_width = max([len(s.prompt_ids) for s, _ in rows] or [1])
    c_width = max([len(s.completion_ids) for s, _ in rows] or [1])
    out = {"prompt_ids": torch.full((n, p_width), pad_id, dtype=torch.long),
           "prompt_mask": torch.zeros((n, p_width), dtype=torch.long),
           "completion_ids": torch.full((n, c_width), pad_id, dtype=torch.long),
           "completion_mask": torch.zeros((n, c_width), dtype=torch.long),
           "tool_mask": torch.zeros((n, c_width), dtype=torch.long),
           "advantages": torch.zeros((n, c_width), dtype=torch.float32),
           "sampling_per_token_logps": torch.zeros((n, c_width), dtype=torch.float32)}
    for i, (s, adv) in enumerate(rows):
        p, c = len(s.prompt_ids), len(s.completion_ids)
        out["prompt_ids"][i, p_width - p:] = torch.as_tensor(s.prompt_ids)
        out["prompt_mask"][i, p_width - p:] = 1
        out["completion_ids"][i, :c] = torch.as_tensor(s.completion_ids)
        out["completion_mask"][i, :c] = 1
        out["tool_mask"][i, :c] = torch.as_tensor(s.loss_mask)
        out["advantages"][i, :c] = torch.as_tensor(adv, dtype=torch.float32)[:c]
        out["sampling_per_token_logps"][i, :c] = torch.as_tensor(s.logprobs, dtype=torch.float32)
    for i in range(len(rows), n):  # padding rows: one masked token so shapes stay valid
        out["prompt_mask"][i, -1] = 1
    return out


def scored_training_batch(trajectories: list[Trajectory], advantages: list[list[Any]],
                          pad_id: int, temperature: float, multiple: int = 1) -> dict[str, Any]:
    """TRL's training-batch layout for action-scored steps (GLAM, Carta et al. 2023): one row
    per step whose "completion" is a single position standing for the whole choice. Its
    log-prob is log pi(chosen) under the softmax over the candidates' scores, computed by
    ``AgentGRPOTrainer._get_per_token_logps_and_entropies`` from ``action_choices`` (each
    row's candidate ids and chosen index; None on padding rows), so TRL's ratio, clipping and
    KL act on the action's normalised log-prob. ``sampling_per_token_logps`` holds it at
    sampling time; ``advantages`` the step's advantage."""
    from trainers.action_scoring import action_log_policy

    rows = [(s, adv) for t, advs in zip(trajectories, advantages, strict=True)
            for s, adv in zip(t.samples, advs, strict=True)]
    if any(not s.scored for s, _ in rows):
        raise ValueError("scored_training_batch needs action-scored samples")
    n = max(1, len(rows))
    n += (-n) % max(1, multiple)
    p_width = max([len(s.prompt_ids) for s, _ in rows] or [1])
    out: dict[str, Any] = {
        "prompt_ids": torch.full((n, p_width), pad_id, dtype=torch.long),
        "prompt_mask": torch.zeros((n, p_width), dtype=torch.long),
        "completion_ids": torch.full((n, 1), pad_id, dtype=torch.long),
        "completion_mask": torch.zeros((n, 1), dtype=torch.long),
        "tool_mask": torch.zeros((n, 1), dtype=torch.long),
        "advantages": torch.zeros((n, 1), dtype=torch.float32),
        "sampling_per_token_logps": torch.zeros((n, 1), dtype=torch.float32),
        "action_choices": [None] * n}
    for i, (s, adv) in enumerate(rows):
        p = len(s.prompt_ids)
        out["prompt_ids"][i, p_width - p:] = torch.as_tensor(s.prompt_ids)
        out["prompt_mask"][i, p_width - p:] = 1
        out["completion_mask"][i, 0] = out["tool_mask"][i, 0] = 1
        out["advantages"][i, 0] = float(adv[0])  # every token of a step has its advantage
        log_pi = action_log_policy(torch.as_tensor(s.candidate_scores), temperature)
        out["sampling_per_token_logps"][i, 0] = log_pi[s.chosen]
        out["action_choices"][i] = (s.candidates, s.chosen)
    for i in range(len(rows), n):  # padding rows: one masked token so shapes stay valid
        out["prompt_mask"][i, -1] = 1
    return out


@functools.cache
def _grpo_trainer_cls() -> type:
    from trl import GRPOTrainer

    class AgentGRPOTrainer(GRPOTrainer):
        """GRPOTrainer + rollout engine + credit-method advantages (see module docstring)."""

        def __init__(self, *args: Any, credit: CreditMethod, rollouts: EpisodeRollouts,
                     **kwargs: Any) -> None:
            super().__init__(*args, rollout_func=rollouts, **kwargs)
            self.credit = credit
            self.rollouts = rollouts
            self.env_steps = 0
            self.generated_tokens = 0  # every sampled token (tree rollouts: discarded ones too)
            self.ledger_path = Path(self.args.output_dir) / "rollouts.jsonl"

        def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
            if self.accelerator.num_processes > 1:
                raise NotImplementedError("AgentGRPOTrainer runs in a single process")
            if self.rollouts.engine.config.context_mode == "window":
                return self._window_batch(inputs)
            out = super()._generate_and_score_completions(inputs)
            trajs = self.rollouts.last
            width = out["completion_ids"].shape[1]
            out["advantages"] = pad_advantages(self.credit.token_advantages(trajs), width).to(
                out["completion_ids"].device)
            self._record(trajs)
            return out

        def _window_batch(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
            device = self.accelerator.device
            trajs = self.rollouts.run([x["prompt"] for x in inputs], self)
            pad_id = self.processing_class.pad_token_id
            advantages = self.credit.token_advantages(trajs)
            if self.rollouts.engine.config.action_mode == "score":
                out = scored_training_batch(trajs, advantages, pad_id, self.temperature,
                                            multiple=self.args.steps_per_generation)
            else:
                out = window_training_batch(trajs, advantages, pad_id,
                                            multiple=self.args.steps_per_generation)
            out = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in out.items()}
            out["num_items_in_batch"] = (out["completion_mask"] * out["tool_mask"]).sum()
            # As TRL does: when one generation feeds several optimizer steps, the later steps
            # train on samples of an older policy, so the clipped ratio needs its log-probs
            # (without them the ratio is 1 and nothing is clipped).
            generate_every = self.args.steps_per_generation * self.num_iterations
            if self.args.gradient_accumulation_steps % generate_every != 0:
                out["old_per_token_logps"] = self._logps(self.model, out)
            if self.beta != 0.0:
                out["ref_per_token_logps"] = self._reference_logps(out)
            self._record(trajs)
            return out

        @torch.no_grad()
        def _logps(self, model: Any, out: dict[str, Any]) -> torch.Tensor:
            ids = torch.cat([out["prompt_ids"], out["completion_ids"]], dim=1)
            mask = torch.cat([out["prompt_mask"], out["completion_mask"]], dim=1)
            with self._choices_of(out):
                logps, _, _ = self._get_per_token_logps_and_entropies(
                    model, ids, mask, out["completion_ids"].size(1))
            return logps

        # ---- action scoring: the log-prob of a row is its chosen action's (GLAM) ----
        @contextlib.contextmanager
        def _choices_of(self, inputs: dict[str, Any]) -> Any:
            self._action_choices = inputs.get("action_choices")
            try:
                yield
            finally:
                self._action_choices = None

        def _compute_loss(self, model: Any, inputs: dict[str, Any]) -> torch.Tensor:
            with self._choices_of(inputs):
                return super()._compute_loss(model, inputs)

        def _get_per_token_logps_and_entropies(self, model: Any, input_ids: torch.Tensor,
                                               attention_mask: torch.Tensor,
                                               logits_to_keep: int, *args: Any,
                                               **kwargs: Any) -> tuple:
            choices = getattr(self, "_action_choices", None)
            if choices is None:
                return super()._get_per_token_logps_and_entropies(
                    model, input_ids, attention_mask, logits_to_keep, *args, **kwargs)
            return scored_logps_and_entropies(model, input_ids, attention_mask, logits_to_keep,
                                              choices, self.temperature,
                                              self.rollouts.engine.config.action_score)

        @torch.no_grad()
        def _reference_logps(self, out: dict[str, torch.Tensor]) -> torch.Tensor:
            if self.ref_model is not None:
                return self._logps(self.ref_model, out)
            with self.accelerator.unwrap_model(self.model).disable_adapter():  # LoRA: base model
                return self._logps(self.model, out)

        def _record(self, trajs: list[Trajectory]) -> None:
            from trainers.evaluation import summarise

            self.env_steps += self.rollouts.env_steps(trajs)
            self.generated_tokens += self.rollouts.engine.stats.generated_tokens
            mode = "train" if self.model.training else "eval"
            summary = summarise(trajs)
            row = {"global_step": int(self.state.global_step), "env_steps": self.env_steps,
                   "generated_tokens": self.generated_tokens,
                   "episodes": summary["episodes"], "success": summary["success"],
                   "return": summary["mean_return"], "invalid_rate": summary["invalid_rate"]}
            self._metrics[mode]["episode/success"].append(row["success"])
            self._metrics[mode]["episode/return"].append(row["return"])
            self._metrics[mode]["episode/invalid_rate"].append(row["invalid_rate"])
            self._metrics[mode]["env_steps"].append(float(self.env_steps))
            for k, v in self.credit.stats().items():
                self._metrics[mode][f"credit/{k}"].append(float(v))
            if self.accelerator.is_main_process:
                self.ledger_path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.ledger_path, "a") as fh:
                    fh.write(json.dumps(row) + "\n")

    return AgentGRPOTrainer


def scored_logps_and_entropies(model: Any, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                               logits_to_keep: int, choices: list[Any], temperature: float,
                               normalize: str = "sum") -> tuple[torch.Tensor, torch.Tensor, None]:
    """(B, 1) log pi(chosen action) and (B, 1) entropy over each row's candidates for a
    :func:`scored_training_batch` (prompts are the left-padded part before the completion
    position; padding rows get 0)."""
    from trainers.action_scoring import chosen_log_policy, score_actions

    prompt_ids = input_ids[:, :-logits_to_keep]
    prompt_mask = attention_mask[:, :-logits_to_keep].bool()
    real = [i for i, c in enumerate(choices) if c is not None]
    logps = torch.zeros((len(choices), 1), device=input_ids.device)
    entropies = torch.zeros((len(choices), 1), device=input_ids.device)
    if not real:
        return logps, entropies, None
    prompts = [prompt_ids[i][prompt_mask[i]].tolist() for i in real]
    scored = score_actions(model, prompts, [choices[i][0] for i in real], pad_id=0,
                           normalize=normalize)
    chosen, ent = chosen_log_policy(scored.scores, [choices[i][1] for i in real], temperature)
    index = torch.as_tensor(real, device=input_ids.device)
    logps = logps.index_put((index,), chosen.unsqueeze(1))
    entropies = entropies.index_put((index,), ent.unsqueeze(1))
    return logps, entropies, None


def __getattr__(name: str) -> Any:  # lazy: importing TRL takes seconds
    if name == "AgentGRPOTrainer":
        return _grpo_trainer_cls()
    raise AttributeError(name)


def make_engine(agent: Any, a: AgentArguments, temperature: float,
                env_kwargs: dict[str, Any], top_p: float = 1.0) -> Any:
    from trainers.rollout import RolloutEngine

    return RolloutEngine(agent, a.env_id, env_kwargs, a.rollout_config(temperature, top_p))


# GRPOConfig sampling fields our engine does not implement, with the values that mean "off"
UNSUPPORTED_SAMPLING = {"top_k": (0, None), "min_p": (None, 0.0), "repetition_penalty": (1.0,),
                        "generation_kwargs": (None, {})}


def check_sampling(grpo_args: Any) -> None:
    """Refuse GRPOConfig sampling settings the rollout engine would otherwise ignore
    (temperature and top_p are passed through)."""
    bad = {k: getattr(grpo_args, k) for k, off in UNSUPPORTED_SAMPLING.items()
           if getattr(grpo_args, k, off[0]) not in off}
    if bad:
        raise ValueError(f"the rollout engine samples with temperature and top_p only; "
                         f"unset {', '.join(f'{k}={v!r}' for k, v in bad.items())}")


def build_trainer(agent_args: AgentArguments, grpo_args: Any, model_args: Any,
                  agent: Any = None, callbacks: list | None = None) -> Any:
    """An ``AgentGRPOTrainer`` for the configs; ``agent`` defaults to
    ``agents.load_agent(model_args.model_name_or_path)``."""
    from datasets import Dataset
    from trl import get_peft_config

    if agent is None:
        from agents import load_agent

        agent = load_agent(model_args.model_name_or_path or "stepgym-tiny")
    peft_config = get_peft_config(model_args)
    if peft_config is not None and "lm_head" in (peft_config.target_modules or []):
        raise ValueError("lm_head must not be a LoRA target module")
    check_sampling(grpo_args)
    if grpo_args.loss_type == "dr_grpo":  # one "token" per step when actions are scored
        grpo_args.max_completion_length = (1 if agent_args.action_mode == "score"
                                           else agent_args.max_context_tokens)
    engine = make_engine(agent, agent_args, grpo_args.temperature, dict(agent_args.env_kwargs),
                         top_p=grpo_args.top_p)
    rollouts = EpisodeRollouts(engine, grpo_args.num_generations, grpo_args.seed,
                               tree_branching=(agent_args.tree_branching
                                               if agent_args.rollout == "tree" else None))
    seeds = range(agent_args.train_seed_offset,
                  agent_args.train_seed_offset + agent_args.num_train_tasks)
    dataset = Dataset.from_dict({"prompt": [task_prompt(s) for s in seeds]})
    credit = make_credit(agent_args.credit, **agent_args.credit_kwargs)
    cls = _grpo_trainer_cls()
    trainer = cls(model=agent.model, reward_funcs=[episode_return], args=grpo_args,
                  train_dataset=dataset, processing_class=agent.tokenizer,
                  peft_config=peft_config, callbacks=callbacks, credit=credit,
                  rollouts=rollouts)
    agent.model = trainer.model  # rollouts sample from the trained (possibly LoRA) model
    trainer.agent = agent
    return trainer


def evaluate_policy(agent: Any, a: AgentArguments, generation_seed: int = 0) -> dict[str, Any]:
    """Episodes on the frozen eval split (seeds ``eval_seed_offset + [0, n)``), greedy or, with
    ``eval_temperature > 0``, ``eval_group`` samples per task drawn with the same generation
    seed at every evaluation (so before/after differ only by the policy)."""
    from trainers.evaluation import resolve_split, summarise

    env_kwargs = {**a.env_kwargs, **a.eval_env_kwargs}
    split = resolve_split(a.env_id, env_kwargs, a.eval_split)
    engine = make_engine(agent, a, a.eval_temperature, env_kwargs)
    seeds = list(range(a.eval_seed_offset, a.eval_seed_offset + a.eval_episodes))
    model = agent.model
    was_training = model.training
    model.eval()
    try:
        trajs = engine.run(seeds, group_size=a.eval_group, options={"split": split},
                           generation_seed=generation_seed)
    finally:
        model.train(was_training)
    return {**summarise(trajs), "split": split}


@functools.cache
def _callback_cls() -> type:
    from transformers import TrainerCallback

    class AgentRunCallback(TrainerCallback):
        """Restores our ledgers on resume, evaluates on the frozen split (at the start, every
        ``eval_every`` steps, at the end), stops at the env-step budget."""

        def __init__(self, trainer: Any, agent_args: AgentArguments) -> None:
            self.trainer = trainer
            self.a = agent_args
            self.out = Path(trainer.args.output_dir)
            self.last_eval_step = -1
            self.writer: Any = None

        def _evaluate(self, step: int) -> None:
            if step == self.last_eval_step or self.a.eval_episodes <= 0:
                return
            summary = evaluate_policy(self.trainer.agent, self.a)
            row = {"global_step": step, "env_steps": self.trainer.env_steps,
                   "success": summary["success"], "success_ci": summary["success_ci"],
                   "mean_return": summary["mean_return"], "episodes": summary["episodes"],
                   "invalid_rate": summary["invalid_rate"],
                   "generated_tokens_train": self.trainer.generated_tokens,
                   "generated_tokens_per_success": summary["generated_tokens_per_success"],
                   "tool_calls_mean": summary.get("tool_calls_mean")}
            with open(self.out / "eval.jsonl", "a") as fh:
                fh.write(json.dumps(row) + "\n")
            if self.writer is None and "tensorboard" in (self.trainer.args.report_to or []):
                from torch.utils.tensorboard import SummaryWriter

                self.writer = SummaryWriter(str(self.out / "tensorboard_eval"))
            if self.writer is not None:
                for k in ("success", "mean_return", "invalid_rate"):
                    self.writer.add_scalar(f"eval/{k}", row[k], self.trainer.env_steps)
                self.writer.flush()
            self.last_eval_step = step

        def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            from trainers.checkpoint import read_jsonl, restore_ledgers

            self.out.mkdir(parents=True, exist_ok=True)
            if state.global_step > 0:
                self.trainer.env_steps = restore_ledgers(self.out, state.global_step)
                rows = read_jsonl(self.out / "rollouts.jsonl")
                self.trainer.generated_tokens = int(rows[-1].get("generated_tokens", 0)) if rows else 0
                done = [r["global_step"] for r in read_jsonl(self.out / "eval.jsonl")]
                self.last_eval_step = done[-1] if done else -1
            else:
                for name in ("rollouts.jsonl", "eval.jsonl"):
                    (self.out / name).unlink(missing_ok=True)
                self._evaluate(0)

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.a.eval_every and state.global_step % self.a.eval_every == 0:
                self._evaluate(state.global_step)
            budget = self.a.max_env_steps_total
            if budget is not None and self.trainer.env_steps >= budget:
                control.should_training_stop = True
            tokens = self.a.max_generated_tokens_total
            if tokens is not None and self.trainer.generated_tokens >= tokens:
                control.should_training_stop = True

        def on_train_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self._evaluate(state.global_step)
            if self.writer is not None:
                self.writer.close()

    return AgentRunCallback


def add_run_callback(trainer: Any, agent_args: AgentArguments) -> Any:
    """Attach evaluation / resume / budget handling to a built trainer."""
    cb = _callback_cls()(trainer, agent_args)
    trainer.add_callback(cb)
    return cb
