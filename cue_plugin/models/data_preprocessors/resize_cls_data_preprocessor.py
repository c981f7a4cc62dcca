from typing import Sequence, Union

import torch
import torch.nn.functional as F
from mmpretrain.models.utils.data_preprocessor import ClsDataPreprocessor

from cue_plugin.cues import LEGACY_FIELDS, TOPK_FIELD
from cue_plugin.registry import MODELS
from cue_plugin.structures import DataSampleBatch, batch_on_device
from cue_plugin.utils import stack_to_device, to_device_async


@MODELS.register_module()
class ResizeClsDataPreprocessor(ClsDataPreprocessor):
    """``ClsDataPreprocessor`` that resizes the batch on the model's device.

    CIFAR's 32 px images upsampled to 224 px on the CPU (Resize + CenterCrop in the
    pipeline) cost the loader 49x the bytes; here the pipeline keeps 32 px (flip only) and
    the GPU does the bilinear resize after normalisation (both are linear, so the order is
    free). Matches the Pillow pipeline within one grey level (Pillow rounds to uint8).

    Args:
        size (int | tuple): output size (H, W) of square resizing. Defaults to 224.
        mode (str): interpolation mode. Defaults to ``'bilinear'``.
        antialias (bool): antialias when downsampling. Defaults to True.
        **kwargs: arguments of ``ClsDataPreprocessor`` (mean, std, to_rgb, ...).

    On a GPU the batch, its labels and cached cues are first copied asynchronously from
    pinned memory (:meth:`prefetch`): ``ClsDataPreprocessor`` copies each image and the
    labels from pageable memory, and each such copy waits for the previous step's GPU
    work, so the host could never run ahead. A :class:`DataSampleBatch` (from
    ``stacked_collate``) keeps its fields whole: they move as one tensor each.
    """

    #: Per-sample tensor fields moved with the batch (and the instance cue's deprecated
    #: field name, until it goes).
    prefetch_fields = ('gt_label', TOPK_FIELD, *LEGACY_FIELDS)

    def __init__(self, size: Union[int, Sequence[int]] = 224, mode: str = 'bilinear',
                 antialias: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.mode = mode
        self.antialias = antialias

    def forward(self, data: dict, training: bool = False) -> dict:
        samples = data.get('data_samples')
        if isinstance(samples, DataSampleBatch) and not samples.is_split and not (
                self.to_onehot or (training and self.batch_augments is not None)):
            # A stacked batch (stacked_collate): the images take mmpretrain's path, the
            # fields stay whole (no per-sample label copies), moved with the batch.
            data = super().forward(self.prefetch(dict(data, data_samples=None)), training)
            data['data_samples'] = batch_on_device(samples, self._device)
        else:
            data = super().forward(self.prefetch(data), training)
        x = data['inputs']
        if tuple(x.shape[-2:]) != self.size:
            data['inputs'] = F.interpolate(x, size=self.size, mode=self.mode,
                                           align_corners=False, antialias=self.antialias)
        return data

    def prefetch(self, data: dict) -> dict:
        """Stack equal-size images and start their (and the labels') copy to the GPU."""
        device = torch.device(self._device)
        if device.type != 'cuda':
            return data
        data = dict(data)
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)) and inputs and all(
                torch.is_tensor(x) and x.shape == inputs[0].shape for x in inputs):
            inputs = torch.stack(list(inputs))
        if torch.is_tensor(inputs) and inputs.device.type == 'cpu':
            data['inputs'] = to_device_async(inputs, device)
        samples = data.get('data_samples')
        for field in self.prefetch_fields:
            if not samples or field not in samples[0]:
                continue
            values = [torch.as_tensor(s.get(field)) for s in samples]
            if any(v.device.type != 'cpu' for v in values):
                continue
            parts = stack_to_device([v.reshape(-1) for v in values], device, cat=True).split(
                [v.numel() for v in values])
            for s, v, part in zip(samples, values, parts):
                if field == 'gt_label':
                    s.set_gt_label(part.view(v.shape))
                else:
                    s.set_field(part.view(v.shape), field)
        return data
