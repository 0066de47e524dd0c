"""Every PPO / h1 recipe parses into a valid PPOConfig and builds its schedules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trainers.cli.train_ppo import load_recipe
from trainers.ppo.build import make_horizon_curriculum
from trainers.ppo.config import PPOConfig

RECIPES = sorted(Path(__file__).resolve().parents[2].joinpath("recipes").glob("*.yaml"))
OURS = [p for p in RECIPES if p.name.startswith(("ppo_", "h1_"))]


def test_recipes_exist():
    names = {p.name for p in OURS}
    assert {"ppo_mathchain.yaml", "ppo_ads_mathchain.yaml", "h1_fixed.yaml",
            "h1_gated.yaml", "h1_uniform.yaml", "h1_only_longest.yaml", "h1_only_h1.yaml"} <= names


@pytest.mark.parametrize("path", OURS, ids=lambda p: p.name)
def test_recipe_is_a_valid_config(path):
    cfg = PPOConfig.from_dict(load_recipe(str(path), ["num_updates=3"]))
    assert cfg.num_updates == 3
    if path.name.startswith("h1_"):
        cur = make_horizon_curriculum(cfg)
        assert cur is not None and cur.options(0, np.random.default_rng(0))


def test_h1_recipes_spend_equal_compute():
    h1 = [PPOConfig.from_dict(load_recipe(str(p))) for p in OURS if p.name.startswith("h1_")]
    assert len({(c.num_updates, c.num_tasks, c.group_size) for c in h1}) == 1


def test_unknown_key_fails(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("trainer: ppo\nlearning_rat: 0.1\n")
    with pytest.raises(ValueError, match="learning_rat"):
        PPOConfig.from_dict(load_recipe(str(bad)))
