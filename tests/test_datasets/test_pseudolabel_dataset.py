"""PseudolabelDataset: CAP's streams over a training set (tiny EuroSAT stand-in)."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

from cap_runs import CONFIGS, REPO


def test_pseudolabel_dataset_streams_and_errors(eurosat):
    import cue_plugin  # noqa: F401
    from cue_plugin.datasets import PseudolabelDataset
    cfg = Config.fromfile(osp.join(REPO, CONFIGS['SSL'])).train_dataloader.dataset
    cfg.dataset.data_root = eurosat['root']
    cfg.update(batch_size=4, iters_per_epoch=3)
    cfg.pop('type')
    ds = PseudolabelDataset(**cfg)
    assert len(ds) == 12 and ds.streams == ('labelled', 'pseudo', 'weak', 'strong')
    assert len(ds.labelled) == 10 and len(ds.unlabelled) == 50  # 2 per class labelled
    with pytest.raises(RuntimeError, match='no pseudolabelled images yet'):
        ds[0]
    pl = np.full(50, -1)
    pl[:6] = np.arange(6) % 5
    ds.set_pseudolabels(pl)
    item = ds[0]
    assert set(item['inputs']) == {'labelled', 'pseudo', 'weak', 'strong'}
    assert all(v.shape == (3, 224, 224) for v in item['inputs'].values())
    # Every stream is walked through without replacement within its pool (the pseudo
    # stream over the main set's entries).
    assert sorted(int(ds._orders['pseudo'][i]) for i in range(6)) == list(range(6))
    assert sorted(int(ds._orders['labelled'][i]) for i in range(10)) == sorted(ds.labelled)
    j = item['data_samples']['unlabelled_index']
    assert ds.unlabelled[j] == ds._orders['weak'][0]
    jp, cp = ds._pseudo[ds._orders['pseudo'][0]]
    assert item['data_samples']['pseudo_label'] == cp == pl[jp]
    assert item['data_samples']['epoch'] == 0
    # CAP's main set: one image may be listed under two classes; both entries are walked.
    ds.set_main_set({0: [(0.9, 3), (0.8, 4)], 2: [(0.7, 3)]})
    assert ds.main_set == {0: [(0.9, 3), (0.8, 4)], 2: [(0.7, 3)]}
    assert sorted(map(tuple, ds._pseudo.tolist())) == [(3, 0), (3, 2), (4, 0)]
    labels = sorted((int(ds[i]['data_samples']['pseudo_label'])) for i in range(3))
    assert labels == [0, 0, 2]
    with pytest.raises(ValueError, match='unlabelled index 50, outside 0..49'):
        ds.set_main_set({1: [(1.0, 50)]})
    with pytest.raises(ValueError, match='class 7 is not in 0..4'):
        ds.set_main_set({7: [(1.0, 0)]})
    # TRZSL's seen boards (methods/cap.py:99-102): the first k labelled images of each
    # class, in labelled order.
    expected, taken = [], {}
    for i in ds.labelled.tolist():
        y = int(ds.labels[i])
        if taken.get(y, 0) < 1:
            taken[y] = taken.get(y, 0) + 1
            expected.append((i, y))
    assert ds.labelled_board(1) == expected and len(expected) == 5
    ds.set_epoch(3)
    assert ds[0]['data_samples']['epoch'] == 3
    ds.set_epoch(0)
    before = ds._orders['weak'].copy()
    ds.set_epoch(1)
    assert not np.array_equal(before, ds._orders['weak'])
    with pytest.raises(ValueError, match='expected 50 pseudolabels'):
        ds.set_pseudolabels(np.zeros(3))
    with pytest.raises(ValueError, match='-1 or in 0..4'):
        ds.set_pseudolabels(np.full(50, 7))
    with pytest.raises(ValueError, match="paradigm must be 'UL', 'SSL' or 'TRZSL'"):
        PseudolabelDataset(**dict(cfg, paradigm='semi'))
    with pytest.raises(ValueError, match='PseudolabelDataset.batch_size'):
        PseudolabelDataset(**dict(cfg, batch_size=0))
    with pytest.raises(ValueError, match='strong_pipeline is empty'):
        PseudolabelDataset(**dict(cfg, strong_pipeline=[]))
    with pytest.raises(ValueError, match="PseudolabelDataset.dataset needs the training"):
        PseudolabelDataset(**dict(cfg, dataset=dict()))
    trzsl = PseudolabelDataset(**dict(cfg, paradigm='TRZSL'))
    assert len(trzsl.seen_classes) == 3  # int(0.62 * 5)
    assert sorted(trzsl.candidate_classes.tolist() + trzsl.seen_classes.tolist()) == \
        list(range(5))
    fpl = PseudolabelDataset(**dict(cfg, paradigm='UL', fixmatch=False))
    assert fpl.streams == ('pseudo', )
