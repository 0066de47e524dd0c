"""Tiny local tokenizers and random models for tests (built once per session, no downloads)."""

from __future__ import annotations

import functools

import torch

from agents.models import tiny_model, train_tokenizer

CORPUS = [
    "You are an agent acting in a text environment. Reply with exactly one action.",
    "Reach exactly 7. Total: 0. Admissible actions: add 1, add 2, add 3",
    "Think: next I add 2.\nAction: add 2", "Nothing happens. Total: 3.", "Answer: 42",
    "go to cabinet 1, open drawer 2, take apple 1 from countertop 1, move apple 1 to fridge 1",
    "search[red shoes] click[Buy Now] click[< Prev]",
    '<tool_call>{"name": "calculator", "arguments": {"expression": "2+3"}}</tool_call>',
] * 20

TEMPLATES = {"chatml": "qwen2", "llama3": "llama"}


@functools.cache
def tiny_pair(template: str = "chatml", seed: int = 0) -> tuple:
    torch.set_num_threads(1)
    tokenizer = train_tokenizer(CORPUS, vocab_size=400, template=template)
    model = tiny_model(tokenizer, arch=TEMPLATES[template], hidden_size=32, num_layers=2,
                       num_heads=2, num_kv_heads=1, intermediate_size=64, seed=seed)
    return model, tokenizer


class _Out:
    def __init__(self, logits: torch.Tensor) -> None:
        self.logits = logits


class ScriptedLM(torch.nn.Module):
    """A stand-in causal LM that writes ``script`` (token ids) in every turn, whatever the
    prompt: the prefill call emits ``script[0]``, each later call the next token. It lets a
    test know exactly what the "model" generated."""

    def __init__(self, config, script: list[int], vocab_size: int) -> None:
        super().__init__()
        self.config = config
        self.script = list(script)
        self.vocab_size = vocab_size
        self.anchor = torch.nn.Parameter(torch.zeros(1))
        self._pos = 0

    def forward(self, input_ids, attention_mask=None, position_ids=None, cache=None,
                use_cache=None, logits_to_keep=0, **kwargs):
        if input_ids.shape[1] > 1 or self._pos >= len(self.script):
            self._pos = 0
        token = self.script[min(self._pos, len(self.script) - 1)]
        self._pos += 1
        logits = torch.full((input_ids.shape[0], input_ids.shape[1], self.vocab_size), -30.0)
        logits[..., token] = 30.0
        return _Out(logits)
