"""DPO on TRL's ``DPOTrainer`` from pre-tokenised step pairs (MCTS-DPO Sec. 2.3).

``StepDPOTrainer`` takes the pairs dataset as the search wrote it (``prompt_ids``,
``chosen_ids``, ``rejected_ids``: no re-tokenisation, TRL's ``_prepare_dataset`` is bypassed)
and trains with the conservative DPO loss with a label smoothing per pair:

    L = -(1 - eps) log sigmoid(beta * d) - eps log sigmoid(-beta * d),
    d = [log pi(y_w|x) - log pi_ref(y_w|x)] - [log pi(y_l|x) - log pi_ref(y_l|x)]

(DPO, Rafailov et al. Eq. 7, with cDPO's smoothing; eps from :mod:`trainers.mcts.pairs`).
With ``nll_weight`` alpha > 0 the loss adds the chosen side's length-normalised negative
log-likelihood, alpha * -log pi(y_w|x) / |y_w| (Iterative RPO, Pang et al. 2024, arXiv
2404.19733, Eq. 1): DPO alone can lower the chosen step's likelihood together with the
rejected one's (docs/mcts_dpo.md, MathChain).
The reference is the policy at the start of the iteration: its log-probs are computed once
before training (``precompute_ref_log_probs``), so no second model is held.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from trl import DPOConfig, DPOTrainer
from trl.trainer.dpo_trainer import DataCollatorForPreference

PAIR_COLUMNS = ("prompt_ids", "chosen_ids", "rejected_ids")


def conservative_dpo_loss(delta: torch.Tensor, beta: float, eps: torch.Tensor) -> torch.Tensor:
    """Per-pair cDPO loss -(1 - eps) log s(beta d) - eps log s(-beta d).

    >>> round(float(conservative_dpo_loss(torch.tensor([0.0]), 0.1, torch.tensor([0.2]))[0]), 4)
    0.6931
    """
    return -(1 - eps) * F.logsigmoid(beta * delta) - eps * F.logsigmoid(-beta * delta)


def chosen_nll(chosen_logps: torch.Tensor, chosen_tokens: torch.Tensor) -> torch.Tensor:
    """Per-pair -log pi(y_w|x) / |y_w| (RPO's NLL term, Eq. 1 of arXiv 2404.19733).

    >>> chosen_nll(torch.tensor([-6.0]), torch.tensor([3])).tolist()
    [2.0]
    """
    return -chosen_logps / chosen_tokens.clamp(min=1).to(chosen_logps.dtype)


@dataclass
class SmoothingCollator:
    """TRL's preference collator plus each pair's ``label_smoothing`` as a tensor."""

    base: DataCollatorForPreference

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        out = self.base(examples)
        out["label_smoothing"] = torch.tensor([float(e.get("label_smoothing", 0.0)) for e in examples])
        return out


class StepDPOTrainer(DPOTrainer):
    """``DPOTrainer`` on pre-tokenised pairs with per-pair conservative label smoothing, plus
    ``nll_weight`` times the chosen side's length-normalised NLL (0: plain cDPO)."""

    def __init__(self, *args: Any, nll_weight: float = 0.0, **kwargs: Any) -> None:
        if nll_weight < 0:
            raise ValueError(f"nll_weight must be >= 0, got {nll_weight}")
        self.nll_weight = nll_weight
        super().__init__(*args, **kwargs)

    def _prepare_dataset(self, dataset: Any, processing_class: Any, args: DPOConfig,
                         dataset_name: str) -> Any:
        missing = [c for c in PAIR_COLUMNS if c not in dataset.column_names]
        if missing:
            raise ValueError(f"{dataset_name} dataset lacks {missing}: StepDPOTrainer takes "
                             "pre-tokenised pairs (trainers.mcts.pairs.pairs_dataset)")
        return dataset  # the search's ids, exactly

    def _set_signature_columns_if_needed(self) -> None:
        super()._set_signature_columns_if_needed()
        if "label_smoothing" not in self._signature_columns:
            self._signature_columns = [*self._signature_columns, "label_smoothing"]

    def compute_ref_log_probs(self, model: Any, inputs: dict[str, Any]) -> Any:
        return super().compute_ref_log_probs(
            model, {k: v for k, v in inputs.items() if k != "label_smoothing"})

    def _compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool) -> Any:
        mode = "train" if self.model.training else "eval"
        completion_mask = inputs["completion_mask"]
        labels = inputs["input_ids"].masked_fill(completion_mask == 0, -100)
        outputs = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"],
                        labels=labels, use_cache=False, fused_lm_head=True)
        seq_len = completion_mask.size(1) - 1
        logps = outputs.log_probs[:, -seq_len:].sum(dim=1)
        chosen_logps, rejected_logps = logps.chunk(2, dim=0)
        delta = ((chosen_logps - inputs["ref_chosen_logps"])
                 - (rejected_logps - inputs["ref_rejected_logps"]))
        eps = inputs["label_smoothing"].to(delta.dtype)
        loss = conservative_dpo_loss(delta, self.beta, eps).mean()
        metrics = self._metrics[mode]
        if self.nll_weight:
            chosen_tokens = completion_mask[:, 1:].sum(dim=1).chunk(2, dim=0)[0]
            nll = chosen_nll(chosen_logps, chosen_tokens).mean()
            loss = loss + self.nll_weight * nll
            metrics["nll/chosen"].append(self.accelerator.gather(nll.detach()).mean().item())
        margin = (self.beta * delta).detach()
        metrics["rewards/margins"].append(self.accelerator.gather(margin).mean().item())
        metrics["rewards/accuracies"].append(self.accelerator.gather((margin > 0).float()).mean().item())
        metrics["logps/chosen"].append(self.accelerator.gather(chosen_logps.detach()).mean().item())
        metrics["logps/rejected"].append(self.accelerator.gather(rejected_logps.detach()).mean().item())
        metrics["label_smoothing"].append(self.accelerator.gather(eps).mean().item())
        return (loss, outputs) if return_outputs else loss


@dataclass
class DPORunConfig:
    """One DPO stage: the policy ``model`` trained on ``pairs`` into ``output``."""

    model: str
    pairs: str  # a dataset directory (datasets.save_to_disk)
    output: str
    beta: float = 0.1
    learning_rate: float = 5e-5
    epochs: float = 2.0
    batch_size: int = 8
    conservative: bool = True  # False: eps = 0 for every pair (plain DPO)
    nll_weight: float = 0.0  # RPO's alpha: + alpha * the chosen side's per-token NLL
    seed: int = 0
    lora: dict[str, Any] = field(default_factory=dict)  # peft LoraConfig kwargs; empty: full


def run_dpo(config: DPORunConfig, progress: bool = True) -> Path:
    """Train and save ``OUTPUT/final`` (with the start model's ``stepgym.json``)."""
    import datasets

    from trainers.finetune import load_start, save_like_start

    out = Path(config.output)
    out.mkdir(parents=True, exist_ok=True)
    (out / "dpo_config.json").write_text(json.dumps(asdict(config), indent=2))
    source, model, tokenizer = load_start(config.model, config.seed)
    train = datasets.load_from_disk(config.pairs)
    if not config.conservative:
        train = train.map(lambda _: {"label_smoothing": 0.0})
    peft_config = None
    if config.lora:
        from peft import LoraConfig

        peft_config = LoraConfig(task_type="CAUSAL_LM", **config.lora)
    args = DPOConfig(output_dir=str(out), beta=config.beta, learning_rate=config.learning_rate,
                     num_train_epochs=config.epochs, per_device_train_batch_size=config.batch_size,
                     precompute_ref_log_probs=True, max_length=None, seed=config.seed,
                     data_seed=config.seed, logging_steps=1, save_strategy="no",
                     report_to="none", disable_tqdm=not progress,
                     use_cpu=not torch.cuda.is_available(), gradient_checkpointing=False,
                     dataset_num_proc=None)
    collator = SmoothingCollator(DataCollatorForPreference(pad_token_id=tokenizer.pad_token_id))
    trainer = StepDPOTrainer(model=model, args=args, train_dataset=train,
                             processing_class=tokenizer, data_collator=collator,
                             peft_config=peft_config, nll_weight=config.nll_weight)
    trainer.train()
    final = out / "final"
    if peft_config is not None:
        trainer.model = trainer.model.merge_and_unload()
    trainer.model.save_pretrained(str(final))
    save_like_start(tokenizer, source, final)
    (out / "dpo_log.json").write_text(json.dumps(trainer.state.log_history, indent=2))
    return final
