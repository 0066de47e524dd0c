"""``LLMAgent``: a ``transformers`` causal LM + tokenizer + chat template + prompt format.

The rollout engine (``trainers.rollout``) drives many of these turns at once with exact
token records; :meth:`LLMAgent.act` is the one-env text interface shared with the expert
and random agents (it builds the same prompts, one sequence at a time).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.base import Agent
from agents.chat import ChatPieces
from agents.formats import PromptFormat, format_for_env, get_format


class LLMAgent(Agent):
    """Any causal LM. ``prompt_format``: a format name or object; None = the env's own."""

    name = "llm"

    def __init__(self, model: Any, tokenizer: Any, prompt_format: str | PromptFormat | None = None,
                 temperature: float = 1.0, top_p: float = 1.0, max_new_tokens: int = 48,
                 seed: int = 0) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.prompt_format = None if prompt_format is None else get_format(prompt_format)
        self.temperature = temperature
        self.top_p = top_p
        self.max_new_tokens = max_new_tokens
        self.seed = seed
        self._ids: list[int] = []
        self._pieces: ChatPieces | None = None
        self._format: PromptFormat | None = None
        self._generator: Any = None
        self._kv: Any = None  # trainers.generation.RowKV of ``self._ids`` (one episode)

    @property
    def device(self) -> Any:
        return next(self.model.parameters()).device

    def format_for(self, env: Any) -> PromptFormat:
        return self.prompt_format or format_for_env(env)

    def pieces_for(self, env: Any, fmt: PromptFormat | None = None) -> ChatPieces:
        """The chat pieces (system prompt with the env's action help, tools) for ``env``."""
        fmt = fmt or self.format_for(env)
        help_text = getattr(getattr(env, "unwrapped", env), "action_help", "")
        return ChatPieces(self.tokenizer, fmt.system_prompt(help_text), fmt.tools(env))

    # ------------------------------------------------------------------ one-env interface
    def reset(self, env: Any, observation: str, info: Mapping[str, Any]) -> None:
        import torch

        self._format = self.format_for(env)
        self._pieces = self.pieces_for(env, self._format)
        self._ids = self._pieces.prompt_ids(self._format.observation_text(observation, info))
        self._generator = torch.Generator(device=self.device).manual_seed(self.seed)
        self._kv = None  # KV of ``self._ids`` so far: each turn prefills only its new tokens
        self._started = True

    def act(self, observation: str, info: Mapping[str, Any]) -> str:
        from trainers.generation import sample_batch

        assert self._pieces is not None and self._format is not None, "call reset() first"
        if not getattr(self, "_started", False):
            self._ids += self._pieces.continuation_ids(self._format.observation_text(observation, info),
                                                       stopped=self._last_stopped)
        self._started = False
        out = sample_batch(self.model, [self._ids], max_new_tokens=self.max_new_tokens,
                           stop_token_ids=[self._pieces.stop_token_id],
                           pad_token_id=self.tokenizer.pad_token_id, temperature=self.temperature,
                           top_p=self.top_p, generator=self._generator,
                           past=[self._kv], keep_kv=True)
        self._kv = out.kv[0] if out.kv else None
        ids = out.token_ids[0]
        self._ids += ids
        self._last_stopped = out.stopped[0]
        text_ids = ids[:-1] if out.stopped[0] else ids
        return self._format.extract_action(self.tokenizer.decode(text_ids, skip_special_tokens=False))
