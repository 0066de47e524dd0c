"""The MCTS-DPO loop as one resumable recipe: search -> pairs -> DPO -> evaluate -> refresh.

``stepgym mcts-dpo RECIPE.yaml`` (``recipes/mcts_dpo_*.yaml``)::

    output_dir: runs/mcts_dpo_alfworld1
    model: stepgym-alfworld-l1            # the start policy (name or path)
    env_id: stepgym/ALFWorld-v0
    env_kwargs: {level: 1}
    iterations: 3
    tasks_per_iteration: 32               # training tasks searched per iteration
    seed: 0
    rollout: {temperature: 1.0, max_steps: 30}   # over the model's saved rollout settings
    search: {simulations_per_step: 4, children: 2, value: env}   # MCTSConfig fields
    max_pairs: 8                          # per tree
    dpo: {beta: 0.1, learning_rate: 5.0e-5, epochs: 2, batch_size: 8}   # DPORunConfig fields
    eval: {episodes: 140, split: eval}

Iteration ``i`` writes ``iter_<i>/``: ``search/`` (``trees.jsonl``: every node of every tree,
``pairs/``: the pairs dataset, ``summary.json``), ``dpo/final`` (the refreshed policy, which
searches iteration ``i + 1``) and ``eval/summary.json``; ``iter_0/eval`` is the start policy.
Each stage is skipped when its output is complete, so a killed run resumes where it stopped.
``results.json``, ``results.md`` and ``results.png`` table every iteration's held-out success
against the generated tokens spent so far. Training tasks differ per iteration and seed;
evaluation is the env's frozen eval split, the same episodes every time.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from trainers.mcts.search import MCTSConfig


@dataclass
class MCTSDPORecipe:
    output_dir: str = "runs/mcts_dpo"
    model: str = "stepgym-tiny"
    env_id: str = ""
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    iterations: int = 3
    tasks_per_iteration: int = 32
    seed: int = 0
    rollout: dict[str, Any] = field(default_factory=dict)
    search: dict[str, Any] = field(default_factory=dict)
    max_pairs: int = 8
    dpo: dict[str, Any] = field(default_factory=dict)
    eval: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MCTSDPORecipe:
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown MCTS-DPO recipe keys: {unknown}")
        recipe = cls(**data)
        if not recipe.env_id:
            raise ValueError("the MCTS-DPO recipe needs env_id")
        if recipe.iterations < 1 or recipe.tasks_per_iteration < 1:
            raise ValueError("iterations and tasks_per_iteration must be >= 1")
        MCTSConfig(**recipe.search)  # fail now on a bad search section, not after a stage
        bad = sorted(set(recipe.dpo) & {"model", "pairs", "output"})
        if bad:
            raise ValueError(f"the dpo section sets {bad}: the loop fills those in")
        return recipe

    @property
    def out(self) -> Path:
        return Path(self.output_dir)

    def iteration_dir(self, i: int) -> Path:
        return self.out / f"iter_{i}"

    def task_seeds(self, i: int) -> list[int]:
        """Iteration ``i``'s training tasks: fresh ones every iteration, per recipe seed."""
        base = 1_000_000 * self.seed + (i - 1) * self.tasks_per_iteration
        return list(range(base, base + self.tasks_per_iteration))


def policy_for(recipe: MCTSDPORecipe, i: int) -> str:
    """The policy that searches iteration ``i`` (and was evaluated as iteration ``i - 1``)."""
    if i <= 1:
        return recipe.model
    return str(recipe.iteration_dir(i - 1) / "dpo" / "final")


def rollout_config(recipe: MCTSDPORecipe, model: str) -> Any:
    from agents.models import resolve_model
    from trainers.evaluation import model_rollout_config
    from trainers.rollout import saved_rollout_config

    trained = model_rollout_config(resolve_model(model)).get("rollout", {})
    return saved_rollout_config(trained, dict(recipe.rollout), model=model)


def search_stage(recipe: MCTSDPORecipe, i: int, progress: bool = True) -> dict[str, Any]:
    """Search iteration ``i``'s training tasks with its policy; write trees and pairs."""
    from agents import load_agent
    from trainers.mcts.pairs import mine_pairs, pairs_dataset
    from trainers.mcts.search import MCTSSearch
    from trainers.mcts.values import PolicySelfEvaluator
    from trainers.rollout import RolloutEngine

    out = recipe.iteration_dir(i) / "search"
    if (out / "summary.json").is_file():
        return json.loads((out / "summary.json").read_text())
    out.mkdir(parents=True, exist_ok=True)
    model = policy_for(recipe, i)
    config = rollout_config(recipe, model)
    engine = RolloutEngine(load_agent(model), recipe.env_id, recipe.env_kwargs, config)
    cfg = MCTSConfig(**recipe.search)
    evaluator = PolicySelfEvaluator(engine) if cfg.value != "env" else None
    search = MCTSSearch(engine, cfg, evaluator)
    trees = search.run(recipe.task_seeds(i), options={"split": "train"},
                       generation_seed=1000 * recipe.seed + i, progress=progress)
    with open(out / "trees.jsonl", "w", encoding="utf-8") as fh:
        for tree in trees:
            fh.write(json.dumps(tree.to_dict()) + "\n")
    pairs = [p for tree in trees for p in mine_pairs(tree, recipe.max_pairs)]
    if pairs:
        pairs_dataset(pairs).save_to_disk(str(out / "pairs"))
    summary = {"iteration": i, "policy": model, "tasks": len(trees), "pairs": len(pairs),
               "search_success": sum(t.current.won for t in trees) / len(trees),
               "mean_label_smoothing": (sum(p.label_smoothing for p in pairs) / len(pairs)
                                        if pairs else None),
               **asdict(search.stats),
               "self_eval_tokens": 0 if evaluator is None else evaluator.tokens_read,
               "search_config": asdict(cfg), "rollout": asdict(config)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


def dpo_stage(recipe: MCTSDPORecipe, i: int, progress: bool = True) -> str:
    """DPO of iteration ``i``'s policy on its pairs; the refreshed policy's path. Without pairs
    the policy is carried over unchanged (said in ``dpo/skipped.json``)."""
    from trainers.mcts.dpo import DPORunConfig, run_dpo

    out = recipe.iteration_dir(i) / "dpo"
    final = out / "final"
    if (final / "config.json").is_file():
        return str(final)
    pairs = recipe.iteration_dir(i) / "search" / "pairs"
    model = policy_for(recipe, i)
    if not pairs.is_dir():
        import shutil

        from agents.models import resolve_model

        out.mkdir(parents=True, exist_ok=True)
        shutil.copytree(resolve_model(model), final, dirs_exist_ok=True)
        (out / "skipped.json").write_text(json.dumps({"reason": "no preference pairs"}))
        return str(final)
    cfg = DPORunConfig(**{"seed": recipe.seed, **recipe.dpo, "model": model, "pairs": str(pairs),
                          "output": str(out)})
    return str(run_dpo(cfg, progress=progress))


def eval_stage(recipe: MCTSDPORecipe, i: int, progress: bool = True) -> dict[str, Any]:
    """Held-out success of the policy after iteration ``i`` (``i = 0``: the start policy)."""
    from trainers.evaluation import evaluate

    out = recipe.iteration_dir(i) / "eval"
    if (out / "summary.json").is_file():
        return json.loads((out / "summary.json").read_text())
    model = policy_for(recipe, i + 1)
    ev = {"episodes": 100, "split": "eval", "group": 1, **recipe.eval}
    config = rollout_config(recipe, model)
    return evaluate(model, recipe.env_id, split=ev["split"], n=int(ev["episodes"]),
                    group=int(ev["group"]), env_kwargs=dict(recipe.env_kwargs), config=config,
                    out_dir=out, generation_seed=0, progress=progress)


def run_loop(recipe: MCTSDPORecipe, progress: bool = True) -> list[dict[str, Any]]:
    """Every iteration in order (finished stages skipped); the per-iteration results."""
    import yaml

    recipe.out.mkdir(parents=True, exist_ok=True)
    (recipe.out / "mcts_dpo_recipe.yaml").write_text(yaml.safe_dump(asdict(recipe), sort_keys=False))
    rows = [_row(0, eval_stage(recipe, 0, progress), None, 0)]
    tokens = 0
    for i in range(1, recipe.iterations + 1):
        search = search_stage(recipe, i, progress)
        dpo_stage(recipe, i, progress)
        tokens += int(search["generated_tokens"])
        rows.append(_row(i, eval_stage(recipe, i, progress), search, tokens))
        write_results(recipe, rows)
    write_results(recipe, rows)
    return rows


def _row(i: int, ev: dict[str, Any], search: dict[str, Any] | None, tokens: int) -> dict[str, Any]:
    return {"iteration": i, "eval_success": ev["success"], "eval_episodes": ev["episodes"],
            "eval_return": ev.get("mean_return"),
            "pairs": None if search is None else search["pairs"],
            "search_success": None if search is None else search["search_success"],
            "generated_tokens": tokens}


def write_results(recipe: MCTSDPORecipe, rows: list[dict[str, Any]]) -> None:
    """``results.{json,md,png}``: held-out success per iteration and tokens spent."""
    out = recipe.out
    (out / "results.json").write_text(json.dumps({"recipe": asdict(recipe), "rows": rows}, indent=2))
    lines = ["| iteration | held-out success | pairs | search success | generated tokens |",
             "|---:|---:|---:|---:|---:|"]
    for r in rows:
        pairs = "-" if r["pairs"] is None else str(r["pairs"])
        found = "-" if r["search_success"] is None else f"{r['search_success']:.3f}"
        lines.append(f"| {r['iteration']} | {r['eval_success']:.3f} | {pairs} | {found} | "
                     f"{r['generated_tokens']} |")
    (out / "results.md").write_text("\n".join(lines) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot([r["generated_tokens"] for r in rows], [r["eval_success"] for r in rows], "o-")
    for r in rows:
        ax.annotate(str(r["iteration"]), (r["generated_tokens"], r["eval_success"]))
    ax.set_xlabel("generated tokens (search)")
    ax.set_ylabel("held-out success")
    ax.set_title(f"MCTS-DPO {recipe.env_id}")
    fig.tight_layout()
    fig.savefig(out / "results.png", dpi=120)
    plt.close(fig)
