"""``stepgym train``: recipe + overrides via TrlParser, saved config, eval ledger, curve, final
model; a run killed mid-way resumes with the checkpoint's step count and optimizer state."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch
import yaml
from transformers import TrainerCallback

from tests.agents.tiny import tiny_pair
from tests.conftest import TOY_ID
from trainers.cli import main
from trainers.config import parse_config
from trainers.run_grpo import run_grpo

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def recipe(tmp_path):
    model, tok = tiny_pair()
    model_dir = tmp_path / "model"
    model.save_pretrained(model_dir)
    tok.save_pretrained(model_dir)
    data = {
        "model_name_or_path": str(model_dir), "env_id": TOY_ID, "num_train_tasks": 4,
        "max_new_tokens": 6, "max_context_tokens": 512, "max_env_steps": 3,
        "credit": "gigpo", "credit_kwargs": {"gamma": 0.95, "step_weight": 1.0},
        "eval_every": 2, "eval_episodes": 4, "eval_split": "eval",
        "output_dir": str(tmp_path / "run"), "num_generations": 2,
        "per_device_train_batch_size": 4, "max_steps": 4, "learning_rate": 1e-3, "beta": 0.0,
        "save_steps": 2, "logging_steps": 1, "report_to": ["tensorboard"], "seed": 0,
        "temperature": 1.0, "disable_tqdm": True,
    }
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_parse_recipe_with_overrides(recipe):
    a, g, _ = parse_config([str(recipe), "--credit", "grpo", "--credit_kwargs",
                            "{scale_std: false}", "--max_steps", "7"])
    assert a.credit == "grpo" and a.credit_kwargs == {"scale_std": False}
    assert a.eval_split == "eval" and g.max_steps == 7 and g.num_generations == 2


def test_cli_train_writes_outputs(recipe, tmp_path, capsys):
    torch.manual_seed(0)
    assert main(["train", str(recipe), "--max_steps", "2", "--save_steps", "100"]) == 0
    out = tmp_path / "run"
    printed = capsys.readouterr().out
    assert "eval before:" in printed and "learning curve:" in printed
    cfg = yaml.safe_load((out / "config.yaml").read_text())
    assert cfg["agent"]["credit"] == "gigpo" and cfg["grpo"]["max_steps"] == 2
    evals = [json.loads(x) for x in (out / "eval.jsonl").read_text().splitlines()]
    assert [e["global_step"] for e in evals] == [0, 2]
    ledger = [json.loads(x) for x in (out / "rollouts.jsonl").read_text().splitlines()]
    assert len(ledger) == 2 and all(0.0 <= r["invalid_rate"] <= 1.0 for r in ledger)
    assert (out / "learning_curve.png").stat().st_size > 0
    assert (out / "final" / "config.json").exists()
    assert any(p.name.startswith("events") for p in out.rglob("*"))  # TensorBoard
    # the saved model states every rollout setting it was trained with, so eval need not guess
    meta = json.loads((out / "final" / "stepgym.json").read_text())
    assert meta["rollout"]["temperature"] == 1.0 and meta["rollout"]["max_new_tokens"] == 6
    assert meta["rollout"]["context_mode"] == "concat" and meta["rollout"]["top_p"] == 1.0
    assert meta["rollout"]["action_mode"] == "generate" and meta["envs"] == {TOY_ID: {}}


@pytest.mark.parametrize("field, value", [("top_k", 5), ("min_p", 0.1), ("repetition_penalty", 1.2)])
def test_sampling_settings_the_engine_ignores_are_refused(recipe, field, value):
    from trainers.grpo import check_sampling

    _, g, _ = parse_config([str(recipe), f"--{field}", str(value)])
    with pytest.raises(ValueError, match=field):
        check_sampling(g)
    _a, g, _ = parse_config([str(recipe), "--top_p", "0.9"])
    check_sampling(g)  # top_p is passed through to the engine


class _Kill(TrainerCallback):
    """Simulates a kill after the step-2 checkpoint."""

    def on_step_end(self, args, state, control, **kw):
        if state.global_step == 3:
            raise KeyboardInterrupt


class _Probe(TrainerCallback):
    def __init__(self):
        self.trainer = None
        self.first = None

    def on_step_begin(self, args, state, control, **kw):
        if self.first is None:
            opt = copy.deepcopy(kw["optimizer"].state_dict())  # tensors update in place later
            self.first = {"step": state.global_step, "opt": opt}


def test_resume_after_kill(recipe, tmp_path):
    a, g, m = parse_config([str(recipe)])
    with pytest.raises(KeyboardInterrupt):
        run_grpo(a, g, m, callbacks=[_Kill()])
    out = tmp_path / "run"
    ckpt = out / "checkpoint-2"
    assert ckpt.is_dir() and not (out / "checkpoint-4").exists()
    saved = torch.load(ckpt / "optimizer.pt", weights_only=False)
    ledger_before = (out / "rollouts.jsonl").read_text().splitlines()
    assert len(ledger_before) == 3  # steps 0, 1, 2 generated before the kill

    a, g, m = parse_config([str(recipe)])
    probe = _Probe()
    summary = run_grpo(a, g, m, resume=True, callbacks=[probe])
    assert probe.first["step"] == 2  # resumed at the checkpoint's step
    for k, st in saved["state"].items():
        got = probe.first["opt"]["state"][k]
        assert torch.equal(got["exp_avg"], st["exp_avg"])
        assert torch.equal(got["exp_avg_sq"], st["exp_avg_sq"])
    assert summary["global_step"] == 4
    rows = [json.loads(x) for x in (out / "rollouts.jsonl").read_text().splitlines()]
    assert [r["global_step"] for r in rows] == [0, 1, 2, 3]  # the killed step 2 was redone
    env = [r["env_steps"] for r in rows]
    assert env == sorted(env) and summary["env_steps"] == env[-1]


def test_sampled_eval_uses_groups_and_repeats_exactly(recipe):
    """``eval_temperature > 0`` samples ``eval_group`` episodes per task with a fixed generation
    seed, so two evaluations of the same policy give the same episodes."""
    from agents.llm import LLMAgent
    from trainers.grpo import evaluate_policy

    a, _, _ = parse_config([str(recipe), "--eval_temperature", "1.0", "--eval_group", "3"])
    model, tok = tiny_pair()
    agent = LLMAgent(model, tok, max_new_tokens=a.max_new_tokens)
    first, second = evaluate_policy(agent, a), evaluate_policy(agent, a)
    assert first["episodes"] == 3 * a.eval_episodes
    assert first == second
    with pytest.raises(ValueError, match="eval_group"):
        parse_config([str(recipe), "--eval_group", "0"])


GRPO_RECIPES = sorted(p for p in (Path(__file__).resolve().parents[2] / "recipes").glob("*.yaml")
                      if p.name.startswith(("grpo_", "demo")))


@pytest.mark.parametrize("path", GRPO_RECIPES, ids=lambda p: p.name)
def test_grpo_recipes_parse(path):
    a, g, m = parse_config([str(path), "--max_steps", "3"])
    assert a.env_id.startswith("stepgym/") and g.max_steps == 3 and m.model_name_or_path
    assert g.num_generations >= 2 and a.credit


@pytest.mark.parametrize("argv", [
    ["train", "r.yaml", "--resume", "--max_steps", "3"],  # the README's form
    ["train", "r.yaml", "--max_steps", "3", "--resume"],
    ["train", "--resume", "r.yaml", "--max_steps", "3"],
])
def test_resume_flag_anywhere(argv):
    from trainers.cli import build_parser
    from trainers.cli.train import split_resume

    args = build_parser().parse_args(argv)
    assert split_resume(args.resume, args.overrides) == (True, ["--max_steps", "3"])


def test_no_resume_flag():
    from trainers.cli import build_parser
    from trainers.cli.train import split_resume

    args = build_parser().parse_args(["train", "r.yaml", "--max_steps", "3"])
    assert split_resume(args.resume, args.overrides) == (False, ["--max_steps", "3"])


def test_grpo_on_tree_rollouts_with_portool_and_a_token_budget(recipe, tmp_path):
    """`rollout: tree` + `credit: portool` through TRL's GRPOTrainer (concat mode: one TRL row
    per leaf); the generated-token budget stops training; portool without trees is refused."""
    torch.manual_seed(0)
    a, g, m = parse_config([str(recipe), "--rollout", "tree", "--tree_branching", "2",
                            "--credit", "portool", "--credit_kwargs", "{tool_weight: 0.1}",
                            "--max_steps", "50", "--save_steps", "100",
                            "--eval_every", "0", "--max_generated_tokens_total", "300"])
    summary = run_grpo(a, g, m)
    ledger = [json.loads(x) for x in (tmp_path / "run" / "rollouts.jsonl").read_text().splitlines()]
    assert len(ledger) >= 2 and ledger[-1]["generated_tokens"] >= 300 > ledger[-2]["generated_tokens"]
    assert summary["global_step"] == len(ledger) < 50
    with pytest.raises(ValueError, match="rollout: tree"):
        parse_config([str(recipe), "--credit", "portool"])
