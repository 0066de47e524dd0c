"""Multi-turn PPO for LLM agents: GAE at token / turn / bi-level, clipped policy and value
losses, KL to a reference, value head on the policy or a separate critic, LoRA via PEFT.

Entry points: ``stepgym train-ppo RECIPE.yaml`` and :func:`trainers.ppo.build.run_ppo`.
Nothing heavy is imported here.
"""

