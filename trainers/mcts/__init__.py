"""MCTS-DPO (Xie et al., arXiv 2405.00451): step-level tree search over env steps
(:mod:`~trainers.mcts.search`), preference pairs from the tree (:mod:`~trainers.mcts.pairs`),
DPO on TRL's trainer (:mod:`~trainers.mcts.dpo`) and the iterated loop
(:mod:`~trainers.mcts.loop`)."""
