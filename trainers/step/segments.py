"""STeP's training sequences: conversations of segments with roles, and their per-token masks.

A conversation is what one episode looks like to the model: user turns (the task and the
observations, rendered as the rollout engine renders them) and assistant turns made of segments.
Each segment has a role, and the role decides its loss (STeP's partial masking, arXiv
2505.20023 Sec. 3.3):

=============  ==============================================  =========================
role           what                                            loss
=============  ==============================================  =========================
``action``     a step the teacher accepted (thought + action)  1
``mistake``    a step the teacher rejected, kept in context    0 (1 without partial mask)
``reflection`` the teacher's reflection on the mistake         1
``correction`` the teacher's corrected action                  1
(user turns)   task, observations, admissible actions          0
=============  ==============================================  =========================

Segments of one assistant turn are joined by newlines and the turn ends with the chat template's
end-of-turn token (trained when the turn's last segment is). Token ids come from
:class:`agents.chat.ChatPieces`, the same pieces the rollout engine uses, so concat-mode
sequences are one growing conversation and window-mode ones are one sample per step, as at
inference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.chat import ChatPieces

ROLES = ("action", "mistake", "reflection", "correction")
USER = "user"  # the role reported for template and observation tokens
END = "end"  # the role reported for an assistant turn's end-of-turn token


def role_loss(role: str, partial_mask: bool = True) -> int:
    """1 if tokens of ``role`` are trained on.

    >>> [role_loss(r) for r in ("action", "mistake", "reflection", "correction", "user")]
    [1, 0, 1, 1, 0]
    >>> role_loss("mistake", partial_mask=False)
    1
    """
    if role == "mistake":
        return 0 if partial_mask else 1
    return int(role in ROLES)


@dataclass
class Turn:
    user: str
    segments: list[tuple[str, str]] = field(default_factory=list)  # (role, text)


@dataclass
class Conversation:
    system: str
    turns: list[Turn]
    context_mode: str = "window"
    tools: list[dict[str, Any]] | None = None

    def to_row(self) -> dict[str, Any]:
        """JSON-able, as stored in the datasets (``loss``: the partial mask of each segment;
        user turns are never trained on)."""
        return {"system": self.system, "context_mode": self.context_mode,
                "tools": self.tools or [],
                "turns": [{"user": t.user,
                           "segments": [{"role": r, "text": x, "loss": role_loss(r)}
                                        for r, x in t.segments]}
                          for t in self.turns]}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Conversation:
        turns = [Turn(t["user"], [(s["role"], s["text"]) for s in t["segments"]]) for t in row["turns"]]
        return cls(row["system"], turns, row["context_mode"], row.get("tools") or None)


@dataclass
class Encoded:
    input_ids: list[int]
    completion_mask: list[int]  # 1 = trained on
    roles: list[str]  # per token: a segment role, "user" or "end"


def _assistant(pieces: ChatPieces, turn: Turn, partial_mask: bool, out: Encoded) -> None:
    for k, (role, text) in enumerate(turn.segments):
        if role not in ROLES:
            raise ValueError(f"unknown segment role {role!r}; roles: {ROLES}")
        ids = pieces.encode(("\n" if k else "") + text)
        out.input_ids += ids
        out.completion_mask += [role_loss(role, partial_mask)] * len(ids)
        out.roles += [role] * len(ids)
    last = turn.segments[-1][0] if turn.segments else "mistake"
    out.input_ids.append(pieces.stop_token_id)
    out.completion_mask.append(role_loss(last, partial_mask))
    out.roles.append(END)


def _user(ids: Sequence[int], out: Encoded) -> None:
    out.input_ids += list(ids)
    out.completion_mask += [0] * len(ids)
    out.roles += [USER] * len(ids)


def encode(conversation: Conversation, pieces: ChatPieces, partial_mask: bool = True) -> list[Encoded]:
    """The training sequences of ``conversation``: one (concat) or one per turn (window)."""
    turns = conversation.turns
    if conversation.context_mode == "concat":
        out = Encoded([], [], [])
        for i, turn in enumerate(turns):
            if i == 0:
                _user(pieces.prompt_ids(turn.user), out)
            else:
                _user(pieces.continuation_ids(turn.user, True), out)
            _assistant(pieces, turn, partial_mask, out)
        return [out]
    if conversation.context_mode != "window":
        raise ValueError(f"context_mode must be 'window' or 'concat', got {conversation.context_mode!r}")
    samples = []
    for turn in turns:
        out = Encoded([], [], [])
        _user(pieces.prompt_ids(turn.user), out)
        _assistant(pieces, turn, partial_mask, out)
        samples.append(out)
    return samples
