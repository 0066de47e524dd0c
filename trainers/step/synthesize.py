"""STeP's data: self-reflected trajectories (the agent acts, the teacher corrects) and expert
trajectories, written as Hugging Face ``datasets`` of segment conversations (segments.py).

    stepgym step synthesize --model M --env ID --episodes N --output DIR [--teacher oracle|URL|MODEL]
    stepgym step expert --env ID --episodes N --output DIR --like M

Synthesis runs through the rollout engine (batched sampling across episodes); before each action
is played the teacher reviews it (``RolloutEngine.reviewer``) and a rejected action is replaced
by the correction, so the episode goes on from there. Episodes are appended to
``DIR/episodes.jsonl`` as they finish; a rerun skips the seeds already there (no duplicates) and
rebuilds ``DIR/dataset`` (``datasets.load_from_disk``) and ``DIR/summary.json`` from the file.
Synthesis uses training tasks from ``seed_offset`` on, away from the seeds expert demos use.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym

from trainers.step.segments import Conversation, Turn
from trainers.step.teacher import Review, StepContext, Teacher, make_teacher
from trainers.trajectory import Trajectory

EPISODES = "episodes.jsonl"
DATASET = "dataset"
SUMMARY = "summary.json"


@dataclass
class SynthesisConfig:
    """Arguments of ``stepgym step synthesize``."""

    model: str  # the agent (a cached model name, a path or a hub id)
    env_id: str
    episodes: int
    output: str
    teacher: str = "oracle"  # "oracle", an OpenAI-compatible URL, or a model name/path
    env_kwargs: dict[str, Any] | None = None  # None: the envs the model was trained for
    split: str = "train"
    seed_offset: int = 10_000  # task seeds seed_offset.. (expert demos use 0..)
    batch: int = 16  # episodes per batched engine call (and per append to the file)
    generation_seed: int = 0
    rollout: dict[str, Any] = field(default_factory=dict)  # RolloutConfig overrides
    teacher_limit: int = 100  # the oracle's longest plan


class _Recording:
    """Wraps a teacher so each review also keeps the user text the agent acted on."""

    def __init__(self, teacher: Teacher) -> None:
        self.teacher = teacher

    def __call__(self, env: gym.Env, context: StepContext) -> Review:
        review = self.teacher.review(env, context)
        review.detail["user_text"] = context.prompt_text
        return review


def done_seeds(path: Path) -> set[int]:
    """Seeds of the episodes already in ``path`` (a resumed run skips them)."""
    from trainers.rollout import read_jsonl

    return {t.seed for t in read_jsonl(path)} if path.is_file() else set()


def synthesize(config: SynthesisConfig, progress: bool = True) -> Path:
    """Run (or finish) a synthesis; returns the dataset directory."""
    from agents import load_agent, resolve_model
    from trainers.evaluation import model_rollout_config, resolve_split
    from trainers.rollout import RolloutEngine, read_jsonl, saved_rollout_config

    out = Path(config.output)
    out.mkdir(parents=True, exist_ok=True)
    (out / "synthesis_config.json").write_text(json.dumps(asdict(config), indent=2))
    episodes = out / EPISODES
    trained = model_rollout_config(resolve_model(config.model))
    env_kwargs = dict(config.env_kwargs if config.env_kwargs is not None
                      else trained.get("envs", {}).get(config.env_id, {}))
    rollout = saved_rollout_config(trained.get("rollout"), dict(config.rollout), model=config.model)
    engine = RolloutEngine(load_agent(config.model), config.env_id, env_kwargs, rollout)
    engine.reviewer = _Recording(make_teacher(config.teacher, config.teacher_limit))
    split = resolve_split(config.env_id, env_kwargs, config.split)
    wanted = [config.seed_offset + i for i in range(config.episodes)]
    todo = [s for s in wanted if s not in done_seeds(episodes)]
    bar = None
    if progress and todo:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(wanted), initial=len(wanted) - len(todo), desc="STeP synthesis",
                   unit="ep")
    for start in range(0, len(todo), config.batch):
        seeds = todo[start:start + config.batch]
        engine.run(seeds, options={"split": split},
                   generation_seed=config.generation_seed + seeds[0], jsonl_path=episodes)
        if bar is not None:
            bar.update(len(seeds))
    if bar is not None:
        bar.close()
    trajs = [t for t in read_jsonl(episodes) if t.seed in set(wanted)]
    rows = [episode_row(t, conversation_from_trajectory(t, engine.format, engine.pieces.system,
                                                        engine.pieces.tools, rollout.context_mode),
                        "step")
            for t in sorted(trajs, key=lambda t: t.seed)]
    write_dataset(rows, out)
    return out / DATASET


def conversation_from_trajectory(traj: Trajectory, fmt: Any, system: str,
                                 tools: list[dict[str, Any]] | None, context_mode: str) -> Conversation:
    """The segments of one reviewed episode."""
    turns = []
    for step in traj.steps:
        review = step.review or {}
        user = (review.get("detail") or {}).get("user_text")
        if user is None:
            raise ValueError(f"{traj.traj_id} step {step.index} has no review: not a STeP episode")
        if review.get("ok", True):
            segments = [("action", step.generated_text)]
        else:
            segments = [("mistake", step.generated_text), ("reflection", review["reflection"]),
                        ("correction", fmt.render_action(review["correction"]))]
        turns.append(Turn(user, segments))
    return Conversation(system, turns, context_mode, tools)


def episode_row(traj: Trajectory, conversation: Conversation, source: str) -> dict[str, Any]:
    reviews = [s.review or {} for s in traj.steps]
    return {"id": traj.traj_id, "source": source, "env_id": traj.env_id, "task_id": traj.task_id,
            "seed": traj.seed, "won": bool(traj.won), "steps": len(traj.steps),
            "interventions": sum(1 for r in reviews if not r.get("ok", True)),
            "reasons": [r.get("reason", "") for r in reviews], **conversation.to_row()}


def write_dataset(rows: Sequence[dict[str, Any]], out: Path) -> None:
    import datasets

    datasets.Dataset.from_list(list(rows)).save_to_disk(str(out / DATASET))
    n = max(len(rows), 1)
    steps = sum(r["steps"] for r in rows)
    summary = {"episodes": len(rows), "won": sum(r["won"] for r in rows) / n,
               "steps": steps, "interventions": sum(r["interventions"] for r in rows),
               "intervention_rate": sum(r["interventions"] for r in rows) / max(steps, 1),
               "sources": sorted({r["source"] for r in rows})}
    (out / SUMMARY).write_text(json.dumps(summary, indent=2))


def expert_dataset(env_id: str, episodes: int, output: str, like: str,
                   env_kwargs: dict[str, Any] | None = None, seed: int = 0) -> Path:
    """``episodes`` expert demonstrations rendered the way ``like`` (a model) is prompted, as a
    dataset of the same schema (every segment an ``action``)."""
    from agents import load_agent, resolve_model
    from trainers.bootstrap.demos import collect_demos
    from trainers.evaluation import model_rollout_config

    trained = model_rollout_config(resolve_model(like))
    rollout = trained.get("rollout", {})
    kwargs = dict(env_kwargs if env_kwargs is not None else trained.get("envs", {}).get(env_id, {}))
    context_mode = rollout.get("context_mode", "window")
    probe = gym.make(env_id, **kwargs)
    fmt = load_agent(like).format_for(probe)
    probe.close()
    demos = collect_demos(env_id, kwargs, episodes, int(rollout.get("window_steps", 2)), seed=seed,
                          context_mode=context_mode, prompt_format=fmt.name)
    rows = []
    for i, demo in enumerate(demos):
        turns = [Turn(user, [("mistake" if k in demo.untrained else "action", target)])
                 for k, (user, target) in enumerate(demo.steps)]
        conv = Conversation(demo.system, turns, context_mode, demo.tools)
        rows.append({"id": f"expert-{seed + i}", "source": "expert", "env_id": env_id,
                     "task_id": "", "seed": seed + i, "won": True, "steps": len(turns),
                     "interventions": 0, "reasons": [""] * len(turns), **conv.to_row()})
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    write_dataset(rows, out)
    return out / DATASET
