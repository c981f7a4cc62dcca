"""classify_images (tools/misc/infer.py) skips an unreadable image, naming it, and classifies the
rest, whichever way the config decodes images."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from cue_plugin.apis import classify_images

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {
    'arrays': 'configs/lift/clip_b16_cifar100lt.py',  # in-memory data set: RGB arrays
    'pil': 'configs/lift/clip_b16_imagenetlt.py',  # LoadImagePIL
    'file': 'configs/lift/clip_b16_imagenetlt.py',  # LoadImageFromFile swapped in
}


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp('images')
    rs = np.random.RandomState(0)
    for name in ('a.png', 'c.png'):
        Image.fromarray(rs.randint(0, 256, (24, 24, 3), dtype=np.uint8)).save(folder / name)
    (folder / 'b.jpg').write_bytes(b'not a JPEG at all')
    (folder / 'd.png').write_bytes(b'')
    return folder


@pytest.mark.parametrize('route', sorted(CONFIGS))
def test_unreadable_images_are_skipped_with_a_warning(route, images, tmp_path):
    cfg = Config.fromfile(osp.join(REPO, CONFIGS[route]))
    cfg.model.backbone.arch, cfg.model.backbone.pretrained = 'CUE-Tiny-ViT', None
    if route == 'file':
        pipeline = cfg.test_dataloader.dataset.pipeline
        pipeline[0] = dict(type='LoadImageFromFile')
    path = str(tmp_path / 'cfg.py')
    cfg.dump(path)
    with pytest.warns(UserWarning) as record:
        preds = classify_images(path, None, [str(images)], topk=2)
    assert [osp.basename(p['image']) for p in preds] == ['a.png', 'c.png']
    assert all(len(p['classes']) == 2 for p in preds)
    skipped = ' '.join(str(w.message) for w in record)
    assert str(images / 'b.jpg') in skipped and str(images / 'd.png') in skipped


def test_no_readable_image_is_a_clear_error(images):
    with pytest.warns(UserWarning), pytest.raises(ValueError, match='could be read'):
        classify_images(osp.join(REPO, CONFIGS['arrays']), None, [str(images / 'b.jpg')])
