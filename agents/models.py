"""Tokenizers and tiny models built locally, and where the embedded default model lives.

Nothing is downloaded: tokenizers are trained with the ``tokenizers`` library on env text,
models are built from a config with random weights (``stepgym bootstrap`` then trains one).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agents.templates import CHATML_SPECIAL, LLAMA3_SPECIAL, LLAMA3_TEMPLATE, chatml_template

DEFAULT_MODEL_NAME = "stepgym-tiny"


def cache_dir() -> Path:
    """``$STEPGYM_CACHE`` or ``~/.cache/stepgym``."""
    return Path(os.environ.get("STEPGYM_CACHE") or Path.home() / ".cache" / "stepgym")


def default_model_path(name: str = DEFAULT_MODEL_NAME) -> Path:
    """Where ``stepgym bootstrap`` saves (and everything else finds) a named model."""
    return cache_dir() / "models" / name


def resolve_model(name_or_path: str | os.PathLike) -> str:
    """A local directory for a cache name ("stepgym-tiny"), else the path or hub id as is."""
    text = str(name_or_path)
    cached = default_model_path(text) if "/" not in text and os.sep not in text else None
    if cached is not None and cached.is_dir():
        return str(cached)
    if text == DEFAULT_MODEL_NAME:
        raise FileNotFoundError(f"{text} is not built yet: run `stepgym bootstrap` (looked in {cached})")
    return text


def train_tokenizer(texts: Iterable[str], vocab_size: int = 4096, template: str = "chatml",
                    min_frequency: int = 2) -> Any:
    """A byte-level BPE tokenizer trained on ``texts`` with a chat template's special tokens.

    ``template``: "chatml" (Qwen-2.5 style, TRL-parsable tool calls) or "llama3".
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    special = CHATML_SPECIAL if template == "chatml" else LLAMA3_SPECIAL
    if template not in ("chatml", "llama3"):
        raise ValueError(f"template must be 'chatml' or 'llama3', got {template!r}")
    tok = Tokenizer(models.BPE())
    if template == "chatml":
        # A saved qwen2 model reloads its tokenizer as transformers' Qwen2Tokenizer, which
        # rebuilds the pipeline from vocab + merges with Qwen2's own normaliser and
        # pre-tokeniser; training with the same pipeline keeps training and rollout ids equal.
        from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

        tok.normalizer = normalizers.NFC()
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    else:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                  special_tokens=list(special),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(texts, trainer=trainer)
    if template == "chatml":
        fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>",
                                       pad_token="<|endoftext|>",
                                       additional_special_tokens=["<|im_start|>", "<|im_end|>"])
        fast.chat_template = chatml_template()
    else:
        fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|begin_of_text|>",
                                       eos_token="<|eot_id|>", pad_token="<|end_of_text|>",
                                       additional_special_tokens=["<|start_header_id|>",
                                                                  "<|end_header_id|>"])
        fast.chat_template = LLAMA3_TEMPLATE
    fast.padding_side = "left"
    return fast


def tiny_model(tokenizer: Any, arch: str = "qwen2", hidden_size: int = 64, num_layers: int = 2,
               num_heads: int = 4, num_kv_heads: int = 2, intermediate_size: int = 128,
               max_position_embeddings: int = 4096, seed: int = 0) -> Any:
    """A randomly initialised Qwen2 or Llama causal LM sized for ``tokenizer`` (fp32)."""
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig, Qwen2Config

    cls = {"qwen2": Qwen2Config, "llama": LlamaConfig}[arch]
    config = cls(vocab_size=len(tokenizer), hidden_size=hidden_size, num_hidden_layers=num_layers,
                 num_attention_heads=num_heads, num_key_value_heads=num_kv_heads,
                 intermediate_size=intermediate_size, max_position_embeddings=max_position_embeddings,
                 tie_word_embeddings=True, pad_token_id=tokenizer.pad_token_id,
                 eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.bos_token_id)
    # A dedicated generator keeps initialisation reproducible without touching global RNG state.
    fork_devices: list = []
    with torch.random.fork_rng(devices=fork_devices):
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.eval()
    return model
