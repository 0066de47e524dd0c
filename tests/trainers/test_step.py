"""STeP: the teachers' verdicts, the cost-to-go, the partial mask, synthesis resume, SFT labels."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import gymnasium as gym
import pytest

import envs  # noqa: F401
from agents.chat import ChatPieces
from envs.core import expert_cost_to_go, save_state
from trainers.step.segments import Conversation, Turn, encode, role_loss
from trainers.step.teacher import (
    EndpointGenerator,
    LLMTeacher,
    OracleTeacher,
    StepContext,
)

ENVS = {  # env id -> kwargs, an action every one of them rejects
    "stepgym/ALFWorld-v0": {"level": 1},
    "stepgym/WebShop-v0": {"level": 1},
    "stepgym/MathChain-v0": {"mode": "multi"},
    "stepgym/ToolUse-v0": {"level": 1},
    "stepgym/TextWorld-v0": {},
}


def _context(env_id: str, obs: str, info: dict, action: str) -> StepContext:
    return StepContext(env_id=env_id, goal=obs[:200], observation=obs, info=info, action=action,
                       generated_text=action)


# ----------------------------------------------------------------------------- cost-to-go
def test_cost_to_go_is_the_experts_plan_length_and_leaves_the_env_alone() -> None:
    env = gym.make("stepgym/ALFWorld-v0", level=1)
    obs, info = env.reset(seed=4)
    cost = expert_cost_to_go(env)
    plan = []
    probe = gym.make("stepgym/ALFWorld-v0", level=1)
    _, pinfo = probe.reset(seed=4)
    while not pinfo["won"]:
        plan.append(pinfo["expert_action"])
        _, _, _, _, pinfo = probe.step(pinfo["expert_action"])
    assert cost == len(plan) >= 2
    assert env.unwrapped.last_observation == obs  # untouched
    env.step(info["expert_action"])
    assert expert_cost_to_go(env) == cost - 1
    for action in plan[1:]:
        env.step(action)
    assert expert_cost_to_go(env) == 0


# ----------------------------------------------------------------------------- oracle teacher
@pytest.mark.parametrize("env_id", sorted(ENVS))
def test_oracle_teacher_accepts_the_expert_and_rejects_a_bad_step(env_id: str) -> None:
    env = gym.make(env_id, **ENVS[env_id])
    obs, info = env.reset(seed=1)
    before = save_state(env)
    teacher = OracleTeacher()
    good = teacher.review(env, _context(env_id, obs, info, info["expert_action"]))
    assert good.ok and good.detail["cost_after"] == good.detail["cost_before"] - 1
    bad = teacher.review(env, _context(env_id, obs, info, "xyzzy plugh"))
    assert not bad.ok and bad.reason == "invalid"
    assert bad.correction == info["expert_action"]
    assert "xyzzy plugh" in bad.reflection and bad.reflection.startswith("Reflection:")
    after = save_state(env)  # reviewing changed nothing
    assert (after.steps, after.last_observation, after.done) == (before.steps, before.last_observation,
                                                                 before.done)
    assert env.step(info["expert_action"])[4]["action_valid"]


def test_oracle_teacher_rejects_a_valid_step_that_makes_no_progress() -> None:
    env = gym.make("stepgym/ALFWorld-v0", level=1)
    obs, info = env.reset(seed=2)
    review = OracleTeacher().review(env, _context("stepgym/ALFWorld-v0", obs, info, "look"))
    assert not review.ok and review.reason == "no_progress"
    assert review.detail["cost_after"] == review.detail["cost_before"]
    assert "'look'" in review.reflection and info["expert_action"] in review.reflection


# ----------------------------------------------------------------------------- LLM teacher
class _Stub(BaseHTTPRequestHandler):
    replies: list[str] = []
    seen: list[dict] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Stub.seen.append(body)
        reply = {"choices": [{"message": {"content": _Stub.replies.pop(0)}}]}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def test_llm_teacher_through_an_openai_compatible_endpoint_on_localhost() -> None:
    server = HTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _Stub.replies = ["VERDICT: wrong\nREFLECTION: The apple is on the table.\nACTION: go to table 1",
                         "VERDICT: correct", "no idea"]
        teacher = LLMTeacher(EndpointGenerator(f"http://127.0.0.1:{server.server_port}"))
        env = gym.make("stepgym/ALFWorld-v0", level=1)
        obs, info = env.reset(seed=0)
        ctx = _context("stepgym/ALFWorld-v0", obs, info, "look")
        wrong = teacher.review(env, ctx)
        assert (wrong.ok, wrong.reflection, wrong.correction) == (False, "The apple is on the table.",
                                                                  "go to table 1")
        assert teacher.review(env, ctx).ok
        assert teacher.review(env, ctx).ok and teacher.unparsed == 1
        prompt = _Stub.seen[0]["messages"][0]["content"]
        assert "parsed action: look" in prompt and "Admissible actions:" in prompt
    finally:
        server.shutdown()


# ----------------------------------------------------------------------------- the mask
def _tokenizer(template: str):
    from agents.models import train_tokenizer

    texts = ["go to table 1. take apple 1 from table 1. Reflection: wrong, I should go there.",
             "You arrive at table 1. On the table 1, you see a apple 1.", "Task: put a apple."] * 30
    return train_tokenizer(texts, vocab_size=500, template=template)


CONVERSATION = Conversation(
    system="You are an agent.",
    turns=[Turn("Task: put a apple. You see a table 1.", [("action", "go to table 1")]),
           Turn("On the table 1, you see a apple 1.",
                [("mistake", "go to table 2"),
                 ("reflection", "Reflection: wrong, the apple is on table 1."),
                 ("correction", "take apple 1 from table 1")]),
           Turn("You pick up the apple 1.", [("action", "move apple 1 to table 1")])])


@pytest.mark.parametrize("template", ["chatml", "llama3"])
@pytest.mark.parametrize("mode", ["concat", "window"])
def test_mask_audit_every_token_against_its_segment_role(template: str, mode: str) -> None:
    tok = _tokenizer(template)
    pieces = ChatPieces(tok, CONVERSATION.system)
    conv = Conversation(CONVERSATION.system, CONVERSATION.turns, mode)
    for partial in (True, False):
        seqs = encode(conv, pieces, partial_mask=partial)
        assert len(seqs) == (1 if mode == "concat" else 3)
        roles = [r for s in seqs for r in s.roles]
        ids = [i for s in seqs for i in s.input_ids]
        mask = [m for s in seqs for m in s.completion_mask]
        for role in ("action", "mistake", "reflection", "correction"):
            text = tok.decode([i for i, r in zip(ids, roles, strict=True) if r == role])
            want = "".join(("\n" if k else "") + t for turn in conv.turns
                           for k, (r, t) in enumerate(turn.segments) if r == role)
            assert text == want, (role, text)
        for r, m in zip(roles, mask, strict=True):
            if r == "end":
                continue
            assert m == role_loss(r, partial), r
        ends = [m for r, m in zip(roles, mask, strict=True) if r == "end"]
        assert ends == [1, 1, 1]  # every turn ends with a trained segment
        assert tok.decode([i for i, r in zip(ids, roles, strict=True) if r == "user"]).count(
            "On the table 1, you see a apple 1.") == 1
        if mode == "concat":  # one conversation: the template's own rendering, token for token
            msgs = [{"role": "system", "content": conv.system}]
            for turn in conv.turns:
                msgs += [{"role": "user", "content": turn.user},
                         {"role": "assistant", "content": "\n".join(t for _, t in turn.segments)}]
            rendered = tok.apply_chat_template(msgs, tokenize=False)
            assert rendered.startswith(tok.decode(seqs[0].input_ids))


# ----------------------------------------------------------------------------- synthesis
def _tiny_model_dir(path: Path) -> str:
    from agents.models import tiny_model

    tok = _tokenizer("chatml")
    tiny_model(tok, hidden_size=16, num_layers=1, num_heads=2, num_kv_heads=1,
               intermediate_size=32).save_pretrained(path)
    tok.save_pretrained(path)
    return str(path)


def test_resumed_synthesis_has_no_duplicate_episodes_and_sft_trains_on_the_mask(tmp_path: Path) -> None:
    import datasets

    from trainers.step.sft import StepSFTConfig, run_sft, tokenize_rows
    from trainers.step.synthesize import EPISODES, SynthesisConfig, synthesize

    model = _tiny_model_dir(tmp_path / "model")
    cfg = SynthesisConfig(model=model, env_id="stepgym/ALFWorld-v0", episodes=3,
                          output=str(tmp_path / "synth"), env_kwargs={"level": 1}, batch=2,
                          rollout={"max_new_tokens": 6, "max_steps": 6, "context_mode": "window",
                                   "window_steps": 1, "max_context_tokens": 2048, "temperature": 1.0})
    synthesize(cfg, progress=False)
    lines = (tmp_path / "synth" / EPISODES).read_text().splitlines()
    (tmp_path / "synth" / EPISODES).write_text("\n".join(lines[:2]) + "\n")  # interrupted
    cfg.episodes = 4
    path = synthesize(cfg, progress=False)
    ds = datasets.load_from_disk(str(path))
    assert sorted(ds["seed"]) == [10_000, 10_001, 10_002, 10_003]
    assert len(set(ds["id"])) == 4
    assert len((tmp_path / "synth" / EPISODES).read_text().splitlines()) == 4
    assert sum(ds["interventions"]) > 0  # a random tiny model errs; the oracle corrects it
    roles = {s["role"] for row in ds for t in row["turns"] for s in t["segments"]}
    assert {"mistake", "reflection", "correction"} <= roles

    from transformers import AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    tok = AutoTokenizer.from_pretrained(model)
    seqs = tokenize_rows(list(ds), tok)
    train = datasets.Dataset.from_list([{"input_ids": s.input_ids, "completion_mask": s.completion_mask}
                                        for s in seqs])
    from transformers import AutoModelForCausalLM

    trainer = SFTTrainer(model=AutoModelForCausalLM.from_pretrained(model), train_dataset=train,
                         processing_class=tok,
                         args=SFTConfig(output_dir=str(tmp_path / "t"), completion_only_loss=True,
                                        report_to="none", use_cpu=True, max_length=4096))
    for row, seq in zip(trainer.train_dataset, seqs, strict=True):
        assert [x != -100 for x in row["labels"]] == [bool(m) for m in seq.completion_mask]
    final = run_sft(StepSFTConfig(model=model, data=[str(path)], output=str(tmp_path / "sft"),
                                  epochs=1, batch_size=4), progress=False)
    stats = json.loads((tmp_path / "sft" / "sft_stats.json").read_text())
    assert (final / "config.json").is_file() and stats["trained_tokens"] > 0
    import math

    import torch

    assert math.isfinite(stats["log"][-1]["train_loss"])
    before = AutoModelForCausalLM.from_pretrained(model).state_dict()
    after = AutoModelForCausalLM.from_pretrained(final).state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)


# ----------------------------------------------------------------------------- recipes and CLI
STEP_RECIPES = sorted(Path(__file__).resolve().parents[2].joinpath("recipes").glob("step_*.yaml"))


@pytest.mark.parametrize("path", STEP_RECIPES, ids=lambda p: p.name)
def test_step_recipes_parse_into_valid_stage_configs(path: Path) -> None:
    from trainers.step.pipeline import load_recipe
    from trainers.step.sft import StepSFTConfig
    from trainers.step.synthesize import SynthesisConfig

    recipe = load_recipe(str(path), ["sft.epochs=1"])
    assert recipe.env_id in gym.registry and recipe.sft["epochs"] == 1
    s = dict(recipe.synthesize)
    SynthesisConfig(model=recipe.model, env_id=recipe.env_id, episodes=s.pop("episodes"),
                    output="x", **s)
    StepSFTConfig(model=recipe.model, data=["x"], output="y", **recipe.sft)
    with pytest.raises(ValueError, match="unknown recipe field"):
        load_recipe(str(path), ["learning_rate=1"])


def test_cli_runs_the_recipe_end_to_end_and_reports_bad_input(tmp_path: Path, capsys) -> None:
    from trainers.cli import main

    model = _tiny_model_dir(tmp_path / "model")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(json.dumps({
        "output_dir": str(tmp_path / "run"), "model": model, "env_id": "stepgym/ALFWorld-v0",
        "env_kwargs": {"level": 1}, "expert": {"episodes": 2},
        "synthesize": {"episodes": 2, "rollout": {"max_new_tokens": 6, "max_steps": 5,
                                                  "context_mode": "window", "window_steps": 1,
                                                  "max_context_tokens": 2048, "temperature": 1.0}},
        "sft": {"epochs": 1, "batch_size": 4},
        "eval": {"n": 2, "max_steps": 3}}))
    rollout = '{"context_mode": "window", "window_steps": 1, "max_new_tokens": 6, ' \
              '"max_context_tokens": 2048, "temperature": 1.0}'
    (Path(model) / "stepgym.json").write_text(f'{{"rollout": {rollout}}}')
    assert main(["step", "run", str(recipe)]) == 0
    assert "eval success" in capsys.readouterr().out
    for part in ("expert/dataset", "synthesize/dataset", "sft/final/config.json", "result.json"):
        assert (tmp_path / "run" / part).exists(), part
    assert main(["step", "sft", "--model", model, "--data", str(tmp_path / "none"),
                 "--output", str(tmp_path / "o")]) == 2
    assert "no dataset at" in capsys.readouterr().err
