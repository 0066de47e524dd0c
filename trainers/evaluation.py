"""Evaluate an agent on an env: success, return, steps, invalid actions, with intervals.

Success and the invalid-action rate get Wilson score intervals (the invalid-action rate
counts steps, which are clustered within episodes, so its interval is optimistic); mean
return and mean steps get normal-approximation intervals. Per task type where the env
reports ``task_type``. LLM agents run through the batched :class:`RolloutEngine`; the expert
and random agents through a plain text loop (no tokens).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gymnasium as gym

from agents.base import Agent
from trainers.rollout import RolloutConfig, RolloutEngine, append_jsonl, saved_rollout_config
from trainers.trajectory import StepRecord, Trajectory

Z95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    >>> [round(x, 4) for x in wilson_interval(8, 10)]
    [0.4902, 0.9433]
    """
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def difference_interval(s1: int, n1: int, s2: int, n2: int, z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 - p2 of two independent proportions
    (Newcombe 1998, method 10: Wilson limits of each proportion combined).

    >>> [round(x, 4) for x in difference_interval(56, 70, 48, 80)]
    [0.0524, 0.3339]
    """
    p1, p2 = (s1 / n1 if n1 else 0.0), (s2 / n2 if n2 else 0.0)
    l1, u1 = wilson_interval(s1, n1, z)
    l2, u2 = wilson_interval(s2, n2, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (max(-1.0, low), min(1.0, high))


def mean_interval(values: Sequence[float], z: float = Z95) -> tuple[float, float, float]:
    """(mean, low, high): normal approximation with the sample standard deviation."""
    n = len(values)
    if n == 0:
        return (0.0, 0.0, 0.0)
    mean = sum(values) / n
    if n == 1:
        return (mean, mean, mean)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = z * sd / math.sqrt(n)
    return (mean, mean - half, mean + half)


def summarise(trajectories: Sequence[Trajectory]) -> dict[str, Any]:
    """The metrics of one set of trajectories."""
    n = len(trajectories)
    wins = sum(bool(t.won) for t in trajectories)
    steps = [s for t in trajectories for s in t.steps]
    invalid = sum(not s.action_valid for s in steps)
    ret = mean_interval([t.total_reward for t in trajectories])
    nsteps = mean_interval([float(t.num_steps) for t in trajectories])
    lo, hi = wilson_interval(wins, n)
    gen = int(sum(sum(smp.loss_mask) for t in trajectories for smp in t.samples))
    # tool envs: tool calls per episode (the env's running count after the last step)
    calls = [int(t.steps[-1].info["tool_calls"]) for t in trajectories
             if t.steps and "tool_calls" in t.steps[-1].info]
    ilo, ihi = wilson_interval(invalid, len(steps))
    return {
        "episodes": n,
        "success": wins / n if n else 0.0, "success_ci": [lo, hi],
        "mean_return": ret[0], "mean_return_ci": [ret[1], ret[2]],
        "mean_steps": nsteps[0], "mean_steps_ci": [nsteps[1], nsteps[2]],
        "invalid_rate": invalid / len(steps) if steps else 0.0, "invalid_rate_ci": [ilo, ihi],
        "generation_truncated_rate": (sum(s.generation_truncated for s in steps) / len(steps)) if steps else 0.0,
        "stop_reasons": {r: sum(t.stop_reason == r for t in trajectories)
                         for r in sorted({t.stop_reason for t in trajectories})},
        # every token the model sampled (loss mask 1), and per solved episode
        "generated_tokens": gen,
        "generated_tokens_per_success": gen / wins if wins else None,
        **({"tool_calls_mean": float(sum(calls) / len(calls))} if calls else {}),
    }


def resolve_split(env_id: str, env_kwargs: dict[str, Any], split: str | None) -> str:
    """``split`` if the env's suite has it; for "eval" on a suite without one, its first
    split whose name starts with "eval" (ALFWorld: "eval_seen")."""
    import envs  # noqa: F401

    env = gym.make(env_id, **env_kwargs)
    suite = getattr(env.unwrapped, "suite", None)
    names = list(getattr(suite, "splits", {}) or {})
    env.close()
    split = split or "eval"
    if not names or split in names:
        return split
    evals = [s for s in names if s.startswith(split)]
    if evals:
        return evals[0]
    raise ValueError(f"{env_id} has no split {split!r}; splits: {names}")


def play_text(agent: Agent, env_id: str, env_kwargs: dict[str, Any], seeds: Sequence[int],
              group_size: int, options: dict[str, Any], max_steps: int | None = None) -> list[Trajectory]:
    """Episodes of a text agent (expert, random): same records, no token samples."""
    import envs  # noqa: F401

    env = gym.make(env_id, **env_kwargs)
    out = []
    for g, seed in enumerate(seeds):
        for k in range(group_size):
            obs, info = env.reset(seed=int(seed), options=dict(options))
            agent.reset(env, obs, info)
            traj = Trajectory(f"{agent.name}-{g}-{k}", f"{agent.name}-{g}", env_id,
                              str(info.get("task_id", "")), int(seed), [], [], context_mode="text",
                              meta={"task_type": info.get("task_type")})
            while True:
                action = agent.act(obs, info)
                acted_on = obs
                obs, reward, terminated, truncated, info = env.step(action)
                traj.steps.append(StepRecord(len(traj.steps), acted_on, action, action, float(reward),
                                             bool(terminated), bool(truncated),
                                             bool(info.get("action_valid", True))))
                traj.won = traj.won or bool(info.get("won"))
                if terminated or truncated or (max_steps and len(traj.steps) >= max_steps):
                    traj.stop_reason = "terminated" if terminated else "truncated"
                    break
            out.append(traj)
    env.close()
    return out


def model_rollout_config(model_dir: str | os.PathLike | None) -> dict[str, Any]:
    """Rollout settings a model was trained for (``stepgym.json`` from bootstrap), if any."""
    if model_dir is None:
        return {}
    meta = Path(model_dir) / "stepgym.json"
    if not meta.is_file():
        return {}
    data = json.loads(meta.read_text())
    return {"rollout": data.get("rollout", {}), "envs": data.get("envs", {})}


def evaluate(model: str, env_id: str, split: str | None = "eval", n: int = 50, group: int = 1,
             env_kwargs: dict[str, Any] | None = None, config: RolloutConfig | None = None,
             out_dir: str | os.PathLike | None = None, generation_seed: int = 0,
             progress: bool = True) -> dict[str, Any]:
    """Evaluate ``model`` ("expert", "random", "stepgym-tiny", a path or hub id) on ``n``
    tasks of ``split`` (seeds 0..n-1), ``group`` rollouts each. Writes ``summary.json``,
    ``trajectories.jsonl`` and ``config.json`` into ``out_dir`` when given."""
    from agents import ExpertAgent, RandomAgent, load_agent, resolve_model

    start = time.perf_counter()
    trained_for: dict[str, Any] = {}
    if model not in ("expert", "random"):
        path = resolve_model(model)
        trained_for = model_rollout_config(path if Path(path).is_dir() else None)
    env_kwargs = dict(env_kwargs if env_kwargs is not None else trained_for.get("envs", {}).get(env_id, {}))
    split = resolve_split(env_id, env_kwargs, split)
    options = {"split": split}
    seeds = list(range(n))
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        jsonl = out_dir / "trajectories.jsonl"
        jsonl.unlink(missing_ok=True)
    else:
        jsonl = None
    if model in ("expert", "random"):
        agent = ExpertAgent() if model == "expert" else RandomAgent(seed=generation_seed)
        trajs = play_text(agent, env_id, env_kwargs, seeds, group, options)
        if jsonl is not None:
            for traj in trajs:
                append_jsonl(jsonl, traj)
        cfg_used: dict[str, Any] = {}
    else:
        if config is None:
            config = saved_rollout_config(trained_for.get("rollout"), model=model)
        agent = load_agent(model)
        engine = RolloutEngine(agent, env_id, env_kwargs, config)
        trajs = engine.run(seeds, group_size=group, options=options, generation_seed=generation_seed,
                           progress=progress, jsonl_path=jsonl)
        cfg_used = asdict(config)
    summary = {"model": model, "env_id": env_id, "env_kwargs": env_kwargs, "split": split, "n": n,
               "group": group, **summarise(trajs)}
    types = sorted({str(t.meta.get("task_type")) for t in trajs if t.meta.get("task_type")})
    if len(types) > 1:
        summary["per_task_type"] = {
            tt: summarise([t for t in trajs if str(t.meta.get("task_type")) == tt]) for tt in types}
    summary["seconds"] = round(time.perf_counter() - start, 2)
    if out_dir is not None:
        (out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
        (out_dir / "config.json").write_text(json.dumps(
            {"model": model, "env_id": env_id, "env_kwargs": env_kwargs, "split": split, "n": n,
             "group": group, "generation_seed": generation_seed, "rollout": cfg_used}, indent=2))
    return summary


def format_table(summary: dict[str, Any]) -> str:
    """A plain-text table of one summary (and its task types), its columns aligned however
    long the task-type names are.

    >>> s = {"episodes": 2, "success": 0.5, "success_ci": (0.1, 0.9), "mean_return": 0.5,
    ...      "mean_return_ci": (0.0, 1.0), "mean_steps": 3.0, "invalid_rate": 0.0}
    >>> table = format_table({"model": "m", "env_id": "e", "split": "eval", "group": 1, **s,
    ...     "per_task_type": {"pick_cool_then_place_in_recep_and_more_words": s}})
    >>> len({len(line) for line in table.splitlines()[1:]})
    1
    """
    names = ["all", *summary.get("per_task_type", {})]
    width = max(len(n) for n in names)

    def row(name: str, s: dict[str, Any]) -> str:
        ci = f"[{100 * s['success_ci'][0]:.1f}, {100 * s['success_ci'][1]:.1f}]"
        half = (s["mean_return_ci"][1] - s["mean_return_ci"][0]) / 2
        return (f"{name:<{width}} {s['episodes']:>5} {100 * s['success']:>6.1f} {ci:<15}"
                f" {s['mean_return']:>7.3f} ±{half:<6.3f} {s['mean_steps']:>6.1f}"
                f" {100 * s['invalid_rate']:>8.1f}")
    header = (f"{'':<{width}} {'eps':>5} {'success % [95% Wilson]':<22}"
              f" {'return':>7} {'± CI':<7} {'steps':>6} {'invalid%':>8}")
    lines = [f"{summary['model']} on {summary['env_id']} ({summary['split']}, group {summary['group']})",
             header, row("all", summary)]
    for name, sub in summary.get("per_task_type", {}).items():
        lines.append(row(name, sub))
    return "\n".join(lines)
