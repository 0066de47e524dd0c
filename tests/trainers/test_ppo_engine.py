"""PPO wired to the real rollout engine: a tiny random Qwen2 with a locally trained tokenizer
plays the toy counting env; one update runs end to end, changes the policy, saves the final
model, and a recipe-style config with ADS + a gated curriculum builds."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest
import torch

from agents import LLMAgent
from agents.models import tiny_model, train_tokenizer
from trainers.ppo.build import build_trainer, run_ppo
from trainers.ppo.config import PPOConfig
from trainers.schedules.ads import ADSSchedule

ENV_ID = "t/PPOCount-v0"
CORPUS = ["Reach exactly 7. Total: 0. Write 'add N' with N in 1, 2 or 3.", "add 1", "add 2",
          "add 3", "Total: 3.", "Nothing happens."] * 20


@pytest.fixture(scope="module")
def agent_factory():
    gym.register(ENV_ID, entry_point="tests.helpers.toy_env:CountEnv", max_episode_steps=6)
    torch.set_num_threads(1)
    tokenizer = train_tokenizer(CORPUS, vocab_size=300)

    def make() -> LLMAgent:
        model = tiny_model(tokenizer, hidden_size=32, num_layers=1, num_heads=2, num_kv_heads=1,
                           intermediate_size=64, max_position_embeddings=1024, seed=0)
        return LLMAgent(model, tokenizer)

    yield make
    gym.registry.pop(ENV_ID)


def config(tmp_path, **kw) -> PPOConfig:
    base = dict(output_dir=str(tmp_path), env_id=ENV_ID, num_updates=1, num_tasks=2,
                group_size=2, max_new_tokens=6, max_steps=3, update_epochs=1, num_minibatches=2,
                learning_rate=1e-3, eval_seeds=[0, 1])
    base.update(kw)
    return PPOConfig(**base)


def test_engine_ppo_update_and_final_model(tmp_path, agent_factory):
    agent = agent_factory()
    before = {n: p.detach().clone() for n, p in agent.model.named_parameters()}
    trainer = run_ppo(config(tmp_path, advantage_level="turn"), agent)
    hist = trainer.history
    assert len(hist) == 1 and hist[0]["generated_tokens"] > 0
    assert all(torch.isfinite(torch.tensor(hist[0][k])) for k in ("policy_loss", "value_loss"))
    after = dict(agent.model.named_parameters())
    assert any(not torch.equal(before[n], after[n]) for n in before)
    assert (tmp_path / "final" / "config.json").exists()
    rollout = json.loads((tmp_path / "final" / "stepgym.json").read_text())["rollout"]
    assert rollout["max_new_tokens"] == 6 and rollout["max_steps"] == 3
    assert rollout["context_mode"] == "concat" and rollout["temperature"] == 1.0


def test_engine_build_with_ads_curriculum_and_lora(tmp_path, agent_factory):
    cfg = config(tmp_path, discount="ads", ads_demo_seeds=[0, 1, 2], curriculum="gated",
                 horizons=[3, 5], horizon_option="target_max", use_lora=True, lora_target_modules=["q_proj", "v_proj"],
                 advantage_level="bilevel", context_mode="window")
    trainer = build_trainer(cfg, agent_factory())
    assert isinstance(trainer.discount, ADSSchedule) and trainer.discount.k >= 1
    history = trainer.train()  # the toy env's "horizon" knob: target_max
    assert history[0]["option_target_max"] == 3
    assert "ads_k" in history[0] and "curriculum_horizon" in history[0]


def test_cli_train_ppo_from_recipe(tmp_path, agent_factory, capsys):
    from trainers.cli import main

    agent = agent_factory()
    agent.model.save_pretrained(tmp_path / "model")
    agent.tokenizer.save_pretrained(tmp_path / "model")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"trainer: ppo\nmodel: {tmp_path / 'model'}\nenv_id: {ENV_ID}\n"
                      "num_tasks: 2\nmax_new_tokens: 4\nmax_steps: 2\nupdate_epochs: 1\n")
    out = tmp_path / "out"
    code = main(["train-ppo", str(recipe), "--output-dir", str(out), "--num-updates", "1",
                 "--set", "kl_coef=0.0", "--set", "advantage_level=token"])
    assert code == 0 and "done: 1 updates" in capsys.readouterr().out
    assert (out / "config.yaml").exists() and (out / "checkpoint-1").exists()
    assert (out / "final" / "config.json").exists()


def test_sampled_eval_before_the_first_update(tmp_path, agent_factory):
    cfg = config(tmp_path, eval_every=1, eval_temperature=1.0, eval_group=3)
    trainer = run_ppo(cfg, agent_factory())
    start, first = trainer.history
    assert start["update"] == 0 and set(start) == {"update", "eval_pass_rate"}
    assert first["update"] == 1 and "eval_pass_rate" in first and "policy_loss" in first
    trajs = trainer.source.evaluate(None)
    assert len(trajs) == 2 * 3  # eval_seeds x eval_group
    assert len({tuple(s.action for s in t.steps) for t in trajs}) > 1  # sampled, not greedy
    with pytest.raises(ValueError, match="eval_temperature"):
        config(tmp_path, eval_temperature=-1.0)


def test_fresh_start_replaces_a_stale_metrics_log(tmp_path, agent_factory):
    # an earlier run that died before its first checkpoint left lines behind
    (tmp_path / "metrics.jsonl").write_text('{"update": 0, "eval_pass_rate": 0.5}\n{"update": 1}\n')
    run_ppo(config(tmp_path, eval_every=1), agent_factory())
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(ln)["update"] for ln in lines] == [0, 1]
    assert "policy_loss" in json.loads(lines[1])


@pytest.mark.parametrize("mode", ["concat", "window"])
def test_ppo_on_tree_rollouts(tmp_path, agent_factory, mode):
    """PORTool's tree rollouts feed PPO: group_size leaves per task, one update runs."""
    agent = agent_factory()
    cfg = config(tmp_path, rollout="tree", tree_branching=2, group_size=3, context_mode=mode,
                 advantage_level="turn")
    trainer = build_trainer(cfg, agent)
    trajs = trainer.source.train(0, None)
    assert len(trajs) == 6 and all("tree_path" in t.meta for t in trajs)
    assert trainer.step(trajs)["generated_tokens"] > 0
    with pytest.raises(ValueError, match="rollout"):
        config(tmp_path, rollout="forest")
