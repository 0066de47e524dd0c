"""Rollout engine on the toy counting env: groups, records, limits, forks, output."""

from __future__ import annotations

import json
import math

import gymnasium as gym
import pytest

from agents import LLMAgent
from tests.agents.tiny import ScriptedLM, tiny_pair
from tests.conftest import TOY_ID
from trainers.rollout import (
    RolloutConfig,
    RolloutEngine,
    append_jsonl,
    read_jsonl,
    save_config,
    to_dataset,
)


def _targets(seeds):
    env = gym.make(TOY_ID)
    out = []
    for seed in seeds:
        _, info = env.reset(seed=seed)
        out.append(int(info["goal"].split()[2].rstrip(".")))
    return out


def _scripted_agent(text: str, stop: bool = True) -> LLMAgent:
    model, tok = tiny_pair("chatml")
    script = tok(text, add_special_tokens=False)["input_ids"] + ([tok.convert_tokens_to_ids("<|im_end|>")] if stop else [])
    return LLMAgent(ScriptedLM(model.config, script, len(tok)), tok, prompt_format="plain")


def test_scripted_actions_rewards_and_stop_reasons():
    seeds = [0, 1, 2, 3, 4, 5]
    engine = RolloutEngine(_scripted_agent("add 3"), TOY_ID, config=RolloutConfig(max_new_tokens=8))
    trajs = engine.run(seeds)
    for traj, target in zip(trajs, _targets(seeds), strict=True):
        # "add 3" every turn: won iff the target is a multiple of 3, after ceil(target / 3) steps
        assert traj.num_steps == math.ceil(target / 3)
        assert traj.won == (target % 3 == 0)
        assert traj.total_reward == (1.0 if target % 3 == 0 else 0.0)
        assert traj.stop_reason == "terminated"
        assert all(s.action == "add 3" and s.generated_text == "add 3" for s in traj.steps)
        assert not any(s.generation_truncated for s in traj.steps)
        assert traj.steps[0].info["progress"] == pytest.approx(min(1.0, 3 / target))


def test_generation_limit_is_flagged_and_env_limit_truncates():
    engine = RolloutEngine(_scripted_agent("hello hello", stop=False), TOY_ID,
                           config=RolloutConfig(max_new_tokens=3))
    (traj,) = engine.run([0])
    assert all(s.generation_truncated for s in traj.steps)
    assert traj.num_steps == 20 and traj.stop_reason == "truncated"  # the toy's registered limit
    assert not any(s.action_valid for s in traj.steps)
    sample = traj.samples[0]
    # without a sampled end-of-turn token the template's closing goes in as env tokens (mask 0)
    assert sum(sample.loss_mask) == 3 * 20


def test_max_steps_and_context_overflow():
    engine = RolloutEngine(_scripted_agent("add 1"), TOY_ID, config=RolloutConfig(max_steps=1))
    (traj,) = engine.run([3])
    assert traj.num_steps == 1 and traj.stop_reason == "max_steps"
    engine = RolloutEngine(_scripted_agent("add 1"), TOY_ID,
                           config=RolloutConfig(max_context_tokens=200, max_new_tokens=8))
    (traj,) = engine.run([3])
    assert traj.stop_reason == "context_overflow" and 0 < traj.num_steps < 9
    assert len(traj.samples[0].prompt_ids) + len(traj.samples[0].completion_ids) + 8 > 200


def test_groups_are_group_major_and_sample_differently():
    model, tok = tiny_pair("chatml")
    engine = RolloutEngine(LLMAgent(model, tok), TOY_ID, config=RolloutConfig(max_new_tokens=6, max_steps=2))
    trajs = engine.run([7, 8], group_size=3, generation_seed=1)
    assert [t.seed for t in trajs] == [7, 7, 7, 8, 8, 8]
    assert len({t.group_id for t in trajs[:3]}) == 1 and trajs[0].group_id != trajs[3].group_id
    assert len({t.task_id for t in trajs[:3]}) == 1
    assert len({tuple(t.samples[0].completion_ids) for t in trajs[:3]}) == 3
    again = engine.run([7, 8], group_size=3, generation_seed=1)
    assert [t.to_json() for t in again] == [t.to_json() for t in trajs]
    other = engine.run([7, 8], group_size=3, generation_seed=2)
    assert [t.samples[0].completion_ids for t in other] != [t.samples[0].completion_ids for t in trajs]
    assert engine.stats.turns == 2  # one batched sampling call per turn, not one per env


def test_concat_record_layout():
    engine = RolloutEngine(_scripted_agent("add 1"), TOY_ID)
    (traj,) = engine.run([0])
    _model, tok = tiny_pair("chatml")
    sample = traj.samples[0]
    assert tok.decode(sample.prompt_ids).endswith("Admissible actions: add 1, add 2, add 3"
                                                  "<|im_end|>\n<|im_start|>assistant\n")
    text = tok.decode(sample.completion_ids)
    assert text.startswith("add 1<|im_end|>\n<|im_start|>user\nTotal: 1.\nAdmissible")
    assert text.endswith("add 1<|im_end|>")
    per_turn = len(tok("add 1", add_special_tokens=False)["input_ids"]) + 1  # + the stop token
    assert [i for i, m in zip(sample.step_ids, sample.loss_mask, strict=True) if m] == \
        [s for s in range(traj.num_steps) for _ in range(per_turn)]
    assert traj.meta["turn_offsets"][0] == 0
    assert traj.steps[0].state_key.endswith("#actions:add 1|add 2|add 3")


def test_window_mode_prompts_show_last_k_steps():
    engine = RolloutEngine(_scripted_agent("add 1"), TOY_ID,
                           config=RolloutConfig(context_mode="window", window_steps=2))
    seed = next(s for s, t in zip(range(50), _targets(range(50))) if t >= 5)
    (traj,) = engine.run([seed])
    _, tok = tiny_pair("chatml")
    assert len(traj.samples) == traj.num_steps >= 4
    prompt = tok.decode(traj.samples[3].prompt_ids)
    # steps 1 and 2 (acted on totals 1 and 2) are shown; step 0 (the task text) is not
    assert "Your last 2 step(s):" in prompt and "Observation: Reach" not in prompt
    assert "Observation: Total: 1.\nAction: add 1\nObservation: Total: 2.\nAction: add 1" in prompt and "Current observation: Total: 3." in prompt
    n = len(tok("add 1", add_special_tokens=False)["input_ids"]) + 1
    assert all(s.step_ids == [k] * n and s.loss_mask == [1] * n for k, s in enumerate(traj.samples))


@pytest.mark.parametrize("mode", ["concat", "window"])
def test_fork_from_state_and_from_replay(mode):
    model, tok = tiny_pair("chatml")
    cfg = RolloutConfig(context_mode=mode, max_new_tokens=5, keep_states=True, max_steps=6)
    engine = RolloutEngine(LLMAgent(model, tok), TOY_ID, config=cfg)
    (parent,) = engine.run([2], generation_seed=4)
    kids = engine.fork(parent, 3, engine.state_at(parent, 3), n=2, generation_seed=9)
    replayed = engine.fork(parent, 3, None, n=2, generation_seed=9)
    assert [k.to_json() for k in kids] == [k.to_json() for k in replayed]
    for kid in kids:
        assert kid.parent == parent.traj_id and kid.fork_step == 3
        assert [s.action for s in kid.steps[:3]] == [s.action for s in parent.steps[:3]]
        assert kid.steps[3].observation == parent.steps[3].observation
        if mode == "concat":
            cut = parent.meta["turn_offsets"][3]
            assert kid.samples[0].prompt_ids == parent.samples[0].prompt_ids + parent.samples[0].completion_ids[:cut]
            assert min(i for i in kid.samples[0].step_ids if i >= 0) == 3
        else:
            assert [s.step_ids[0] for s in kid.samples] == list(range(3, kid.num_steps))
    assert kids[0].group_id == kids[1].group_id
    assert kids[0].samples[-1].completion_ids != kids[1].samples[-1].completion_ids


def test_jsonl_append_roundtrip_and_dataset(tmp_path):
    engine = RolloutEngine(_scripted_agent("add 2"), TOY_ID)
    path = tmp_path / "out" / "trajs.jsonl"
    trajs = engine.run([0, 1, 2], jsonl_path=path)
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(line)["env_id"] == TOY_ID for line in lines)
    with open(path, "a") as fh:  # a crash mid-write leaves an unterminated line: it is skipped
        fh.write('{"traj_id": "half')
    back = read_jsonl(path)
    assert sorted(t.to_json() for t in back) == sorted(t.to_json() for t in trajs)
    append_jsonl(tmp_path / "x.jsonl", trajs[0])
    ds = to_dataset(trajs)
    assert len(ds) == 3 and ds[0]["completion_ids"] == trajs[0].samples[0].completion_ids
    assert set(ds["stop_reason"]) == {"terminated"}
    save_config(tmp_path / "config.json", engine.config, env_id=TOY_ID)
    assert json.loads((tmp_path / "config.json").read_text())["context_mode"] == "concat"
