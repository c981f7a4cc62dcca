import copy
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import Compose, default_collate
from mmengine.dist import get_world_size
from torch.utils.data import Dataset

from cue_plugin.cap.paradigm import split_paradigm
from cue_plugin.registry import DATASETS, TRANSFORMS

STREAMS = ('labelled', 'pseudo', 'weak', 'strong')


def _compose(pipeline) -> Compose:
    # Built through mmpretrain's registry so it works outside a runner's default scope.
    return Compose([TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline])


@DATASETS.register_module()
class PseudolabelDataset(Dataset):
    """The training data of CAP / GRIP / FPL: one training set split by a paradigm into
    labelled and unlabelled images, and CAP's current *main set* of pseudolabelled
    unlabelled images (:meth:`set_main_set`; an image may be listed under several
    classes, as in the reference).

    Each item is one sample of every *stream* CAP's per-iteration loss needs (docs/methods.md §3)::

        dict(inputs=dict(labelled=img, pseudo=img, weak=img, strong=img),
             data_samples=dict(labelled_label=y, pseudo_label=y_pl, epoch=e,
                               unlabelled_index=j))

    - ``labelled`` (SSL / TRZSL only): a labelled image and its label;
    - ``pseudo``: an entry of the main set (image and pseudolabel); ``epoch`` is the
      epoch the item belongs to (the model records its predictions under it);
    - ``weak`` / ``strong``: one unlabelled image under CLIP preprocessing and under the
      strong augmentation (FixMatch term; omitted with ``fixmatch=False``).

    so a loader with ``batch_size=32`` gives 32 images *per stream*; ``default_collate``
    stacks each stream. An epoch is ``iters_per_epoch`` batches on every rank: the data
    set's length is ``iters_per_epoch * batch_size * world size`` (with W GPUs, set the
    per-GPU ``batch_size`` to 32 / W to keep 32 per stream), and item ``i`` takes the
    ``i``-th entry of a
    per-epoch permutation of each stream (cycled when the stream is shorter), so every
    stream is walked through without replacement, as separate shuffled loaders would.

    The main set changes between epochs (:class:`PseudolabelHook` calls
    :meth:`set_main_set` after refill epochs and :meth:`set_epoch` in
    ``before_train_epoch``). mmengine
    creates the loader iterator after ``before_train_epoch``, so worker processes see
    the new set **only with ``persistent_workers=False``** (persistent workers keep the
    copy of the data set they were started with); the hook refuses the other setting.

    Args:
        dataset (dict | Dataset): the training set (an mmpretrain dataset config without
            pipeline, or a built dataset); its ground-truth labels are used only for the
            labelled images of the paradigm.
        paradigm (str): 'UL', 'SSL' or 'TRZSL' (:func:`split_paradigm`).
        num_labelled (int): SSL labelled images per class. Defaults to 2.
        seen_ratio (float): TRZSL share of seen classes. Defaults to 0.62.
        split_seed (int): TRZSL seed of the seen classes; ``HarmonicMeanAccuracy`` needs the
            same. Defaults to 500 (CAP's ``SPLIT_SEED``).
        shot_seed (int): SSL seed of the labelled images. Defaults to 0 (CAP's
            ``validation_seed``).
        split_rule (str): 'reference' (CAP's draws) or 'permutation' (this plugin's
            earlier rule), see :mod:`cue_plugin.cap.paradigm`. Defaults to 'reference'.
        seed (int): seed of the per-epoch stream orders. Defaults to 1.
        load_pipeline (list): transforms shared by all views (image loading).
        train_pipeline (list): labelled and pseudolabelled streams (CAP: CLIP
            preprocessing).
        weak_pipeline (list): CLIP preprocessing (also the pseudolabelling passes).
        strong_pipeline (list): the FixMatch strong view.
        iters_per_epoch (int): batches per epoch. Defaults to 50.
        batch_size (int): images per stream per batch on each rank; must equal the
            loader's ``batch_size``. Defaults to 32.
        fixmatch (bool): give the weak / strong streams. Defaults to True.
    """

    def __init__(self, dataset, paradigm: str = 'UL', num_labelled: int = 2,
                 seen_ratio: float = 0.62, split_seed: int = 500, shot_seed: int = 0,
                 split_rule: str = 'reference', seed: int = 1,
                 load_pipeline: Sequence[dict] = (dict(type='LoadImageFromFile'), ),
                 train_pipeline: Sequence[dict] = (), weak_pipeline: Sequence[dict] = (),
                 strong_pipeline: Sequence[dict] = (), iters_per_epoch: int = 50,
                 batch_size: int = 32, fixmatch: bool = True):
        if isinstance(dataset, dict):
            if not dataset.get('type'):
                raise ValueError('PseudolabelDataset.dataset needs the training set config '
                                 "with a 'type' (CAP configs: {{_base_.train_dataset}}), got "
                                 f'{dict(dataset)!r}.')
            dataset = DATASETS.build(dict(copy.deepcopy(dataset), pipeline=[]))
        self.dataset = dataset
        for name, value in (('iters_per_epoch', iters_per_epoch),
                            ('batch_size', batch_size)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'PseudolabelDataset.{name} must be a positive int, got '
                                 f'{value!r}.')
        for name, pipe in (('train_pipeline', train_pipeline),
                           ('weak_pipeline', weak_pipeline)) + (
                               (('strong_pipeline', strong_pipeline), ) if fixmatch else ()):
            if not pipe:
                raise ValueError(f'PseudolabelDataset.{name} is empty; it must end in '
                                 "PackInputs (e.g. dict(type='PackInputs')).")
        classes = self.metainfo.get('classes')
        if not classes:
            raise ValueError(f'PseudolabelDataset.dataset ({type(dataset).__name__}) has no '
                             "metainfo['classes'].")
        self.num_classes = len(classes)
        labels = np.asarray([int(self.dataset.get_data_info(i)['gt_label'])
                             for i in range(len(self.dataset))], dtype=np.int64)
        self.paradigm = paradigm
        split = split_paradigm(labels, self.num_classes, paradigm, num_labelled,
                               seen_ratio, split_seed, shot_seed, split_rule)
        self.labelled = split['labelled']
        self.unlabelled = split['unlabelled']
        self.seen_classes = split['seen_classes']
        self.labels = labels
        if len(self.unlabelled) == 0:
            raise ValueError(f'PseudolabelDataset: paradigm {paradigm!r} leaves no '
                             'unlabelled training images.')
        self.seed = seed
        self.iters_per_epoch, self.batch_size = iters_per_epoch, batch_size
        self.fixmatch = fixmatch
        self.load_pipeline = _compose(load_pipeline)
        train = _compose(train_pipeline)
        self.pipelines = dict(labelled=train, pseudo=train, weak=_compose(weak_pipeline),
                              strong=_compose(strong_pipeline))
        # CAP's main set: {class: [(score, j), ...]}, j indexing self.unlabelled.
        self._main_set: Dict[int, List[Tuple[float, int]]] = {}
        self._pseudo = np.zeros((0, 2), dtype=np.int64)  # (j, class) per entry
        self.epoch = 0
        self._orders: Dict[str, np.ndarray] = {}
        self._make_orders()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(getattr(self.dataset, 'metainfo', {}) or {})

    def get_gt_labels(self) -> np.ndarray:
        """Ground truth of the whole training set (class statistics only)."""
        return self.labels.copy()

    @property
    def candidate_classes(self) -> np.ndarray:
        """Classes pseudolabels may take: all, or TRZSL's unseen classes (the unlabelled
        images are those of unseen classes there)."""
        if self.paradigm == 'TRZSL':
            return np.setdiff1d(np.arange(self.num_classes), self.seen_classes)
        return np.arange(self.num_classes)

    @property
    def streams(self) -> tuple:
        names = ['pseudo']
        if len(self.labelled):
            names.insert(0, 'labelled')
        if self.fixmatch:
            names += ['weak', 'strong']
        return tuple(names)

    @property
    def main_set(self) -> Dict[int, List[Tuple[float, int]]]:
        """The pseudolabelled images: ``{class: [(score, j), ...]}`` with ``j`` an index
        into :attr:`unlabelled`; an image may be listed under several classes (CAP)."""
        return {c: list(v) for c, v in self._main_set.items()}

    def set_main_set(self, main_set: Dict[int, Sequence[Tuple[float, int]]]) -> None:
        """Set the pseudolabelled images (the pseudo stream walks its entries)."""
        clean = {}
        for c, entries in dict(main_set).items():
            c = int(c)
            if not 0 <= c < self.num_classes:
                raise ValueError(f'PseudolabelDataset.set_main_set: class {c} is not in '
                                 f'0..{self.num_classes - 1}.')
            clean[c] = [(float(s), int(j)) for s, j in entries]
            bad = [j for _, j in clean[c] if not 0 <= j < len(self.unlabelled)]
            if bad:
                raise ValueError(f'PseudolabelDataset.set_main_set: class {c} lists '
                                 f'unlabelled index {bad[0]}, outside 0..'
                                 f'{len(self.unlabelled) - 1}.')
        self._main_set = clean
        self._pseudo = np.asarray([(j, c) for c in sorted(clean) for _, j in clean[c]],
                                  dtype=np.int64).reshape(-1, 2)
        self._make_orders()

    def set_pseudolabels(self, pseudolabels) -> None:
        """Set one pseudolabel per unlabelled image (-1 = none): a main set with each
        labelled image under its class."""
        pl = np.asarray(pseudolabels, dtype=np.int64)
        if pl.shape != (len(self.unlabelled), ):
            raise ValueError(f'PseudolabelDataset.set_pseudolabels: expected '
                             f'{len(self.unlabelled)} pseudolabels (one per unlabelled '
                             f'image), got shape {pl.shape}.')
        if ((pl < -1) | (pl >= self.num_classes)).any():
            raise ValueError('PseudolabelDataset.set_pseudolabels: labels must be -1 or in '
                             f'0..{self.num_classes - 1}.')
        main: Dict[int, List[Tuple[float, int]]] = {}
        for j in np.flatnonzero(pl >= 0):
            main.setdefault(int(pl[j]), []).append((1.0, int(j)))
        self.set_main_set(main)

    def labelled_board(self, k: int) -> List[Tuple[int, int]]:
        """``(data set index, class)`` of the first ``k`` labelled images of every class,
        in labelled order: TRZSL's seen-class boards of the margin (CAP
        ``methods/cap.py:95-102``)."""
        taken: Dict[int, int] = {}
        out = []
        for i in self.labelled:
            y = int(self.labels[i])
            if taken.get(y, 0) < k:
                taken[y] = taken.get(y, 0) + 1
                out.append((int(i), y))
        return out

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)
        self._make_orders()

    def _make_orders(self) -> None:
        rs = np.random.RandomState([self.seed, self.epoch])
        n = len(self)
        # The pseudo stream walks main-set entries (row of _pseudo), the others images.
        pools = dict(labelled=self.labelled, pseudo=np.arange(len(self._pseudo)),
                     weak=self.unlabelled)
        self._orders = {}
        for name, pool in pools.items():
            if len(pool) == 0:
                continue
            reps = -(-n // len(pool))
            self._orders[name] = np.concatenate([rs.permutation(pool)
                                                 for _ in range(reps)])[:n]
        self._uidx_of = {int(u): j for j, u in enumerate(self.unlabelled)}

    def __len__(self) -> int:
        # The sampler splits it over ranks: every rank runs iters_per_epoch batches.
        return self.iters_per_epoch * self.batch_size * get_world_size()

    def _load(self, idx: int) -> dict:
        info = copy.deepcopy(self.dataset.get_data_info(int(idx)))
        info.setdefault('sample_idx', int(idx))
        return self.load_pipeline(info)

    @staticmethod
    def _view(pipeline, results: dict) -> torch.Tensor:
        out = pipeline(copy.deepcopy(results))
        if not isinstance(out, dict) or 'inputs' not in out:
            raise ValueError('PseudolabelDataset: every view pipeline must end in '
                             'PackInputs (no "inputs" in its output).')
        return out['inputs']

    def __getitem__(self, i: int) -> dict:
        if 'pseudo' not in self._orders:
            raise RuntimeError(
                'PseudolabelDataset has no pseudolabelled images yet: add '
                "custom_hooks=[dict(type='PseudolabelHook')] (it initialises them before "
                'training) or call set_main_set().')
        inputs, samples = {}, {}
        if len(self.labelled):
            idx = self._orders['labelled'][i]
            inputs['labelled'] = self._view(self.pipelines['labelled'], self._load(idx))
            samples['labelled_label'] = int(self.labels[idx])
        j, c = self._pseudo[self._orders['pseudo'][i]]
        inputs['pseudo'] = self._view(self.pipelines['pseudo'],
                                      self._load(self.unlabelled[j]))
        samples['pseudo_label'] = int(c)
        # The model records its confident predictions under the epoch that drew them.
        samples['epoch'] = self.epoch
        if self.fixmatch:
            idx = self._orders['weak'][i]
            img = self._load(idx)
            inputs['weak'] = self._view(self.pipelines['weak'], img)
            inputs['strong'] = self._view(self.pipelines['strong'], img)
            samples['unlabelled_index'] = self._uidx_of[int(idx)]
        return dict(inputs=inputs, data_samples=samples)

    def weak_view(self, indices) -> 'WeakView':
        """The images ``indices`` (data set indices) under the weak pipeline (CLIP
        preprocessing), in order: the hooks' passes."""
        return WeakView(self, indices)


class WeakView(Dataset):
    """Images of a :class:`PseudolabelDataset` under its weak pipeline; items
    ``dict(inputs=img, index=position)``; :meth:`collate` stacks them."""

    def __init__(self, parent: PseudolabelDataset, indices):
        self.parent = parent
        self.indices = np.asarray(indices, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, pos: int) -> dict:
        parent = self.parent
        return dict(inputs=parent._view(parent.pipelines['weak'],
                                        parent._load(self.indices[pos])), index=pos)

    @staticmethod
    def collate(batch):
        return default_collate(batch)

