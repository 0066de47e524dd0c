"""SPA (arXiv 2505.20732): read positions, the estimator loss, step rewards and their use in
PPO's GAE and GRPO-style advantages, against hand-computed numbers; and an estimator trained on
a synthetic env whose true progress is known recovers it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from tests.trainers.credit_fixtures import make_traj
from trainers.credit import available_credit, make_credit
from trainers.spa.estimator import ProgressEstimator, progress_loss
from trainers.spa.positions import step_read_positions, trajectory_read_points
from trainers.spa.rewards import compose, grounding, loo_contributions, progress_increments
from trainers.trajectory import StepRecord, TokenSample, Trajectory


def _window_traj(n_steps: int = 3) -> Trajectory:
    """Window mode: one sample per step; token ids are unique across the whole trajectory so a
    reading one position off returns another number."""
    samples, steps, next_id = [], [], 100
    for t in range(n_steps):
        prompt = list(range(next_id, next_id + 4))
        completion = list(range(next_id + 4, next_id + 4 + 2 + t))  # 2, 3, 4 generated tokens
        next_id += 10
        samples.append(TokenSample(prompt, completion, [1] * len(completion), [0.0] * len(completion),
                                   [t] * len(completion)))
        steps.append(StepRecord(t, "o", "a", "a", 0.0, False, False, True))
    return Trajectory("w", "g", "e", "k", 0, steps, samples, context_mode="window")


def _concat_traj() -> Trajectory:
    """Concat mode: prompt [1, 2]; step 0 = [10, 11], env [12, 13], step 1 = [14], env [15],
    step 2 = [16, 17]."""
    completion = [10, 11, 12, 13, 14, 15, 16, 17]
    step_ids = [0, 0, -1, -1, 1, -1, 2, 2]
    mask = [1 if s >= 0 else 0 for s in step_ids]
    sample = TokenSample([1, 2], completion, mask, [0.0] * 8, step_ids)
    steps = [StepRecord(t, "o", "a", "a", 0.0, False, False, True) for t in range(3)]
    return Trajectory("c", "g", "e", "k", 0, steps, [sample])


# ---------------------------------------------------------------------- read positions
def test_read_positions_concat_and_window():
    assert step_read_positions(_concat_traj().samples[0]) == {0: 3, 1: 6, 2: 9}
    w = _window_traj()
    assert trajectory_read_points(w) == [(0, 5), (1, 6), (2, 7)]


class _IdentityBackbone(torch.nn.Module):
    """hidden state at a position = the token id there (hidden size 1)."""

    def __init__(self) -> None:
        super().__init__()
        self.config = type("C", (), {"hidden_size": 1})()
        self.dummy = torch.nn.Parameter(torch.zeros(1))

    def forward(self, input_ids, attention_mask, output_hidden_states=True):
        hidden = input_ids.float().unsqueeze(-1) + 0.0 * self.dummy
        return type("O", (), {"hidden_states": (hidden,)})()


def _reading_estimator() -> ProgressEstimator:
    est = ProgressEstimator(_IdentityBackbone())
    with torch.no_grad():
        est.head.summary.weight.fill_(1.0)
        est.head.summary.bias.zero_()
    return est


@pytest.mark.parametrize("traj,expected", [
    (_concat_traj(), [11.0, 14.0, 17.0]),  # the last generated token of each step
    (_window_traj(), [105.0, 116.0, 127.0]),  # each window sample's last completion token
])
def test_estimator_reads_last_generated_token_of_each_step(traj, expected):
    est = _reading_estimator()
    np.testing.assert_allclose(est.predict([traj], batch_size=2)[0], expected)
    # batching the samples differently reads the same tokens (padding is on the right)
    np.testing.assert_allclose(est.predict([traj, traj], batch_size=1)[1], expected)


def test_steps_without_tokens_are_refused():
    traj = _concat_traj()
    traj.samples[0].loss_mask[6] = traj.samples[0].loss_mask[7] = 0
    with pytest.raises(ValueError, match=r"steps \[2\] have no generated tokens"):
        trajectory_read_points(traj)


# ---------------------------------------------------------------------- loss and rewards
def test_progress_loss_hand_computed():
    # (0.2 + 0.3 - 1)^2 = 0.25, (-0.5 - 0)^2 = 0.25, (0.1 + 0.1 + 0.1 - 0.5)^2 = 0.04
    c = [torch.tensor([0.2, 0.3], requires_grad=True), torch.tensor([-0.5]),
         torch.tensor([0.1, 0.1, 0.1])]
    loss = progress_loss(c, [1.0, 0.0, 0.5])
    assert loss.item() == pytest.approx((0.25 + 0.25 + 0.04) / 3)
    loss.backward()  # d/dc_t = 2 (sum - R) / n, the same for every step of a trajectory
    np.testing.assert_allclose(c[0].grad.numpy(), [2 * -0.5 / 3] * 2, rtol=1e-6)
    with pytest.raises(ValueError):
        progress_loss(c, [1.0])


def _traj_with(rewards, valid, progress, group="g", tid="t"):
    traj = make_traj(tid, group, rewards, valid=valid)
    for step, p in zip(traj.steps, progress):
        step.info["progress"] = p
    return traj


def test_step_reward_composition_hand_computed():
    traj = _traj_with([0.0, 0.0, 1.0], [True, False, True], [0.5, 0.5, 1.0])
    traj.steps[2].info["effective"] = False  # valid but changed nothing: no grounding reward
    assert grounding(traj).tolist() == [1.0, 0.0, 0.0]
    assert progress_increments(traj).tolist() == [0.5, 0.0, 0.5]
    # r_t = 1 * c_t + 0.5 * g_t with c = progress increments
    credit = make_credit("progress_oracle")
    assert credit.step_rewards([traj])[0].tolist() == [1.0, 0.0, 0.5]
    assert compose(np.array([0.2]), np.array([1.0]), alpha=2.0, beta=0.1).tolist() == [0.5]


def test_initial_progress_is_the_first_increments_base():
    traj = _traj_with([0.0, 1.0], [True, True], [0.5, 1.0])
    traj.meta["initial_progress"] = 0.25
    assert progress_increments(traj).tolist() == [0.25, 0.5]


def test_progress_report_hand_computed():
    """Two trajectories, true increments [0.5, 0, 0.5] and [0.5, 0.5], c_t [0.2, 0.1, 0.7] and
    [0.4, 0.1], returns 1 and 0: squared errors 0 and 0.25."""
    from trainers.spa.report import progress_report

    def traj(progress: list[float], reward: float) -> Trajectory:
        steps = [StepRecord(k, "", "", "a", reward if k == len(progress) - 1 else 0.0,
                            False, False, True, {"progress": p}) for k, p in enumerate(progress)]
        return Trajectory("t", "g", "e", "k", 0, steps, [])

    trajs = [traj([0.5, 0.5, 1.0], 1.0), traj([0.5, 1.0], 0.0)]
    rep = progress_report(trajs, [np.array([0.2, 0.1, 0.7]), np.array([0.4, 0.1])])
    # all steps: increments [.5, 0, .5, .5, .5] rank [3.5, 1, 3.5, 3.5, 3.5], centred
    # [.5, -2, .5, .5, .5]; c [.2, .1, .7, .4, .1] rank [3, 1.5, 5, 4, 1.5], centred
    # [0, -1.5, 2, 1, -1.5]: rho = 3.75 / sqrt(5 * 9.5)
    assert rep["spearman_progress"] == pytest.approx(3.75 / np.sqrt(47.5))
    # within: 1st ranks [2.5, 1, 2.5] vs [2, 1, 3]: 1.5 / sqrt(1.5 * 2); 2nd: constant, skipped
    assert rep["spearman_progress_within"] == pytest.approx(1.5 / np.sqrt(3.0))
    assert rep["return_mse"] == pytest.approx(0.125)
    assert rep["return_mse_constant"] == pytest.approx(0.25)  # mean R 0.5: errors 0.25 each
    assert rep["spearman_sum_length"] == pytest.approx(1.0)  # sums 1.0, 0.5 at lengths 3, 2
    assert rep["mean_contribution"] == pytest.approx(0.3)
    assert rep["mean_contribution_last"] == pytest.approx(0.4)  # (0.7 + 0.1) / 2
    assert rep["mean_contribution_earlier"] == pytest.approx(0.7 / 3)  # (0.2 + 0.1 + 0.4) / 3


def test_fit_summary_warns_when_c_t_is_no_better_than_a_constant_or_pays_for_length():
    from trainers.cli.spa import _warnings

    good = {"return_mse": 0.02, "return_mse_constant": 0.06, "spearman_sum_length": 0.1}
    assert _warnings(good) == []
    bad = _warnings({"return_mse": 0.068, "return_mse_constant": 0.06,
                     "spearman_sum_length": 0.86})
    assert len(bad) == 2 and "no better than predicting the mean R" in bad[0]
    assert "pays for longer episodes" in bad[1]
    assert _warnings({"return_mse": 0.068}) == []  # reports from before the fields existed


def test_leave_one_out_contributions_hand_computed():
    a = make_traj("a", "g1", [0.0, 1.0])
    b = make_traj("b", "g1", [0.0])
    c = make_traj("c", "g1", [0.5])
    d = make_traj("d", "g2", [1.0])  # alone in its group: its own return
    got = loo_contributions([a, b, c, d])
    assert got[0].tolist() == [0.75, 0.75]  # 1 - mean(0, 0.5)
    assert got[1].tolist() == [-0.75]  # 0 - mean(1, 0.5)
    assert got[2].tolist() == [0.0]  # 0.5 - mean(1, 0)
    assert got[3].tolist() == [1.0]


def test_grpo_style_advantages_hand_computed():
    # two rollouts of one task; oracle contributions; beta 0 so r_t = progress increment
    t1 = _traj_with([0.0, 1.0], [True, True], [0.5, 1.0], tid="t1")
    t2 = _traj_with([0.0, 0.0], [True, True], [0.0, 0.0], tid="t2")
    credit = make_credit("progress_oracle", beta=0.0, gamma=0.5, scale_std=False)
    adv = credit.step_advantages([t1, t2])
    # returns: t1 = [0.5 + 0.5 * 0.5, 0.5] = [0.75, 0.5]; t2 = [0, 0]; group mean 0.3125
    np.testing.assert_allclose(adv[0], [0.4375, 0.1875])
    np.testing.assert_allclose(adv[1], [-0.3125, -0.3125])
    # GiGPO-style anchor groups: steps are grouped by state key (s0 with s0, s1 with s1)
    anchor = make_credit("progress_oracle", beta=0.0, gamma=0.5, scale_std=False,
                         grouping="anchor").step_advantages([t1, t2])
    np.testing.assert_allclose(anchor[0], [0.375, 0.25])
    np.testing.assert_allclose(anchor[1], [-0.375, -0.25])


def test_spa_credit_needs_an_estimator_and_registry_matches_config():
    with pytest.raises(ValueError, match="stepgym spa fit"):
        make_credit("spa")
    from trainers.config import CREDIT_METHODS

    assert sorted(CREDIT_METHODS) == available_credit()


# ---------------------------------------------------------------------- PPO: rewards into GAE
def test_ppo_gae_takes_the_step_rewards():
    from trainers.ppo.advantages import compute_advantages
    from trainers.ppo.batch import collate

    traj = _traj_with([0.0, 0.0, 1.0], [True, True, True], [0.5, 0.5, 1.0])
    batch = collate([traj], pad_id=0)
    zeros = torch.zeros(batch.completion_ids.shape)
    rewards = [np.array([0.2, 0.3, 0.5])]
    out = compute_advantages([traj], batch, zeros, torch.zeros(1), "turn", gamma=1.0, lam=1.0,
                             whiten_advantages=False, step_rewards=rewards)
    # V = 0, gamma = lambda = 1: each step's advantage is the sum of its rewards to go
    firsts = [out.advantages[0, j].item() for j in (0, 3, 6)]
    np.testing.assert_allclose(firsts, [1.0, 0.8, 0.5], rtol=1e-6)
    env = compute_advantages([traj], batch, zeros, torch.zeros(1), "turn", gamma=1.0, lam=1.0,
                             whiten_advantages=False)
    np.testing.assert_allclose([env.advantages[0, j].item() for j in (0, 3, 6)], [1.0, 1.0, 1.0])


def test_ppo_config_accepts_only_step_reward_credits():
    from trainers.ppo.config import PPOConfig

    PPOConfig(credit="progress_oracle")
    with pytest.raises(ValueError, match="gives advantages"):
        PPOConfig(credit="gigpo")


# ---------------------------------------------------------------------- learning
def _explore_signal_chain(tmp_path: Path, n_tasks: int) -> tuple[Path, Path, list[Trajectory]]:
    """A random tiny policy (saved to ``tmp_path/policy``) plays SignalChain ``n_tasks`` x 2;
    (policy dir, trajectory JSONL, trajectories)."""
    from tests.helpers.learning import CHAIN_ID, register_signal_envs, signal_agent
    from trainers.rollout import RolloutConfig, RolloutEngine, append_jsonl

    register_signal_envs()
    agent = signal_agent(0)
    policy = tmp_path / "policy"
    agent.model.save_pretrained(policy)
    agent.tokenizer.save_pretrained(policy)
    engine = RolloutEngine(agent, CHAIN_ID, {}, RolloutConfig(
        context_mode="window", window_steps=0, max_new_tokens=3, temperature=1.0,
        action_mode="score"))
    trajs = engine.run(list(range(n_tasks)), group_size=2, generation_seed=0)
    jsonl = tmp_path / "explore.jsonl"
    for t in trajs:
        append_jsonl(jsonl, t)
    return policy, jsonl, trajs


def test_estimator_recovers_true_progress_on_a_synthetic_env(tmp_path):
    """SignalChain: 3 steps, reward = share of right code words, true progress = right answers
    so far / 3. A random tiny policy explores; the estimator, trained only on (sum c_t - R)^2,
    must rank held-out steps by their true progress increment (Spearman > 0.8). lr 1e-3 x 24
    epochs gives held-out Spearman 0.87-0.89 and MSE < 1e-4 for policy seeds 0-2; lr 3e-3 x 12
    passed on one machine and learnt nothing on another (MSE 0.085, Spearman 0.15)."""
    from trainers.spa.fit import FitConfig, fit

    policy, jsonl, trajs = _explore_signal_chain(tmp_path, 200)
    assert {t.total_reward for t in trajs} >= {0.0, 1 / 3, 2 / 3}  # outcomes vary
    report = fit(FitConfig(trajectories=[str(jsonl)], model=str(policy),
                           output_dir=str(tmp_path / "est"), learning_rate=1e-3, epochs=24,
                           batch_size=8, heldout_fraction=0.25), progress=False)
    assert report["heldout_trajectories"] == 100
    assert report["heldout"]["return_mse"] < 0.01
    assert report["heldout"]["spearman_progress"] > 0.8
    # the saved estimator gives the same c_t, and the spa credit reads it
    credit = make_credit("spa", estimator=str(tmp_path / "est"), beta=0.0)
    saved = json.loads((tmp_path / "est" / "fit_report.json").read_text())
    assert len(saved["losses"]) == report["optimizer_steps"]
    r = credit.step_rewards(trajs[:4])
    assert [len(x) for x in r] == [3, 3, 3, 3]


def test_head_only_fit_leaves_the_backbone_and_trains_the_head(tmp_path):
    """``train_backbone=False`` (``stepgym spa fit --head-only``): the saved backbone is the
    policy's, bit for bit; the head moved and the training loss fell."""
    from safetensors.torch import load_file

    from trainers.spa.fit import FitConfig, fit

    policy, jsonl, _ = _explore_signal_chain(tmp_path, 40)
    report = fit(FitConfig(trajectories=[str(jsonl)], model=str(policy),
                           output_dir=str(tmp_path / "est"), learning_rate=1e-2, epochs=40,
                           batch_size=8, train_backbone=False), progress=False)
    assert report["loss_last_10"] < 0.85 * report["loss_first"]
    before = load_file(policy / "model.safetensors")
    after = load_file(tmp_path / "est" / "model.safetensors")
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    fresh = ProgressEstimator.from_model(str(policy), seed=0)
    saved = ProgressEstimator.load(tmp_path / "est")
    assert not torch.equal(fresh.head.summary.weight, saved.head.summary.weight)
    # the training report, made from the cached hidden states, is what the saved estimator gives
    from trainers.spa.fit import load_trajectories, split_groups
    from trainers.spa.report import progress_report

    train, _ = split_groups(load_trajectories([str(jsonl)]), 0.2, 0)
    again = progress_report(train, saved.predict(train))
    assert again["return_mse"] == pytest.approx(report["train"]["return_mse"], rel=1e-5)


# ---------------------------------------------------------------------- CLI
def test_spa_fit_cli_missing_file_is_one_line_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "trainers.cli", "spa", "fit", "--trajectories",
                           str(tmp_path / "nope.jsonl"), "--output", str(tmp_path / "e")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"stepgym spa: error: no trajectory file {tmp_path / 'nope.jsonl'}"]


# ---------------------------------------------------------------------- recipes and pipeline
SPA_RECIPES = sorted(__import__("pathlib").Path(__file__).resolve().parents[2]
                     .joinpath("recipes").glob("spa_*.yaml"))


@pytest.mark.parametrize("path", SPA_RECIPES, ids=lambda p: p.name)
def test_spa_recipes_parse_and_their_rl_stage_is_valid(path, tmp_path):
    import yaml

    from trainers.spa.pipeline import SPARecipe

    recipe = SPARecipe.from_dict(yaml.safe_load(path.read_text()))
    kwargs = {**recipe.rl["credit_kwargs"], "estimator": str(tmp_path)}
    if recipe.rl["trainer"] == "ppo":
        from trainers.cli.train_ppo import load_recipe
        from trainers.ppo.config import PPOConfig

        data = {**load_recipe(recipe.rl["recipe"]), **recipe.rl.get("set", {}),
                "credit": recipe.rl["credit"], "credit_kwargs": kwargs}
        assert PPOConfig.from_dict(data).credit == "spa"
    else:
        from trainers.config import parse_config

        a, _, _ = parse_config([recipe.rl["recipe"], "--credit", "spa", "--credit_kwargs",
                                json.dumps(kwargs)])
        assert a.credit == "spa" and a.credit_kwargs["estimator"] == str(tmp_path)
    assert len(SPA_RECIPES) >= 2


def test_pipeline_stages_resume(tmp_path, monkeypatch):
    """A finished stage is not run again; a missing one is."""
    import trainers.evaluation as evaluation
    import trainers.spa.fit as fit_module
    from trainers.spa import pipeline

    calls = {"explore": 0, "fit": 0}

    def fake_evaluate(model, env_id, out_dir, **kw):
        calls["explore"] += 1
        out_dir.mkdir(parents=True)
        (out_dir / "trajectories.jsonl").write_text("")
        (out_dir / "summary.json").write_text("{}")

    def fake_fit(cfg, progress=True):
        calls["fit"] += 1
        out = __import__("pathlib").Path(cfg.output_dir)
        out.mkdir(parents=True)
        (out / fit_module.REPORT_FILE).write_text("{}")
        assert cfg.trajectories == [str(tmp_path / "run" / "explore" / "trajectories.jsonl")]
        assert cfg.learning_rate == 0.01  # the recipe's, as text from YAML

    monkeypatch.setattr(evaluation, "evaluate", lambda model, env_id, **kw: fake_evaluate(
        model, env_id, kw.pop("out_dir"), **kw))
    monkeypatch.setattr(evaluation, "model_rollout_config", lambda path: {})
    monkeypatch.setattr(fit_module, "fit", fake_fit)
    monkeypatch.setattr(pipeline, "ensure_model", lambda recipe: recipe.model)
    recipe = pipeline.SPARecipe(output_dir=str(tmp_path / "run"), model="m",
                                explore={"env_id": "stepgym/MathChain-v0",
                                         "rollout": {"temperature": 1.0, "context_mode": "concat",
                                                     "window_steps": 0, "max_new_tokens": 8,
                                                     "max_context_tokens": 256}},
                                fit={"learning_rate": "1e-2"})
    pipeline.run_pipeline(recipe, ("explore", "fit"), progress=False)
    recipe.fit = {"learning_rate": 0.01, "epochs": 1}  # the same settings, written otherwise
    pipeline.run_pipeline(recipe, ("explore", "fit"), progress=False)
    assert calls == {"explore": 1, "fit": 1}
    assert (tmp_path / "run" / "spa_recipe.yaml").is_file()


ROLLOUT = {"temperature": 1.0, "context_mode": "concat", "window_steps": 0, "max_new_tokens": 8,
           "max_context_tokens": 256}


def _stage_recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A pipeline whose explore and fit stages only write their marker files."""
    import trainers.evaluation as evaluation
    import trainers.spa.fit as fit_module
    from trainers.spa import pipeline

    def fake_evaluate(model: str, env_id: str, out_dir: Path, **kw: Any) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "trajectories.jsonl").write_text("")
        (out_dir / "summary.json").write_text("{}")

    def fake_fit(cfg: Any, progress: bool = True) -> None:
        Path(cfg.output_dir).mkdir(parents=True, exist_ok=True)
        (Path(cfg.output_dir) / fit_module.REPORT_FILE).write_text("{}")

    monkeypatch.setattr(evaluation, "evaluate", fake_evaluate)
    monkeypatch.setattr(evaluation, "model_rollout_config", lambda path: {})
    monkeypatch.setattr(fit_module, "fit", fake_fit)
    monkeypatch.setattr(pipeline, "ensure_model", lambda recipe: recipe.model)
    return pipeline.SPARecipe(output_dir=str(tmp_path / "run"), model="m",
                              explore={"env_id": "stepgym/MathChain-v0", "tasks": 8,
                                       "rollout": ROLLOUT}, fit={"learning_rate": 1e-3})


def test_pipeline_refuses_a_finished_stage_made_with_other_settings(tmp_path, monkeypatch):
    """Changing a recipe section after its stage ran raises, naming what changed; a changed
    exploration also makes the estimator stale."""
    from trainers.spa import pipeline

    recipe = _stage_recipe(tmp_path, monkeypatch)
    pipeline.run_pipeline(recipe, ("explore", "fit"), progress=False)
    recipe.fit = {"learning_rate": 1e-3, "epochs": 2}
    with pytest.raises(ValueError, match=r"estimator was made with other settings \(epochs differ"):
        pipeline.run_pipeline(recipe, ("explore", "fit"), progress=False)
    recipe.fit = {"learning_rate": 1e-3}
    recipe.explore = {"env_id": "stepgym/MathChain-v0", "tasks": 16, "rollout": ROLLOUT}
    with pytest.raises(ValueError, match=r"explore was made with other settings \(tasks differ"):
        pipeline.run_pipeline(recipe, ("explore",), progress=False)
    with pytest.raises(ValueError, match=r"estimator was made with other settings \(explore"):
        pipeline.run_pipeline(recipe, ("fit",), progress=False)


def test_pipeline_keeps_unstamped_output_with_a_warning(tmp_path, monkeypatch):
    """Output from before settings were saved is reused (its settings cannot be checked)."""
    from trainers.spa import pipeline

    recipe = _stage_recipe(tmp_path, monkeypatch)
    pipeline.run_pipeline(recipe, ("explore", "fit"), progress=False)
    for stage in ("explore", "estimator"):
        (tmp_path / "run" / stage / pipeline.STAMP_FILE).unlink()
    recipe.fit = {"learning_rate": 1e-2}
    with pytest.warns(UserWarning, match="without checking its settings"):
        pipeline.run_pipeline(recipe, ("explore", "fit"), progress=False)
    with pytest.raises(ValueError, match="env_id"):
        pipeline.SPARecipe.from_dict({"explore": {}})


def test_spa_run_cli_missing_recipe_is_one_line_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "trainers.cli", "spa", "run",
                           str(tmp_path / "nope.yaml")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"stepgym spa: error: cannot read recipe {tmp_path / 'nope.yaml'}: No such file or directory"]
