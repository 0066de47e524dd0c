"""SPA's three stages as one resumable recipe: (bootstrap) -> explore -> fit -> RL.

``stepgym spa run RECIPE.yaml`` (``recipes/spa_*.yaml``)::

    output_dir: runs/spa_alfworld1
    model: stepgym-alfworld-l1       # the start policy: a stepgym model name or a path
    bootstrap: stepgym-alfworld-l1   # optional: the preset that builds `model` when missing
    explore: {env_id: stepgym/ALFWorld-v0, env_kwargs: {level: 1}, split: train,
              tasks: 128, group: 4, seed: 0, rollout: {temperature: 1.0, max_steps: 30}}
    fit: {learning_rate: 1.0e-3, epochs: 4, batch_size: 8}     # FitConfig fields
    rl: {trainer: ppo, recipe: recipes/ppo_ads_alfworld1.yaml,
         set: {discount: constant}, credit: spa, credit_kwargs: {alpha: 1.0, beta: 0.5}}

Each stage writes into ``output_dir`` and is skipped when its output is complete:
``explore/summary.json`` (the trajectories in ``explore/trajectories.jsonl``),
``estimator/fit_report.json``, and the RL run's ``rl/`` (PPO resumes from its checkpoints;
GRPO with ``--resume``). Explore and fit save their settings beside their output
(``stage_settings.json``); a finished stage whose recipe section has changed since is refused
with the settings that differ, never reused as if it matched. ``rl.trainer`` is ``ppo`` (a
train-ppo recipe) or ``grpo`` (a ``stepgym train`` recipe); the estimator path is filled into
``credit_kwargs`` for ``spa``.
The whole recipe is saved as ``output_dir/spa_recipe.yaml``.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

STAGES = ("explore", "fit", "rl")
STAMP_FILE = "stage_settings.json"


@dataclass
class SPARecipe:
    output_dir: str = "runs/spa"
    model: str = "stepgym-tiny"
    bootstrap: str | None = None
    explore: dict[str, Any] = field(default_factory=dict)
    fit: dict[str, Any] = field(default_factory=dict)
    rl: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SPARecipe:
        data = {k: v for k, v in data.items() if k != "trainer"}
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown SPA recipe keys: {unknown}")
        recipe = cls(**data)
        if "env_id" not in recipe.explore:
            raise ValueError("the SPA recipe's explore section needs env_id")
        if recipe.rl and recipe.rl.get("trainer", "ppo") not in ("ppo", "grpo"):
            raise ValueError(f"rl.trainer must be ppo or grpo, got {recipe.rl.get('trainer')!r}")
        if recipe.rl and "recipe" not in recipe.rl:
            raise ValueError("the SPA recipe's rl section needs recipe: the PPO or GRPO recipe")
        return recipe

    @property
    def out(self) -> Path:
        return Path(self.output_dir)


def ensure_model(recipe: SPARecipe) -> str:
    """Stage 1: the start policy exists (built from its bootstrap preset when missing)."""
    from agents.models import resolve_model

    path = Path(resolve_model(recipe.model))
    if path.is_dir() or Path(recipe.model).is_dir():
        return recipe.model
    if recipe.bootstrap is None:
        raise FileNotFoundError(f"start model {recipe.model} not found; build it with "
                                "`stepgym bootstrap` or name a preset in `bootstrap:`")
    from agents.models import default_model_path
    from trainers.bootstrap import bootstrap, start_model_config

    bootstrap(start_model_config(recipe.bootstrap, str(default_model_path(recipe.bootstrap))))
    return recipe.model


def explore_settings(recipe: SPARecipe) -> dict[str, Any]:
    """What the exploration's trajectories depend on, with ``explore()``'s defaults filled in."""
    e = recipe.explore
    return _canonical({"model": recipe.model, "env_id": e["env_id"],
                       "env_kwargs": e.get("env_kwargs") or {}, "split": e.get("split", "train"),
                       "tasks": int(e.get("tasks", 64)), "group": int(e.get("group", 4)),
                       "seed": int(e.get("seed", 0)), "rollout": e.get("rollout") or {}})


def fit_settings(cfg: Any) -> dict[str, Any]:
    """A FitConfig's fields that change the estimator (not where it goes or runs, nor the
    trajectories' path: the exploration settings stand for the data)."""
    skip = {"output_dir", "device", "forward_batch_size", "trajectories"}
    return _canonical({k: v for k, v in asdict(cfg).items() if k not in skip})


def _canonical(settings: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(settings, sort_keys=True, default=str))


def stage_done(out: Path, complete: bool, settings: dict[str, Any]) -> bool:
    """Whether a stage may be skipped: its output is complete and was made with ``settings``.

    Output made with other settings raises (naming them) rather than being reused as if it
    matched; output from before stamps existed is kept, with a warning."""
    if not complete:
        return False
    stamp = out / STAMP_FILE
    if not stamp.is_file():
        warnings.warn(f"{out} has no {STAMP_FILE}: reusing it without checking its settings",
                      stacklevel=3)
        return True
    saved = json.loads(stamp.read_text())
    if saved != settings:
        changed = sorted(k for k in saved.keys() | settings.keys()
                         if saved.get(k) != settings.get(k))
        raise ValueError(f"{out} was made with other settings ({', '.join(changed)} differ: "
                         f"saved {({k: saved.get(k) for k in changed})}); delete it to redo the "
                         "stage, or give the recipe a new output_dir")
    return True


def write_stamp(out: Path, settings: dict[str, Any]) -> None:
    (out / STAMP_FILE).write_text(json.dumps(settings, indent=1, sort_keys=True) + "\n")


def explore(recipe: SPARecipe, progress: bool = True) -> Path:
    """Stage 2: the start policy plays ``tasks`` x ``group`` training episodes; their records go
    to ``explore/trajectories.jsonl``."""
    from trainers.evaluation import evaluate, model_rollout_config
    from trainers.rollout import saved_rollout_config

    out = recipe.out / "explore"
    jsonl = out / "trajectories.jsonl"
    settings = explore_settings(recipe)
    if stage_done(out, (out / "summary.json").is_file() and jsonl.is_file(), settings):
        return jsonl
    from agents.models import resolve_model

    s = settings  # the recipe's section with the defaults filled in
    trained = model_rollout_config(resolve_model(recipe.model)).get("rollout", {})
    config = saved_rollout_config(trained, dict(s["rollout"]), model=recipe.model)
    evaluate(recipe.model, s["env_id"], split=s["split"], n=s["tasks"], group=s["group"],
             env_kwargs=dict(s["env_kwargs"]), config=config, out_dir=out,
             generation_seed=s["seed"], progress=progress)
    write_stamp(out, settings)
    return jsonl


def fit_stage(recipe: SPARecipe, trajectories: Path, progress: bool = True) -> Path:
    """Stage 3: the progress estimator, on a copy of the start policy."""
    from trainers.spa.fit import REPORT_FILE, FitConfig, fit

    out = recipe.out / "estimator"
    cfg = FitConfig(**{"model": recipe.model, **recipe.fit, "trajectories": [str(trajectories)],
                       "output_dir": str(out)})
    # the estimator is stale when its data is: the exploration settings are part of its stamp
    settings = {**fit_settings(cfg), "explore": explore_settings(recipe)}
    if stage_done(out, (out / REPORT_FILE).is_file(), settings):
        return out
    fit(cfg, progress=progress)
    write_stamp(out, settings)
    return out


def rl_stage(recipe: SPARecipe, estimator: Path) -> Path:
    """Stage 4: PPO or GRPO with SPA's step rewards (or the recipe's credit method)."""
    import yaml

    rl = dict(recipe.rl)
    out = recipe.out / "rl"
    credit = rl.get("credit", "spa")
    credit_kwargs = dict(rl.get("credit_kwargs") or {})
    if credit == "spa":
        credit_kwargs.setdefault("estimator", str(estimator))
    if rl.get("trainer", "ppo") == "ppo":
        from trainers.cli.train_ppo import load_recipe
        from trainers.ppo.build import run_ppo
        from trainers.ppo.config import PPOConfig

        data = load_recipe(rl["recipe"])
        data.update(rl.get("set") or {})
        data.update(model=recipe.model, output_dir=str(out), credit=credit,
                    credit_kwargs=credit_kwargs)
        run_ppo(PPOConfig.from_dict(data))
        return out
    from trainers.config import parse_config
    from trainers.run_grpo import run_grpo

    argv = [rl["recipe"], "--model_name_or_path", recipe.model, "--output_dir", str(out),
            "--credit", credit, "--credit_kwargs", yaml.safe_dump(credit_kwargs,
                                                                   default_flow_style=True).strip()]
    for key, value in (rl.get("set") or {}).items():
        argv += [f"--{key}", value if isinstance(value, str) else
                 yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("\n...")]
    run_grpo(*parse_config(argv), resume=True)
    return out


def run_pipeline(recipe: SPARecipe, stages: tuple[str, ...] = STAGES,
                 progress: bool = True) -> dict[str, str]:
    """The stages in order (each skipped when already complete); their output paths."""
    import yaml

    recipe.out.mkdir(parents=True, exist_ok=True)
    (recipe.out / "spa_recipe.yaml").write_text(yaml.safe_dump(asdict(recipe), sort_keys=False))
    ensure_model(recipe)
    done: dict[str, str] = {}
    jsonl = recipe.out / "explore" / "trajectories.jsonl"
    if "explore" in stages:
        jsonl = explore(recipe, progress)
        done["explore"] = str(jsonl)
    estimator = recipe.out / "estimator"
    if "fit" in stages:
        estimator = fit_stage(recipe, jsonl, progress)
        done["fit"] = str(estimator)
    if "rl" in stages and recipe.rl:
        done["rl"] = str(rl_stage(recipe, estimator))
    return done
