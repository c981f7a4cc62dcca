from typing import Sequence, Union

import torch.nn.functional as F
from mmpretrain.models.utils.data_preprocessor import ClsDataPreprocessor

from cue_plugin.registry import MODELS


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
    """

    def __init__(self, size: Union[int, Sequence[int]] = 224, mode: str = 'bilinear',
                 antialias: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.mode = mode
        self.antialias = antialias

    def forward(self, data: dict, training: bool = False) -> dict:
        data = super().forward(data, training)
        x = data['inputs']
        if tuple(x.shape[-2:]) != self.size:
            data['inputs'] = F.interpolate(x, size=self.size, mode=self.mode,
                                           align_corners=False, antialias=self.antialias)
        return data
