"""Small data in the real on-disk formats, generated at test time."""
import gzip
import json
import os
import os.path as osp
import pickle

import numpy as np

from mmpretrain.datasets.categories import CIFAR100_CATEGORIES

CIFAR100_NAMES = list(CIFAR100_CATEGORIES)


def make_fake_cifar100(root: str, train_per_class: int = 6, test_per_class: int = 2,
                       seed: int = 0, shuffle: bool = True) -> str:
    """Write ``root/cifar-100-python/{train,test,meta}`` in the official pickle format."""
    rs = np.random.RandomState(seed)
    folder = osp.join(root, 'cifar-100-python')
    os.makedirs(folder, exist_ok=True)
    for split, n in (('train', train_per_class), ('test', test_per_class)):
        labels = np.repeat(np.arange(100), n)
        if shuffle:
            labels = labels[rs.permutation(len(labels))]
        # Class-dependent mean colour so a model can learn something.
        base = (labels[:, None] * 37 % 256).astype(np.int64)
        data = np.clip(base + rs.randint(-40, 40, size=(len(labels), 3072)), 0, 255)
        entry = {'filenames': [f'{split}_{i}.png' for i in range(len(labels))],
                 'batch_label': f'{split} batch', 'fine_labels': labels.tolist(),
                 'coarse_labels': (labels // 5).tolist(), 'data': data.astype(np.uint8)}
        with open(osp.join(folder, split), 'wb') as f:
            pickle.dump(entry, f)
    with open(osp.join(folder, 'meta'), 'wb') as f:
        pickle.dump({'fine_label_names': CIFAR100_NAMES,
                     'coarse_label_names': [f'super_{i}' for i in range(20)]}, f)
    return root


def write_idx(path: str, array: np.ndarray) -> None:
    magic = 2051 if array.ndim == 3 else 2049
    header = magic.to_bytes(4, 'big') + b''.join(
        int(d).to_bytes(4, 'big') for d in array.shape)
    with gzip.open(path, 'wb') as f:
        f.write(header + array.astype(np.uint8).tobytes())


def make_fake_fashion_mnist(root: str, train_per_class: int = 50, test_per_class: int = 5,
                            seed: int = 0) -> str:
    rs = np.random.RandomState(seed)
    os.makedirs(root, exist_ok=True)
    for prefix, n in (('train', train_per_class), ('t10k', test_per_class)):
        labels = rs.permutation(np.repeat(np.arange(10), n))
        imgs = np.clip(labels[:, None, None] * 25 + rs.randint(0, 30, (len(labels), 28, 28)),
                       0, 255)
        write_idx(osp.join(root, f'{prefix}-images-idx3-ubyte.gz'), imgs)
        write_idx(osp.join(root, f'{prefix}-labels-idx1-ubyte.gz'), labels)
    return root


def make_fake_oltr(root: str, prefix: str = 'ImageNet_LT', splits=('train', 'val', 'test'),
                   counts=(6, 3, 1), per_class_test: int = 2, size: int = 40,
                   seed: int = 0) -> str:
    """An image folder with OLTR list files ``<prefix>_<split>.txt`` (JPEG images)."""
    from PIL import Image
    rs = np.random.RandomState(seed)
    for split in splits:
        lines = []
        per = counts if split == 'train' else [per_class_test] * len(counts)
        for label, n in enumerate(per):
            folder = osp.join(root, split, f'c{label:03d}')
            os.makedirs(folder, exist_ok=True)
            for i in range(n):
                arr = np.clip(label * 60 + rs.randint(0, 40, (size, size + 8, 3)), 0, 255)
                rel = f'{split}/c{label:03d}/{i}.jpg'
                Image.fromarray(arr.astype(np.uint8)).save(osp.join(root, rel))
                lines.append(f'{rel} {label}')
        with open(osp.join(root, f'{prefix}_{split}.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    return root


# ---------------------------------------------------------------------------------------
# CAP's six data sets (configs/_base_/datasets/cap/*.py) in their real on-disk layouts.
# Every generator has the signature ``make_fake_X(root, num_classes=5, per_class=4,
# seed=0, layout='cap')``: ``layout='cap'`` (the base configs' default) writes the layout
# CAP's code reads, ``layout='coop'`` the one of the ``coop_*`` option (the
# ``make_fake_X_coop`` functions). It returns ``dict(root=root, classes=[...])`` with
# ``classes`` exactly the dataset's ``metainfo['classes']`` (so a C-class fake is a
# C-class data set). Each class gets ``per_class`` images: ``max(1, per_class // 4)``
# test, as many val and the rest train, so per_class=4 gives 2 / 1 / 1 (CUB, which has no
# val split: 2 train / 2 test); ``per_class`` may be explicit ``(train, val, test)`` counts.

EUROSAT_COOP = [  # (folder, CoOp's readable name), label order
    ('AnnualCrop', 'Annual Crop Land'), ('Forest', 'Forest'),
    ('HerbaceousVegetation', 'Herbaceous Vegetation Land'), ('Highway', 'Highway or Road'),
    ('Industrial', 'Industrial Buildings'), ('Pasture', 'Pasture Land'),
    ('PermanentCrop', 'Permanent Crop Land'), ('Residential', 'Residential Buildings'),
    ('River', 'River'), ('SeaLake', 'Sea or Lake')]
RESISC45_NAMES = ['airplane', 'airport', 'baseball_diamond', 'basketball_court', 'beach',
                  'bridge', 'chaparral', 'church', 'circular_farmland', 'cloud']


def _split_counts(per_class, with_val: bool = True):
    """Parts of a class's images: ``per_class`` images split 2:1:1-ish, or explicit
    ``(train, val, test)`` counts."""
    if isinstance(per_class, (tuple, list)):
        n_train, n_val, n_test = per_class
        return ['train'] * n_train + ['val'] * n_val + ['test'] * n_test
    n_test = max(1, per_class // 4)
    n_val = n_test if with_val else 0
    n_train = per_class - n_test - n_val
    if n_train < 1:
        raise ValueError(f'per_class={per_class} leaves no training image; need >= '
                         f'{n_test + n_val + 1}.')
    return ['train'] * n_train + ['val'] * n_val + ['test'] * n_test


def _fake_image(path: str, label: int, rs, size: int = 24) -> None:
    """A small JPEG whose mean colour depends on the class (learnable, like real data)."""
    from PIL import Image
    os.makedirs(osp.dirname(path), exist_ok=True)
    colour = np.array([label * 53 % 256, label * 97 % 256, label * 151 % 256])
    arr = np.clip(colour + rs.randint(-30, 30, (size, size + 8, 3)), 0, 255)
    Image.fromarray(arr.astype(np.uint8)).save(path, quality=90)


def _names(base, num_classes: int, prefix: str):
    base = list(base)
    return base[:num_classes] + [f'{prefix}_{i}' for i in range(len(base), num_classes)]


def _write_coop(root, split_file, image_dir, folders, names, per_class, seed,
                filename=lambda folder, i: f'{folder}/{folder}_{i:04d}.jpg'):
    """Images ``<image_dir>/<filename>`` and a CoOp split JSON; returns the items."""
    rs = np.random.RandomState(seed)
    split = {'train': [], 'val': [], 'test': []}
    items = []
    for label, (folder, name) in enumerate(zip(folders, names)):
        for i, part in enumerate(_split_counts(per_class)):
            rel = filename(folder, i)
            _fake_image(osp.join(root, image_dir, rel), label, rs)
            split[part].append([rel, label, name])
            items.append((rel, label, part))
    with open(osp.join(root, split_file), 'w') as f:
        json.dump(split, f)
    return items


def make_fake_flowers102_coop(root: str, num_classes: int = 5, per_class: int = 4,
                         seed: int = 0) -> dict:
    """``jpg/image_%05d.jpg`` + CoOp's ``split_zhou_OxfordFlowers.json`` (the default),
    plus the official ``imagelabels.mat`` / ``setid.mat`` for mmpretrain's Flowers102."""
    import mat4py
    from torchvision.datasets import Flowers102
    names = _names(Flowers102.classes, num_classes, 'flower')
    counter = iter(range(1, num_classes * per_class + 1))
    items = _write_coop(root, 'split_zhou_OxfordFlowers.json', 'jpg',
                        [None] * num_classes, names, per_class, seed,
                        filename=lambda folder, i: f'image_{next(counter):05d}.jpg')
    labels = [label + 1 for _, label, _ in items]  # 1-based, image i at row i - 1
    ids = {p: [int(rel[6:11]) for rel, _, part in items if part == p]
           for p in ('train', 'val', 'test')}
    mat4py.savemat(osp.join(root, 'imagelabels.mat'), {'labels': labels})
    mat4py.savemat(osp.join(root, 'setid.mat'),
                   {'trnid': ids['train'], 'valid': ids['val'], 'tstid': ids['test']})
    return dict(root=root, classes=names)


def make_fake_dtd_coop(root: str, num_classes: int = 5, per_class: int = 4,
                  seed: int = 0) -> dict:
    """``images/<class>/<class>_%04d.jpg`` + CoOp's ``split_zhou_DescribableTextures.json``
    (the default), plus the official ``imdb/imdb.mat`` for mmpretrain's DTD."""
    import mat4py
    from mmpretrain.datasets.categories import DTD_CATEGORIES
    names = _names(DTD_CATEGORIES, num_classes, 'texture')
    items = _write_coop(root, 'split_zhou_DescribableTextures.json', 'images', names,
                        names, per_class, seed)
    os.makedirs(osp.join(root, 'imdb'), exist_ok=True)
    set_id = {'train': 1, 'val': 2, 'test': 3}
    mat4py.savemat(osp.join(root, 'imdb', 'imdb.mat'), {'images': {
        'id': list(range(1, len(items) + 1)), 'name': [rel for rel, _, _ in items],
        'class': [label + 1 for _, label, _ in items],
        'set': [set_id[part] for _, _, part in items]}})
    return dict(root=root, classes=names)


def make_fake_eurosat_coop(root: str, num_classes: int = 5, per_class=4,
                           seed: int = 0) -> dict:
    """``2750/<Folder>/<Folder>_%04d.jpg`` + CoOp's ``split_zhou_EuroSAT.json``;
    ``per_class`` an int or ``(train, val, test)`` counts."""
    pairs = EUROSAT_COOP[:num_classes] + [(f'Land{i}', f'Land {i}')
                                          for i in range(len(EUROSAT_COOP), num_classes)]
    folders, names = [p[0] for p in pairs], [p[1] for p in pairs]
    _write_coop(root, 'split_zhou_EuroSAT.json', '2750', folders, names, per_class, seed)
    return dict(root=root, classes=names)


def make_fake_resisc45_coop(root: str, num_classes: int = 5, per_class: int = 4,
                       seed: int = 0) -> dict:
    """``NWPU-RESISC45/<class>/<class>_%03d.jpg`` + ``split_RESISC45.json``."""
    folders = _names(RESISC45_NAMES, num_classes, 'scene')
    names = [f.replace('_', ' ') for f in folders]
    _write_coop(root, 'split_RESISC45.json', 'NWPU-RESISC45', folders, names, per_class,
                seed, filename=lambda folder, i: f'{folder}/{folder}_{i + 1:03d}.jpg')
    return dict(root=root, classes=names)


def make_fake_fgvc_aircraft_coop(root: str, num_classes: int = 5, per_class: int = 4,
                            seed: int = 0) -> dict:
    """The ``fgvc-aircraft-2013b`` layout: ``data/images/<id>.jpg``, ``data/variants.txt``
    and ``data/images_variant_{train,val,trainval,test}.txt``. Variants are spread over
    the official list so names with spaces ("Beechcraft 1900") are among them."""
    from mmpretrain.datasets.categories import FGVCAIRCRAFT_CATEGORIES as ALL
    if num_classes <= len(ALL):
        names = [ALL[i * len(ALL) // num_classes] for i in range(num_classes)]
    else:
        names = _names(ALL, num_classes, 'Variant')
    rs = np.random.RandomState(seed)
    data = osp.join(root, 'data')
    lists = {'train': [], 'val': [], 'test': []}
    image_id = 1000000
    for label, name in enumerate(names):
        for part in _split_counts(per_class):
            image_id += 7
            _fake_image(osp.join(data, 'images', f'{image_id:07d}.jpg'), label, rs)
            lists[part].append(f'{image_id:07d} {name}')
    lists['trainval'] = lists['train'] + lists['val']
    for part, lines in lists.items():
        with open(osp.join(data, f'images_variant_{part}.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    with open(osp.join(data, 'variants.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    return dict(root=root, classes=names)


def make_fake_cub_coop(root: str, num_classes: int = 5, per_class: int = 4,
                  seed: int = 0) -> dict:
    """The ``CUB_200_2011`` layout: ``images/<NNN.Name>/<Name>_<n>.jpg`` with
    ``images.txt``, ``image_class_labels.txt``, ``train_test_split.txt`` and
    ``classes.txt``. CUB has no val split: the would-be val images are test images too
    (per_class=4 gives 2 train / 2 test)."""
    from mmpretrain.datasets.categories import CUB_CATEGORIES
    names = _names(CUB_CATEGORIES, num_classes, 'Bird')
    rs = np.random.RandomState(seed)
    images, labels, split = [], [], []
    for label, name in enumerate(names):
        folder = f'{label + 1:03d}.{name}'
        parts = ['test' if p == 'val' else p for p in _split_counts(per_class)]
        for i, part in enumerate(parts):
            rel = f'{folder}/{name}_{i + 1:04d}.jpg'
            _fake_image(osp.join(root, 'images', rel), label, rs)
            images.append(rel)
            labels.append(label + 1)
            split.append(1 if part == 'train' else 0)
    files = {'images.txt': images, 'image_class_labels.txt': labels,
             'train_test_split.txt': split,
             'classes.txt': [f'{c + 1:03d}.{n}' for c, n in enumerate(names)]}
    for fname, column in files.items():
        with open(osp.join(root, fname), 'w') as f:
            f.write(''.join(f'{i} {v}\n' for i, v in enumerate(column, 1)))
    return dict(root=root, classes=names)


# --------------------------------------------------------------------- CAP's own layout
def _cap_categories():
    from cue_plugin.datasets import cap_categories
    return cap_categories


def _write_lines(path: str, lines) -> None:
    with open(path, 'w') as f:
        f.write(''.join(f'{line}\n' for line in lines))


def _write_cap_lists(root, names, per_class, seed, entry, folder_label=False):
    """``{train,val,test}.txt`` of ``<archive>@<path> <label index>`` lines, images under
    ``{part}/<path>``, and ``class_names.txt`` (or ``labels.txt`` with ``folder_label``)."""
    rs = np.random.RandomState(seed)
    lists = {'train': [], 'val': [], 'test': []}
    for label, name in enumerate(names):
        for i, part in enumerate(_split_counts(per_class)):
            rel = entry(name, label, i)
            _fake_image(osp.join(root, part, rel), label, rs)
            lists[part].append(f'{part}_images.zip@{rel} {label}')
    for part, lines in lists.items():
        _write_lines(osp.join(root, f'{part}.txt'), lines)
    _write_lines(osp.join(root, 'labels.txt' if folder_label else 'class_names.txt'), names)


def _layout(layout):
    if layout not in ('cap', 'coop'):
        raise ValueError(f"layout must be 'cap' or 'coop', got {layout!r}.")
    return layout == 'cap'


def make_fake_dtd(root: str, num_classes: int = 5, per_class=4, seed: int = 0,
                  layout: str = 'cap') -> dict:
    """CAP's layout: ``{train,val,test}.txt`` (``<archive>@<class>/<class>_%04d.jpg
    <label>``), images under ``{train,val,test}/``, ``class_names.txt`` (CAP's names)."""
    if not _layout(layout):
        return make_fake_dtd_coop(root, num_classes, per_class, seed)
    names = _names(_cap_categories().CAP_DTD_CATEGORIES, num_classes, 'texture')
    _write_cap_lists(root, names, per_class, seed,
                     lambda name, label, i: f'{name}/{name}_{i + 1:04d}.jpg')
    return dict(root=root, classes=names)


def make_fake_flowers102(root: str, num_classes: int = 5, per_class=4, seed: int = 0,
                         layout: str = 'cap') -> dict:
    """CAP's layout: ``{train,val,test}.txt`` (``<archive>@image_%05d.jpg <label>``),
    images under ``{train,val,test}/``, ``class_names.txt`` (CAP's names)."""
    if not _layout(layout):
        return make_fake_flowers102_coop(root, num_classes, per_class, seed)
    names = _names(_cap_categories().CAP_FLOWERS102_CATEGORIES, num_classes, 'flower')
    counter = iter(range(1, 10 ** 5))
    _write_cap_lists(root, names, per_class, seed,
                     lambda name, label, i: f'image_{next(counter):05d}.jpg')
    return dict(root=root, classes=names)


def make_fake_fgvc_aircraft(root: str, num_classes: int = 5, per_class=4, seed: int = 0,
                            layout: str = 'cap') -> dict:
    """CAP's layout: ``{train,val,test}.txt`` (``<archive>@<variant>/%07d.jpg <label>``,
    the class is the folder), images under ``{train,val,test}/``, ``labels.txt``.
    Variants are spread over CAP's list so names with spaces ("Beechcraft 1900") are
    among them."""
    if not _layout(layout):
        return make_fake_fgvc_aircraft_coop(root, num_classes, per_class, seed)
    every = _cap_categories().CAP_FGVCAIRCRAFT_CATEGORIES
    if num_classes <= len(every):
        names = [every[i * len(every) // num_classes] for i in range(num_classes)]
    else:
        names = _names(every, num_classes, 'Variant')
    ids = iter(range(1000007, 10 ** 7, 7))
    _write_cap_lists(root, names, per_class, seed,
                     lambda name, label, i: f'{name}/{next(ids):07d}.jpg', folder_label=True)
    return dict(root=root, classes=names)


def make_fake_resisc45(root: str, num_classes: int = 5, per_class=4, seed: int = 0,
                       layout: str = 'cap') -> dict:
    """CAP's layout: ``{train,val,test}.json`` with ``images`` (``file_name`` =
    ``<archive>@<class>/<class>_%03d.jpg``) and ``categories`` (the class folders in label
    order), images under ``<class>/``."""
    if not _layout(layout):
        return make_fake_resisc45_coop(root, num_classes, per_class, seed)
    folders = _names(RESISC45_NAMES, num_classes, 'scene')
    rs = np.random.RandomState(seed)
    categories = [dict(id=c, name=f) for c, f in enumerate(folders)]
    parts = {p: dict(images=[], annotations=[], categories=categories)
             for p in ('train', 'val', 'test')}
    for label, folder in enumerate(folders):
        for i, part in enumerate(_split_counts(per_class)):
            rel = f'{folder}/{folder}_{i + 1:03d}.jpg'
            _fake_image(osp.join(root, rel), label, rs)
            image_id = len(parts[part]['images']) + 1
            parts[part]['images'].append(dict(id=image_id, file_name=f'{part}.zip@{rel}'))
            parts[part]['annotations'].append(dict(id=image_id, image_id=image_id,
                                                   category_id=label))
    for part, obj in parts.items():
        with open(osp.join(root, f'{part}.json'), 'w') as f:
            json.dump(obj, f)
    return dict(root=root, classes=[f.replace('_', ' ') for f in folders])


def make_fake_eurosat(root: str, num_classes: int = 5, per_class=4, seed: int = 0,
                      layout: str = 'cap') -> dict:
    """CAP's layout: every image in ``<Folder>/<Folder>_%d.jpg`` (the "test" ones too),
    ``test.txt`` (``<archive>@<Folder>/<Folder>_%d.jpg <label>``) and ``class_names.txt``
    (CAP's names, e.g. "annual crop land"). At most EuroSAT's 10 classes."""
    if not _layout(layout):
        return make_fake_eurosat_coop(root, num_classes, per_class, seed)
    pairs = _cap_categories().CAP_EUROSAT_FOLDERS
    if num_classes > len(pairs):
        raise ValueError(f'EuroSAT has {len(pairs)} classes, asked for {num_classes}.')
    pairs = pairs[:num_classes]
    rs = np.random.RandomState(seed)
    test = []
    for label, (_, folder) in enumerate(pairs):
        for i, part in enumerate(_split_counts(per_class)):
            rel = f'{folder}/{folder}_{i + 1}.jpg'
            _fake_image(osp.join(root, rel), label, rs)
            if part == 'test':
                test.append(f'eurosat_test.zip@{rel} {label}')
    _write_lines(osp.join(root, 'test.txt'), test)
    names = [name for name, _ in pairs]
    _write_lines(osp.join(root, 'class_names.txt'), names)
    return dict(root=root, classes=names)


def make_fake_cub(root: str, num_classes: int = 5, per_class=4, seed: int = 0,
                  layout: str = 'cap') -> dict:
    """CAP's layout: the ``CUB_200_2011`` folder of :func:`make_fake_cub_coop` under
    ``root``; class names as CAP writes them ("black footed albatross")."""
    if not _layout(layout):
        return make_fake_cub_coop(root, num_classes, per_class, seed)
    fake = make_fake_cub_coop(osp.join(root, 'CUB_200_2011'), num_classes, per_class, seed)
    return dict(root=root, classes=[n.replace('_', ' ').lower() for n in fake['classes']])
