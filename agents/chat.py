"""Exact token pieces of a chat from a tokenizer's chat template.

Multi-turn records must never be re-tokenised, so a conversation is built from pieces:
the initial prompt, the tokens the model sampled (ending with its end-of-turn token), and
for each later observation the template's text between that end-of-turn token and the
next assistant turn. Those in-between pieces are found by rendering the template twice
(with and without the new user turn) and taking the difference, so any chat template
that renders earlier turns the same way when a turn is appended works (ChatML/Qwen,
Llama-3, ...). :class:`ChatPieces` checks that assumption and fails loudly when it does
not hold.
"""

from __future__ import annotations

from typing import Any

_SENTINEL = "\u2063SENTINEL\u2063"  # invisible separator: no template trims or rewrites it


class ChatPieces:
    """Token pieces of one (system prompt, tools) conversation under a tokenizer."""

    def __init__(self, tokenizer: Any, system: str, tools: list[dict[str, Any]] | None = None) -> None:
        self.tokenizer = tokenizer
        self.system = system
        self.tools = tools
        probe = self._render([("user", "U"), ("assistant", _SENTINEL)], generation_prompt=False)
        cut = probe.rindex(_SENTINEL) + len(_SENTINEL)
        self._closed_probe = probe
        self.turn_end_text = probe[cut:]  # e.g. "<|im_end|>\n" (ChatML) or "<|eot_id|>" (Llama-3)
        self.stop_text, self.stop_token_id = self._stop_token(self.turn_end_text)
        self.after_stop_text = self.turn_end_text[len(self.stop_text):]

    # ------------------------------------------------------------------ rendering
    def _render(self, turns: list[tuple[str, str]], generation_prompt: bool) -> str:
        messages = [{"role": "system", "content": self.system}]
        messages += [{"role": role, "content": content} for role, content in turns]
        kwargs: dict[str, Any] = {"tokenize": False, "add_generation_prompt": generation_prompt}
        if self.tools:
            kwargs["tools"] = self.tools
        return self.tokenizer.apply_chat_template(messages, **kwargs)

    def _stop_token(self, turn_end: str) -> tuple[str, int]:
        candidates = [t for t in self.tokenizer.all_special_tokens if t and turn_end.startswith(t)]
        candidates += [t for t in self.tokenizer.get_added_vocab() if t and turn_end.startswith(t)]
        if not candidates:
            raise ValueError(f"the chat template closes assistant turns with {turn_end!r}, "
                             "which does not start with a special token")
        text = max(candidates, key=len)
        return text, int(self.tokenizer.convert_tokens_to_ids(text))

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    # ------------------------------------------------------------------ pieces
    def prompt_ids(self, user: str) -> list[int]:
        """System + first user turn + the assistant header."""
        return self.encode(self._render([("user", user)], generation_prompt=True))

    def continuation_text(self, user: str, stopped: bool) -> str:
        """Template text after a sampled turn up to the next assistant header. If the model
        did not sample its end-of-turn token (``stopped`` False) the closing is included."""
        opened = self._render([("user", "U"), ("assistant", _SENTINEL), ("user", user)],
                              generation_prompt=True)
        if not opened.startswith(self._closed_probe):
            raise ValueError("the chat template re-renders earlier turns when one is appended; "
                             "concat mode cannot keep exact tokens with it")
        delta = opened[len(self._closed_probe):]
        return (self.after_stop_text if stopped else self.turn_end_text) + delta

    def continuation_ids(self, user: str, stopped: bool) -> list[int]:
        return self.encode(self.continuation_text(user, stopped))
