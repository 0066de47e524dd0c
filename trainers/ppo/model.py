"""The actor-critic: a causal LM policy and a scalar value head, shared or separate.

``shared``: the value head reads the policy's last hidden states (one forward gives both;
the value loss also shapes the backbone, weighted by vf_coef). ``separate``: the critic has
its own backbone (a copy of the initial policy, or any causal LM) with the head on top, as
in SPA's and most agent-RL PPO setups. Under LoRA the reference policy is the same model
with its adapters disabled; without LoRA it is a frozen copy of the initial policy.
"""

from __future__ import annotations

import copy
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from trainers.ppo.batch import PPOBatch
from trainers.ppo.losses import entropy_from_logits


class ValueHead(nn.Module):
    """Linear map from a hidden state to a scalar value (zero bias, seeded small weights)."""

    def __init__(self, hidden_size: int, seed: int = 0):
        super().__init__()
        self.summary = nn.Linear(hidden_size, 1)
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            self.summary.weight.normal_(0.0, 1.0 / (hidden_size + 1), generator=gen)
        nn.init.zeros_(self.summary.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.summary(hidden.float()).squeeze(-1)


@dataclass
class ForwardOut:
    logprobs: torch.Tensor  # (N, T) log pi(token) at the sampling temperature
    entropy: torch.Tensor | None  # (N, T)
    values: torch.Tensor | None  # (N, T) V before each completion token
    last_values: torch.Tensor | None  # (N,) V after each row's last token (bootstrap)


def _hidden_size(model: nn.Module) -> int:
    config = model.config
    return int(getattr(config, "hidden_size", None) or config.get_text_config().hidden_size)


def _rows(t: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Gather t[b, positions[b, j]] for a (N, L, ...) tensor."""
    return t[torch.arange(t.shape[0]).unsqueeze(1), positions]


class ActorCritic(nn.Module):
    """Policy + value head (+ separate critic backbone) + reference log-probs."""

    def __init__(self, policy: nn.Module, critic: str = "shared",
                 critic_backbone: nn.Module | None = None, use_reference: bool = True,
                 peft: bool = False, seed: int = 0, action_score: str = "sum"):
        super().__init__()
        self.policy = policy
        self.action_score = action_score  # scored batches: "sum" or "mean" of token log-probs
        self.critic_kind = critic
        device = next(policy.parameters()).device
        self.peft = peft
        if critic == "separate":
            self.critic_backbone = critic_backbone or copy.deepcopy(policy)
            self.value_head = ValueHead(_hidden_size(self.critic_backbone), seed).to(device)
        else:
            self.critic_backbone = None
            self.value_head = ValueHead(_hidden_size(policy), seed).to(device)
        self.reference: nn.Module | None = None
        if use_reference and not peft:
            self.reference = copy.deepcopy(policy).eval()
            for p in self.reference.parameters():
                p.requires_grad_(False)

    def policy_parameters(self) -> list[nn.Parameter]:
        return [p for p in self.policy.parameters() if p.requires_grad]

    def critic_parameters(self) -> list[nn.Parameter]:
        params = list(self.value_head.parameters())
        if self.critic_backbone is not None:
            params += [p for p in self.critic_backbone.parameters() if p.requires_grad]
        return params

    def forward(self, batch: PPOBatch, temperature: float = 1.0, values: bool = True,
                entropy: bool = False) -> ForwardOut:
        """:meth:`forward_batch` as ``__call__``, so a DistributedDataParallel wrapper (which
        syncs gradients only for forwards through itself) runs the training forward."""
        return self.forward_batch(batch, temperature, values, entropy)

    def forward_batch(self, batch: PPOBatch, temperature: float = 1.0, values: bool = True,
                      entropy: bool = False) -> ForwardOut:
        """Log-probs of the completion tokens (+ entropy, values, bootstrap values); for a
        scored batch, of each row's chosen action under the softmax over its candidates."""
        if batch.scored:
            return self._forward_scored(batch, temperature, values, entropy)
        out = self.policy(input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                          output_hidden_states=values and self.critic_backbone is None)
        logits = _rows(out.logits, batch.positions).float() / temperature
        logp = torch.log_softmax(logits, dim=-1)
        token_logp = logp.gather(-1, batch.completion_ids.unsqueeze(-1)).squeeze(-1)
        ent = entropy_from_logits(logits) if entropy else None
        vals = last = None
        if values:
            if self.critic_backbone is None:
                hidden = out.hidden_states[-1]
            else:
                hidden = self.critic_backbone(
                    input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                    output_hidden_states=True).hidden_states[-1]
            v = self.value_head(hidden)
            vals = _rows(v, batch.positions)
            last = v[torch.arange(v.shape[0]), batch.last_positions]
        return ForwardOut(token_logp, ent, vals, last)

    def _forward_scored(self, batch: PPOBatch, temperature: float, values: bool,
                        entropy: bool) -> ForwardOut:
        """GLAM's policy (Carta et al. 2023, Sec. 3.2): log pi(chosen) = log_softmax(s / T) with
        every candidate scored (so all of them get gradient), entropy over the candidates, and
        V read at the prompt's last token (the bootstrap value too: the next state's prompt is
        not in the batch)."""
        shared = values and self.critic_backbone is None
        logp, ent, hidden = _scored_log_policy(self.policy, batch, temperature, shared,
                                               self.action_score)
        vals = last = None
        if values:
            if hidden is None:
                hidden = _rows(self.critic_backbone(
                    input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                    output_hidden_states=True).hidden_states[-1], batch.positions)[:, 0]
            last = self.value_head(hidden)
            vals = last.unsqueeze(1)
        return ForwardOut(logp.unsqueeze(1), ent.unsqueeze(1) if entropy else None, vals, last)

    def _reference_context(self) -> tuple[Any, nn.Module]:
        if self.peft:
            return self.policy.disable_adapter(), self.policy
        if self.reference is not None:
            return nullcontext(), self.reference
        raise RuntimeError("no reference policy (kl_coef is 0)")

    @torch.no_grad()
    def reference_logprobs(self, batch: PPOBatch, temperature: float = 1.0) -> torch.Tensor:
        """Log-probs under the reference: adapters disabled (LoRA) or the frozen copy."""
        context, model = self._reference_context()
        if batch.scored:
            with context:
                logp, _, _ = _scored_log_policy(model, batch, temperature, False,
                                                self.action_score)
            return logp.unsqueeze(1)
        with context:
            out = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask)
        logits = _rows(out.logits, batch.positions).float() / temperature
        logp = torch.log_softmax(logits, dim=-1)
        return logp.gather(-1, batch.completion_ids.unsqueeze(-1)).squeeze(-1)


def _scored_log_policy(model: nn.Module, batch: PPOBatch, temperature: float, want_hidden: bool,
                       normalize: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Per row, log pi(chosen) and the entropy over its candidates, both (N,) (and the
    prompt's last hidden state)."""
    from trainers.action_scoring import chosen_log_policy, score_actions

    lens = batch.attention_mask.sum(dim=1).tolist()
    prompts = [batch.input_ids[b, :n].tolist() for b, n in enumerate(lens)]
    scored = score_actions(model, prompts, batch.choices or [], pad_id=0, want_hidden=want_hidden,
                           normalize=normalize)
    logp, entropy = chosen_log_policy(scored.scores, batch.completion_ids[:, 0].tolist(),
                                      temperature)
    return logp, entropy, scored.hidden
