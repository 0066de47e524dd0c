"""STeP's pipeline from one YAML recipe: expert demos -> self-reflected trajectories -> SFT -> eval.

    stepgym step run recipes/step_alfworld1.yaml [--stages expert synthesize] [--set sft.epochs=1]

Each stage writes under ``output_dir`` and is skipped when its output is there (synthesis also
resumes mid-way), so an interrupted run continues where it stopped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STAGES = ("expert", "synthesize", "sft", "eval")


@dataclass
class StepRecipe:
    output_dir: str
    model: str
    env_id: str
    env_kwargs: dict[str, Any] | None = None  # None: the envs the model was trained for
    expert: dict[str, Any] = field(default_factory=lambda: {"episodes": 64})
    synthesize: dict[str, Any] = field(default_factory=lambda: {"episodes": 64})
    sft: dict[str, Any] = field(default_factory=dict)  # StepSFTConfig fields
    eval: dict[str, Any] = field(default_factory=lambda: {"n": 100})

    @property
    def out(self) -> Path:
        return Path(self.output_dir)


def run_pipeline(recipe: StepRecipe, stages: tuple[str, ...] = STAGES, progress: bool = True) -> dict[str, Any]:
    from trainers.step.sft import StepSFTConfig, run_sft
    from trainers.step.synthesize import DATASET, SynthesisConfig, expert_dataset, synthesize

    out = recipe.out
    out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {}
    expert = out / "expert"
    if "expert" in stages and not (expert / DATASET).is_dir():
        expert_dataset(recipe.env_id, int(recipe.expert.get("episodes", 64)), str(expert),
                       like=recipe.model, env_kwargs=recipe.env_kwargs,
                       seed=int(recipe.expert.get("seed", 0)))
    synth = out / "synthesize"
    if "synthesize" in stages:
        s = dict(recipe.synthesize)
        synthesize(SynthesisConfig(model=recipe.model, env_id=recipe.env_id,
                                   episodes=int(s.pop("episodes", 64)), output=str(synth),
                                   env_kwargs=recipe.env_kwargs, **s), progress=progress)
    final = out / "sft" / "final"
    if "sft" in stages and not (final / "config.json").is_file():
        data = [str(d / DATASET) for d in (expert, synth) if (d / DATASET).is_dir()]
        run_sft(StepSFTConfig(model=recipe.model, data=data, output=str(out / "sft"),
                              **recipe.sft), progress=progress)
    if "eval" in stages:
        from agents import resolve_model
        from trainers.evaluation import evaluate, model_rollout_config
        from trainers.rollout import saved_rollout_config

        e = dict(recipe.eval)
        trained = model_rollout_config(resolve_model(recipe.model))
        config = saved_rollout_config(trained.get("rollout"), {"max_steps": e.get("max_steps")},
                                      model=recipe.model)
        result = evaluate(str(final), recipe.env_id, split=e.get("split", "eval"),
                          n=int(e.get("n", 100)), env_kwargs=recipe.env_kwargs, config=config,
                          out_dir=out / "eval", generation_seed=int(e.get("seed", 0)),
                          progress=progress)
        (out / "result.json").write_text(json.dumps(result, indent=2))
    return result


def load_recipe(path: str, overrides: list[str] | None = None) -> StepRecipe:
    import yaml

    data = yaml.safe_load(Path(path).read_text()) or {}
    for item in overrides or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--set wants KEY=VALUE, got {item!r}")
        target = data
        *parents, last = key.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = yaml.safe_load(value)
    unknown = set(data) - set(StepRecipe.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown recipe field(s) {sorted(unknown)}; fields: "
                         f"{sorted(StepRecipe.__dataclass_fields__)}")
    return StepRecipe(**data)
