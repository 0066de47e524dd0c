"""PPO's loss terms over generated tokens (Schulman et al. 2017, arXiv 1707.06347).

* Clipped surrogate (eq. 7): L^CLIP = E[min(rho A, clip(rho, 1-eps, 1+eps) A)], with
  rho = exp(log pi(a|s) - log pi_old(a|s)); we minimise its negative. For A < 0 the ratio is
  unbounded above, so an action sampled at a tiny probability that has since become likely
  gives a huge gradient; dual-clip PPO (Ye et al. 2020, arXiv 1912.09729, eq. 5) bounds the
  objective at c * A there (``dual_clip`` = c > 1).
* Clipped value loss (as in OpenAI baselines / CleanRL / TRL's PPOv2):
  0.5 * max((V - R)^2, (V_old + clip(V - V_old, -eps_v, eps_v) - R)^2).
* Entropy of the full next-token distribution (eq. 9's S term).
* KL to a reference policy, per token, from sampled tokens: k1 = log pi - log pi_ref (the
  estimator put in the reward, InstructGPT arXiv 2203.02155 eq. 2) and
  k3 = exp(log pi_ref - log pi) - (log pi_ref - log pi) - 1 (Schulman's unbiased, always
  non-negative estimator, used as a loss term as in GRPO arXiv 2402.03300 eq. 4).

Every mean is over the tokens where ``mask`` is 1 (the model's own tokens), pooled over the
minibatch (token-level averaging, so long turns are not down-weighted).
"""

from __future__ import annotations

import torch


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``x`` over entries where ``mask`` is true (0 if there are none)."""
    m = mask.to(x.dtype)
    return (x * m).sum() / m.sum().clamp(min=1.0)


def policy_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    clip_range: float,
    dual_clip: float | None = None,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The negated clipped surrogate (dual-clipped for A < 0 when ``dual_clip`` is set), with
    stats (approx KL to pi_old, clip fraction)."""
    log_ratio = logprobs - old_logprobs
    ratio = torch.exp(log_ratio)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - clip_range, 1.0 + clip_range)
    per_token = torch.maximum(unclipped, clipped)
    if dual_clip is not None:  # -max(min(rho A, clip(rho) A), c A) for A < 0
        per_token = torch.where(advantages < 0,
                                torch.minimum(per_token, -dual_clip * advantages), per_token)
    loss = masked_mean(per_token, mask)
    with torch.no_grad():
        approx_kl = masked_mean((ratio - 1.0) - log_ratio, mask)  # k3 of pi_old || pi
        clipfrac = masked_mean(((ratio - 1.0).abs() > clip_range).float(), mask)
    return loss, {"approx_kl": approx_kl, "clipfrac": clipfrac}


def value_loss(
    values: torch.Tensor,
    old_values: torch.Tensor,
    returns: torch.Tensor,
    mask: torch.Tensor,
    clip_range_value: float | None,
) -> torch.Tensor:
    """0.5 * squared error to the returns, clipped around the rollout's values if asked."""
    unclipped = (values - returns) ** 2
    if clip_range_value is None:
        return 0.5 * masked_mean(unclipped, mask)
    v_clipped = old_values + torch.clamp(values - old_values, -clip_range_value, clip_range_value)
    clipped = (v_clipped - returns) ** 2
    return 0.5 * masked_mean(torch.maximum(unclipped, clipped), mask)


def entropy_from_logits(logits: torch.Tensor) -> torch.Tensor:
    """Per-position entropy of softmax(logits): logsumexp(z) - sum softmax(z) z."""
    probs = torch.softmax(logits, dim=-1)
    return torch.logsumexp(logits, dim=-1) - (probs * logits).sum(dim=-1)


def kl_k1(logprobs: torch.Tensor, ref_logprobs: torch.Tensor) -> torch.Tensor:
    """Per-token log pi - log pi_ref (the KL-in-reward estimator)."""
    return logprobs - ref_logprobs


def kl_k3(logprobs: torch.Tensor, ref_logprobs: torch.Tensor) -> torch.Tensor:
    """Per-token exp(log pi_ref - log pi) - (log pi_ref - log pi) - 1 (>= 0)."""
    d = ref_logprobs - logprobs
    return torch.exp(d) - d - 1.0
