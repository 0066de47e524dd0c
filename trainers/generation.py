"""Batched sampling with exact per-token log-probs: one KV-cached loop over a left-padded batch.

``transformers``' ``generate`` re-derives scores after logits processors; here the log-prob
recorded for a token comes from the same logits that sampled it: ``log_softmax(logits / T)``
(temperature applied, before top-p filtering), which is what a trainer recomputes with a
fresh forward pass at the same temperature. Padding is on the left with explicit position
ids, so each row sees exactly the positions an unpadded forward pass would.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch


@dataclass
class GenerationOutput:
    token_ids: list[list[int]]  # sampled ids per row, including the stop token when sampled
    logprobs: list[list[float]]  # per sampled token: log-prob under the sampling distribution
    stopped: list[bool]  # the row sampled a stop token (else it hit max_new_tokens)


def _filter_top_p(probs: torch.Tensor, top_p: float) -> torch.Tensor:
    if top_p >= 1.0:
        return probs
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    cumulative = sorted_probs.cumsum(dim=-1)
    drop = (cumulative - sorted_probs) > top_p  # keep the smallest prefix whose mass reaches top_p
    sorted_probs = sorted_probs.masked_fill(drop, 0.0)
    return torch.zeros_like(probs).scatter(-1, order, sorted_probs)


def _left_pad(prompts: Sequence[Sequence[int]], pad_id: int, device: Any) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for row, prompt in enumerate(prompts):
        if prompt:
            ids[row, width - len(prompt):] = torch.tensor(list(prompt), dtype=torch.long)
            mask[row, width - len(prompt):] = 1
    return ids.to(device), mask.to(device)


def _cache_kwarg(model: Any) -> dict[str, Any]:
    """A fresh KV cache under the keyword this model's ``forward`` takes (``cache`` since
    transformers 5.x deprecated ``past_key_values``); the cache is filled in place."""
    from transformers import DynamicCache

    cache = DynamicCache(config=model.config)
    params = inspect.signature(model.forward).parameters
    return {"cache": cache} if "cache" in params else {"past_key_values": cache}


@torch.no_grad()
def sample_batch(model: Any, prompts: Sequence[Sequence[int]], *, max_new_tokens: int,
                 stop_token_ids: Sequence[int], pad_token_id: int | None, temperature: float = 1.0,
                 top_p: float = 1.0, generator: torch.Generator | None = None) -> GenerationOutput:
    """Sample a continuation for every prompt in one batched, KV-cached loop.

    ``temperature == 0`` is greedy (log-probs then at temperature 1).
    """
    if not prompts:
        return GenerationOutput([], [], [])
    device = next(model.parameters()).device
    pad = int(pad_token_id if pad_token_id is not None else stop_token_ids[0])
    ids, mask = _left_pad(prompts, pad, device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    stops = torch.tensor(sorted(set(stop_token_ids)), device=device)
    batch = len(prompts)
    tokens: list[list[int]] = [[] for _ in range(batch)]
    logps: list[list[float]] = [[] for _ in range(batch)]
    scale = temperature if temperature > 0 else 1.0

    cache_kw = _cache_kwarg(model)
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True,
                logits_to_keep=1, **cache_kw)
    cache = next(iter(cache_kw.values()))
    next_pos = positions[:, -1:] + 1
    active = list(range(batch))  # original row of each row still in the batch
    for _ in range(max_new_tokens):
        logprobs = torch.log_softmax(out.logits[:, -1, :].float() / scale, dim=-1)
        if temperature > 0:
            probs = _filter_top_p(logprobs.exp(), top_p)
            chosen = torch.multinomial(probs, 1, generator=generator).squeeze(-1)
        else:
            chosen = logprobs.argmax(dim=-1)
        chosen_lp = logprobs.gather(-1, chosen[:, None]).squeeze(-1)
        for row, token, lp in zip(active, chosen.tolist(), chosen_lp.tolist(), strict=True):
            tokens[row].append(token)
            logps[row].append(lp)
        finished = torch.isin(chosen, stops)
        if bool(finished.all()):
            break
        if bool(finished.any()):
            # Drop finished rows (and their KV cache) so later steps only pay for live rows.
            keep = (~finished).nonzero().squeeze(-1)
            cache.reorder_cache(keep)
            mask, next_pos, chosen = mask[keep], next_pos[keep], chosen[keep]
            active = [active[i] for i in keep.tolist()]
        mask = torch.cat([mask, torch.ones((len(active), 1), dtype=mask.dtype, device=device)], dim=1)
        out = model(input_ids=chosen[:, None], attention_mask=mask, position_ids=next_pos,
                    use_cache=True, **cache_kw)
        next_pos = next_pos + 1
    stopped = [bool(t) and t[-1] in set(stop_token_ids) for t in tokens]
    return GenerationOutput(tokens, logps, stopped)


@torch.no_grad()
def sequence_logprobs(model: Any, ids: Sequence[int], temperature: float = 1.0) -> list[float]:
    """Log-prob of each token ``ids[1:]`` given its prefix, one unpadded forward pass (the
    audit's reference for recorded sampling log-probs)."""
    device = next(model.parameters()).device
    tensor = torch.tensor([list(ids)], dtype=torch.long, device=device)
    logits = model(input_ids=tensor).logits[0, :-1].float()
    scale = temperature if temperature > 0 else 1.0
    logprobs = torch.log_softmax(logits / scale, dim=-1)
    return logprobs.gather(-1, tensor[0, 1:, None]).squeeze(-1).tolist()
