"""The policy's self-evaluation of a step (MCTS-DPO Sec. 2.2, Eq. 3).

The paper asks the policy itself whether a step is correct and takes the probability of the
affirmative answer as the step's confidence. Here the question is a new user turn after the
step (the same chat pieces the policy acts with) and the confidence is
P(yes) = exp(lp_yes) / (exp(lp_yes) + exp(lp_no)), with lp the log-probability of the whole
answer turn (answer text + end-of-turn token), all nodes scored in one batched call
(:func:`trainers.action_scoring.score_actions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from trainers.mcts.search import Node
    from trainers.rollout import RolloutEngine

QUESTION = ("Was your last action a correct step towards completing the task? "
            "Answer Yes or No.")


class PolicySelfEvaluator:
    """P("Yes") of the engine's policy, asked :data:`QUESTION` after each node's step."""

    def __init__(self, engine: RolloutEngine, question: str = QUESTION,
                 answers: tuple[str, str] = ("Yes", "No")) -> None:
        self.engine = engine
        self.question = question
        pieces = engine.pieces
        self.answer_ids = [[*pieces.encode(a), pieces.stop_token_id] for a in answers]
        self.tokens_read = 0

    def prompt_ids(self, node: Node) -> list[int]:
        """The step's context, the step, then the question as a new user turn."""
        stopped = bool(node.token_ids) and node.token_ids[-1] == self.engine.pieces.stop_token_id
        return [*node.prompt_ids, *node.token_ids,
                *self.engine.pieces.continuation_ids(self.question, stopped)]

    def __call__(self, nodes: Sequence[Node]) -> list[float]:
        from trainers.action_scoring import score_actions

        if not nodes:
            return []
        prompts = [self.prompt_ids(n) for n in nodes]
        self.tokens_read += sum(len(p) for p in prompts)
        agent = self.engine.agent
        with torch.no_grad():
            scored = score_actions(agent.model, prompts, [self.answer_ids] * len(nodes),
                                   pad_id=agent.tokenizer.pad_token_id, normalize="sum")
        return [float(torch.softmax(torch.as_tensor(s, dtype=torch.float64), 0)[0])
                for s in scored.scores]
