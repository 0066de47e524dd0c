"""``stepgym mcts-dpo``: the MCTS-DPO loop (arXiv 2405.00451) from one recipe.

    stepgym mcts-dpo recipes/mcts_dpo_alfworld1.yaml [--set iterations=2 --set search.value=both]

Each iteration searches fresh training tasks with the current policy, mines step-level
preference pairs from the trees, trains them with DPO and evaluates the refreshed policy on the
frozen eval split; finished stages are skipped, so the same command resumes a stopped run.
Draw a searched tree with ``python -m trainers.mcts.draw OUT/iter_1/search/trees.jsonl
--tree 0 --output tree.png``.
"""

from __future__ import annotations

import argparse

from trainers.cli._errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("mcts-dpo", help="MCTS-DPO: search -> pairs -> DPO, iterated",
                                   description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("recipe", help="YAML (recipes/mcts_dpo_*.yaml)")
    parser.add_argument("--set", dest="overrides", action="append", default=None,
                        metavar="KEY=VALUE", help="override a recipe field; dotted keys reach "
                        "into sections (search.simulations_per_step=8)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from trainers.cli.overrides import read_recipe
    from trainers.mcts.loop import MCTSDPORecipe, run_loop

    data = read_recipe(args.recipe, args.overrides)
    try:
        recipe = MCTSDPORecipe.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    run_loop(recipe)
    print((recipe.out / "results.md").read_text(), end="")
    print(f"saved {recipe.out}/results.{{json,md,png}}")
    return 0
