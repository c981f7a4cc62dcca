from typing import Sequence

import torch


def gather_to(tensors: Sequence, device, cat: bool = False) -> torch.Tensor:
    """Stack (or concatenate) per-sample tensors and move them to ``device``.

    A pageable host-to-GPU copy makes the host wait for all queued GPU work, so a label
    copied mid-step stalls the pipeline; from pinned memory the copy is asynchronous.
    """
    t = torch.cat(list(tensors)) if cat else torch.stack([torch.as_tensor(x) for x in tensors])
    device = torch.device(device)
    if t.device.type == 'cpu' and device.type == 'cuda':
        return t.pin_memory().to(device, non_blocking=True)
    return t.to(device)
