"""Build the default model: tokenizer on env text, tiny Qwen2 from config, behaviour cloning.

Loss is only on the target (action) tokens plus the end-of-turn token, so the model learns
to act and to stop. Everything is seeded; the config, the loss history and a loss-curve PNG
are saved beside the model (``stepgym.json``, ``loss.png``).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.chat import ChatPieces
from agents.models import default_model_path, tiny_model, train_tokenizer
from trainers.bootstrap.demos import Demo, collect_demos
from trainers.rollout import RolloutConfig, save_model_meta

# The env kwargs demos are collected with, per env (``--envs`` picks among them). ALFWorld's
# demonstrator is the explorer (tasks/alfworld/explorer.py): the oracle walks straight to
# hidden objects, which a policy that only reads the text cannot imitate. The plain explorer
# (next receptacle in list order) is easier to clone than explorer_fit (which also skips
# receptacles that cannot hold the object): after 1,200 BC steps the model picks the expert's
# whole next reply on held-out demos in 38% of steps vs 6%.
ENV_PRESETS: dict[str, dict[str, Any]] = {
    "stepgym/ALFWorld-v0": {"expert": "explorer"},
    "stepgym/MathChain-v0": {"mode": "multi", "expert_style": "short"},
    "stepgym/WebShop-v0": {},
    "stepgym/ToolUse-v0": {},
    "stepgym/TextWorld-v0": {},
}
# The default model (``stepgym-tiny``) is the demo's: ALFWorld only, so it trains in minutes.
DEFAULT_ENVS: dict[str, dict[str, Any]] = {
    "stepgym/ALFWorld-v0": dict(ENV_PRESETS["stepgym/ALFWorld-v0"])}


@dataclass
class BootstrapConfig:
    """Settings of ``stepgym bootstrap`` (saved as ``stepgym.json`` beside the model)."""

    output: str = ""  # default: the cache's models/stepgym-tiny
    envs: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_ENVS.items()})
    episodes_per_env: int = 300
    noise: float = 0.2
    # Noise also replays last step's actions (some now inapplicable). Off: at 300 episodes and
    # 1,200 steps it did not help (coin collector level 5: 23.8% vs 40.0% within 20 steps at
    # T=1; ALFWorld: 0% either way).
    stale_noise: bool = False
    context_mode: str = "window"  # how demos are rendered: as the rollouts the model will do
    window_steps: int = 2
    vocab_size: int = 2048
    hidden_size: int = 128
    num_layers: int = 3
    num_heads: int = 4
    num_kv_heads: int = 2
    intermediate_size: int = 384
    max_seq_tokens: int = 3072
    train_steps: int = 1200
    batch_tokens: int = 4096  # tokens per optimisation step (padded)
    lr: float = 3e-3
    seed: int = 0
    threads: int = 2
    max_new_tokens: int = 48
    eval_temperature: float = 0.3  # the model's default sampling temperature for eval
    # How the model acts by default (saved in stepgym.json): "generate" writes the action,
    # "score" scores the admissible ones (trainers/action_scoring.py) with "sum" or "mean".
    action_mode: str = "generate"
    action_score: str = "sum"
    # The prompt format demos are written in and the model acts in ("" = each env's own, e.g.
    # ReAct for ALFWorld; "plain" = the action alone). Saved in stepgym.json; load_agent uses it.
    prompt_format: str = ""
    device: str = "cpu"  # torch device for behaviour cloning ("cuda" where there is one)
    context_loss_weight: float = 0.0  # auxiliary LM loss on prompt tokens (see _bc_loss)
    # Per env id, reset options cycled over its demo episodes (episode i uses entry i % n), e.g.
    # {"stepgym/MathChain-v0": [{"horizon": 1}, {"horizon": 2}]} mixes chain lengths.
    reset_options: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def quick(cls, output: str) -> BootstrapConfig:
        """A < 1 minute setting for tests (tiny, mostly untrained)."""
        return cls(output=output, episodes_per_env=2, vocab_size=512, hidden_size=32, num_layers=1,
                   num_heads=2, num_kv_heads=1, intermediate_size=64, train_steps=6,
                   batch_tokens=2048)


def _makeable(envs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    import importlib.util

    from envs.registry import entry_for

    out = {}
    for env_id, kwargs in envs.items():
        try:
            entry = entry_for(env_id)
        except KeyError:
            out[env_id] = kwargs  # not a stepgym table id (e.g. a test env): trust the caller
            continue
        if entry.missing_requirements() or importlib.util.find_spec(entry.entry_point.split(":")[0]) is None:
            continue
        out[env_id] = kwargs
    return out


def _encode(demos: list[Demo], tokenizer: Any, max_len: int) -> list[tuple[list[int], list[int]]]:
    """(input ids, labels) per demo step (window mode) or per demo (concat mode: the whole
    conversation, cut at ``max_len`` after a whole turn); labels -100 except targets and their
    stop tokens."""
    samples = []
    cache: dict[tuple[str, str], ChatPieces] = {}
    for demo in demos:
        key = (demo.env_id, demo.system)
        pieces = cache.get(key) or cache.setdefault(key, ChatPieces(tokenizer, demo.system, demo.tools))
        if demo.context_mode == "concat":
            sample = _encode_conversation(demo, pieces, max_len)
            if sample is not None:
                samples.append(sample)
            continue
        for user, target in demo.steps:
            prompt = pieces.prompt_ids(user)
            answer = [*pieces.encode(target), pieces.stop_token_id]
            if len(prompt) + len(answer) > max_len:
                continue
            samples.append((prompt + answer, [-100] * len(prompt) + answer))
    return samples


def _encode_conversation(demo: Demo, pieces: ChatPieces,
                         max_len: int) -> tuple[list[int], list[int]] | None:
    """One concat-mode sequence, built from the same pieces the rollout engine uses."""
    ids: list[int] = []
    labels: list[int] = []
    for k, (user, target) in enumerate(demo.steps):
        context = pieces.prompt_ids(user) if k == 0 else pieces.continuation_ids(user, stopped=True)
        answer = [*pieces.encode(target), pieces.stop_token_id]
        if len(ids) + len(context) + len(answer) > max_len:
            break
        ids += context + answer
        labels += [-100] * len(context) + ([-100] * len(answer) if k in demo.untrained else answer)
    return (ids, labels) if ids else None


def _as_reloaded(tokenizer: Any, model: Any, out: Path, probe: list[str]) -> Any:
    """The tokenizer exactly as rollouts will load it (``AutoTokenizer`` on the saved folder).

    transformers rebuilds a saved tokenizer by the model's type, so BC samples are encoded
    with the reloaded one, and a mismatch with the trained one on ``probe`` texts is an error:
    training on other ids than the rollouts produce makes the model useless.
    """
    from transformers import AutoTokenizer

    model.config.save_pretrained(out)
    tokenizer.save_pretrained(out)
    reloaded = AutoTokenizer.from_pretrained(out)
    for text in probe:
        if reloaded(text).input_ids != tokenizer(text).input_ids:
            raise RuntimeError(f"the saved tokenizer reloads as {type(reloaded).__name__}, which "
                               f"encodes {text[:60]!r} differently from the trained one")
    return reloaded


def _batches(samples: list, batch_tokens: int, rng: np.random.Generator) -> list[list[int]]:
    """Length-bucketed batches of sample indices, each within ``batch_tokens`` padded tokens."""
    order = sorted(range(len(samples)), key=lambda i: len(samples[i][0]))
    batches, current, longest = [], [], 0
    for i in order:
        longest_next = max(longest, len(samples[i][0]))
        if current and longest_next * (len(current) + 1) > batch_tokens:
            batches.append(current)
            current, longest_next = [], len(samples[i][0])
        current.append(i)
        longest = longest_next
    if current:
        batches.append(current)
    rng.shuffle(batches)
    return batches


def _bc_loss(model: Any, ids: Any, mask: Any, labels: Any, context_weight: float) -> tuple[Any, Any]:
    """(loss to optimise, action loss). The action loss is the mean cross-entropy over the label
    tokens, as ``model(..., labels=labels).loss``; ``context_weight`` > 0 adds that weight times
    the language-model loss on every other real token (the prompts: observations, admissible
    lists). Prompts are ~95% of the tokens and full of copies (an observation's objects reappear
    in the admissible list's ``take`` commands), so this auxiliary loss trains the copying a
    policy needs from the same forward pass; with it off, the LM head runs only where there is
    a label."""
    from torch.nn.functional import cross_entropy

    hidden = model.model(input_ids=ids, attention_mask=mask).last_hidden_state[:, :-1]
    targets = labels[:, 1:]
    keep = targets != -100
    action = cross_entropy(model.lm_head(hidden[keep]).float(), targets[keep])
    if context_weight <= 0:
        return action, action
    context = (mask[:, 1:] == 1) & ~keep
    lm = cross_entropy(model.lm_head(hidden[context]).float(), ids[:, 1:][context])
    return action + context_weight * lm, action.detach()


def _plot(losses: list[float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(range(1, len(losses) + 1), losses, lw=1)
    ax.set_xlabel("step")
    ax.set_ylabel("BC loss (action tokens)")
    ax.set_yscale("log")
    ax.set_title("stepgym bootstrap")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def bootstrap(config: BootstrapConfig, progress: bool = True) -> Path:
    """Build, train and save the default model; returns its directory."""
    import torch
    from tqdm.auto import tqdm

    start = time.perf_counter()
    torch.set_num_threads(config.threads)
    out = Path(config.output) if config.output else default_model_path()
    out.mkdir(parents=True, exist_ok=True)
    envs = _makeable(config.envs)
    demos: list[Demo] = []
    for k, (env_id, kwargs) in enumerate(envs.items()):
        demos += collect_demos(env_id, kwargs, config.episodes_per_env, config.window_steps,
                               seed=config.seed + 1000 * k, noise=config.noise,
                               context_mode=config.context_mode,
                               stale_noise=config.stale_noise,
                               prompt_format=config.prompt_format or None,
                               reset_options=config.reset_options.get(env_id))
    texts = [d.system for d in demos[:: max(1, len(demos) // 50)]]
    texts += [json.dumps(d.tools) for d in demos[:1] if d.tools]
    texts += [text for d in demos for step in d.steps for text in step]
    for env_id in envs:
        texts += [json.dumps(d.tools) for d in demos if d.env_id == env_id and d.tools][:1]
    trained = train_tokenizer(texts, vocab_size=config.vocab_size, template="chatml")
    model = tiny_model(trained, arch="qwen2", hidden_size=config.hidden_size,
                       num_layers=config.num_layers, num_heads=config.num_heads,
                       num_kv_heads=config.num_kv_heads, intermediate_size=config.intermediate_size,
                       max_position_embeddings=max(4096, config.max_seq_tokens), seed=config.seed)
    tokenizer = _as_reloaded(trained, model, out, texts[:: max(1, len(texts) // 200)])
    samples = _encode(demos, tokenizer, config.max_seq_tokens)
    device = torch.device(config.device)
    model.to(device)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr,
                                                   total_steps=max(1, config.train_steps),
                                                   pct_start=0.1)
    rng = np.random.default_rng(config.seed)
    pad = tokenizer.pad_token_id
    losses: list[float] = []
    batches: list[list[int]] = []
    bar = tqdm(range(config.train_steps), desc="bootstrap BC", disable=not progress)
    for _ in bar:
        if not batches:
            batches = _batches(samples, config.batch_tokens, rng)
        idx = batches.pop()
        width = max(len(samples[i][0]) for i in idx)
        ids = torch.full((len(idx), width), pad, dtype=torch.long)
        labels = torch.full((len(idx), width), -100, dtype=torch.long)
        mask = torch.zeros((len(idx), width), dtype=torch.long)
        for row, i in enumerate(idx):  # right padding is fine for training
            x, y = samples[i]
            ids[row, : len(x)] = torch.tensor(x)
            labels[row, : len(y)] = torch.tensor(y)
            mask[row, : len(x)] = 1
        loss, action_loss = _bc_loss(model, ids.to(device), mask.to(device), labels.to(device),
                                     config.context_loss_weight)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        losses.append(action_loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
    model.eval()
    model.to("cpu")
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    _plot(losses, out / "loss.png")
    rollout = RolloutConfig(context_mode=config.context_mode, window_steps=config.window_steps,
                            max_context_tokens=config.max_seq_tokens,
                            max_new_tokens=config.max_new_tokens,
                            temperature=config.eval_temperature,
                            action_mode=config.action_mode, action_score=config.action_score)
    format_meta = {"prompt_format": config.prompt_format} if config.prompt_format else {}
    save_model_meta(out, rollout, envs, bootstrap=asdict(config), **format_meta,
                    num_parameters=sum(p.numel() for p in model.parameters()),
                    demo_episodes=len(demos), bc_samples=len(samples), losses=losses,
                    seconds=round(time.perf_counter() - start, 1))
    return out
