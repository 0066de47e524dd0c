"""Step-level credit assignment: trajectories with groups in, per-step advantages out.

Methods register by name (``make_credit("gigpo", gamma=0.95)``): ``grpo`` (GRPO / Dr. GRPO),
``gigpo`` (GiGPO), ``step_returns`` (discounted step returns), and SPA's step rewards ``spa``,
``spa_loo``, ``progress_oracle`` (which also give PPO per-step rewards), and PORTool's ``portool``
over rollout trees. See docs/credit.md.
"""

from trainers.credit import gigpo, grpo, portool, spa, step_returns  # noqa: F401  (registration)
from trainers.credit.base import CreditMethod, available_credit, make_credit, register_credit

__all__ = ["CreditMethod", "available_credit", "make_credit", "register_credit"]
