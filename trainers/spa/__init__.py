"""SPA: stepwise progress attribution (Wang et al., "SPA-RL: Reinforcing LLM Agents via
Stepwise Progress Attribution", arXiv 2505.20732).

The pipeline (Sec. 3, Fig. 2): a start policy explores and its trajectories are saved with their
final reward R; a progress estimator (a causal LM with a scalar head) learns to split R into
per-step contributions c_t with the loss ``(sum_t c_t - R)^2`` (Eq. 4); RL then trains on the
step rewards ``r_t = alpha * c_t + beta * g_t`` (Eq. 6), g_t the grounding signal.

* :mod:`trainers.spa.positions` where the head reads (the last generated token of each step)
* :mod:`trainers.spa.estimator` the estimator model, its loss and batched prediction
* :mod:`trainers.spa.fit` training it on trajectory JSONL (``stepgym spa fit``)
* :mod:`trainers.spa.rewards` step rewards: ``spa``, ``spa_loo``, ``progress_oracle``
* :mod:`trainers.spa.report` learned c_t against the env's true progress increments
* :mod:`trainers.spa.pipeline` bootstrap -> explore -> fit -> RL as one resumable recipe
"""
