"""The fast generation path keeps the slow path's semantics: batching, prompt deduplication,
shared-prefix reuse, KV reuse across turns, lazy row dropping and prefill bucketing change
nothing a row samples (greedy) or records (log-probs match a fresh unpadded forward pass), and
seeded sampling stays reproducible."""

from __future__ import annotations

import functools
from typing import Any

import pytest
import torch

from agents import LLMAgent
from tests.agents.tiny import tiny_pair
from tests.conftest import TOY_ID
from trainers import generation
from trainers.generation import RowKV, sample_batch, sequence_logprobs
from trainers.rollout import RolloutConfig, RolloutEngine


def _prompts(tok) -> list[list[int]]:
    head = tok("You are an agent acting in a text environment. Reply with exactly one action.",
               add_special_tokens=False)["input_ids"]
    tails = ["Reach exactly 7. Total: 0.", "go to cabinet 1, open drawer 2",
             "Nothing happens. Total: 3. Admissible actions: add 1, add 2, add 3",
             "Answer: 42", "search[red shoes] click[Buy Now]"]
    out = [head + tok(t, add_special_tokens=False)["input_ids"] for t in tails]
    return [*out, list(out[1]), tok("Answer: 42", add_special_tokens=False)["input_ids"]]  # a duplicate, a short one


def _alone(model, prompt, **kw):
    out = sample_batch(model, [prompt], **kw)
    return out.token_ids[0], out.logprobs[0]


@functools.cache
def _untied_lm(vocab_size: int, pad_token_id: int) -> Any:
    """A random tiny Qwen2 with its own output head (a tied random model greedily repeats the
    prompt's last token, so its rows would all stop at the same step)."""
    from transformers import AutoModelForCausalLM, Qwen2Config

    config = Qwen2Config(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         num_key_value_heads=1, intermediate_size=64, tie_word_embeddings=False,
                         pad_token_id=pad_token_id)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval()


def test_batched_greedy_equals_one_at_a_time():
    _, tok = tiny_pair("chatml")
    model = _untied_lm(len(tok), tok.pad_token_id)
    prompts = _prompts(tok)
    assert len(prompts[0]) > generation.MIN_SHARED_PREFIX  # the shared-prefix path is taken
    free = [_alone(model, p, max_new_tokens=10, stop_token_ids=[10**6], pad_token_id=0,
                   temperature=0)[0] for p in prompts]
    stops = [free[0][2], free[2][5]]  # rows meet a stop token at different steps, or never
    kw = {"max_new_tokens": 10, "stop_token_ids": stops, "pad_token_id": 0, "temperature": 0}
    batched = sample_batch(model, prompts, **kw)
    for row, prompt in enumerate(prompts):
        ids, lps = _alone(model, prompt, **kw)
        assert batched.token_ids[row] == ids
        assert max(abs(a - b) for a, b in zip(batched.logprobs[row], lps, strict=True)) < 1e-4
        ref = sequence_logprobs(model, prompt + ids)[len(prompt) - 1:]
        assert max(abs(a - b) for a, b in zip(batched.logprobs[row], ref, strict=True)) < 1e-4
    assert any(batched.stopped) and len({len(ids) for ids in batched.token_ids}) >= 3


def test_kv_reuse_prefills_only_new_tokens_and_records_exact_logprobs():
    model, tok = tiny_pair("chatml")
    prompts = _prompts(tok)[:4]
    fed: list[int] = []
    hook = model.register_forward_pre_hook(lambda mod, args, kwargs: fed.append(kwargs["input_ids"].numel()),
                                           with_kwargs=True)
    try:
        gen = torch.Generator().manual_seed(3)
        kw = {"max_new_tokens": 6, "stop_token_ids": [2], "pad_token_id": 0, "temperature": 0.8, "generator": gen}
        first = sample_batch(model, prompts, keep_kv=True, **kw)
        env = tok(" Total: 5.", add_special_tokens=False)["input_ids"]
        second_prompts = [p + ids + env for p, ids in zip(prompts, first.token_ids, strict=True)]
        for kv, p, ids in zip(first.kv, prompts, first.token_ids, strict=True):
            assert isinstance(kv, RowKV) and kv.ids == tuple(p + ids[:-1])
        fed.clear()
        second = sample_batch(model, second_prompts, past=first.kv, keep_kv=True, **kw)
    finally:
        hook.remove()
    # the prefill fed one pass of at most the rows' new tokens (padded), not whole prompts
    new_tokens = [len(p) - len(kv.ids) for p, kv in zip(second_prompts, first.kv, strict=True)]
    assert fed[0] <= len(prompts) * max(new_tokens) < sum(len(p) for p in second_prompts)
    for prompt, ids, lps in zip(second_prompts, second.token_ids, second.logprobs, strict=True):
        ref = sequence_logprobs(model, prompt + ids, temperature=0.8)[len(prompt) - 1:]
        assert max(abs(a - b) for a, b in zip(lps, ref, strict=True)) < 1e-4


def test_a_past_that_is_not_a_prefix_is_ignored():
    model, tok = tiny_pair("chatml")
    prompts = _prompts(tok)[:3]
    kw = {"max_new_tokens": 5, "stop_token_ids": [10**6], "pad_token_id": 0, "temperature": 0}
    first = sample_batch(model, prompts, keep_kv=True, **kw)
    wrong = [first.kv[1], first.kv[2], first.kv[0]]  # another row's KV: its ids do not match
    assert sample_batch(model, prompts, past=wrong, **kw).token_ids == sample_batch(model, prompts, **kw).token_ids


@pytest.mark.parametrize("mode", ["concat", "window"])
def test_same_generation_seed_same_trajectories(mode):
    model, tok = tiny_pair("chatml")
    cfg = RolloutConfig(context_mode=mode, max_new_tokens=6, max_steps=3, temperature=1.0)
    engine = RolloutEngine(LLMAgent(model, tok), TOY_ID, config=cfg)

    def tokens(seed: int) -> list:
        trajs = engine.run([0, 1, 2], group_size=2, generation_seed=seed)
        return [(s.completion_ids, s.logprobs) for t in trajs for s in t.samples]

    assert tokens(5) == tokens(5)
    assert tokens(5) != tokens(6)


def test_inverse_transform_draw_follows_the_distribution():
    probs = torch.tensor([[0.5, 0.0, 0.3, 0.2, 0.0]] * 4000) * 3.0  # unnormalised, zeros never drawn
    draws = generation._draw(probs, torch.Generator().manual_seed(0))
    counts = torch.bincount(draws, minlength=5).double() / draws.numel()
    assert counts[1] == 0 and counts[4] == 0
    assert torch.allclose(counts, torch.tensor([0.5, 0.0, 0.3, 0.2, 0.0], dtype=torch.float64), atol=0.03)
    again = generation._draw(probs, torch.Generator().manual_seed(0))
    assert torch.equal(draws, again)


def test_prefill_buckets_group_short_chunks_and_split_long_ones():
    short = [(300, 40), (310, 45), (280, 42), (305, 44)]  # concat turns: only the new observation
    assert generation._buckets(short) == [[0, 2, 3, 1]]
    long = [(120, 700), (120, 720)]  # window prompts: too many attention scores for one pass
    assert generation._buckets(long) == [[0], [1]]
    mixed = [(0, 10), (0, 200)]  # 20x padding for the short one: not together
    assert generation._buckets(mixed) == [[0], [1]]
