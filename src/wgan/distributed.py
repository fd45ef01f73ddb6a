"""Multi-process training on PyTorch's own engine: torchrun + DistributedDataParallel.

`torchrun --nproc_per_node=N -m wgan train ...` starts N processes with RANK, WORLD_SIZE
and LOCAL_RANK set; each trains on its own data stream with batch_size / N samples, and
DDP averages the gradients of both networks. The CPU `gloo` backend serves CPUs, NCCL GPUs.

Known trap (measured): with `static_graph=True`, a gradient penalty taken through the DDP
module is silently not all-reduced and the replicas diverge; default DDP is right, and so
is what we do.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from .errors import WganError


@dataclass(frozen=True)
class Process:
    """This process's place in the job: rank, world size, local rank (1 process: 0, 1, 0)."""
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def from_environment() -> Process:
    """The Process that torchrun describes in the environment (a single process otherwise)."""
    return Process(int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
                   int(os.environ.get("LOCAL_RANK", 0)))


def init(process: Process, device: torch.device) -> None:
    """Join the process group once: gloo for CPU tensors, NCCL for CUDA tensors.

    On GPUs both backends are registered, so the small control collectives (stop flags,
    gathered metrics) run on the CPU through gloo and never wait on the GPU, while DDP's
    gradient all-reduce runs through NCCL.
    """
    if process.distributed and not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
            dist.init_process_group("cpu:gloo,cuda:nccl")
        else:
            dist.init_process_group("gloo")


def wrap(module: nn.Module, process: Process, device: torch.device) -> nn.Module:
    """The module to call when its gradients must be averaged over processes."""
    if not process.distributed:
        return module
    return nn.parallel.DistributedDataParallel(module, device_ids=[device.index] if device.type == "cuda" else None)


def unwrap(module: nn.Module) -> nn.Module:
    """The module inside a DDP wrapper (the module itself when not wrapped)."""
    return module.module if isinstance(module, nn.parallel.DistributedDataParallel) else module


def any_processes(flags: list[bool], process: Process) -> list[bool]:
    """Each flag true on every process when it is true on any, in one all-reduce."""
    if not process.distributed:
        return list(flags)
    value = torch.tensor([1.0 if flag else 0.0 for flag in flags])
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return [bool(v > 0) for v in value.tolist()]


def gather(obj: Any, process: Process) -> list[Any]:
    """[obj of rank 0, obj of rank 1, ...] on every process."""
    if not process.distributed:
        return [obj]
    out: list[Any] = [None] * process.world_size
    dist.all_gather_object(out, obj)
    return out


def barrier(process: Process) -> None:
    if process.distributed:
        dist.barrier()


def broadcast(obj: Any, process: Process) -> Any:
    """Rank 0's `obj` on every process."""
    if not process.distributed:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def resolve_device(name: str, process: Process = Process()) -> torch.device:
    """'auto' -> CUDA when present (this process's local GPU), else CPU; or any device string."""
    if name == "auto":
        return torch.device(f"cuda:{process.local_rank}" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise WganError(f"train.device = {name!r}: expected auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise WganError(f"train.device = {name!r}, but no CUDA device is available; use auto or cpu")
    return device
