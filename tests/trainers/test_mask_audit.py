"""Mask audit: over every env that can be made, both context modes and two chat templates
(ChatML/Qwen-2.5 and Llama-3, built locally), the loss-masked tokens decode to exactly the
model's generated texts, in order, and nothing else; and the recorded sampling log-probs
match a fresh unpadded fp32 forward pass to within 1e-3."""

from __future__ import annotations

import importlib

import pytest

from agents import LLMAgent
from envs.registry import ENV_TABLE
from tests.agents.tiny import tiny_pair
from tests.conftest import TOY_ID
from trainers.generation import sequence_logprobs
from trainers.rollout import RolloutConfig, RolloutEngine


def _makeable() -> list:
    out = [pytest.param(TOY_ID, {}, id="toy")]
    for entry in ENV_TABLE:
        module = entry.entry_point.split(":")[0]
        reason = None
        if entry.missing_requirements():
            reason = f"needs {entry.missing_requirements()}"
        elif importlib.util.find_spec(module) is None:
            reason = f"{module} not written yet"
        kwargs = {"mode": "multi"} if "MathChain" in entry.env_id else {}
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        out.append(pytest.param(entry.env_id, kwargs, id=entry.env_id.split("/")[1], marks=marks))
    return out


def audit(traj, tokenizer, model, stop_text: str, temperature: float) -> None:
    """Assert the audit's two properties on one trajectory."""
    masked_texts, expected_texts = [], []
    for sample in traj.samples:
        ids, mask, steps = sample.completion_ids, sample.loss_mask, sample.step_ids
        assert all((m == 1) == (s >= 0) for m, s in zip(mask, steps, strict=True))
        assert all(lp == 0.0 for lp, m in zip(sample.logprobs, mask, strict=True) if not m)
        for step in sorted({s for s in steps if s >= 0}):
            positions = [i for i, s in enumerate(steps) if s == step]
            assert positions == list(range(positions[0], positions[-1] + 1)), "a turn is contiguous"
            masked_texts.append(tokenizer.decode([ids[i] for i in positions], skip_special_tokens=False))
        # reference: one unpadded forward pass over prompt + completion
        ref = sequence_logprobs(model, sample.prompt_ids + ids, temperature)[len(sample.prompt_ids) - 1:]
        got = [(a, b) for a, b, m in zip(sample.logprobs, ref, mask, strict=True) if m]
        assert got and max(abs(a - b) for a, b in got) < 1e-3
    for record in traj.steps:
        if traj.fork_step is not None and record.index < traj.fork_step:
            continue
        expected_texts.append(record.generated_text + ("" if record.generation_truncated else stop_text))
    assert masked_texts == expected_texts
    assert "".join(masked_texts) == "".join(expected_texts)


@pytest.mark.parametrize("template", ["chatml", "llama3"])
@pytest.mark.parametrize("mode", ["concat", "window"])
@pytest.mark.parametrize(("env_id", "env_kwargs"), _makeable())
def test_mask_audit(env_id, env_kwargs, mode, template):
    model, tok = tiny_pair(template)
    cfg = RolloutConfig(context_mode=mode, max_new_tokens=6, max_steps=3, temperature=0.9,
                        keep_states=True, max_context_tokens=32768)
    engine = RolloutEngine(LLMAgent(model, tok), env_id, env_kwargs, cfg)
    trajs = engine.run([0], group_size=2, generation_seed=11)
    assert all(t.num_steps > 0 for t in trajs)
    assert any(s.generation_truncated for t in trajs for s in t.steps)  # limits exercised
    kids = engine.fork(trajs[0], 1, engine.state_at(trajs[0], 1), n=1, generation_seed=12) \
        if trajs[0].num_steps > 1 else []
    for traj in trajs + kids:
        audit(traj, tok, model, engine.pieces.stop_text, cfg.temperature)


def test_audit_catches_a_wrong_mask():
    model, tok = tiny_pair("chatml")
    engine = RolloutEngine(LLMAgent(model, tok), TOY_ID, config=RolloutConfig(max_new_tokens=4, max_steps=2))
    (traj,) = engine.run([0])
    sample = traj.samples[0]
    first_env = sample.loss_mask.index(0)
    sample.loss_mask[first_env] = 1  # mark one template token as generated
    sample.step_ids[first_env] = 0
    with pytest.raises(AssertionError):
        audit(traj, tok, model, engine.pieces.stop_text, 1.0)
