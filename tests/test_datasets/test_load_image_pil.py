"""Images decode as LIFT's loader does, ``Image.open(p).convert('RGB')`` (LIFT
datasets/lt_data.py:37-38): no EXIF rotation, Pillow's own mode conversions."""
import glob
import os.path as osp

import mmcv
import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from cue_plugin.registry import DATASETS, TRANSFORMS
from fake_data import make_fake_oltr

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ORIENTATION = 0x0112  # the EXIF orientation tag


def _exif_jpeg(path, orientation=6, size=(40, 24), seed=0):
    """A non-square JPEG whose EXIF says 'rotate' (6: 90 degrees clockwise)."""
    rs = np.random.RandomState(seed)
    img = Image.fromarray(rs.randint(0, 255, (size[1], size[0], 3), dtype=np.uint8))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    img.save(path, exif=exif.tobytes(), quality=95)
    return path


def _pil(path):
    return np.asarray(Image.open(path).convert('RGB'))


@pytest.mark.parametrize('orientation', [3, 6, 8])
def test_exif_orientation_is_ignored_like_pil(tmp_path, orientation):
    path = _exif_jpeg(str(tmp_path / 'rot.jpg'), orientation)
    assert Image.open(path).getexif()[ORIENTATION] == orientation
    want = _pil(path)
    assert want.shape == (24, 40, 3)
    rgb = TRANSFORMS.build(dict(type='LoadImagePIL', channel_order='rgb'))(
        dict(img_path=path))
    assert np.array_equal(rgb['img'], want)
    assert rgb['img_shape'] == rgb['ori_shape'] == (24, 40)
    bgr = TRANSFORMS.build(dict(type='LoadImagePIL'))(dict(img_path=path))['img']
    assert np.array_equal(bgr, want[..., ::-1])  # LoadImageFromFile's channel order
    # mmcv's decoders, cv2's and its Pillow path with 'color', apply the tag.
    with open(path, 'rb') as f:
        content = f.read()
    for backend in ('cv2', 'pillow'):
        plain = mmcv.imfrombytes(content, flag='color', backend=backend, channel_order='rgb')
        if orientation == 3:  # 180 degrees: same shape, pixels moved
            assert not np.array_equal(plain, want), backend
        else:
            assert plain.shape == (40, 24, 3), backend


def test_other_modes_convert_as_pil(tmp_path):
    rs = np.random.RandomState(1)
    cases = {
        'cmyk.jpg': Image.fromarray(rs.randint(0, 255, (20, 30, 4), dtype=np.uint8), 'CMYK'),
        'grey.jpg': Image.fromarray(rs.randint(0, 255, (20, 30), dtype=np.uint8), 'L'),
        'la.png': Image.fromarray(rs.randint(0, 255, (20, 30, 2), dtype=np.uint8), 'LA'),
        'palette.png': Image.fromarray(rs.randint(0, 255, (20, 30, 3), dtype=np.uint8)
                                       ).convert('P'),
    }
    load = TRANSFORMS.build(dict(type='LoadImagePIL', channel_order='rgb'))
    for name, img in cases.items():
        path = str(tmp_path / name)
        img.save(path)
        assert np.array_equal(load(dict(img_path=path))['img'], _pil(path)), name
    # mmcv composites LA on a grey canvas; PIL drops the alpha.
    la = str(tmp_path / 'la.png')
    assert not np.array_equal(mmcv.imread(la, backend='pillow', channel_order='rgb'), _pil(la))


def test_bad_args_and_missing_files(tmp_path):
    with pytest.raises(ValueError, match="LoadImagePIL.channel_order must be one of"):
        TRANSFORMS.build(dict(type='LoadImagePIL', channel_order='rgba'))
    missing = dict(img_path=str(tmp_path / 'none.jpg'))
    with pytest.raises(FileNotFoundError):
        TRANSFORMS.build(dict(type='LoadImagePIL'))(missing)
    assert TRANSFORMS.build(dict(type='LoadImagePIL', ignore_empty=True))(missing) is None


def test_imagenet_lt_config_pipeline_reads_without_rotation(tmp_path):
    root = make_fake_oltr(str(tmp_path))
    rel = 'test/c000/0.jpg'
    _exif_jpeg(osp.join(root, rel), 6, size=(300, 260))
    cfg = Config.fromfile(osp.join(REPO, 'configs/_base_/datasets/imagenet_lt_clip.py'))
    ds_cfg = cfg.test_dataloader.dataset
    ds_cfg.update(data_root=root, pipeline=ds_cfg.pipeline[:1])  # just the loader
    ds = DATASETS.build(ds_cfg)
    assert ds.get_data_info(0)['img_path'] == osp.join(root, rel)
    assert np.array_equal(ds[0]['img'], _pil(osp.join(root, rel))[..., ::-1])


def _loaders(cfg):
    """The load transforms of every pipeline a config's loaders use."""
    out = []
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds = cfg.get(key, {}).get('dataset', {})
        for pipe in ('pipeline', 'load_pipeline'):
            out += [t['type'] for t in ds.get(pipe, []) if 'Load' in t['type']
                    and t['type'] != 'LoadInstanceCue']
    out += [t['type'] for t in cfg.get('tta_pipeline', []) if 'Load' in t.get('type', '')]
    return out


FILE_CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs', '*', '*imagenetlt*.py'))
    + glob.glob(osp.join(REPO, 'configs', '*', '*placeslt*.py'))
    + glob.glob(osp.join(REPO, 'configs', '*', '*inat2018*.py'))
    + glob.glob(osp.join(REPO, 'configs', 'cap', '**', '*.py'), recursive=True))


@pytest.mark.parametrize('path', FILE_CONFIGS, ids=[osp.relpath(p, REPO) for p in FILE_CONFIGS])
def test_image_file_configs_decode_with_pil(path):
    loaders = _loaders(Config.fromfile(path))
    assert loaders and set(loaders) == {'LoadImagePIL'}, loaders
