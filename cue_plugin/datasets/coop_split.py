import os.path as osp

from mmpretrain.datasets.base_dataset import BaseDataset

from cue_plugin.utils.fileio import read_json
from cue_plugin.registry import DATASETS


@DATASETS.register_module()
class CoOpSplitDataset(BaseDataset):
    """A data set described by a CoOp-style split file, as CAP's baselines (CoOp, GRIP, CPL)
    use for EuroSAT, RESISC45, DTD, Flowers102, FGVCAircraft:
    ``{"train": [[relative/path, label, classname], ...], "val": [...], "test": [...]}``.

    Class names come from the file (label order), with underscores as written.

    Args:
        data_root (str): data set root.
        split_file (str): the split JSON (relative to ``data_root`` or absolute).
        split (str): 'train', 'val' or 'test'. Defaults to 'train'.
        image_dir (str): folder the split's paths are relative to, under ``data_root``.
    """

    def __init__(self, data_root: str, split_file: str, split: str = 'train',
                 image_dir: str = '', **kwargs):
        if split not in ('train', 'val', 'test'):
            raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}.")
        self.split = split
        self.split_file = split_file if osp.isabs(split_file) else osp.join(data_root,
                                                                            split_file)
        self.image_dir = image_dir
        kwargs.setdefault('test_mode', split != 'train')
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    def load_data_list(self):
        obj = read_json(self.split_file, 'CoOp split file')
        if not isinstance(obj, dict) or self.split not in obj:
            raise ValueError(f"'{self.split_file}' has no {self.split!r} list (keys: "
                             f'{sorted(obj) if isinstance(obj, dict) else type(obj).__name__}).')
        names = {}
        for part in ('train', 'val', 'test'):
            for n, item in enumerate(obj.get(part, [])):
                if not (isinstance(item, list) and len(item) == 3):
                    raise ValueError(f"'{self.split_file}' {part}[{n}] should be [path, label, "
                                     f'classname], got {item!r}.')
                names.setdefault(int(item[1]), item[2])
        if sorted(names) != list(range(len(names))):
            raise ValueError(f"'{self.split_file}': labels are not 0..{len(names) - 1}.")
        self._metainfo['classes'] = tuple(names[i] for i in range(len(names)))
        root = osp.join(self.data_root, self.image_dir)
        return [dict(img_path=osp.join(root, p), gt_label=int(y))
                for p, y, _ in obj[self.split]]


def _preset(name, split_file, image_dir, doc):

    class Preset(CoOpSplitDataset):

        def __init__(self, data_root: str, split: str = 'train', **kwargs):
            kwargs.setdefault('split_file', split_file)
            kwargs.setdefault('image_dir', image_dir)
            super().__init__(data_root=data_root, split=split, **kwargs)

    Preset.__name__ = Preset.__qualname__ = name
    Preset.__doc__ = doc
    return DATASETS.register_module(name=name, module=Preset)


EuroSAT = _preset('EuroSAT', 'split_zhou_EuroSAT.json', '2750',
                  'EuroSAT (10 land-use classes) with CoOp\'s split (split_zhou_EuroSAT.json, '
                  'images under 2750/).')
# CoOp's splits of Flowers102 and DTD differ from the official ones mmpretrain's
# ``Flowers102`` / ``DTD`` read (and those carry no or other readable names), so CAP's
# configs default to these to stay comparable with the published table.
OxfordFlowersCoOp = _preset(
    'OxfordFlowersCoOp', 'split_zhou_OxfordFlowers.json', 'jpg',
    'Oxford Flowers-102 with CoOp\'s split (split_zhou_OxfordFlowers.json: 4093 / 1633 / '
    '2463 train / val / test images, readable names such as "pink primrose"), images under '
    'jpg/. mmpretrain\'s ``Flowers102`` reads the official setid.mat split instead.')
DTDCoOp = _preset(
    'DTDCoOp', 'split_zhou_DescribableTextures.json', 'images',
    'Describable Textures (47 classes) with CoOp\'s split '
    '(split_zhou_DescribableTextures.json: 2820 / 1128 / 1692 train / val / test), images '
    'under images/. mmpretrain\'s ``DTD`` reads the official split of imdb/imdb.mat.')
RESISC45 = _preset('RESISC45', 'split_RESISC45.json', 'NWPU-RESISC45',
                   'NWPU-RESISC45 (45 scene classes) with the split file of CAP\'s baselines '
                   '(split_RESISC45.json, images under NWPU-RESISC45/).')
