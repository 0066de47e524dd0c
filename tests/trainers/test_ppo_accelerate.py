"""PPO data parallel under ``accelerate launch --cpu --num_processes 2``: both ranks train on
their own share of the synthetic episodes, parameters stay bit-identical across ranks (DDP
averages the gradients), they move from the start, and a resumed 2-process run matches a
straight one. The worker half of this file runs inside the launched processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]


def _flat(module: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().double().flatten() for _, p in sorted(module.named_parameters())
                      if p.requires_grad])


def _worker(out: Path) -> None:
    """Runs in each launched process: a straight 2-update run, then 1 update + a resumed
    second, on the tiny Qwen2 and the sampled two-turn task of test_ppo_trainer."""
    torch.set_num_threads(1)
    from tests.trainers.test_ppo_losses import tiny_model
    from tests.trainers.test_ppo_trainer import SampledSource
    from trainers.ppo.config import PPOConfig
    from trainers.ppo.distributed import finish_distributed, make_accelerator, shard
    from trainers.ppo.model import ActorCritic
    from trainers.ppo.trainer import PPOTrainer

    accelerator = make_accelerator("cpu")
    rank, world = accelerator.process_index, accelerator.num_processes

    class RankSource(SampledSource):
        """This rank's share of the episodes (every world-th), its own sampling stream."""

        def train(self, update: int, options: dict[str, Any] | None) -> list:
            gen = torch.Generator().manual_seed((self.seed * 100_003 + update) * world + rank)
            turns = int((options or {}).get("horizon", 2))
            return [self._episode(i, turns, gen) for i in shard(range(self.n), rank, world)]

    def trainer(directory: Path, updates: int) -> PPOTrainer:
        cfg = PPOConfig(output_dir=str(directory), num_updates=updates, update_epochs=2,
                        num_minibatches=2, learning_rate=3e-3, critic_learning_rate=3e-3,
                        save_every=1, kl_coef=0.01, eval_every=1)
        ac = ActorCritic(tiny_model(), use_reference=True)
        return PPOTrainer(cfg, ac, RankSource(ac.policy, num_episodes=8), pad_id=0,
                          accelerator=accelerator)

    straight = trainer(out / "straight", 2)
    start = _flat(straight.ac)
    history = straight.train()
    end = _flat(straight.ac)
    trainer(out / "resumed", 1).train()
    resumed = trainer(out / "resumed", 2)
    resumed.train()
    checksum = torch.stack([end.sum(), (end * torch.arange(1, end.numel() + 1)).sum(),
                            (end - start).abs().sum(), (_flat(resumed.ac) - end).abs().max()])
    sums = accelerator.gather(checksum.unsqueeze(0))  # (world, 4)
    record = {"rank": rank, "world": world, "checksum": checksum.tolist(),
              "all_checksums": sums.tolist(), "history": history, "resumed_update": resumed.update,
              "max_abs_diff_ranks": float((sums - sums[0]).abs().max())}
    (out / f"rank{rank}.json").write_text(json.dumps(record))
    finish_distributed(accelerator)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_two_cpu_processes_stay_in_sync_and_resume(tmp_path):
    launcher = Path(sys.executable).with_name("accelerate")
    if not launcher.exists():
        pytest.skip("accelerate CLI not installed")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    # on a CPU-only machine accelerate 1.15 starts several processes only through its
    # multi-process (torchrun) launcher, --multi_gpu; --cpu alone runs a single process. The
    # worker's Accelerator(cpu=True) makes them gloo CPU processes even where GPUs exist.
    cmd = [str(launcher), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
           "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port",
           str(_free_port()), __file__, str(tmp_path)]
    began = time.monotonic()
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=480)
    assert proc.returncode == 0, proc.stderr[-4000:]
    print(f"2-process accelerate run: {time.monotonic() - began:.1f} s")
    records = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    assert [r["rank"] for r in records] == [0, 1] and all(r["world"] == 2 for r in records)
    # identical parameters on both ranks (bit for bit: DDP all-reduces, same optimiser steps)
    assert records[0]["all_checksums"][0] == records[0]["all_checksums"][1]
    assert records[0]["checksum"] == records[1]["checksum"]
    assert records[0]["max_abs_diff_ranks"] == 0.0
    assert records[0]["checksum"][2] > 0.0  # parameters moved from their start
    assert records[0]["checksum"][3] < 1e-5  # resumed run ends where the straight one did
    assert records[1]["resumed_update"] == 2
    # both ranks log the same (reduced) metrics; only the main process writes files
    # (the evaluation before the first update, then the two updates)
    assert records[0]["history"] == records[1]["history"] and len(records[0]["history"]) == 3
    assert set(records[0]["history"][0]) == {"update", "eval_pass_rate"}
    assert records[0]["history"][1]["generated_tokens"] > 0  # summed over both ranks' episodes
    assert "eval_pass_rate" in records[0]["history"][1]
    lines = (tmp_path / "resumed" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(ln)["update"] for ln in lines] == [0, 1, 2]  # no second start eval
    assert (tmp_path / "straight" / "checkpoint-2" / "trainable.pt").exists()
    assert (tmp_path / "straight" / "config.yaml").exists()


if __name__ == "__main__":
    _worker(Path(sys.argv[1]))
