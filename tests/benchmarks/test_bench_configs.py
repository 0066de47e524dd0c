"""The benchmark scripts' run configurations: every setting they would train builds a valid
PPOConfig from today's recipes, with the shared budget applied and the method's discount."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import pytest

from trainers.ppo.config import PPOConfig

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench_h1 = _load("bench_h1")
bench_ppo_ads = _load("bench_ppo_ads")


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # recipes/ paths are relative to the checkout


def _h1_args(**kw) -> argparse.Namespace:
    base = dict(set=None, runs="runs/x", updates=20, model="m", gate_episodes=4, smoke=False,
                setting="mathchain")
    return argparse.Namespace(**{**base, **kw})


@pytest.mark.parametrize("setting", sorted(bench_h1.SETTINGS))
@pytest.mark.parametrize("schedule", bench_h1.SCHEDULES)
def test_h1_schedules_share_budget(schedule, setting):
    cfg = PPOConfig.from_dict(bench_h1.schedule_config(schedule, 3, _h1_args(setting=setting)))
    assert cfg.curriculum == schedule
    assert (cfg.num_updates, cfg.seed, cfg.model, cfg.resume) == (20, 3, "m", False)
    assert cfg.eval_env_kwargs == {"split": "eval"} and cfg.eval_seeds == [0, 1, 2, 3]
    # fixed before the eval engine is built: greedy on MathChain, sampled on WebShop
    assert cfg.eval_temperature == (1.0 if setting in ("webshop", "tooluse") else 0.0)
    if schedule == "fixed":  # 20 updates over the setting's horizons, not the recipe's 200
        assert cfg.steps_per_horizon == 20 // len(cfg.horizons)


def test_h1_webshop_setting_uses_levels_as_horizons():
    cfg = PPOConfig.from_dict(bench_h1.schedule_config("uniform", 0, _h1_args(setting="webshop",
                                                                              model=None)))
    assert cfg.env_id == "stepgym/WebShop-v0" and cfg.horizon_option == "level"
    assert cfg.horizons == [1, 2, 3, 4] and cfg.action_mode == "score"
    assert cfg.model == "stepgym-webshop-l2"


def test_h1_overrides_reach_every_schedule():
    args = _h1_args(set=["learning_rate=0.5", "horizons=[1, 2]"], updates=6,
                    setting="mathchain_h2")
    cfg = PPOConfig.from_dict(bench_h1.schedule_config("fixed", 0, args))
    assert cfg.learning_rate == 0.5 and cfg.horizons == [1, 2] and cfg.steps_per_horizon == 3


def test_h1_summary_is_mean_and_sample_std_over_seeds():
    rows = [{"schedule": "fixed", "seed": s, "accuracy": {1: a, 2: 0.0},
             "trained_horizons": [1, 2], "train_seconds": 10.0} for s, a in enumerate([0.2, 0.4])]
    (summary,) = bench_h1.summarise(rows, [1, 2])
    assert summary["mean"][1] == pytest.approx(0.3) and summary["mean"][2] == 0.0
    assert summary["std"][1] == pytest.approx(0.1414, abs=1e-4) and summary["seeds"] == [0, 1]


def _ads_args(**kw) -> argparse.Namespace:
    base = dict(set=None, runs="runs/x", updates=7, smoke=False)
    return argparse.Namespace(**{**base, **kw})


@pytest.mark.parametrize("setting", sorted(bench_ppo_ads.SETTINGS))
@pytest.mark.parametrize("method", sorted(bench_ppo_ads.METHODS))
def test_ppo_ads_settings_differ_only_in_discount(setting, method):
    cfg = PPOConfig.from_dict(bench_ppo_ads.setting_config(setting, method, 1, _ads_args()))
    other = "ppo" if method == "ppo_ads" else "ppo_ads"
    twin = PPOConfig.from_dict(bench_ppo_ads.setting_config(setting, other, 1, _ads_args()))
    assert cfg.discount == ("ads" if method == "ppo_ads" else "constant")
    assert (cfg.num_updates, cfg.seed, cfg.save_every, cfg.eval_every) == (7, 1, 0, 0)
    diff = {k for k, v in cfg.to_dict().items() if twin.to_dict()[k] != v}
    assert diff == {"discount", "output_dir"}


def test_ppo_ads_set_wins_over_setting():
    args = _ads_args(set=["max_steps=3"])
    cfg = PPOConfig.from_dict(bench_ppo_ads.setting_config("mathchain_h6", "ppo", 0, args))
    assert cfg.max_steps == 3 and cfg.env_kwargs == {"mode": "multi", "horizon": 6}


bench_spa = _load("bench_spa")
bench_credit = _load("bench_credit")
bench_portool = _load("bench_portool")


@pytest.mark.parametrize("setting", sorted(bench_spa.SETTINGS))
@pytest.mark.parametrize("method", sorted(bench_spa.PPO_VARIANTS))
def test_spa_ppo_variants_differ_from_ppo_only_in_credit(setting, method, tmp_path):
    base = bench_ppo_ads.setting_config(setting, "ppo", 0, _ads_args())
    credit, params = bench_spa.PPO_VARIANTS[method]
    kwargs = {**params, **({"estimator": str(tmp_path)} if credit == "spa" else {})}
    cfg = PPOConfig.from_dict({**base, "credit": credit, "credit_kwargs": kwargs})
    diff = {k for k, v in cfg.to_dict().items() if PPOConfig.from_dict(base).to_dict()[k] != v}
    assert diff == {"credit", "credit_kwargs"} and cfg.discount == "constant"


@pytest.mark.parametrize("setting", sorted(bench_spa.SETTINGS))
def test_spa_explores_the_env_its_rl_runs_train_in(setting):
    """The estimator is fitted on exploration episodes: they must come from the env the PPO and
    GRPO runs use (a WebShop exploration without the recipe's instruction_search once won 0 of
    256 episodes, so the estimator learned nothing)."""
    from trainers.config import parse_config

    explore = bench_spa.explore_env_kwargs(setting)
    ppo = PPOConfig.from_dict(bench_ppo_ads.setting_config(setting, "ppo", 0, _ads_args()))
    grpo, _, _ = parse_config([bench_credit.RECIPES[setting]])
    assert explore == ppo.env_kwargs == grpo.env_kwargs


@pytest.mark.parametrize("setting", sorted(bench_portool.SETTINGS))
@pytest.mark.parametrize("method", sorted(bench_portool.METHODS))
def test_portool_bench_methods_parse(setting, method):
    from trainers.config import parse_config

    recipe, overrides = bench_portool.SETTINGS[setting]
    a, g, _ = parse_config([recipe, *overrides, *bench_portool.METHODS[method],
                            "--max_generated_tokens_total", "100"])
    assert a.env_kwargs["level"] == int(setting[-1])
    assert a.rollout == ("tree" if method.startswith("portool") else "group")
    assert a.max_generated_tokens_total == 100 and g.num_generations == 8


def test_spa_table_keeps_published_rows_whose_runs_are_gone(tmp_path):
    import argparse
    import json

    out = tmp_path / "spa"
    row = {"setting": "alfworld1", "method": "ppo_spa", "seed": 1, "before": 0.5, "after": 0.25}
    out.with_suffix(".json").write_text(json.dumps({"rows": [row], "estimators": {}}))
    runs = tmp_path / "runs"
    done = runs / "alfworld1_ppo_spa_s0"
    done.mkdir(parents=True)
    (done / "bench_row.json").write_text(json.dumps({"eval_before": 0.5, "eval_after": 0.75}))
    args = argparse.Namespace(out=str(out), runs=str(runs), methods=["ppo_spa"], seeds=[0, 1, 2])
    rows = bench_spa.finished_rows("alfworld1", args)
    assert [(r["seed"], r["after"]) for r in rows] == [(0, 0.75), (1, 0.25)]  # seed 2: nowhere


def test_spa_baselines_from_part_files_keep_their_seeds(tmp_path):
    """A bench_credit.py run of ``--seed-list 2`` holds one ledger: it is seed 2, not seed 0."""
    import json

    def ledger(before: float, after: float) -> list[dict[str, float]]:
        return [{"success": before}, {"success": after}]

    credit = tmp_path / "credit_part.json"
    credit.write_text(json.dumps({"args": {"seed_list": [2]},
                                  "ledgers": {"webshop2": {"gigpo": [ledger(0.1, 0.3)]}}}))
    ppo = tmp_path / "ppo_part.json"
    ppo.write_text(json.dumps({"rows": [
        {"setting": "webshop2", "method": "ppo", "seed": 0, "eval_before": 0.1, "eval_after": 0.2},
        {"setting": "alfworld1", "method": "ppo", "seed": 0, "eval_before": 0.5,
         "eval_after": 0.8}]}))
    rows = bench_spa.baseline_rows("webshop2", [0, 1, 2], [str(credit), str(ppo)])
    assert sorted((r["method"], r["seed"], r["after"]) for r in rows) == [
        ("gigpo", 2, 0.3), ("ppo", 0, 0.2)]
    assert bench_spa.baseline_rows("webshop2", [0], [str(credit)]) == []
    with pytest.raises(FileNotFoundError, match="no baseline results"):
        bench_spa.baseline_rows("webshop2", [0], [str(tmp_path / "missing.json")])


bench_mcts_dpo = _load("bench_mcts_dpo")


@pytest.mark.parametrize("setting", sorted(bench_mcts_dpo.SETTINGS))
def test_mcts_dpo_grpo_baseline_acts_and_is_evaluated_as_the_loop(setting, tmp_path):
    """GRPO must start from the loop's model, in the loop's env, acting and evaluated as the
    loop's policy does (the start model's saved rollout under the recipe's ``rollout:``). A
    MathChain GRPO run from the trainer recipe's concat mode and greedy eval once scored the
    start model 2% where the loop's eval gave 47%."""
    import yaml

    from envs.registry import ENV_TABLE
    from trainers.bootstrap.presets import start_model_config
    from trainers.config import parse_config

    data = yaml.safe_load((ROOT / bench_mcts_dpo.SETTINGS[setting]["recipe"]).read_text())
    boot = start_model_config(data["model"], str(tmp_path))
    loop = {"context_mode": boot.context_mode, "window_steps": boot.window_steps,
            "action_mode": boot.action_mode, "action_score": boot.action_score,
            "max_new_tokens": boot.max_new_tokens, "temperature": boot.eval_temperature,
            **data.get("rollout", {})}
    a, _, m = parse_config(bench_mcts_dpo.grpo_argv(setting, 0, 1000, 100, tmp_path / "g"))
    acts = a.rollout_config(temperature=a.eval_temperature)
    fields = ["context_mode", "window_steps", "action_mode", "action_score", "temperature"]
    if acts.action_mode == "generate":  # scoring never generates, so its token cap is moot
        fields.append("max_new_tokens")
    assert {f: getattr(acts, f) for f in fields} == {f: loop[f] for f in fields}
    assert m.model_name_or_path == data["model"] and a.env_id == data["env_id"]
    drop = {"expert"}  # which expert the env carries changes nothing the policy sees
    assert ({k: v for k, v in a.env_kwargs.items() if k not in drop}
            == {k: v for k, v in data["env_kwargs"].items() if k not in drop})
    limit = next(e.max_episode_steps for e in ENV_TABLE if e.env_id == data["env_id"])
    assert a.max_env_steps == loop.get("max_steps", limit)
    assert a.eval_split == data["eval"]["split"] and a.eval_episodes == 100


def test_mcts_dpo_table_keeps_published_rows_whose_runs_are_gone(tmp_path):
    import argparse
    import json

    out = tmp_path / "mcts_dpo"
    old = [{"setting": "alfworld1", "method": m, "seed": 0, "success": s,
            "generated_tokens": t, "pairs": None}
           for m, s, t in [("start", 0.5, 0), ("mcts_dpo_it1", 0.6, 10), ("grpo", 0.55, 11)]]
    old.append({**old[0], "seed": 1})
    out.with_suffix(".json").write_text(json.dumps({"rows": old}))
    runs = tmp_path / "runs"
    loop = runs / "alfworld1_mcts_dpo_s1"  # seed 1's loop finished here, its GRPO did not
    loop.mkdir(parents=True)
    (loop / "results.json").write_text(json.dumps({"rows": [
        {"iteration": 0, "eval_success": 0.4, "generated_tokens": 0, "pairs": 0},
        {"iteration": 1, "eval_success": 0.7, "generated_tokens": 20, "pairs": 9}]}))
    half = runs / "alfworld1_grpo_s1"  # a GRPO run that died after its first eval
    half.mkdir()
    (half / "eval.jsonl").write_text(json.dumps({"success": 0.4}) + "\n")
    args = argparse.Namespace(out=str(out), runs=str(runs), table_only=True, smoke=False,
                              grpo_only=False, published=None)
    rows = bench_mcts_dpo.collect("alfworld1", [0, 1, 2], args)  # would start GRPO if it ran
    assert [(r["seed"], r["method"], r["success"]) for r in rows] == [
        (0, "start", 0.5), (0, "mcts_dpo_it1", 0.6), (0, "grpo", 0.55),  # published, run gone
        (1, "start", 0.4), (1, "mcts_dpo_it1", 0.7)]  # the run's rows; seed 2: nowhere


def test_mcts_dpo_grpo_only_takes_a_gone_loops_budget_from_the_published_table(
        tmp_path, monkeypatch):
    import argparse
    import json

    published = tmp_path / "published"
    old = [{"setting": "alfworld1", "method": m, "seed": 1, "success": s,
            "generated_tokens": t, "pairs": None}
           for m, s, t in [("start", 0.5, 0), ("mcts_dpo_it1", 0.6, 10),
                           ("mcts_dpo_it2", 0.65, 25)]]
    published.with_suffix(".json").write_text(json.dumps({"rows": old}))
    budgets = []

    def fake_grpo(name, seed, tokens, episodes, args):
        budgets.append((name, seed, tokens))
        return {"before": 0.5, "after": 0.55, "generated_tokens": tokens + 1}

    monkeypatch.setattr(bench_mcts_dpo, "run_grpo_seed", fake_grpo)
    args = argparse.Namespace(out=str(tmp_path / "new"), runs=str(tmp_path / "runs"),
                              table_only=False, smoke=False, grpo_only=True,
                              published=str(published))
    rows = bench_mcts_dpo.collect("alfworld1", [1, 2], args)  # seed 2: published nowhere
    assert budgets == [("alfworld1", 1, 25)]
    assert [(r["seed"], r["method"], r["generated_tokens"]) for r in rows] == [
        (1, "start", 0), (1, "mcts_dpo_it1", 10), (1, "mcts_dpo_it2", 25), (1, "grpo", 26)]
