"""Action scoring: the LM as a policy over an env's admissible actions (GLAM).

Carta et al., "Grounding Large Language Models in Interactive Environments with Online RL"
(ICML 2023, arXiv 2302.02662), Sec. 3.2: for a prompt p and admissible actions a_1..a_K, the
LM scores each action by the summed log-probability of its tokens after the prompt,

    s_k = sum_j log P_LM(a_k^j | p, a_k^{<j}),

and the policy is the softmax over those scores, pi(a_k | p) = exp(s_k / T) / sum_i exp(s_i / T)
(T = 1 in the paper; T -> 0 is argmax). ``normalize="mean"`` divides s_k by the candidate's
token count (length-normalised scoring, common for LM multiple choice): with the sum, a
behaviour-cloned tiny model on ALFWorld level 1 preferred short ``go to X`` commands over the
longer ``move O to R`` that finishes the task (at T=1: 0.7% of 140 episodes with the sum,
50-step cap; 37.5% of 40 with the mean, 30-step cap; docs/experiments/2026-12-03-*.md).
Each action is scored as the model would write it
(``PromptFormat.render_action``) followed by its end-of-turn token, the text behaviour cloning
trains on. The policy never emits an invalid action; all K candidates enter the gradient
through the normaliser.

Cost: the prompt is computed once per row and its KV cache is shared by that row's K
candidates (a second forward over the candidates only); rows are chunked so one candidate
forward holds at most ``max_tokens`` candidate tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from trainers.generation import _cache_key, _new_cache


@dataclass
class ScoredRows:
    """Per row b: ``scores[b]`` (K_b,) summed log-probs, ``token_logprobs[b][k]`` (L_bk,)
    per-token log-probs of candidate k, and ``hidden[b]`` the last layer's hidden state at
    the prompt's last token (the state the action is chosen in), when asked for."""

    scores: list[torch.Tensor]
    token_logprobs: list[list[torch.Tensor]]
    hidden: torch.Tensor | None = None


def _chunks(prompts: Sequence[Sequence[int]], candidates: Sequence[Sequence[Sequence[int]]],
            max_tokens: int) -> list[list[int]]:
    """Consecutive rows grouped so each group's candidate tokens (padded) stay within budget."""
    groups: list[list[int]] = []
    current: list[int] = []
    count = width = 0
    for b, cands in enumerate(candidates):
        w = max(len(c) for c in cands)
        k = len(cands)
        if current and (count + k) * max(width, w) > max_tokens:
            groups.append(current)
            current, count, width = [], 0, 0
        current.append(b)
        count += k
        width = max(width, w)
    if current:
        groups.append(current)
    return groups


SCORE_NORMALIZATIONS = ("sum", "mean")


def score_actions(model: torch.nn.Module, prompts: Sequence[Sequence[int]],
                  candidates: Sequence[Sequence[Sequence[int]]], pad_id: int,
                  want_hidden: bool = False, normalize: str = "sum",
                  max_tokens: int = 16384) -> ScoredRows:
    """Score every candidate continuation of every prompt (see module docstring): the sum of
    its token log-probs, or their mean with ``normalize="mean"``. Runs with gradients when the
    caller has them enabled (training) and without under ``no_grad``."""
    if normalize not in SCORE_NORMALIZATIONS:
        raise ValueError(f"normalize must be one of {SCORE_NORMALIZATIONS}, got {normalize!r}")
    if len(prompts) != len(candidates):
        raise ValueError(f"{len(prompts)} prompts but {len(candidates)} candidate lists")
    for b, (prompt, cands) in enumerate(zip(prompts, candidates)):
        if not prompt or not cands or any(not c for c in cands):
            raise ValueError(f"row {b}: needs a non-empty prompt and non-empty candidates")
    scores: list[torch.Tensor] = [torch.empty(0)] * len(prompts)
    token_lps: list[list[torch.Tensor]] = [[] for _ in prompts]
    hidden: list[torch.Tensor] = [torch.empty(0)] * len(prompts)
    for rows in _chunks(prompts, candidates, max_tokens):
        out = _score_chunk(model, [prompts[b] for b in rows], [candidates[b] for b in rows],
                           pad_id, want_hidden)
        for j, b in enumerate(rows):
            scores[b], token_lps[b] = out.scores[j], out.token_logprobs[j]
            if normalize == "mean":
                lengths = [len(c) for c in candidates[b]]
                scores[b] = scores[b] / torch.as_tensor(lengths, dtype=scores[b].dtype,
                                                         device=scores[b].device)
            if out.hidden is not None:
                hidden[b] = out.hidden[j]
    return ScoredRows(scores, token_lps, torch.stack(hidden) if want_hidden else None)


def _score_chunk(model: torch.nn.Module, prompts: Sequence[Sequence[int]],
                 candidates: Sequence[Sequence[Sequence[int]]], pad_id: int,
                 want_hidden: bool) -> ScoredRows:
    device = next(model.parameters()).device
    key = _cache_key(model)
    # 1. prompts, right-padded (every real query sees real keys), one forward with a cache
    lens = [len(p) for p in prompts]
    width = max(lens)
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for b, p in enumerate(prompts):
        ids[b, : len(p)] = torch.as_tensor(list(p))
        mask[b, : len(p)] = 1
    ids, mask = ids.to(device), mask.to(device)
    cache = _new_cache(model)
    out = model(input_ids=ids, attention_mask=mask, use_cache=True,
                output_hidden_states=want_hidden, **{key: cache})
    last = torch.as_tensor(lens, device=device) - 1
    rows_idx = torch.arange(len(prompts), device=device)
    first_logp = torch.log_softmax(out.logits[rows_idx, last].float(), dim=-1)  # (B, V)
    hidden = out.hidden_states[-1][rows_idx, last] if want_hidden else None
    # 2. every candidate of row b continues row b's cache
    owner = [b for b, cands in enumerate(candidates) for _ in cands]
    flat = [list(c) for cands in candidates for c in cands]
    c_width = max(len(c) for c in flat)
    c_ids = torch.full((len(flat), c_width), pad_id, dtype=torch.long)
    c_mask = torch.zeros((len(flat), c_width), dtype=torch.long)
    for r, c in enumerate(flat):
        c_ids[r, : len(c)] = torch.as_tensor(c)
        c_mask[r, : len(c)] = 1
    c_ids, c_mask = c_ids.to(device), c_mask.to(device)
    owner_t = torch.as_tensor(owner, device=device)
    cache.batch_select_indices(owner_t)
    positions = last[owner_t].unsqueeze(1) + 1 + torch.arange(c_width, device=device)
    c_out = model(input_ids=c_ids, attention_mask=torch.cat([mask[owner_t], c_mask], dim=1),
                  position_ids=positions, use_cache=True, **{key: cache})
    logp = torch.log_softmax(c_out.logits.float(), dim=-1)  # (R, Lc, V): position j predicts j+1
    tok = torch.empty(c_ids.shape, dtype=logp.dtype, device=device)
    tok[:, 0] = first_logp[owner_t].gather(-1, c_ids[:, :1]).squeeze(-1)
    if c_width > 1:
        tok[:, 1:] = logp[:, :-1].gather(-1, c_ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    tok = tok * c_mask
    summed = tok.sum(dim=1)
    scores, token_lps, r = [], [], 0
    for cands in candidates:
        k = len(cands)
        scores.append(summed[r: r + k])
        token_lps.append([tok[r + i, : len(c)] for i, c in enumerate(cands)])
        r += k
    return ScoredRows(scores, token_lps, hidden)


def action_log_policy(scores: torch.Tensor, temperature: float) -> torch.Tensor:
    """log pi(. | p) over the candidates: log_softmax(s / T) (GLAM Sec. 3.2); T <= 0 is
    treated as 1 here (greedy acting takes the argmax, training needs a distribution).

    >>> action_log_policy(torch.tensor([0.0, 0.0]), 1.0).exp().tolist()
    [0.5, 0.5]
    """
    t = temperature if temperature > 0 else 1.0
    return torch.log_softmax(scores.float() / t, dim=-1)


def chosen_log_policy(scores: Sequence[torch.Tensor], chosen: Sequence[int],
                      temperature: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row, log pi(chosen action) and the entropy of pi over its candidates, both (N,):
    what the trainers' ratio, KL and entropy terms use for scored steps.

    >>> lp, ent = chosen_log_policy([torch.zeros(2), torch.zeros(4)], [1, 0], 1.0)
    >>> [round(x, 4) for x in lp.exp().tolist()], [round(x, 4) for x in ent.tolist()]
    ([0.5, 0.25], [0.6931, 1.3863])
    """
    log_pis = [action_log_policy(s, temperature) for s in scores]
    logp = torch.stack([lp[int(c)] for lp, c in zip(log_pis, chosen, strict=True)])
    entropy = torch.stack([-(lp.exp() * lp).sum() for lp in log_pis])
    return logp, entropy


def choose(scores: torch.Tensor, temperature: float, generator: torch.Generator | None) -> int:
    """An index drawn from softmax(s / T), or the argmax when T is 0."""
    if temperature <= 0:
        return int(torch.argmax(scores))
    probs = action_log_policy(scores, temperature).exp().double().cpu()
    return int(torch.multinomial(probs, 1, generator=generator))
