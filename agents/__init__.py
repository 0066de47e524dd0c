"""Policies: the LLM agent, the expert and random agents, and prompt formats."""

from __future__ import annotations

import os
from typing import Any

from agents.base import Agent
from agents.expert import ExpertAgent
from agents.formats import PromptFormat, format_for_env, get_format
from agents.llm import LLMAgent
from agents.models import DEFAULT_MODEL_NAME, cache_dir, default_model_path, resolve_model
from agents.random_agent import RandomAgent


def load_agent(name_or_path: str | os.PathLike = DEFAULT_MODEL_NAME, device: str | None = None,
               prompt_format: str | None = None, **kwargs: Any) -> LLMAgent:
    """An :class:`LLMAgent` for "stepgym-tiny" (the bootstrapped default, from the cache), a
    local ``save_pretrained`` directory, or a hub id (fp32 on CPU, the model's dtype on GPU).
    The prompt format is ``prompt_format``, else the one the model's ``stepgym.json`` states
    (``stepgym bootstrap --set prompt_format=plain``), else each env's own."""
    import json
    from pathlib import Path

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_model(name_or_path)
    meta = Path(path) / "stepgym.json"
    if prompt_format is None and meta.is_file():
        prompt_format = json.loads(meta.read_text()).get("prompt_format") or None
    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.padding_side = "left"
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.float32 if device == "cpu" else "auto"
    model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype).to(device)
    model.eval()
    return LLMAgent(model, tokenizer, prompt_format=prompt_format, **kwargs)


__all__ = ["DEFAULT_MODEL_NAME", "Agent", "ExpertAgent", "LLMAgent", "PromptFormat", "RandomAgent",
           "cache_dir", "default_model_path", "format_for_env", "get_format", "load_agent",
           "resolve_model"]
