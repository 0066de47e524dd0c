"""Action scoring speed: packed rows (one forward per row, 4D mask) vs KV-cache expansion.

``trainers.action_scoring`` scores a row's K admissible actions in one forward over
``prompt, cand_1, ..., cand_K`` with a mask that keeps the candidates apart. The reference here
is the previous implementation: a forward over the prompts with a KV cache, the cache copied
once per candidate, then a forward over the candidates continuing it (the usual "shared prefix"
recipe). Both score the same rows (the prompts and candidates of real score-mode rollouts on
ALFWorld level 1, recorded by the engine), without gradients (acting) and with a backward pass
(training); the two are measured interleaved, ``--rounds`` times, and must agree to 1e-3.
Writes ``benchmarks/results/action_scoring.md`` and ``.json``.

    python benchmarks/bench_action_scoring.py [--model NAME] [--episodes 32] [--rounds 2]
    python benchmarks/bench_action_scoring.py --model DIR_OF_A_REACT_MODEL --results action_scoring_react
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from agents import load_agent
from trainers.action_scoring import score_actions
from trainers.generation import _cache_key, _new_cache
from trainers.rollout import RolloutConfig, RolloutEngine

RESULTS = Path(__file__).parent / "results"


def _cache_chunks(candidates: Sequence[Sequence[Sequence[int]]], max_tokens: int) -> list[range]:
    """The previous implementation's grouping: consecutive rows while (candidates so far) x
    (longest candidate) stays within ``max_tokens`` (its default: 16,384)."""
    groups, start, count, width = [], 0, 0, 0
    for b, cands in enumerate(candidates):
        w, k = max(len(c) for c in cands), len(cands)
        if b > start and (count + k) * max(width, w) > max_tokens:
            groups.append(range(start, b))
            start, count, width = b, 0, 0
        count, width = count + k, max(width, w)
    groups.append(range(start, len(candidates)))
    return groups


def score_by_cache_expansion(model: torch.nn.Module, prompts: Sequence[Sequence[int]],
                             candidates: Sequence[Sequence[Sequence[int]]], pad_id: int,
                             max_tokens: int = 16384) -> list[torch.Tensor]:
    """The reference (the previous implementation): summed candidate log-probs via a prompt KV
    cache copied once per candidate."""
    scores: list[torch.Tensor] = []
    for rows in _cache_chunks(candidates, max_tokens):
        ps, cs = prompts[rows.start: rows.stop], candidates[rows.start: rows.stop]
        lens = [len(p) for p in ps]
        ids = torch.full((len(ps), max(lens)), pad_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for b, p in enumerate(ps):
            ids[b, : len(p)], mask[b, : len(p)] = torch.as_tensor(list(p)), 1
        cache = _new_cache(model)
        out = model(input_ids=ids, attention_mask=mask, use_cache=True, **{_cache_key(model): cache})
        last = torch.as_tensor(lens) - 1
        first = torch.log_softmax(out.logits[torch.arange(len(ps)), last].float(), dim=-1)
        owner = torch.as_tensor([b for b, cands in enumerate(cs) for _ in cands])
        flat = [list(c) for cands in cs for c in cands]
        width = max(len(c) for c in flat)
        c_ids = torch.full((len(flat), width), pad_id, dtype=torch.long)
        c_mask = torch.zeros_like(c_ids)
        for r, c in enumerate(flat):
            c_ids[r, : len(c)], c_mask[r, : len(c)] = torch.as_tensor(c), 1
        cache.batch_select_indices(owner)
        positions = last[owner].unsqueeze(1) + 1 + torch.arange(width)
        c_out = model(input_ids=c_ids, attention_mask=torch.cat([mask[owner], c_mask], dim=1),
                      position_ids=positions, use_cache=True, **{_cache_key(model): cache})
        logp = torch.log_softmax(c_out.logits.float(), dim=-1)
        tok = torch.empty(c_ids.shape)
        tok[:, 0] = first[owner].gather(-1, c_ids[:, :1]).squeeze(-1)
        tok[:, 1:] = logp[:, :-1].gather(-1, c_ids[:, 1:].unsqueeze(-1)).squeeze(-1)
        summed = (tok * c_mask).sum(dim=1)
        r = 0
        for cands in cs:
            scores.append(summed[r: r + len(cands)])
            r += len(cands)
    return scores


def _time(fn: Callable[[], list[torch.Tensor]], model: torch.nn.Module,
          grad: bool) -> tuple[float, list[torch.Tensor]]:
    model.zero_grad(set_to_none=True)
    start = time.perf_counter()
    with torch.set_grad_enabled(grad):
        scores = fn()
        if grad:
            torch.stack([s.sum() for s in scores]).sum().backward()
    return time.perf_counter() - start, [s.detach() for s in scores]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="stepgym-alfworld-l1",
                        help="a model name or directory (default: the demo's start model)")
    parser.add_argument("--episodes", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--results", default="action_scoring",
                        help="file stem under benchmarks/results/")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    agent = load_agent(args.model)
    model, pad = agent.model.eval(), agent.tokenizer.pad_token_id
    config = RolloutConfig(context_mode="window", window_steps=2, action_mode="score",
                           action_score="mean", temperature=1.0, max_steps=30)
    engine = RolloutEngine(agent, "stepgym/ALFWorld-v0", {"level": 1}, config)
    trajs = engine.run(list(range(args.episodes // 8)), group_size=8, options={"split": "train"})
    samples = [s for t in trajs for s in t.samples]
    prompts = [s.prompt_ids for s in samples]
    candidates = [s.candidates for s in samples]
    ways = {"packed rows (4D mask)": lambda: score_actions(model, prompts, candidates, pad).scores,
            "KV cache copied per candidate": lambda: score_by_cache_expansion(
                model, prompts, candidates, pad)}
    seconds: dict[str, dict[str, list[float]]] = {w: {"acting": [], "training": []} for w in ways}
    for round_ in range(args.rounds):
        order = list(ways) if round_ % 2 == 0 else list(reversed(ways))
        for grad, phase in ((False, "acting"), (True, "training")):
            results = {}
            for way in order:
                elapsed, results[way] = _time(ways[way], model, grad)
                seconds[way][phase].append(elapsed)
            a, b = results.values()
            gap = max((x - y).abs().max().item() for x, y in zip(a, b))
            if gap > 1e-3:
                raise SystemExit(f"the two ways disagree by {gap} ({phase})")
    rows = {w: {p: min(v) for p, v in phases.items()} for w, phases in seconds.items()}
    base = rows["KV cache copied per candidate"]
    table = ["| scoring | acting s | training s (fwd + bwd) | speed-up acting | speed-up training |",
             "|---|---:|---:|---:|---:|"]
    for way, r in rows.items():
        table.append(f"| {way} | {r['acting']:.2f} | {r['training']:.2f} | "
                     f"{base['acting'] / r['acting']:.2f}x | {base['training'] / r['training']:.2f}x |")
    n_cands = sum(len(c) for c in candidates)
    header = (f"{len(samples)} rows (steps) of {len(trajs)} ALFWorld level-1 episodes, "
              f"{n_cands / len(samples):.1f} candidates per row, model {args.model}, "
              f"{args.threads} thread(s), best of {args.rounds} interleaved rounds, "
              f"load average {os.getloadavg()[0]:.2f}")
    print(header)
    print("\n".join(table))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.results}.md").write_text(header + "\n\n" + "\n".join(table) + "\n")
    (RESULTS / f"{args.results}.json").write_text(json.dumps(
        {"rows": len(samples), "episodes": len(trajs), "candidates_per_row": n_cands / len(samples),
         "model": args.model, "threads": args.threads, "seconds": seconds, "best": rows,
         "machine": platform.platform()}, indent=2))


if __name__ == "__main__":
    main()
