from typing import Any, Sequence

from mmengine.dataset import default_collate
from mmpretrain.structures import DataSample

from cue_plugin.registry import FUNCTIONS
from cue_plugin.structures import DataSampleBatch


@FUNCTIONS.register_module()
def stacked_collate(data_batch: Sequence[dict]) -> Any:
    """mmengine's ``default_collate`` (inputs stacked into one tensor), with the batch's
    ``DataSample`` list packed into one :class:`DataSampleBatch` (labels, cached cues and
    other data fields stacked, metainfo as lists).

    Runs in the loader's workers, so the main process receives one object per batch
    instead of rebuilding a ``DataSample`` per image. Batches whose samples cannot be
    stacked (multi-label ``gt_label`` of varying length) keep the list.

    Use: ``train_dataloader = dict(collate_fn=dict(type='stacked_collate'), ...)``.
    """
    batch = default_collate(data_batch)
    samples = batch.get('data_samples') if isinstance(batch, dict) else None
    if isinstance(samples, (list, tuple)) and samples and all(
            isinstance(s, DataSample) for s in samples):
        try:
            batch['data_samples'] = DataSampleBatch.from_samples(samples)
        except ValueError:
            pass
    return batch
