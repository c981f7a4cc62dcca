from collections.abc import Sequence
from typing import Dict, List, Optional

import numpy as np
import torch
from mmpretrain.structures import DataSample


class DataSampleBatch(Sequence):
    """The data samples of one batch held as batched tensors.

    A loader with ``collate_fn=dict(type='stacked_collate')`` delivers this instead of a
    list of mmpretrain ``DataSample``: one small object through the worker queue and one
    tensor per field for the model, where the list costs the main process a rebuild of
    every sample, a per-sample label copy in the data preprocessor and a Python loop in
    every consumer (docs/benchmarks.md, "Host overhead").

    It is still a sequence of ``DataSample``: indexing, iterating or ``len`` give the
    per-sample objects, built once on first access, so any mmpretrain component works
    unchanged. Components that know the batch read and write whole fields with
    :func:`cue_plugin.structures.batch_field` / :func:`set_batch_field` while the batch
    is not yet split into samples; afterwards those helpers go through the samples, so
    what a generic component wrote to them is what the next one reads.

    Args:
        fields (dict): field name -> tensor whose first dimension is the batch (row i is
            sample i's value, e.g. ``gt_label`` (B, 1), ``instance_cue_topk`` (B, k)).
        metainfo (dict): meta key -> list of per-sample values.
        size (int, optional): batch size; taken from the fields or metainfo if omitted.
    """

    def __init__(self, fields: Optional[Dict[str, torch.Tensor]] = None,
                 metainfo: Optional[Dict[str, list]] = None, size: Optional[int] = None):
        self._fields = dict(fields or {})
        self.metainfo = dict(metainfo or {})
        sizes = {len(v) for v in list(self._fields.values()) + list(self.metainfo.values())}
        if size is not None:
            sizes.add(size)
        if len(sizes) > 1:
            raise ValueError(f'DataSampleBatch: fields and metainfo disagree on the batch '
                             f'size ({sorted(sizes)}).')
        self.size = sizes.pop() if sizes else 0
        self._samples: Optional[List[DataSample]] = None

    @classmethod
    def from_samples(cls, samples: Sequence) -> 'DataSampleBatch':
        """Stack the data fields of ``samples``; raises ValueError when a field cannot
        stack (missing in some samples, or of different shapes)."""
        samples = list(samples)
        if not samples or not all(isinstance(s, DataSample) for s in samples):
            raise ValueError('DataSampleBatch.from_samples needs a non-empty list of '
                             'mmpretrain DataSample.')
        first = samples[0]
        if any(set(s.keys()) != set(first.keys()) for s in samples):
            raise ValueError('DataSampleBatch: the samples carry different fields.')
        fields, metainfo = {}, {}
        for name in first.keys():
            values = [s.get(name) for s in samples]
            if not all(torch.is_tensor(v) for v in values):
                values = [torch.as_tensor(np.asarray(v)) for v in values]
            if any(v.shape != values[0].shape for v in values):
                raise ValueError(f"DataSampleBatch: field '{name}' has different shapes "
                                 'across the batch (e.g. multi-label gt_label).')
            fields[name] = torch.stack(values)
        for name in first.metainfo_keys():
            metainfo[name] = [s.metainfo.get(name) for s in samples]
        return cls(fields, metainfo, len(samples))

    # -- whole-batch access (before the batch is split into samples) -------------------
    @property
    def is_split(self) -> bool:
        """Whether per-sample ``DataSample`` objects were built (then they hold the
        truth)."""
        return self._samples is not None

    @property
    def fields(self) -> Dict[str, torch.Tensor]:
        if self.is_split:
            raise RuntimeError('DataSampleBatch was split into samples: read the fields '
                               'through cue_plugin.structures.batch_field.')
        return self._fields

    def set_field(self, name: str, value: torch.Tensor) -> None:
        if len(value) != self.size:
            raise ValueError(f"DataSampleBatch.set_field('{name}'): {len(value)} rows for a "
                             f'batch of {self.size}.')
        if self.is_split:
            for s, row in zip(self._samples, value):
                s.set_field(row, name)
        self._fields[name] = value

    def with_fields(self, fields: Dict[str, torch.Tensor]) -> 'DataSampleBatch':
        """A batch with the same metainfo and these fields (e.g. moved to a device)."""
        return DataSampleBatch(fields, self.metainfo, self.size)

    # -- the sequence of DataSample --------------------------------------------------
    def samples(self) -> List[DataSample]:
        if self._samples is None:
            samples = []
            for i in range(self.size):
                s = DataSample(metainfo={k: v[i] for k, v in self.metainfo.items()})
                for name, value in self._fields.items():
                    s.set_field(value[i], name)
                samples.append(s)
            self._samples = samples
        return self._samples

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index):
        return self.samples()[index]

    def __iter__(self):
        return iter(self.samples())

    def __reduce__(self):
        # Through the loader's queue: fields by value as numpy (a shared-memory tensor
        # costs a file-descriptor handshake each), never the split samples.
        fields = {k: v.numpy() if torch.is_tensor(v) and v.device.type == 'cpu' else v
                  for k, v in self._fields.items()}
        return _rebuild_batch, (fields, self.metainfo, self.size)

    def __repr__(self) -> str:
        shapes = ', '.join(f'{k}: {tuple(v.shape)}' for k, v in self._fields.items())
        return f'<DataSampleBatch of {self.size} ({shapes}; meta {sorted(self.metainfo)})>'


def _rebuild_batch(fields, metainfo, size):
    return DataSampleBatch({k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v
                            for k, v in fields.items()}, metainfo, size)
