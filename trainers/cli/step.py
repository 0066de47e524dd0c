"""``stepgym step``: STeP's self-reflected trajectories and partial-mask SFT (arXiv 2505.20023).

    stepgym step synthesize --model stepgym-alfworld-l1 --env stepgym/ALFWorld-v0 \\
        --episodes 64 --output runs/step/synth [--teacher oracle|http://127.0.0.1:8000|MODEL]
    stepgym step expert --env stepgym/ALFWorld-v0 --episodes 64 --like stepgym-alfworld-l1 \\
        --output runs/step/expert
    stepgym step sft --model stepgym-alfworld-l1 --data runs/step/expert/dataset \\
        runs/step/synth/dataset --output runs/step/sft [--no-partial-mask]
    stepgym step run recipes/step_alfworld1.yaml [--stages expert synthesize] [--set sft.epochs=1]

``synthesize`` resumes: a rerun skips the episodes already in ``OUTPUT/episodes.jsonl``. The
datasets are Hugging Face ``datasets`` (``datasets.load_from_disk``) of segment conversations
(roles: action, mistake, reflection, correction); ``sft`` trains on them with TRL's SFTTrainer,
the mistakes in context with loss 0.
"""

from __future__ import annotations

import argparse
import json

from trainers.cli._errors import UsageError, nonnegative_int, positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("step", help="STeP: self-reflected trajectories, partial-mask SFT",
                                   description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="step_command", metavar="SUBCOMMAND")

    syn = sub.add_parser("synthesize", help="the agent acts, a teacher corrects its wrong steps")
    syn.add_argument("--model", required=True, help="the agent: a cached name, a path or a hub id")
    syn.add_argument("--env", required=True, help="a registered env id")
    syn.add_argument("--episodes", type=positive_int, required=True)
    syn.add_argument("--output", required=True, help="directory (episodes.jsonl, dataset/)")
    syn.add_argument("--teacher", default="oracle",
                     help="oracle (the env's expert), an OpenAI-compatible URL, or a model")
    syn.add_argument("--kwargs", default=None, help="env kwargs as JSON (default: the model's)")
    syn.add_argument("--seed-offset", type=nonnegative_int, default=10_000,
                     help="first task seed (expert demos use seeds from 0)")
    syn.add_argument("--batch", type=positive_int, default=16, help="episodes per batched call")
    syn.add_argument("--temperature", type=float, default=None)
    syn.add_argument("--generation-seed", type=nonnegative_int, default=0)
    syn.set_defaults(func=run_synthesize)

    exp = sub.add_parser("expert", help="expert trajectories in the same dataset format")
    exp.add_argument("--env", required=True)
    exp.add_argument("--episodes", type=positive_int, required=True)
    exp.add_argument("--like", required=True, help="render prompts as this model is prompted")
    exp.add_argument("--output", required=True)
    exp.add_argument("--kwargs", default=None, help="env kwargs as JSON (default: the model's)")
    exp.add_argument("--seed", type=nonnegative_int, default=0)
    exp.set_defaults(func=run_expert)

    sft = sub.add_parser("sft", help="partial-mask SFT on TRL's SFTTrainer")
    sft.add_argument("--model", required=True, help="start model")
    sft.add_argument("--data", nargs="+", required=True, help="dataset directories")
    sft.add_argument("--output", required=True)
    sft.add_argument("--no-partial-mask", action="store_true",
                     help="train on the mistakes too (the ablation)")
    sft.add_argument("--episodes-per-dataset", type=positive_int, default=None)
    sft.add_argument("--max-trained-tokens", type=positive_int, default=None)
    sft.add_argument("--epochs", type=float, default=2.0)
    sft.add_argument("--lr", type=float, default=5e-4)
    sft.add_argument("--batch-size", type=positive_int, default=8)
    sft.add_argument("--seed", type=nonnegative_int, default=0)
    sft.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    sft.set_defaults(func=run_sft_cmd)

    pipe = sub.add_parser("run", help="expert -> synthesize -> sft -> eval from one recipe")
    pipe.add_argument("recipe", help="YAML (recipes/step_*.yaml)")
    pipe.add_argument("--stages", nargs="+", default=None,
                      choices=["expert", "synthesize", "sft", "eval"])
    pipe.add_argument("--set", dest="overrides", action="append", default=None,
                      metavar="KEY=VALUE", help="override a recipe field (sft.epochs=1)")
    pipe.set_defaults(func=run_pipeline_cmd)
    parser.set_defaults(func=lambda args: _missing(parser))


def _missing(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _kwargs(text: str | None) -> dict | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--kwargs is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise UsageError("--kwargs must be a JSON object")
    return value


def run_synthesize(args: argparse.Namespace) -> int:
    from trainers.step.synthesize import SUMMARY, SynthesisConfig, synthesize

    rollout = {} if args.temperature is None else {"temperature": args.temperature}
    cfg = SynthesisConfig(model=args.model, env_id=args.env, episodes=args.episodes,
                          output=args.output, teacher=args.teacher, env_kwargs=_kwargs(args.kwargs),
                          seed_offset=args.seed_offset, batch=args.batch,
                          generation_seed=args.generation_seed, rollout=rollout)
    try:
        path = synthesize(cfg)
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    print((path.parent / SUMMARY).read_text())
    print(f"saved {path}")
    return 0


def run_expert(args: argparse.Namespace) -> int:
    from trainers.step.synthesize import SUMMARY, expert_dataset

    try:
        path = expert_dataset(args.env, args.episodes, args.output, like=args.like,
                              env_kwargs=_kwargs(args.kwargs), seed=args.seed)
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    print((path.parent / SUMMARY).read_text())
    print(f"saved {path}")
    return 0


def run_sft_cmd(args: argparse.Namespace) -> int:
    from trainers.step.sft import StepSFTConfig, run_sft

    cfg = StepSFTConfig(model=args.model, data=list(args.data), output=args.output,
                        partial_mask=not args.no_partial_mask,
                        episodes_per_dataset=args.episodes_per_dataset,
                        max_trained_tokens=args.max_trained_tokens, epochs=args.epochs,
                        learning_rate=args.lr, batch_size=args.batch_size, seed=args.seed,
                        resume=args.resume)
    try:
        final = run_sft(cfg)
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    print(f"saved {final} (evaluate: stepgym eval --model {final} --env ENV)")
    return 0


def run_pipeline_cmd(args: argparse.Namespace) -> int:
    from trainers.step.pipeline import STAGES, load_recipe, run_pipeline

    try:
        recipe = load_recipe(args.recipe, args.overrides)
        result = run_pipeline(recipe, tuple(args.stages or STAGES))
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    if result:
        print(f"eval success {100 * result['success']:.1f}% over {result['episodes']} episodes")
    print(f"outputs in {recipe.output_dir}")
    return 0
