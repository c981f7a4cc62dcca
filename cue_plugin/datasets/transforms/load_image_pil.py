import io
from typing import Optional

import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import LoadImageFromFile
from PIL import Image

from cue_plugin.registry import TRANSFORMS

CHANNEL_ORDERS = ('bgr', 'rgb')


def pil_decode(content: bytes, channel_order: str = 'bgr') -> np.ndarray:
    """``np.asarray(Image.open(f).convert('RGB'))`` of an encoded image, in
    ``channel_order``. No EXIF orientation is applied, as the LIFT and CUE reference
    loaders (LIFT datasets/lt_data.py:37-38) decode."""
    with Image.open(io.BytesIO(content)) as img:
        arr = np.asarray(img.convert('RGB'))
    return np.ascontiguousarray(arr[..., ::-1]) if channel_order == 'bgr' else arr


@TRANSFORMS.register_module()
class LoadImagePIL(LoadImageFromFile):
    """Load an image from file as PIL's ``Image.open(path).convert('RGB')`` does: a
    JPEG's EXIF orientation tag is ignored, and every mode (CMYK, greyscale, palette,
    LA...) goes through Pillow's own RGB conversion. mmcv's decoders differ on both:
    cv2 (``IMREAD_COLOR``) and mmcv's Pillow path with ``color_type='color'`` rotate by the
    tag, and mmcv composites LA images on a grey canvas. Drop-in for ``LoadImageFromFile``
    (same keys; BGR by default, as the data preprocessors' ``to_rgb=True`` expect).

    Args:
        channel_order (str): ``'bgr'`` (default, like ``LoadImageFromFile``) or ``'rgb'``.
        to_float32 (bool): return a float32 array. Defaults to False.
        ignore_empty (bool): return None for a missing or unreadable file instead of
            raising. Defaults to False.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self,
                 channel_order: str = 'bgr',
                 to_float32: bool = False,
                 ignore_empty: bool = False,
                 *,
                 backend_args: Optional[dict] = None) -> None:
        if channel_order not in CHANNEL_ORDERS:
            raise ValueError(f'LoadImagePIL.channel_order must be one of {CHANNEL_ORDERS}, '
                             f'got {channel_order!r}.')
        super().__init__(to_float32=to_float32, color_type='color_ignore_orientation',
                         imdecode_backend='pillow', ignore_empty=ignore_empty,
                         backend_args=backend_args)
        self.channel_order = channel_order

    def transform(self, results: dict) -> Optional[dict]:
        filename = results['img_path']
        try:
            img = pil_decode(fileio.get(filename, backend_args=self.backend_args),
                             self.channel_order)
        except Exception:
            if self.ignore_empty:
                return None
            raise
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(channel_order={self.channel_order!r}, '
                f'to_float32={self.to_float32}, ignore_empty={self.ignore_empty}, '
                f'backend_args={self.backend_args})')
