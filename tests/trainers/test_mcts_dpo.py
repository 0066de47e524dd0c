"""MCTS-DPO (arXiv 2405.00451): selection, expansion and backup against hand-computed numbers,
the search on a real env (forks exact, deterministic), pair mining, the label smoothing, DPO fed
exactly the searched ids, and the loop end to end from a recipe."""

from __future__ import annotations

import json
import math
from pathlib import Path

import gymnasium as gym
import pytest
import torch

from agents import LLMAgent
from tests.agents.tiny import tiny_pair
from tests.conftest import TOY_ID
from trainers.mcts.pairs import (
    Pair,
    common_prefix,
    conservative_label_smoothing,
    mine_pairs,
    pairs_dataset,
    sibling_pair,
)
from trainers.mcts.search import (
    MCTSConfig,
    MCTSSearch,
    Node,
    Tree,
    backup,
    best_child,
    length_normalised_prior,
    node_value,
    outcome_value,
    puct_score,
    select_child,
)
from trainers.rollout import RolloutConfig, RolloutEngine


def _child(parent: Node, name: str, q: float, n: int, prior: float = 1.0, **kw) -> Node:
    node = Node(node_id=name, depth=parent.depth + 1, parent=parent, Q=q, N=n, V=q, value0=q,
                prior=prior, **kw)
    parent.children.append(node)
    return node


# ----------------------------------------------------------------------------- formulas
def test_prior_puct_and_outcome_match_the_paper_by_hand() -> None:
    # exp((-0.5 - 1.5) / 2^1.25) = exp(-2 / 2.3784)
    assert length_normalised_prior([-0.5, -1.5]) == pytest.approx(math.exp(-2 / 2 ** 1.25))
    assert length_normalised_prior([-0.5, -1.5], power=1.0) == pytest.approx(math.exp(-1.0))
    # Q + w p sqrt(N_parent) / (1 + N)
    assert puct_score(0.5, 0.4, 9, 2, 1.0) == pytest.approx(0.5 + 0.4 * 3 / 3)
    assert puct_score(0.5, 0.4, 9, 2, 2.0) == pytest.approx(0.5 + 2 * 0.4 * 3 / 3)
    assert outcome_value(True, 0.0) == 1.0 and outcome_value(False, 0.0) == -1.0
    assert outcome_value(False, 0.25) == pytest.approx(-0.5)


def test_selection_and_backup_on_a_hand_built_tree() -> None:
    root = Node("r", 0, N=2)
    a = _child(root, "a", q=0.5, n=1, prior=0.4)
    b = _child(root, "b", q=0.2, n=1, prior=0.9)
    # a: 0.5 + 0.4 * sqrt(2) / 2 = 0.7828; b: 0.2 + 0.9 * sqrt(2) / 2 = 0.8364
    assert select_child(root, 1.0) is b
    # with w = 0.1 exploitation wins: a 0.5283 > b 0.2636
    assert select_child(root, 0.1) is a
    # expand b: two evaluated children (N = 1 each), values 1.0 and 0.0, then back up r -> b
    g1 = _child(b, "b1", q=1.0, n=1)
    _child(b, "b2", q=0.0, n=1)
    backup([root, b], gamma=0.9)
    assert b.N == 2 and b.V == pytest.approx(0.5) and b.Q == pytest.approx(0.45)
    # root: visit-weighted mean of a (N 1, Q 0.5) and b (N 2, Q 0.45) = 1.4 / 3
    assert root.N == 3 and root.V == pytest.approx(1.4 / 3)
    assert root.Q == pytest.approx(0.9 * 1.4 / 3)
    # a step reward enters Q = r + gamma V
    g1.children.clear()
    b.reward = 0.2
    backup([root, b], gamma=1.0)
    assert b.N == 3 and b.Q == pytest.approx(0.2 + 0.5)
    assert node_value(Node("leaf", 3, value0=0.7)) == 0.7  # no children: V0
    assert best_child(root) is b  # most visits


def test_label_smoothing_and_pairs_by_hand() -> None:
    assert conservative_label_smoothing(3, 1) == pytest.approx(0.25)
    assert conservative_label_smoothing(1, 3) == pytest.approx(0.5)  # 0.75 capped
    assert conservative_label_smoothing(2, 1) == pytest.approx(1 - 1 / 1.5)
    assert conservative_label_smoothing(0, 0) == 0.0
    root = Node("r", 0, on_path=True)
    hi = _child(root, "r.0", q=0.8, n=3, prompt_ids=[1, 2], token_ids=[7, 8, 9, 0],
                action="go", on_path=True)
    _child(root, "r.1", q=0.1, n=2, prompt_ids=[1, 2], token_ids=[7, 5, 0], action="take")
    _child(root, "r.2", q=0.4, n=1, prompt_ids=[1, 2], token_ids=[6, 0], action="look")
    flat = _child(hi, "r.0.0", q=0.3, n=1, prompt_ids=[4], token_ids=[3, 0], on_path=True)
    _child(hi, "r.0.1", q=0.3, n=1, prompt_ids=[4], token_ids=[2, 0])
    tree = Tree(root=root, task_seed=5, current=flat, nodes=[])
    pairs = mine_pairs(tree)
    assert len(pairs) == 1  # depth 1's siblings tie in Q: no pair
    p = pairs[0]
    # the shared first token moves into the prompt: DPO sees the tokens from the divergence on
    assert p.prompt_ids == [1, 2, 7] and p.chosen_ids == [8, 9, 0] and p.rejected_ids == [5, 0]
    assert p.label_smoothing == pytest.approx(1 - 1 / (1 + 2 / 3))
    assert (p.chosen_action, p.rejected_action, p.depth, p.task_seed) == ("go", "take", 0, 5)
    assert common_prefix([1, 2], [1, 2, 3]) == 2
    # one completion a prefix of the other: each keeps a token
    r2 = Node("q", 0)
    _child(r2, "q.0", q=1.0, n=1, prompt_ids=[1], token_ids=[4, 5])
    _child(r2, "q.1", q=0.0, n=1, prompt_ids=[1], token_ids=[4])
    short = sibling_pair(r2, 0)
    assert short is not None and short.prompt_ids == [1] and short.rejected_ids == [4]
    assert mine_pairs(tree, max_pairs=0) == []


# ----------------------------------------------------------------------------- the search
def _engine(mode: str, action_mode: str, seed: int = 0) -> RolloutEngine:
    model, tok = tiny_pair("chatml", seed=seed)
    cfg = RolloutConfig(context_mode=mode, max_new_tokens=5, max_steps=6, action_mode=action_mode)
    return RolloutEngine(LLMAgent(model, tok), TOY_ID, config=cfg)


@pytest.mark.parametrize("mode,action_mode", [("window", "score"), ("concat", "generate")])
def test_search_forks_exactly_and_is_deterministic(mode: str, action_mode: str) -> None:
    cfg = MCTSConfig(simulations_per_step=3)
    trees = MCTSSearch(_engine(mode, action_mode), cfg).run([0, 1, 2], generation_seed=4)
    again = MCTSSearch(_engine(mode, action_mode), cfg).run([0, 1, 2], generation_seed=4)
    assert [t.to_dict() for t in trees] == [t.to_dict() for t in again]
    env = gym.make(TOY_ID)
    for tree in trees:
        assert tree.root.N >= cfg.simulations_per_step
        committed = tree.path()
        assert committed[-1].terminal and all(n.on_path for n in committed)
        for node in tree.nodes[1:]:
            # the node's state is its path's actions replayed from reset
            steps = []
            cur: Node | None = node
            while cur is not None and cur.parent is not None:
                steps.append(cur.action)
                cur = cur.parent
            env.reset(seed=tree.task_seed)
            for action in reversed(steps):
                *_, info = env.step(action)
            assert node.progress == pytest.approx(info["progress"])
            assert node.won == bool(info.get("won"))
            assert node.prior == pytest.approx(length_normalised_prior(node.logprobs))
            siblings = node.parent.children
            assert len(siblings) <= 2 and len({s.action for s in siblings}) == len(siblings)
            assert all(s.prompt_ids == node.prompt_ids for s in siblings)
            # visits: each node's N is 1 (its evaluation) + the simulations through it
            if node.children:
                assert node.V == pytest.approx(sum(c.N * c.Q for c in node.children)
                                               / sum(c.N for c in node.children))
            if not node.terminal:
                assert node.Q == pytest.approx(node.reward + node.V)


def test_self_evaluation_and_both_values() -> None:
    from trainers.mcts.values import QUESTION, PolicySelfEvaluator

    eng = _engine("window", "score")
    evaluator = PolicySelfEvaluator(eng)
    search = MCTSSearch(eng, MCTSConfig(simulations_per_step=2, value="both"), evaluator)
    trees = search.run([0, 1], generation_seed=1)
    inner = [n for t in trees for n in t.nodes[1:] if not n.terminal]
    assert inner and evaluator.tokens_read > 0
    for n in inner:
        assert 0.0 < n.self_eval < 1.0
        own = n.self_eval / max(n.depth - 3, 1)
        assert n.value0 == pytest.approx(0.5 * (own + n.progress))
    node = inner[0]
    ids = evaluator.prompt_ids(node)
    assert ids[: len(node.prompt_ids) + len(node.token_ids)] == node.prompt_ids + node.token_ids
    assert QUESTION in eng.agent.tokenizer.decode(ids)
    with pytest.raises(ValueError, match="needs a self_evaluator"):
        MCTSSearch(eng, MCTSConfig(value="self_eval"))
    with pytest.raises(ValueError, match="value must be one of"):
        MCTSConfig(value="oracle")


# ----------------------------------------------------------------------------- DPO
def _tiny_model_dir(path: Path) -> str:
    from agents.models import tiny_model
    from tests.trainers.test_step import _tokenizer

    tok = _tokenizer("chatml")
    tiny_model(tok, hidden_size=16, num_layers=1, num_heads=2, num_kv_heads=1,
               intermediate_size=32).save_pretrained(path)
    tok.save_pretrained(path)
    rollout = {"context_mode": "window", "window_steps": 1, "max_new_tokens": 5,
               "max_context_tokens": 2048, "temperature": 1.0, "action_mode": "score"}
    (path / "stepgym.json").write_text(json.dumps({"rollout": rollout}))
    return str(path)


def test_conservative_loss_by_hand() -> None:
    from trainers.mcts.dpo import conservative_dpo_loss

    d, eps = torch.tensor([2.0, -1.0]), torch.tensor([0.25, 0.0])
    want = [-(0.75 * math.log(1 / (1 + math.exp(-0.2)))) - 0.25 * math.log(1 / (1 + math.exp(0.2))),
            -math.log(1 / (1 + math.exp(0.1)))]
    assert conservative_dpo_loss(d, 0.1, eps).tolist() == pytest.approx(want)


def test_dpo_trains_on_exactly_the_searched_ids(tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig
    from trl.trainer.dpo_trainer import DataCollatorForPreference

    from agents import load_agent
    from trainers.mcts.dpo import DPORunConfig, SmoothingCollator, StepDPOTrainer, run_dpo

    model = _tiny_model_dir(tmp_path / "model")
    eng = RolloutEngine(load_agent(model), TOY_ID,
                        config=RolloutConfig(context_mode="window", window_steps=1, max_steps=6,
                                             max_new_tokens=5, action_mode="score"))
    trees = MCTSSearch(eng, MCTSConfig(simulations_per_step=3)).run(list(range(6)))
    pairs = [p for t in trees for p in mine_pairs(t)]
    assert pairs
    pairs_dataset(pairs).save_to_disk(str(tmp_path / "pairs"))
    import datasets

    ds = datasets.load_from_disk(str(tmp_path / "pairs"))
    tok = AutoTokenizer.from_pretrained(model)
    trainer = StepDPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(model), train_dataset=ds, processing_class=tok,
        args=DPOConfig(output_dir=str(tmp_path / "t"), precompute_ref_log_probs=True,
                       report_to="none", use_cpu=True, max_length=None, per_device_train_batch_size=2),
        data_collator=SmoothingCollator(DataCollatorForPreference(pad_token_id=tok.pad_token_id)))
    for row, pair in zip(trainer.train_dataset, pairs, strict=True):
        assert (row["prompt_ids"], row["chosen_ids"], row["rejected_ids"]) == (
            pair.prompt_ids, pair.chosen_ids, pair.rejected_ids)
        assert row["label_smoothing"] == pytest.approx(pair.label_smoothing)
    batch = next(iter(trainer.get_train_dataloader()))
    first = pairs[0]
    n = len(first.prompt_ids) + len(first.chosen_ids)
    assert batch["input_ids"][0, :n].tolist() == first.prompt_ids + first.chosen_ids
    assert batch["completion_mask"][0, :n].tolist() == [0] * len(first.prompt_ids) + [1] * len(first.chosen_ids)
    assert batch["label_smoothing"][0].item() == pytest.approx(first.label_smoothing)
    final = run_dpo(DPORunConfig(model=model, pairs=str(tmp_path / "pairs"),
                                 output=str(tmp_path / "dpo"), epochs=1, batch_size=4,
                                 learning_rate=1e-2), progress=False)
    log = json.loads((tmp_path / "dpo" / "dpo_log.json").read_text())
    assert math.isfinite(log[-1]["train_loss"]) and (final / "stepgym.json").is_file()
    before = AutoModelForCausalLM.from_pretrained(model).state_dict()
    after = AutoModelForCausalLM.from_pretrained(final).state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)
    bad = datasets.Dataset.from_list([{"prompt": "x", "chosen": "y", "rejected": "z"}])
    with pytest.raises(ValueError, match="pre-tokenised pairs"):
        StepDPOTrainer(model=AutoModelForCausalLM.from_pretrained(model), train_dataset=bad,
                       processing_class=tok, args=DPOConfig(output_dir=str(tmp_path / "u"),
                                                            report_to="none", use_cpu=True))


# ----------------------------------------------------------------------------- the loop
def test_loop_runs_from_a_recipe_resumes_and_draws(tmp_path: Path, capsys) -> None:
    from trainers.cli import main
    from trainers.mcts.draw import main as draw_main

    model = _tiny_model_dir(tmp_path / "model")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(json.dumps({
        "output_dir": str(tmp_path / "run"), "model": model, "env_id": TOY_ID,
        "iterations": 2, "tasks_per_iteration": 3, "rollout": {"max_steps": 5},
        "search": {"simulations_per_step": 2}, "dpo": {"epochs": 1, "batch_size": 4},
        "eval": {"episodes": 3}}))
    assert main(["mcts-dpo", str(recipe)]) == 0
    assert "held-out success" in capsys.readouterr().out
    run = tmp_path / "run"
    for part in ("iter_0/eval/summary.json", "iter_1/search/trees.jsonl", "iter_1/dpo/final",
                 "iter_2/eval/summary.json", "results.json", "results.png",
                 "mcts_dpo_recipe.yaml"):
        assert (run / part).exists(), part
    rows = json.loads((run / "results.json").read_text())["rows"]
    assert [r["iteration"] for r in rows] == [0, 1, 2]
    assert rows[2]["generated_tokens"] > rows[1]["generated_tokens"] > 0
    s1 = json.loads((run / "iter_1/search/summary.json").read_text())
    assert s1["policy"] == model and s1["tasks"] == 3
    s2 = json.loads((run / "iter_2/search/summary.json").read_text())
    assert s2["policy"] == str(run / "iter_1/dpo/final")  # the refreshed policy searches
    # resume: a finished run redoes nothing (the search summary is not rewritten)
    stamp = (run / "iter_1/search/summary.json").stat().st_mtime_ns
    assert main(["mcts-dpo", str(recipe), "--set", "eval.episodes=3"]) == 0
    assert (run / "iter_1/search/summary.json").stat().st_mtime_ns == stamp
    assert draw_main([str(run / "iter_1/search/trees.jsonl"), "--tree", "1",
                      "--output", str(tmp_path / "tree.png")]) == 0
    assert (tmp_path / "tree.png").stat().st_size > 1000
    assert main(["mcts-dpo", str(recipe), "--set", "search.value=oracle"]) == 2
    assert "value must be one of" in capsys.readouterr().err


RECIPES = sorted(Path(__file__).resolve().parents[2].joinpath("recipes").glob("mcts_dpo_*.yaml"))


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_recipes_parse(path: Path) -> None:
    import yaml

    from trainers.mcts.dpo import DPORunConfig
    from trainers.mcts.loop import MCTSDPORecipe

    recipe = MCTSDPORecipe.from_dict(yaml.safe_load(path.read_text()))
    assert recipe.env_id in gym.registry
    DPORunConfig(model=recipe.model, pairs="p", output="o", **recipe.dpo)
    with pytest.raises(ValueError, match="unknown MCTS-DPO recipe keys"):
        MCTSDPORecipe.from_dict({**yaml.safe_load(path.read_text()), "lr": 1})


def test_pair_dataset_refuses_nothing() -> None:
    with pytest.raises(ValueError, match="no preference pairs"):
        pairs_dataset([])
    assert Pair.__dataclass_fields__.keys() >= {"prompt_ids", "chosen_ids", "rejected_ids"}


def test_nll_weight_adds_the_chosen_sides_per_token_nll(tmp_path: Path) -> None:
    """RPO (arXiv 2404.19733, Eq. 1): loss = cDPO + alpha * -log pi(y_w|x) / |y_w|, the NLL
    recomputed here from the model's logits over the chosen completion's tokens."""
    import datasets
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig
    from trl.trainer.dpo_trainer import DataCollatorForPreference

    from trainers.mcts.dpo import SmoothingCollator, StepDPOTrainer

    model_dir = _tiny_model_dir(tmp_path / "model")
    tok = AutoTokenizer.from_pretrained(model_dir)
    ds = datasets.Dataset.from_list([
        {"prompt_ids": [5, 6, 7], "chosen_ids": [8, 9, 10], "rejected_ids": [11, 12],
         "label_smoothing": 0.25},
        {"prompt_ids": [13, 14], "chosen_ids": [15], "rejected_ids": [16, 17, 18, 19],
         "label_smoothing": 0.0}])
    losses = {}
    for alpha in (0.0, 0.5):
        torch.manual_seed(0)
        model = AutoModelForCausalLM.from_pretrained(model_dir)
        trainer = StepDPOTrainer(
            model=model, train_dataset=ds, processing_class=tok, nll_weight=alpha,
            args=DPOConfig(output_dir=str(tmp_path / f"t{alpha}"), precompute_ref_log_probs=True,
                           report_to="none", use_cpu=True, max_length=None,
                           per_device_train_batch_size=2),
            data_collator=SmoothingCollator(DataCollatorForPreference(pad_token_id=tok.pad_token_id)))
        batch = next(iter(trainer.get_train_dataloader()))
        model.eval()
        with torch.no_grad():
            losses[alpha] = float(trainer.compute_loss(model, batch))
    with torch.no_grad():
        nll = []
        for row in ds:
            ids = torch.tensor([row["prompt_ids"] + row["chosen_ids"]])
            logp = torch.log_softmax(model(input_ids=ids).logits[0, :-1], dim=-1)
            n = len(row["chosen_ids"])
            targets = ids[0, -n:]
            nll.append(-float(logp[-n:].gather(1, targets[:, None]).sum()) / n)
    assert losses[0.5] == pytest.approx(losses[0.0] + 0.5 * sum(nll) / len(nll), rel=1e-4)
    with pytest.raises(ValueError, match="nll_weight"):
        StepDPOTrainer(model=model, train_dataset=ds, processing_class=tok, nll_weight=-1.0,
                       args=DPOConfig(output_dir=str(tmp_path / "u"), report_to="none",
                                      use_cpu=True))
