"""Rollout speed: the batched engine vs one-env-at-a-time generation, and vs TRL's tool loop.

(a) Same model, same envs, same episodes (seeds), same sampling settings; the only difference
is how many envs share one batched sampling call (all running envs vs one). Both use the same
engine code (KV reuse, prefill bucketing and all), so the ratio is what batching buys. The two
are measured interleaved, ``--rounds`` times each (alternating which goes first), so that load
from other processes hits both alike; the machine's load average is recorded.
(b) ToolUse, tasks x 8 rollouts: our engine vs TRL's own multi-turn tool loop
(``GRPOTrainer(environment_factory=ToolUseTRLEnv)``), timing only TRL's generation call
(``_generate``: generation + tool calls, no optimisation step) and counting only its
model-generated tokens (its tool mask), so that both rows measure the same thing.

Reports episodes/s, generated tokens/s and the share of wall time in env code. The model is
``--model`` (a local directory) or the embedded default (``stepgym-tiny``) when bootstrapped,
else a random tiny Qwen2 of the same shape (it rambles to the token limit: not representative).
Writes ``benchmarks/results/rollout.md`` and ``.json``.

    python benchmarks/bench_rollout.py [--model DIR] [--envs 32] [--rounds 2] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from agents import LLMAgent, default_model_path, load_agent
from trainers.rollout import RolloutConfig, RolloutEngine

RESULTS = Path(__file__).parent / "results"
ENVS = {"stepgym/MathChain-v0": {"mode": "multi"}, "stepgym/ALFWorld-v0": {}}


def _agent(model: str | None) -> tuple[LLMAgent, str]:
    path = Path(model) if model else default_model_path()
    if path.is_dir():
        agent = load_agent(str(path), device="cpu")
        meta = path / "stepgym.json"
        how = ""
        if meta.is_file():
            info = json.loads(meta.read_text())
            boot = info.get("bootstrap", {})
            how = (f", behaviour-cloned by `stepgym bootstrap` on {', '.join(info.get('envs', {}))} "
                   f"({boot.get('episodes_per_env')} expert episodes/env, {boot.get('train_steps')} steps)")
        return agent, f"`{path.name}` ({path}){how}"
    from agents.models import tiny_model, train_tokenizer

    tok = train_tokenizer(["go to cabinet 1", "Answer: 42", "take apple 1 from table 1"] * 50, 1024)
    return LLMAgent(tiny_model(tok, hidden_size=128, num_layers=3, intermediate_size=384), tok), \
        "random tiny Qwen2 (stepgym-tiny not bootstrapped; it rambles to the token limit)"


def _once(engine: RolloutEngine, seeds: list[int], batched: bool, group: int = 1) -> dict:
    """One pass over ``seeds`` x ``group`` episodes: all at once (``group`` rollouts per seed),
    or one env per engine call (group members with distinct sampling seeds)."""
    totals = {"wall_s": 0.0, "env_s": 0.0, "generate_s": 0.0, "tokens": 0, "episodes": 0, "steps": 0,
              "turns": 0}
    calls = [(seeds, group, 1)] if batched else [([s], 1, 1 + k) for s in seeds for k in range(group)]
    for call_seeds, group_size, generation_seed in calls:
        trajs = engine.run(call_seeds, group_size=group_size, generation_seed=generation_seed)
        st = engine.stats
        totals["wall_s"] += st.wall_s
        totals["env_s"] += st.env_s
        totals["generate_s"] += st.generate_s
        totals["tokens"] += st.generated_tokens
        totals["episodes"] += st.episodes
        totals["turns"] += st.turns
        totals["steps"] += sum(t.num_steps for t in trajs)
    return totals


def _summary(env_id: str, context: str, mode: str, runs: list[dict], group: int) -> dict:
    wall = sum(r["wall_s"] for r in runs)
    return {"env_id": env_id, "context_mode": context, "mode": mode, "group_size": group, "rounds": len(runs),
            "episodes": sum(r["episodes"] for r in runs), "steps": sum(r["steps"] for r in runs),
            "generated_tokens": sum(r["tokens"] for r in runs), "generate_calls": sum(r["turns"] for r in runs),
            "wall_s": round(wall, 3), "episodes_per_s": sum(r["episodes"] for r in runs) / wall,
            "tokens_per_s": sum(r["tokens"] for r in runs) / wall,
            "env_share": sum(r["env_s"] for r in runs) / wall,
            "generate_share": sum(r["generate_s"] for r in runs) / wall,
            "round_wall_s": [round(r["wall_s"], 3) for r in runs]}


def _compare(agent: LLMAgent, env_id: str, kwargs: dict, context: str, seeds: list[int],
             cfg: RolloutConfig, rounds: int, group: int = 1) -> list[dict]:
    engine = RolloutEngine(agent, env_id, kwargs, RolloutConfig(**{**asdict(cfg), "context_mode": context}))
    engine.run(seeds[:2], generation_seed=99)  # warm-up: env caches, first-call overheads
    runs: dict[bool, list[dict]] = {True: [], False: []}
    for r in range(rounds):
        for batched in ((True, False) if r % 2 == 0 else (False, True)):
            runs[batched].append(_once(engine, seeds, batched, group))
    batched_row = _summary(env_id, context, "batched", runs[True], group)
    single_row = _summary(env_id, context, "one-at-a-time", runs[False], group)
    per_round = [s["wall_s"] / b["wall_s"] * b["episodes"] / s["episodes"]
                 for b, s in zip(runs[True], runs[False], strict=True)]
    batched_row["speedup"] = batched_row["episodes_per_s"] / single_row["episodes_per_s"]
    batched_row["speedup_tokens"] = batched_row["tokens_per_s"] / single_row["tokens_per_s"]
    batched_row["speedup_per_round"] = [round(x, 2) for x in per_round]
    single_row["speedup"] = single_row["speedup_tokens"] = 1.0
    return [batched_row, single_row]


def _ours_tooluse(agent: LLMAgent, seeds: list[int], group: int, cfg: RolloutConfig) -> dict:
    engine = RolloutEngine(agent, "stepgym/ToolUse-v0", {}, cfg)
    engine.run(seeds[:1], generation_seed=99)  # warm-up
    trajs = engine.run(seeds, group_size=group, generation_seed=1)
    st = engine.stats
    return {"mode": f"ours (batched engine, {cfg.context_mode})", "env_id": "stepgym/ToolUse-v0",
            "episodes": st.episodes, "turns_per_episode": sum(t.num_steps for t in trajs) / st.episodes,
            "generated_tokens": st.generated_tokens, "wall_s": round(st.wall_s, 3),
            "episodes_per_s": st.episodes / st.wall_s, "tokens_per_s": st.generated_tokens / st.wall_s,
            "env_share": st.env_s / st.wall_s, "success": sum(t.won for t in trajs) / len(trajs)}


def _trl_tooluse(agent: LLMAgent, seeds: list[int], group: int, max_new_tokens: int,
                 max_steps: int, out_dir: Path) -> dict:
    """TRL 1.16's own multi-turn tool loop on the same tasks: ``GRPOTrainer`` with
    ``environment_factory=ToolUseTRLEnv``, one training step; only its ``_generate`` call
    (generation + tool execution) is timed, and env code inside it separately."""
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from envs.tooluse.env import ToolUseEnv
    from envs.tooluse.trl_adapter import INSTRUCTIONS, ToolUseTRLEnv

    env_time = [0.0]

    def timed(fn: Any) -> Any:
        def inner(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                env_time[0] += time.perf_counter() - t0
        return inner

    rows = [{"prompt": [{"role": "user", "content": INSTRUCTIONS}], "seed": s, "split": "train"}
            for s in seeds]
    args = GRPOConfig(output_dir=str(out_dir), max_steps=1, per_device_train_batch_size=len(seeds) * group,
                      num_generations=group, max_completion_length=max_new_tokens * max_steps,
                      learning_rate=1e-6, beta=0.0, use_cpu=True, bf16=False, report_to="none",
                      logging_steps=1, save_strategy="no", max_tool_calling_iterations=max_steps - 1,
                      temperature=1.0, seed=0, dataloader_num_workers=0, shuffle_dataset=False)
    trainer = GRPOTrainer(model=agent.model, args=args, processing_class=agent.tokenizer,
                          train_dataset=Dataset.from_list(rows), environment_factory=ToolUseTRLEnv)
    generate = trainer._generate
    record: dict = {"wall_s": 0.0, "tokens": 0, "episodes": 0}

    def timed_generate(prompts: list) -> Any:  # TRL's tuple, unchanged
        t0 = time.perf_counter()
        out = generate(prompts)
        record["wall_s"] += time.perf_counter() - t0
        completion_ids, tool_mask = out[1], out[2]
        record["episodes"] += len(completion_ids)
        record["tokens"] += sum(sum(m) for m in tool_mask) if tool_mask is not None else \
            sum(len(c) for c in completion_ids)
        return out

    trainer._generate = timed_generate
    originals = {name: getattr(ToolUseEnv, name) for name in ("reset", "step")}
    try:
        for name, fn in originals.items():
            setattr(ToolUseEnv, name, timed(fn))
        start = time.perf_counter()
        trainer.train()
        total = time.perf_counter() - start
    finally:
        for name, fn in originals.items():
            setattr(ToolUseEnv, name, fn)
    agent.model.eval()
    logs = next((h for h in trainer.state.log_history if "reward" in h), {})
    wall = record["wall_s"]
    return {"mode": "TRL GRPOTrainer(environment_factory)", "env_id": "stepgym/ToolUse-v0",
            "episodes": record["episodes"], "generated_tokens": record["tokens"],
            "wall_s": round(wall, 3), "train_step_wall_s": round(total, 3),
            "episodes_per_s": record["episodes"] / wall, "tokens_per_s": record["tokens"] / wall,
            "env_share": env_time[0] / wall, "success": logs.get("reward"),
            "turns_per_episode": 1 + float(logs.get("tools/call_frequency") or 0.0)}


def _markdown(result: dict, args: argparse.Namespace) -> str:
    load = result["loadavg"]
    lines = [f"# Rollout speed ({result['date']})", "",
             f"Model: {result['model']}, {result['num_parameters']:,} parameters, fp32 CPU, "
             f"{args.threads} thread(s), {result['machine']}. Load average (1 min) at start / "
             f"end: {load['start'][0]:.2f} / {load['end'][0]:.2f} on {os.cpu_count()} cores "
             "(other processes shared the CPU; both modes were measured interleaved, so they "
             f"shared it alike). {args.envs} episodes per env and row (same seeds in both modes; "
             "`tasks x G` rows: G rollouts per task, batched as GRPO groups, one at a time with "
             "distinct sampling seeds), "
             f"{args.rounds} interleaved rounds per mode, at most {args.max_steps} steps and "
             f"{args.max_new_tokens} new tokens per turn, temperature 1.0.", "",
             "| env | context | mode | episodes/s | generated tokens/s | env share of wall | "
             "speed-up (episodes/s) | speed-up per round |",
             "|---|---|---|---:|---:|---:|---:|---|"]
    for r in result["rows"]:
        per_round = ", ".join(f"{x:.1f}x" for x in r.get("speedup_per_round", [])) or "-"
        context = r["context_mode"] + (f", {r['episodes'] // r['rounds'] // r['group_size']} tasks x "
                                       f"{r['group_size']}" if r["group_size"] > 1 else "")
        lines.append(f"| {r['env_id']} | {context} | {r['mode']} | {r['episodes_per_s']:.2f} "
                     f"| {r['tokens_per_s']:.0f} | {100 * r['env_share']:.1f}% | {r['speedup']:.1f}x "
                     f"| {per_round} |")
    if result["trl_rows"]:
        lines += ["", f"ToolUse, {result['trl_rows'][0]['episodes']} episodes (tasks x 8), same model "
                  "and limits: our engine vs TRL's own tool loop. TRL: only its `_generate` call "
                  "(generation + tool calls) is timed, and only model-generated tokens are "
                  "counted (its tool mask).", "",
                  "| loop | episodes/s | generated tokens/s | env share | model turns/episode | "
                  "wall s | success |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for r in result["trl_rows"]:
            success = "n/a" if r.get("success") is None else f"{float(r['success']):.2f}"
            lines.append(f"| {r['mode']} | {r['episodes_per_s']:.2f} | {r['tokens_per_s']:.0f} "
                         f"| {100 * r['env_share']:.1f}% | {r['turns_per_episode']:.2f} | {r['wall_s']:.1f} "
                         f"| {success} |")
    if result["trl_note"]:
        lines += ["", f"TRL loop: {result['trl_note']}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model directory (default: stepgym-tiny)")
    parser.add_argument("--envs", type=int, default=32, help="episodes (= envs batched at once)")
    parser.add_argument("--max-steps", type=int, default=4, help="steps per episode (bounds time)")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved repetitions per mode")
    parser.add_argument("--contexts", nargs="+", default=["window", "concat"], choices=["window", "concat"])
    parser.add_argument("--group-size", type=int, default=8,
                        help="also compare concat mode on envs/G tasks x G rollouts (1 = skip)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip-trl", action="store_true", help="skip the TRL tool-loop comparison")
    parser.add_argument("--out", default=str(RESULTS), help="results directory")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load_start = os.getloadavg()
    agent, model_name = _agent(args.model)
    cfg = RolloutConfig(context_mode="window", max_new_tokens=args.max_new_tokens,
                        max_steps=args.max_steps, temperature=1.0, max_context_tokens=8192)
    seeds = list(range(args.envs))
    rows = []
    for env_id, kwargs in ENVS.items():
        for context in args.contexts:
            for row in _compare(agent, env_id, kwargs, context, seeds, cfg, args.rounds):
                rows.append(row)
                print(json.dumps(row), flush=True)
        if args.group_size > 1:  # GRPO-style: tasks x group rollouts of the same task
            tasks = seeds[: max(1, args.envs // args.group_size)]
            for row in _compare(agent, env_id, kwargs, "concat", tasks, cfg, args.rounds, args.group_size):
                rows.append(row)
                print(json.dumps(row), flush=True)
    trl_rows: list[dict] = []
    trl_note = ""
    out_dir = Path(args.out)
    if not args.skip_trl:
        tasks, group = max(1, args.envs // 8), 8
        tool_cfg = RolloutConfig(**{**asdict(cfg), "context_mode": "concat"})
        trl_rows.append(_ours_tooluse(agent, seeds[:tasks], group, tool_cfg))
        print(json.dumps(trl_rows[-1]), flush=True)
        try:
            with tempfile.TemporaryDirectory(prefix="bench_rollout_trl_") as tmp:
                trl_rows.append(_trl_tooluse(agent, seeds[:tasks], group, args.max_new_tokens,
                                             args.max_steps, Path(tmp)))
            print(json.dumps(trl_rows[-1]), flush=True)
        except (ImportError, RuntimeError, ValueError, TypeError, KeyError) as err:
            trl_note = f"TRL loop failed: {type(err).__name__}: {err}"
    result = {"model": model_name,
              "num_parameters": sum(p.numel() for p in agent.model.parameters()),
              "config": asdict(cfg), "envs": args.envs, "rounds": args.rounds, "threads": args.threads,
              "machine": f"{platform.processor() or platform.machine()}, torch {torch.__version__}",
              "loadavg": {"start": load_start, "end": os.getloadavg()},
              "rows": rows, "trl_rows": trl_rows,
              "trl_note": trl_note or ("skipped" if args.skip_trl else ""),
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "rollout.json").write_text(json.dumps(result, indent=2))
    text = _markdown(result, args)
    (out_dir / "rollout.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
