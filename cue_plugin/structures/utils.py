"""Whole-batch field access for a list of ``DataSample`` or a :class:`DataSampleBatch`."""
from typing import Optional, Sequence

import torch

from cue_plugin.utils import stack_to_device, to_device_async
from .data_sample_batch import DataSampleBatch


def _unsplit(samples) -> bool:
    return isinstance(samples, DataSampleBatch) and not samples.is_split


def has_field(samples: Sequence, name: str) -> bool:
    """Whether the batch's samples carry the field ``name``."""
    if _unsplit(samples):
        return name in samples.fields
    return len(samples) > 0 and name in samples[0]


def batch_field(samples: Sequence, name: str, device=None,
                cat: bool = False) -> torch.Tensor:
    """The field ``name`` of every sample as one tensor on ``device``: stacked (B, ...),
    or concatenated along the first dimension with ``cat`` (labels: (B,)). A batch not
    split into samples hands over its tensor; a list is gathered (pinned, asynchronous
    copy to a GPU)."""
    if _unsplit(samples):
        if name not in samples.fields:
            raise KeyError(f"The batch's data samples have no field '{name}'.")
        t = samples.fields[name]
        if cat and t.dim() > 1:
            t = t.flatten(0, 1)
        return to_device_async(t, device) if device is not None else t
    values = [getattr(s, name) for s in samples]
    return stack_to_device(values, device if device is not None else values[0].device, cat=cat)


def set_batch_field(samples: Sequence, name: str, values: torch.Tensor) -> None:
    """Give sample i row i of ``values`` as its field ``name``."""
    if isinstance(samples, DataSampleBatch):
        samples.set_field(name, values)
        return
    for s, row in zip(samples, values):
        s.set_field(row, name)


def batch_on_device(samples: DataSampleBatch, device,
                    names: Optional[Sequence[str]] = None) -> DataSampleBatch:
    """The batch with its fields (or ``names``) moved to ``device`` asynchronously."""
    fields = dict(samples.fields)
    for name in names if names is not None else list(fields):
        if torch.is_tensor(fields[name]):
            fields[name] = to_device_async(fields[name], device)
    return samples.with_fields(fields)
