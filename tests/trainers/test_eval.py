"""``stepgym eval``: intervals (hand-checked), summaries, and the CLI end to end."""

from __future__ import annotations

import json

import pytest

from tests.conftest import TOY_ID
from trainers.cli import main
from trainers.evaluation import evaluate, mean_interval, summarise, wilson_interval
from trainers.trajectory import StepRecord, Trajectory


def test_wilson_and_mean_intervals_hand_checked():
    # Wilson 95% for 8/10: centre (0.8 + 1.92/10) / 1.384 = 0.7168, half 0.2265
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(0.4902, abs=1e-4) and hi == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    mean, lo, hi = mean_interval([1.0, 2.0, 3.0])  # sd 1, half 1.96 / sqrt(3)
    assert mean == 2.0 and hi - mean == pytest.approx(1.959964 / 3 ** 0.5, rel=1e-5)


def _traj(won: bool, valid: list[bool], task_type: str) -> Trajectory:
    steps = [StepRecord(i, "o", "a", "a", 1.0 if (won and i == len(valid) - 1) else 0.0, False, False, v)
             for i, v in enumerate(valid)]
    return Trajectory("t", "g", "e", "x", 0, steps, [], won=won, stop_reason="terminated",
                      meta={"task_type": task_type})


def test_summarise_counts():
    trajs = [_traj(True, [True, False], "a"), _traj(False, [False, False, True], "b"),
             _traj(True, [True], "a")]
    s = summarise(trajs)
    assert s["success"] == pytest.approx(2 / 3) and s["mean_steps"] == 2.0
    assert s["invalid_rate"] == pytest.approx(3 / 6) and s["mean_return"] == pytest.approx(2 / 3)


def test_evaluate_expert_and_random_on_toy(tmp_path):
    expert = evaluate("expert", TOY_ID, n=12, out_dir=tmp_path / "e", progress=False)
    assert expert["success"] == 1.0 and expert["invalid_rate"] == 0.0
    rnd = evaluate("random", TOY_ID, n=12, out_dir=tmp_path / "r", progress=False)
    assert rnd["success"] < 1.0
    lines = (tmp_path / "e" / "trajectories.jsonl").read_text().splitlines()
    assert len(lines) == 12
    assert json.loads((tmp_path / "e" / "summary.json").read_text())["split"] == "eval"


def test_cli_eval_with_a_model(tmp_path, capsys):
    from agents.models import tiny_model
    from tests.agents.tiny import tiny_pair

    _, tok = tiny_pair("chatml")
    model = tiny_model(tok, hidden_size=32, num_layers=1, num_heads=2, num_kv_heads=1, intermediate_size=64)
    model.save_pretrained(tmp_path / "m")
    tok.save_pretrained(tmp_path / "m")
    base = ["eval", "--model", str(tmp_path / "m"), "--env", TOY_ID, "-n", "3", "--group", "2",
            "--max-new-tokens", "4", "--out", str(tmp_path / "out")]
    # no stepgym.json: eval refuses to guess how the model acts, and names the missing flags
    assert main(base) == 2
    err = capsys.readouterr().err
    assert "--context-mode --window-steps --max-context-tokens --temperature" in err
    assert "Traceback" not in err
    code = main([*base, "--context-mode", "window", "--window-steps", "1",
                 "--max-context-tokens", "1024", "--temperature", "1"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "success %" in printed
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["episodes"] == 6 and summary["group"] == 2
    assert len((tmp_path / "out" / "trajectories.jsonl").read_text().splitlines()) == 6


def test_eval_uses_the_saved_rollout_settings(tmp_path, capsys):
    from agents.models import tiny_model
    from tests.agents.tiny import tiny_pair
    from trainers.rollout import RolloutConfig, save_model_meta

    _, tok = tiny_pair("chatml")
    model = tiny_model(tok, hidden_size=32, num_layers=1, num_heads=2, num_kv_heads=1, intermediate_size=64)
    model.save_pretrained(tmp_path / "m")
    tok.save_pretrained(tmp_path / "m")
    saved = RolloutConfig(context_mode="window", window_steps=1, max_new_tokens=5,
                          max_context_tokens=900, temperature=0.3, action_mode="score")
    save_model_meta(tmp_path / "m", saved, {TOY_ID: {}})
    assert main(["eval", "--model", str(tmp_path / "m"), "--env", TOY_ID, "-n", "2",
                 "--out", str(tmp_path / "out")]) == 0
    used = json.loads((tmp_path / "out" / "config.json").read_text())["rollout"]
    assert used == {**saved.__dict__}
    trajs = (tmp_path / "out" / "trajectories.jsonl").read_text().splitlines()
    first = json.loads(trajs[0])["samples"][0]
    assert first["chosen"] >= 0 and len(first["candidates"]) == 3  # scored: add 1 / 2 / 3
    # a flag overrides one saved setting and keeps the rest
    assert main(["eval", "--model", str(tmp_path / "m"), "--env", TOY_ID, "-n", "2",
                 "--temperature", "0", "--out", str(tmp_path / "out2")]) == 0
    used = json.loads((tmp_path / "out2" / "config.json").read_text())["rollout"]
    assert used["temperature"] == 0 and used["action_mode"] == "score" and used["window_steps"] == 1
    # the score normalisation and the step cap are flags too
    assert main(["eval", "--model", str(tmp_path / "m"), "--env", TOY_ID, "-n", "2",
                 "--action-score", "mean", "--max-steps", "1", "--out", str(tmp_path / "out3")]) == 0
    used = json.loads((tmp_path / "out3" / "config.json").read_text())["rollout"]
    assert used["action_score"] == "mean" and used["max_steps"] == 1
    trajs = [json.loads(t) for t in (tmp_path / "out3" / "trajectories.jsonl").read_text().splitlines()]
    assert all(len(t["steps"]) <= 1 for t in trajs)
