"""Speed of stepgym/WebShop-v0 at 10k and 100k products, side by side in one run.

    python benchmarks/bench_webshop.py [--sizes 10000 100000] [--queries 300] [--episodes 200]

Per catalogue size: catalogue generation, BM25 index build (cold, into a temporary cache
dir) and load (warm, memory-mapped from disk); top-50 search latency over instruction
texts and product titles; env steps per second through ``gym.make`` with every info key
(admissible actions, progress = reward-if-bought-now, expert action) computed each step,
for the expert and for a "browse" policy (search with the instruction, then random
admissible clicks). Single process. Writes benchmarks/results/webshop.md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gymnasium as gym

import envs  # noqa: F401
from envs.webshop import search as search_mod
from tasks.webshop import catalogue as catalogue_mod

RESULTS = Path(__file__).resolve().parent / "results"


def _episodes(env: gym.Env, episodes: int, policy: str) -> tuple[int, float, float]:
    steps, elapsed, rewards = 0, 0.0, []
    for ep in tqdm(range(episodes), desc=f"  {policy} episodes", leave=False):
        rng = np.random.default_rng(ep)
        _, info = env.reset(seed=10_000 + ep)
        t = time.perf_counter()
        reward = 0.0
        while True:
            if policy == "expert":
                action = info["expert_action"]
            elif info["admissible_actions"] == ["search[<your query>]"]:
                action = f"search[{info['goal']}]"
            else:
                action = str(rng.choice(info["admissible_actions"]))
            _, reward, terminated, truncated, info = env.step(action)
            steps += 1
            if terminated or truncated:
                break
        elapsed += time.perf_counter() - t
        rewards.append(float(reward))
    return steps, elapsed, float(np.mean(rewards))


def bench_size(size: int, queries: int, episodes: int) -> dict[str, Any]:
    out: dict[str, Any] = {"products": size}
    t = time.perf_counter()
    cat = catalogue_mod.generate_catalogue(0, size, progress=True)
    out["catalogue_build_s"] = time.perf_counter() - t
    catalogue_mod._CACHE[(catalogue_mod.GENERATOR_VERSION, 0, size)] = cat
    with tempfile.TemporaryDirectory() as tmp:
        old = os.environ.get("STEPGYM_CACHE")
        os.environ["STEPGYM_CACHE"] = tmp
        try:
            search_mod.clear_memory_cache()
            t = time.perf_counter()
            search_mod.get_search_index(cat, progress=True)
            out["index_build_s"] = time.perf_counter() - t
            search_mod.clear_memory_cache()
            t = time.perf_counter()
            index = search_mod.get_search_index(cat)
            out["index_load_s"] = time.perf_counter() - t
            env = gym.make("stepgym/WebShop-v0", num_products=size)
            texts = []
            for i in range(queries // 2):
                texts.append(env.unwrapped.suite.get("train", i).goal)
                texts.append(cat[(i * 7919) % size].title)
            latencies = []
            for text in tqdm(texts, desc="  queries", leave=False):
                t = time.perf_counter()
                index.search(text)
                latencies.append((time.perf_counter() - t) * 1000)
            out["search_ms_mean"] = float(np.mean(latencies))
            out["search_ms_p50"] = float(np.percentile(latencies, 50))
            out["search_ms_p95"] = float(np.percentile(latencies, 95))
            for policy in ("expert", "browse"):
                _episodes(env, 5, policy)  # warm-up: task generation + verification
                steps, elapsed, mean_reward = _episodes(env, episodes, policy)
                out[f"{policy}_steps_per_s"] = steps / elapsed
                out[f"{policy}_mean_reward"] = mean_reward
                out[f"{policy}_steps"] = steps
            env.close()
        finally:
            if old is None:
                os.environ.pop("STEPGYM_CACHE", None)
            else:
                os.environ["STEPGYM_CACHE"] = old
    search_mod.clear_memory_cache()
    return out


ROWS = (
    ("catalogue generation (s)", "catalogue_build_s", "{:.2f}"),
    ("BM25 index build, cold (s)", "index_build_s", "{:.2f}"),
    ("BM25 index load from disk cache (s)", "index_load_s", "{:.3f}"),
    ("top-50 search, mean (ms)", "search_ms_mean", "{:.2f}"),
    ("top-50 search, p50 (ms)", "search_ms_p50", "{:.2f}"),
    ("top-50 search, p95 (ms)", "search_ms_p95", "{:.2f}"),
    ("env steps/s, expert policy", "expert_steps_per_s", "{:,.0f}"),
    ("env steps/s, browse policy", "browse_steps_per_s", "{:,.0f}"),
    ("mean reward, expert (seeds 10000+)", "expert_mean_reward", "{:.3f}"),
    ("mean reward, browse (random clicks)", "browse_mean_reward", "{:.3f}"),
)


def to_markdown(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    header = "| measure | " + " | ".join(f"{r['products']:,} products" for r in results) + " |"
    lines = [
        "# WebShop env speed by catalogue size: " + " vs ".join(f"{r['products']:,}" for r in results) + " products",
        "",
        f"{meta['queries']} queries (instruction texts and product titles), {meta['episodes']} episodes per "
        f"policy, single process; bm25s {meta['bm25s']} (numpy backend); {meta['machine']}.",
        "Env steps include every info key (admissible actions, progress, expert action).",
        "",
        header,
        "|---" * (len(results) + 1) + "|",
    ]
    for label, key, fmt in ROWS:
        lines.append(f"| {label} | " + " | ".join(fmt.format(r[key]) for r in results) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--episodes", type=int, default=200)
    args = parser.parse_args()
    import bm25s

    meta = {
        "queries": args.queries, "episodes": args.episodes, "bm25s": bm25s.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
    }
    results = []
    for size in args.sizes:
        print(f"== {size:,} products")
        results.append(bench_size(size, args.queries, args.episodes))
        print(json.dumps(results[-1], indent=1))
    md = to_markdown(results, meta)
    print(md)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "webshop.md").write_text(md)
    (RESULTS / "webshop.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
