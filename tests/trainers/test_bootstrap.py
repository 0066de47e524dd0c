"""``stepgym bootstrap --quick`` builds a loadable model; BC samples match inference prompts."""

from __future__ import annotations

import json
import re

import pytest

from agents import load_agent
from tests.conftest import TOY_ID
from trainers.bootstrap import (
    START_MODELS,
    BootstrapConfig,
    bootstrap,
    collect_demos,
    start_model_config,
)
from trainers.cli import main
from trainers.cli._errors import UsageError
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


def test_cli_bootstrap_by_name_with_kwargs(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STEPGYM_CACHE", str(tmp_path))
    assert main(["bootstrap", "--quick", "--name", "tiny-mc", "--envs", "stepgym/MathChain-v0",
                 "--kwargs", '{"horizon": 2}', "--threads", "1"]) == 0
    meta = json.loads((tmp_path / "models" / "tiny-mc" / "stepgym.json").read_text())
    assert meta["envs"] == {"stepgym/MathChain-v0": {"mode": "multi", "expert_style": "short",
                                                     "horizon": 2}}
    assert load_agent("tiny-mc").tokenizer is not None  # found by name
    assert main(["bootstrap", "--quick", "--name", "x", "--kwargs", "[1]"]) == 2  # one line


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


@pytest.mark.parametrize("template,arch", [("chatml", "qwen2"), ("llama3", "llama")])
def test_saved_tokenizer_reloads_with_the_same_ids(tmp_path, template, arch):
    """transformers rebuilds a saved qwen2 tokenizer with Qwen2's own pre-tokeniser; the
    trained one must split text the same way, or BC trains on ids rollouts never produce."""
    from transformers import AutoTokenizer

    from agents.models import tiny_model, train_tokenizer

    texts = ["go to armchair 1, take apple 12 from table 3.", "Answer: \\boxed{1024}",
             "You see a  drawer 10\n\nAdmissible actions: look"] * 20
    tok = train_tokenizer(texts, vocab_size=400, template=template)
    tiny_model(tok, arch=arch, hidden_size=16, num_layers=1, num_heads=2, num_kv_heads=1,
               intermediate_size=32).save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    reloaded = AutoTokenizer.from_pretrained(tmp_path)
    for text in texts[:3]:
        assert reloaded(text).input_ids == tok(text).input_ids
        assert reloaded.decode(reloaded(text).input_ids) == text


def test_bootstrap_refuses_a_tokenizer_that_reloads_differently(tmp_path):
    """A GPT-2-style pre-tokeniser saved beside a qwen2 model reloads as Qwen2Tokenizer,
    which splits numbers differently: bootstrap must stop rather than train on those ids."""
    from agents.models import tiny_model, train_tokenizer
    from trainers.bootstrap.build import _as_reloaded

    texts = ["take apple 12 from table 3", "go to drawer 10"] * 20
    gpt2_style = train_tokenizer(texts, vocab_size=400, template="llama3")
    model = tiny_model(gpt2_style, arch="qwen2", hidden_size=16, num_layers=1, num_heads=2,
                       num_kv_heads=1, intermediate_size=32)
    with pytest.raises(RuntimeError, match=r"encodes .* differently"):
        _as_reloaded(gpt2_style, model, tmp_path, texts[:2])
    good = train_tokenizer(texts, vocab_size=400, template="chatml")
    reloaded = _as_reloaded(good, tiny_model(good, hidden_size=16, num_layers=1, num_heads=2,
                                             num_kv_heads=1, intermediate_size=32),
                            tmp_path / "ok", texts[:2])
    assert reloaded(texts[0]).input_ids == good(texts[0]).input_ids


@pytest.mark.parametrize("stale", [False, True])
def test_stale_noise_shows_rejections_and_recovery_labels(stale):
    """With stale_noise some noisy steps replay last step's actions that no longer apply, so
    later windows show ALFWorld's rejection text and the label there is still the expert's
    action; without it every executed action is admissible and no rejection is ever shown."""
    demos = collect_demos("stepgym/ALFWorld-v0", {"expert": "explorer"}, episodes=3,
                          window_steps=2, seed=0, noise=0.5, max_steps=12, stale_noise=stale)
    users = [user for d in demos for user, _ in d.steps]
    rejected = [u for u in users if "Nothing happens." in u]
    assert bool(rejected) == stale
    labels = {t for d in demos for _, t in d.steps}
    assert all(t.startswith("Think: next I ") for t in labels)


def _toy_batch(model_dir):
    import torch
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    rows = [tok("Task: go. Action: add 3").input_ids, tok("Observation: 5. Then: add 1 add 2").input_ids]
    width = max(map(len, rows))
    ids = torch.full((2, width), tok.pad_token_id)
    mask = torch.zeros((2, width), dtype=torch.long)
    labels = torch.full((2, width), -100)
    for r, row in enumerate(rows):  # right padding, as in training; the last 3 tokens are labels
        ids[r, :len(row)] = torch.tensor(row)
        mask[r, :len(row)] = 1
        labels[r, len(row) - 3:len(row)] = ids[r, len(row) - 3:len(row)]
    return ids, mask, labels


def test_bc_loss_is_the_label_loss_and_the_context_term_adds_the_prompt_lm_loss(quick_model):
    """Weight 0: exactly HF's ``labels=`` loss. Weight w: that plus w times the mean next-token
    loss over the other real (unpadded) tokens, computed here by hand."""
    import torch
    from transformers import AutoModelForCausalLM

    from trainers.bootstrap.build import _bc_loss

    model = AutoModelForCausalLM.from_pretrained(quick_model)
    ids, mask, labels = _toy_batch(quick_model)
    with torch.no_grad():
        reference = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss, action = _bc_loss(model, ids, mask, labels, 0.0)
        assert torch.allclose(loss, reference, atol=1e-6) and torch.equal(loss, action)
        weighted, action_w = _bc_loss(model, ids, mask, labels, 0.5)
        logp = model(input_ids=ids, attention_mask=mask).logits.log_softmax(-1)
    nll = []
    for row in range(ids.shape[0]):
        for t in range(1, ids.shape[1]):
            if mask[row, t] and labels[row, t] == -100:
                nll.append(-logp[row, t - 1, ids[row, t]])
    by_hand = reference + 0.5 * torch.stack(nll).mean()
    assert len(nll) > 5 and torch.allclose(weighted, by_hand, atol=1e-5)
    assert torch.allclose(action_w, reference, atol=1e-6)


def test_bootstrap_set_overrides_config_fields_and_refuses_bad_ones():
    from trainers.cli.bootstrap import apply_settings

    config = BootstrapConfig()
    apply_settings(config, ["hidden_size=256", "context_loss_weight=1", "device=cuda",
                            "stale_noise=true"])
    assert (config.hidden_size, config.context_loss_weight, config.device, config.stale_noise) == (
        256, 1.0, "cuda", True)
    with pytest.raises(UsageError, match="KEY one of"):
        apply_settings(config, ["hidden=3"])
    with pytest.raises(UsageError, match="expected int"):
        apply_settings(config, ["num_layers=two"])


def test_cli_bootstrap_saves_the_action_mode_the_model_acts_with(tmp_path, monkeypatch):
    monkeypatch.setenv("STEPGYM_CACHE", str(tmp_path))
    assert main(["bootstrap", "--quick", "--name", "scorer", "--envs", TOY_ID, "--threads", "1",
                 "--set", "action_mode=score", "--set", "action_score=mean"]) == 0
    rollout = json.loads((tmp_path / "models" / "scorer" / "stepgym.json").read_text())["rollout"]
    assert (rollout["action_mode"], rollout["action_score"]) == ("score", "mean")


def test_a_named_start_model_builds_from_its_preset_and_flags_override_it(tmp_path, monkeypatch):
    """`--name stepgym-alfworld-l1` takes the preset (level 1, score mode, T=1); flags win."""
    import trainers.bootstrap as bootstrap_pkg

    seen: list[BootstrapConfig] = []

    def fake_bootstrap(config, progress=True):
        seen.append(config)
        out = tmp_path / "out"
        out.mkdir(exist_ok=True)
        (out / "stepgym.json").write_text(json.dumps(
            {"num_parameters": 1, "bc_samples": 1, "losses": [1.0], "seconds": 0}))
        return out

    monkeypatch.setenv("STEPGYM_CACHE", str(tmp_path))
    monkeypatch.setattr(bootstrap_pkg, "bootstrap", fake_bootstrap)
    assert main(["bootstrap", "--name", "stepgym-alfworld-l1", "--steps", "7"]) == 0
    config = seen[-1]
    assert config.envs == {"stepgym/ALFWorld-v0": {"expert": "explorer", "level": 1}}
    assert (config.action_mode, config.action_score, config.eval_temperature,
            config.prompt_format) == ("score", "mean", 1.0, "plain")
    assert config.train_steps == 7 and config.output.endswith("stepgym-alfworld-l1")
    assert main(["bootstrap", "--name", "my-model"]) == 0
    assert seen[-1].action_mode == "generate"  # any other name: the plain default


def test_a_model_bootstrapped_in_another_format_acts_in_it(tmp_path, monkeypatch):
    """`--set prompt_format=plain`: demos are written as the bare action, stepgym.json says
    so, and load_agent gives the model that format (scored candidates are the bare action)."""
    monkeypatch.setenv("STEPGYM_CACHE", str(tmp_path))
    demos = collect_demos("stepgym/ALFWorld-v0", {"level": 1}, episodes=1, window_steps=2,
                          prompt_format="plain")
    first_reply = demos[0].steps[0][1]
    assert "Think:" not in first_reply and "Reply with exactly one action" in demos[0].system
    assert main(["bootstrap", "--quick", "--name", "plain", "--envs", TOY_ID, "--threads", "1",
                 "--set", "prompt_format=plain"]) == 0
    assert json.loads((tmp_path / "models" / "plain" / "stepgym.json").read_text())[
        "prompt_format"] == "plain"
    agent = load_agent("plain")
    assert agent.prompt_format is not None and agent.prompt_format.name == "plain"
    assert load_agent("plain", prompt_format="react").prompt_format.name == "react"


@pytest.mark.parametrize("name", sorted(START_MODELS))
def test_every_start_model_preset_makes_its_envs_and_their_expert_acts(name, tmp_path):
    """Each preset's demos come from envs that gym.make accepts, whose expert acts, in a
    format that exists, and score-mode presets only use envs that list their actions."""
    import gymnasium as gym

    import envs  # noqa: F401
    from agents.formats import get_format

    config = start_model_config(name, str(tmp_path))
    if config.prompt_format:
        get_format(config.prompt_format)
    for env_id, kwargs in config.envs.items():
        try:
            env = gym.make(env_id, **kwargs)
        except (ImportError, ModuleNotFoundError) as exc:  # TextWorld is an optional extra
            pytest.skip(f"{env_id}: {exc}")
        for options in config.reset_options.get(env_id) or [None]:
            _, info = env.reset(seed=0, options=options)
            assert info["expert_action"]
        if config.action_mode == "score":
            assert info["admissible_actions"]
            # no free-text template such as WebShop's search[<your query>]
            assert all(not re.search(r"\[<[^>]*>\]", a) for a in info["admissible_actions"])


def test_reset_options_cycle_over_demo_episodes():
    """`reset_options` mixes settings within one env's demos: episode i uses entry i % n (the
    h1 start model's one- and two-problem chains)."""
    demos = collect_demos("stepgym/MathChain-v0", {"mode": "single", "level": 1}, episodes=4,
                          window_steps=2, reset_options=[{"horizon": 1}, {"horizon": 2}])
    chains = ["chain of 2 problems" in demo.steps[0][0] for demo in demos]
    assert chains == [False, True, False, True]
    assert ["Problem 2" in demo.steps[0][1] for demo in demos] == chains
