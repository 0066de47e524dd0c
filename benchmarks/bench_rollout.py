"""Rollout speed: the batched engine vs one-env-at-a-time generation, side by side.

Same model, same envs, same episodes (seeds), same sampling settings; the only difference is
how many envs share one batched sampling call (all running envs vs one). Reports episodes/s,
generated tokens/s and the share of wall time spent in env code. The model is the embedded
default (``stepgym-tiny``) when it has been bootstrapped, else a random tiny Qwen2 of the
same shape built from config. Writes ``benchmarks/results/rollout.md`` and ``.json``.

    python benchmarks/bench_rollout.py [--envs 32] [--max-steps 4] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import asdict
from pathlib import Path

import torch

from agents import LLMAgent, default_model_path, load_agent
from trainers.rollout import RolloutConfig, RolloutEngine

RESULTS = Path(__file__).parent / "results"
ENVS = {"stepgym/MathChain-v0": {"mode": "multi"}, "stepgym/ALFWorld-v0": {}}


def _agent() -> tuple[LLMAgent, str]:
    if default_model_path().is_dir():
        return load_agent("stepgym-tiny", device="cpu"), "stepgym-tiny (bootstrapped)"
    from agents.models import tiny_model, train_tokenizer

    tok = train_tokenizer(["go to cabinet 1", "Answer: 42", "take apple 1 from table 1"] * 50, 1024)
    return LLMAgent(tiny_model(tok, hidden_size=128, num_layers=3, intermediate_size=384), tok), \
        "random tiny Qwen2 (stepgym-tiny not bootstrapped)"


def _measure(agent: LLMAgent, env_id: str, kwargs: dict, seeds: list[int], cfg: RolloutConfig,
             batched: bool) -> dict:
    engine = RolloutEngine(agent, env_id, kwargs, cfg)
    engine.run(seeds[:1], generation_seed=99)  # warm-up: env caches, first-call overheads
    wall = env_s = gen_s = 0.0
    tokens = episodes = steps = 0
    groups = [seeds] if batched else [[s] for s in seeds]
    for group in groups:
        trajs = engine.run(group, generation_seed=1)
        st = engine.stats
        wall, env_s, gen_s = wall + st.wall_s, env_s + st.env_s, gen_s + st.generate_s
        tokens, episodes = tokens + st.generated_tokens, episodes + st.episodes
        steps += sum(t.num_steps for t in trajs)
    return {"mode": "batched" if batched else "one-at-a-time", "env_id": env_id, "episodes": episodes,
            "steps": steps, "generated_tokens": tokens, "wall_s": round(wall, 3),
            "episodes_per_s": episodes / wall, "tokens_per_s": tokens / wall,
            "env_share": env_s / wall, "generate_share": gen_s / wall}


def _ours_tooluse(agent: LLMAgent, seeds: list[int], group: int, cfg: RolloutConfig) -> dict:
    engine = RolloutEngine(agent, "stepgym/ToolUse-v0", {}, cfg)
    engine.run(seeds[:1], generation_seed=99)  # warm-up
    trajs = engine.run(seeds, group_size=group, generation_seed=1)
    st = engine.stats
    return {"mode": "ours (batched engine)", "env_id": "stepgym/ToolUse-v0", "episodes": st.episodes,
            "steps": sum(t.num_steps for t in trajs), "generated_tokens": st.generated_tokens,
            "wall_s": round(st.wall_s, 3), "episodes_per_s": st.episodes / st.wall_s,
            "tokens_per_s": st.generated_tokens / st.wall_s, "env_share": st.env_s / st.wall_s,
            "success": sum(t.won for t in trajs) / len(trajs)}


def _trl_tooluse(agent: LLMAgent, seeds: list[int], group: int, max_new_tokens: int,
                 max_steps: int, out_dir: Path) -> dict:
    """TRL 1.16's own multi-turn tool loop on the same tasks: one GRPO step with
    ``environment_factory=ToolUseTRLEnv``; its wall time is the rollout plus one (tiny)
    optimisation step, so it slightly favours nothing but the engine."""
    import os

    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from envs.tooluse.trl_adapter import INSTRUCTIONS, ToolUseTRLEnv

    rows = [{"prompt": [{"role": "user", "content": INSTRUCTIONS}], "seed": s, "split": "train"}
            for s in seeds]
    args = GRPOConfig(output_dir=str(out_dir), max_steps=1, per_device_train_batch_size=len(seeds) * group,
                      num_generations=group, max_completion_length=max_new_tokens * max_steps,
                      learning_rate=1e-6, beta=0.0, use_cpu=True, bf16=False, report_to="none",
                      logging_steps=1, save_strategy="no", max_tool_calling_iterations=max_steps - 1,
                      temperature=1.0, seed=0, dataloader_num_workers=0, shuffle_dataset=False)
    trainer = GRPOTrainer(model=agent.model, args=args, processing_class=agent.tokenizer,
                          train_dataset=Dataset.from_list(rows), environment_factory=ToolUseTRLEnv)
    start = time.perf_counter()
    trainer.train()
    wall = time.perf_counter() - start
    logs = next(h for h in trainer.state.log_history if "completions/mean_length" in h)
    episodes = len(seeds) * group
    tokens = logs["completions/mean_length"] * episodes  # includes tool-response tokens
    agent.model.eval()
    return {"mode": "TRL GRPOTrainer(environment_factory)", "env_id": "stepgym/ToolUse-v0",
            "episodes": episodes, "steps": None, "generated_tokens": round(tokens),
            "wall_s": round(wall, 3), "episodes_per_s": episodes / wall, "tokens_per_s": tokens / wall,
            "env_share": None, "success": logs.get("reward", None)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", type=int, default=32, help="episodes (= envs batched at once)")
    parser.add_argument("--max-steps", type=int, default=4, help="steps per episode (bounds time)")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-trl", action="store_true", help="skip the TRL tool-loop comparison")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    agent, model_name = _agent()
    cfg = RolloutConfig(context_mode="window", max_new_tokens=args.max_new_tokens,
                        max_steps=args.max_steps, temperature=1.0, max_context_tokens=8192)
    seeds = list(range(args.envs))
    rows = []
    for env_id, kwargs in ENVS.items():
        for batched in (True, False):
            row = _measure(agent, env_id, kwargs, seeds, cfg, batched)
            rows.append(row)
            print(json.dumps(row))
    trl_rows: list[dict] = []
    trl_note = ""
    if not args.skip_trl:
        tasks, group = max(1, args.envs // 8), 8
        trl_rows.append(_ours_tooluse(agent, seeds[:tasks], group, cfg))
        print(json.dumps(trl_rows[-1]))
        try:
            trl_rows.append(_trl_tooluse(agent, seeds[:tasks], group, args.max_new_tokens,
                                         args.max_steps, RESULTS / "_trl_tmp"))
            print(json.dumps(trl_rows[-1]))
        except (ImportError, RuntimeError, ValueError, TypeError, KeyError) as err:
            trl_note = f"TRL loop failed: {type(err).__name__}: {err}"
    speedups = {}
    for env_id in ENVS:
        b, s = [r for r in rows if r["env_id"] == env_id]
        speedups[env_id] = {"episodes_per_s": b["episodes_per_s"] / s["episodes_per_s"],
                            "tokens_per_s": b["tokens_per_s"] / s["tokens_per_s"]}
    result = {"model": model_name,
              "num_parameters": sum(p.numel() for p in agent.model.parameters()),
              "config": asdict(cfg), "envs": args.envs, "threads": args.threads,
              "machine": f"{platform.processor() or platform.machine()}, torch {torch.__version__}",
              "rows": rows, "speedup": speedups,
              "trl_rows": trl_rows, "trl_note": trl_note or ("skipped" if args.skip_trl else ""),
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "rollout.json").write_text(json.dumps(result, indent=2))
    lines = [f"# Rollout speed ({result['date']})", "",
             f"Model: {model_name}, {result['num_parameters']:,} parameters, fp32 CPU, "
             f"{args.threads} threads. {args.envs} episodes per env (same seeds in both modes), "
             f"window mode, at most {args.max_steps} steps and {args.max_new_tokens} new tokens per turn.",
             "", "| env | mode | episodes/s | generated tokens/s | env share of wall time | speed-up |",
             "|---|---|---:|---:|---:|---:|"]
    for r in rows:
        up = speedups[r["env_id"]]["episodes_per_s"] if r["mode"] == "batched" else 1.0
        lines.append(f"| {r['env_id']} | {r['mode']} | {r['episodes_per_s']:.2f} | {r['tokens_per_s']:.0f} "
                     f"| {100 * r['env_share']:.1f}% | {up:.1f}x |")
    if trl_rows:
        lines += ["", f"ToolUse, {trl_rows[0]['episodes']} episodes "
                  "(tasks x 8), same model and limits: our engine vs TRL's own tool loop "
                  "(its wall time includes one tiny GRPO update; its token count includes "
                  "tool-response tokens).", "",
                  "| loop | episodes/s | tokens/s | env share | wall s |", "|---|---:|---:|---:|---:|"]
        for r in trl_rows:
            share = "n/a" if r["env_share"] is None else f"{100 * r['env_share']:.1f}%"
            lines.append(f"| {r['mode']} | {r['episodes_per_s']:.2f} | {r['tokens_per_s']:.0f} | {share} "
                         f"| {r['wall_s']:.1f} |")
    if result["trl_note"]:
        lines += ["", f"TRL loop: {result['trl_note']}"]
    (RESULTS / "rollout.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
