from typing import Sequence

import torch


def to_device_async(t: torch.Tensor, device) -> torch.Tensor:
    """Move ``t`` to ``device``; a host tensor bound for a GPU goes through pinned memory.

    A pageable host-to-GPU copy makes the host wait for all queued GPU work, so a batch or
    label copied mid-step stalls the pipeline; from pinned memory the copy is asynchronous.
    """
    device = torch.device(device)
    if t.device.type == 'cpu' and device.type == 'cuda':
        return (t if t.is_pinned() else t.pin_memory()).to(device, non_blocking=True)
    return t.to(device)


def stack_to_device(tensors: Sequence, device, cat: bool = False) -> torch.Tensor:
    """Stack (or concatenate) per-sample tensors and move them to ``device``
    (:func:`to_device_async`)."""
    t = torch.cat(list(tensors)) if cat else torch.stack([torch.as_tensor(x) for x in tensors])
    return to_device_async(t, device)
