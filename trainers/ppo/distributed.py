"""Data-parallel PPO with Hugging Face ``accelerate``: the few collectives the trainer needs.

Each process collects its share of an update's tasks (:func:`shard`: whole task seeds, so a
task's group of rollouts stays on one process), scores and computes advantages on them, and
runs the same number of minibatch steps; DDP averages the gradients. What must agree across
processes goes through here: whitening statistics and logged metrics (:func:`reduce_sum`,
:func:`reduce_mean`), the minibatch count and trajectories for the schedules
(:func:`gather_objects`). With one process every function is the identity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import torch

T = TypeVar("T")


def make_accelerator(device: torch.device | str | None = None,
                     find_unused_parameters: bool = False) -> Any:
    """An ``Accelerator`` on the CPU when ``device`` is a CPU one (or CUDA is absent), else on
    the launcher's GPU. ``find_unused_parameters``: for models with parameters that get no
    gradient in some forwards (a separate critic's LM head)."""
    from accelerate import Accelerator
    from accelerate.utils import DistributedDataParallelKwargs

    cpu = not torch.cuda.is_available() or (device is not None and
                                            torch.device(device).type == "cpu")
    kwargs = [DistributedDataParallelKwargs(find_unused_parameters=find_unused_parameters)]
    return Accelerator(cpu=cpu, kwargs_handlers=kwargs)


def finish_distributed(accelerator: Any) -> None:
    """Wait for every process, then tear the process group down. Without this, a rank can
    abort at interpreter exit ("terminate called without an active exception" from gloo's
    threads), failing an otherwise finished run; seen about once in seven 2-process runs."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        accelerator.wait_for_everyone()
        dist.destroy_process_group()


def shard(items: Sequence[T], rank: int, world_size: int) -> list[T]:
    """This process's share of ``items``: every ``world_size``-th from ``rank`` (all of them in
    a single process, in the same order)."""
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(f"bad rank {rank} for world size {world_size}")
    return list(items[rank::world_size])


def reduce_sum(accelerator: Any, values: np.ndarray | Sequence[float]) -> np.ndarray:
    """Element-wise sum of a float64 vector over processes (a copy of it with one process)."""
    arr = np.asarray(values, dtype=np.float64)
    if accelerator is None or accelerator.num_processes == 1:
        return arr.copy()
    tensor = torch.as_tensor(arr, device=accelerator.device)
    return accelerator.reduce(tensor, reduction="sum").cpu().numpy()


def reduce_mean(accelerator: Any, metrics: dict[str, float],
                sums: Sequence[str] = ()) -> dict[str, float]:
    """Metrics averaged over processes (``sums``: added instead). Same keys on every process."""
    if accelerator is None or accelerator.num_processes == 1:
        return dict(metrics)
    keys = sorted(metrics)
    total = reduce_sum(accelerator, [metrics[k] for k in keys])
    n = accelerator.num_processes
    return {k: float(v if k in sums else v / n) for k, v in zip(keys, total)}


def reduce_min(accelerator: Any, value: int) -> int:
    """The smallest ``value`` over processes."""
    if accelerator is None or accelerator.num_processes == 1:
        return int(value)
    tensor = torch.tensor([int(value)], device=accelerator.device)
    return int(accelerator.gather(tensor).min().item())


def gather_objects(accelerator: Any, items: list[T]) -> list[T]:
    """Every process's items, rank 0's first (pickled through ``gather_object``)."""
    if accelerator is None or accelerator.num_processes == 1:
        return list(items)
    from accelerate.utils import gather_object

    return list(gather_object(list(items)))
