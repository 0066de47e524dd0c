"""``stepgym bootstrap --quick`` builds a loadable model; BC samples match inference prompts."""

from __future__ import annotations

import json

import pytest

from agents import load_agent
from tests.conftest import TOY_ID
from trainers.bootstrap import BootstrapConfig, bootstrap, collect_demos
from trainers.cli import main
from trainers.rollout import RolloutConfig, RolloutEngine


@pytest.fixture(scope="module")
def quick_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "tiny"
    config = BootstrapConfig.quick(str(out))
    config.envs = {TOY_ID: {}, "stepgym/MathChain-v0": {"mode": "multi", "expert_style": "short"}}
    config.threads = 1
    return bootstrap(config, progress=False)


def test_quick_bootstrap_saves_a_loadable_model(quick_model):
    meta = json.loads((quick_model / "stepgym.json").read_text())
    assert meta["rollout"]["context_mode"] == "window" and meta["bc_samples"] > 0
    assert len(meta["losses"]) == 6 and all(x == x for x in meta["losses"])  # finite
    assert (quick_model / "loss.png").stat().st_size > 1000
    agent = load_agent(str(quick_model))
    tok = agent.tokenizer
    assert tok.chat_template and "<tool_call>" in tok.chat_template
    engine = RolloutEngine(agent, TOY_ID, config=RolloutConfig(context_mode="window", max_steps=2))
    (traj,) = engine.run([0])
    assert traj.num_steps >= 1


def test_bootstrapped_template_is_trl_parsable(quick_model):
    from transformers import AutoTokenizer
    from trl.chat_template_utils import add_response_schema, parse_response

    tok = add_response_schema(AutoTokenizer.from_pretrained(quick_model))
    text = '<tool_call>\n{"name": "calculator", "arguments": {"expression": "2+3"}}\n</tool_call><|im_end|>'
    prefix = tok.apply_chat_template([{"role": "user", "content": "2+3?"}], add_generation_prompt=True,
                                     tokenize=False)
    parsed = parse_response(tok, tok(text, add_special_tokens=False)["input_ids"],
                            prefix=tok(prefix, add_special_tokens=False)["input_ids"])
    assert parsed["tool_calls"][0]["function"]["name"] == "calculator"


def test_demo_prompts_are_the_engine_window_prompts():
    demos = collect_demos(TOY_ID, {}, episodes=1, window_steps=2, seed=5)
    steps = demos[0].steps
    assert steps[0][0].startswith("Task: Reach exactly") and "Current observation: Reach" in steps[0][0]
    if len(steps) > 1:
        assert "Your last 1 step(s):" in steps[1][0] and steps[1][1].startswith("add ")


def test_cli_bootstrap_quick(tmp_path, capsys):
    out = tmp_path / "m"
    assert main(["bootstrap", "--quick", "--output", str(out), "--envs", TOY_ID, "--threads", "1"]) == 0
    assert "saved" in capsys.readouterr().out and (out / "model.safetensors").exists()


def test_concat_demos_encode_the_whole_conversation(quick_model):
    """Concat-mode BC samples: the sequence is the chat template's rendering of the whole
    conversation, labels cover exactly the assistant turns (+ stop token), and a noisy turn
    (an executed random action) is shown but not trained on."""
    from agents.chat import ChatPieces
    from trainers.bootstrap.build import _encode

    tok = load_agent(str(quick_model)).tokenizer
    demos = collect_demos(TOY_ID, {}, episodes=4, window_steps=2, seed=3, noise=0.5,
                          context_mode="concat")
    assert any(d.untrained for d in demos)
    for demo in demos:
        (ids, labels), = _encode([demo], tok, max_len=100_000)
        messages = [{"role": "system", "content": demo.system}]
        for user, target in demo.steps:
            messages += [{"role": "user", "content": user}, {"role": "assistant", "content": target}]
        rendered = tok.apply_chat_template(messages, tokenize=False)
        stop = ChatPieces(tok, demo.system).stop_text
        assert rendered.startswith(tok.decode(ids))
        assert tok.decode(ids).endswith(stop)
        trained = [t for k, (_, t) in enumerate(demo.steps) if k not in demo.untrained]
        label_text = tok.decode([x for x in labels if x != -100])
        assert label_text == "".join(t + stop for t in trained)
