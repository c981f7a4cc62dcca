from mmcv.transforms import BaseTransform

from cue_plugin.registry import TRANSFORMS

POSITIONS = ('center', 'top_left', 'top_right', 'bottom_left', 'bottom_right')


@TRANSFORMS.register_module()
class CropAt(BaseTransform):
    """A fixed crop at one of torchvision's FiveCrop positions, for five-crop test-time
    ensembles (``TestTimeAug`` with one branch per position).

    Args:
        crop_size (int): square crop size.
        position (str): center, top_left, top_right, bottom_left or bottom_right.
    """

    def __init__(self, crop_size: int, position: str = 'center'):
        if position not in POSITIONS:
            raise ValueError(f'CropAt.position must be one of {POSITIONS}, got {position!r}.')
        self.crop_size = crop_size
        self.position = position

    def transform(self, results: dict) -> dict:
        img = results['img']
        h, w = img.shape[:2]
        s = self.crop_size
        if s > h or s > w:
            raise ValueError(f'CropAt: crop {s} larger than the image {h}x{w}.')
        top = {'center': int(round((h - s) / 2.0)), 'top_left': 0, 'top_right': 0}.get(
            self.position, h - s)
        left = {'center': int(round((w - s) / 2.0)), 'top_left': 0, 'bottom_left': 0}.get(
            self.position, w - s)
        results['img'] = img[top:top + s, left:left + s]
        results['img_shape'] = results['img'].shape[:2]
        return results

    def __repr__(self):
        return f'{type(self).__name__}(crop_size={self.crop_size}, position={self.position!r})'
