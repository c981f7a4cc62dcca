"""A tiny EuroSAT in CoOp's split format for CAP's training tests."""
import json
import os
import os.path as osp

import numpy as np
from PIL import Image

CLASSES = ['Annual Crop Land', 'Forest', 'Herbaceous Vegetation Land', 'Highway or Road',
           'Industrial Buildings', 'Pasture Land', 'Permanent Crop Land',
           'Residential Buildings', 'River', 'Sea or Lake']


def make_eurosat_standin(root: str, num_classes: int = 5, train: int = 8, val: int = 2,
                         test: int = 2, size: int = 24, seed: int = 0) -> dict:
    """``split_zhou_EuroSAT.json`` + small JPEGs under ``2750/<Class>/``; each class has
    its own colour plus noise. Returns dict(root, classes)."""
    rs = np.random.RandomState(seed)
    split = {'train': [], 'val': [], 'test': []}
    classes = CLASSES[:num_classes]
    for c, name in enumerate(classes):
        folder = name.replace(' ', '')
        os.makedirs(osp.join(root, '2750', folder), exist_ok=True)
        colour = rs.randint(0, 256, size=3)
        n = 0
        for part, count in (('train', train), ('val', val), ('test', test)):
            for _ in range(count):
                img = np.clip(colour + rs.randint(-40, 41, size=(size, size, 3)), 0, 255)
                rel = f'{folder}/{folder}_{n}.jpg'
                Image.fromarray(img.astype(np.uint8)).save(osp.join(root, '2750', rel))
                split[part].append([rel, c, name])
                n += 1
    with open(osp.join(root, 'split_zhou_EuroSAT.json'), 'w') as f:
        json.dump(split, f)
    return dict(root=root, classes=classes)
