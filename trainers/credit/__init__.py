"""Step-level credit assignment: trajectories with groups in, per-step advantages out.

Methods register by name (``make_credit("gigpo", gamma=0.95)``): ``grpo`` (GRPO / Dr. GRPO),
``gigpo`` (GiGPO) and ``step_returns`` (discounted step returns). See docs/credit.md.
"""

from trainers.credit import gigpo, grpo, step_returns  # noqa: F401  (registration)
from trainers.credit.base import CreditMethod, available_credit, make_credit, register_credit

__all__ = ["CreditMethod", "available_credit", "make_credit", "register_credit"]
