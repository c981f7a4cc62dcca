"""The miniature foundation model: partition, captions, pretraining (loss falls, result
reused, checkpoint loads into OpenCLIPViT with open_clip's own zero-shot logits), and the
real-data check's command end to end on a reduced size."""
import os.path as osp
import sys

import numpy as np
import open_clip
import pytest
import torch
import torch.nn.functional as F

from cue_plugin.apis import tiny_clip as tc
from cue_plugin.datasets import FashionMNISTPool, fashion_mnist_partition, select_long_tail
from fake_data import make_fake_fashion_mnist

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_partition_is_disjoint_and_deterministic():
    labels = np.repeat(np.arange(10), 300)
    counts = [300, 150, 80, 40, 20, 10, 8, 6, 5, 4]
    part = fashion_mnist_partition(labels, counts, num_pretrain=1000, num_pool=500, seed=3)
    assert np.array_equal(part['lt'], np.sort(select_long_tail(labels, counts, 0)))
    sets = [set(part[k].tolist()) for k in ('lt', 'pretrain', 'cap_pool')]
    assert [len(s) for s in sets] == [623, 1000, 500]
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    again = fashion_mnist_partition(labels, counts, num_pretrain=1000, num_pool=500, seed=3)
    assert all(np.array_equal(part[k], again[k]) for k in part)
    with pytest.raises(ValueError, match='outside the long-tailed subset'):
        fashion_mnist_partition(labels, counts, num_pretrain=2000, num_pool=500)


def test_web_captions_mix_fine_coarse_and_wrong():
    rs = np.random.RandomState(0)
    labels = np.arange(20000) % 10
    caps = tc.web_captions(labels, rs)
    kinds = {'fine': 0, 'coarse': 0, 'wrong': 0}
    for y, cap in zip(labels, caps):
        assert any(cap.startswith(t.split('{}')[0]) for t in tc.TEMPLATES)
        assert cap.endswith('.')
        if cap.endswith(f' {tc.FINE_NOUNS[y]}.'):
            kinds['fine'] += 1
        elif cap.endswith(f' {tc.COARSE_NOUNS[y]}.'):
            kinds['coarse'] += 1
        else:
            assert any(cap.endswith(f' {n}.') for n in tc.FINE_NOUNS), cap
            kinds['wrong'] += 1
    share = {k: v / len(caps) for k, v in kinds.items()}
    assert share['fine'] == pytest.approx(0.5, abs=0.02)
    assert share['coarse'] == pytest.approx(0.4, abs=0.02)
    assert share['wrong'] == pytest.approx(0.1, abs=0.01)
    with pytest.raises(ValueError, match='must sum to 1'):
        tc.web_captions(labels, rs, fractions=(0.5, 0.5, 0.5))


@pytest.fixture(scope='module')
def fmnist(tmp_path_factory):
    return make_fake_fashion_mnist(str(tmp_path_factory.mktemp('fmnist')), 100, 5)


def test_pretraining_loss_falls_reuses_and_loads(fmnist, tmp_path, monkeypatch):
    out = str(tmp_path / 'tiny')
    meta = tc.pretrain_tiny_clip(out, fmnist, num_images=200, epochs=4, batch_size=50,
                                 progress=False)
    losses = meta['loss_per_epoch']
    assert len(losses) == 4 and losses[-1] < losses[0]
    assert 0 <= meta['zero_shot']['top1'] <= 100 and meta['images'] == 200
    # Same settings: reused (no training step may run), same file hash.
    monkeypatch.setattr(tc, 'ClipLoss', None)
    assert tc.pretrain_tiny_clip(out, fmnist, num_images=200, epochs=4,
                                 batch_size=50)['sha256'] == meta['sha256']
    monkeypatch.undo()
    # The checkpoint in OpenCLIPViT: its zero-shot logits equal plain open_clip's.
    from cue_plugin.models import OpenCLIPViT
    backbone = OpenCLIPViT(arch='CUE-Tiny-CLIP-28', pretrained=meta['checkpoint'])
    backbone.eval()
    assert backbone.clip_source['sha256'] == meta['sha256']
    ref = open_clip.create_model('CUE-Tiny-CLIP-28')
    ref.load_state_dict(torch.load(meta['checkpoint'], map_location='cpu',
                                   weights_only=True))
    ref.eval()
    tok = open_clip.tokenizer.SimpleTokenizer(context_length=16)
    x = torch.randn(4, 3, 28, 28)
    names = list(tc.FINE_NOUNS)
    with torch.no_grad():
        ours = 100 * backbone.zero_shot_features(x) @ backbone.encode_class_names(names).t()
        text = F.normalize(ref.encode_text(tok([f'a photo of a {n}.' for n in names])),
                           dim=-1)
        theirs = 100 * F.normalize(ref.encode_image(x), dim=-1) @ text.t()
    assert torch.allclose(ours, theirs, atol=1e-4)
    # The pool part of the same partition loads as a data set.
    pool = FashionMNISTPool(part='cap_pool', data_root=fmnist, num_pretrain=200, num_pool=50)
    assert len(pool) == 50 and sum(pool.metainfo['class_counts']) == 50


def test_real_data_check_runs_end_to_end_reduced(fmnist, tmp_path):
    import runpy
    out = str(tmp_path / 'check')
    argv = sys.argv
    sys.argv = ['tools/real_data_check.py', '--quick', '--seeds', '0', '--out', out,
                '--tiny-clip', str(tmp_path / 'tiny'), '--data-root', fmnist]
    try:
        runpy.run_path(osp.join(REPO, 'tools/real_data_check.py'), run_name='__main__')
    finally:
        sys.argv = argv
    tables = open(osp.join(out, 'tables.md')).read()
    assert 'QUICK SMOKE RUN' in tables
    for row in ('| zero-shot |', '| LIFT (LA) |', '| + instance cue |', '| + class cue |',
                '| CUE (both cues) |', '| FPL |', '| GRIP |', '| CAP |'):
        assert row in tables, row
    assert 'Mismatch detector on CAP' in tables
    assert osp.isfile(osp.join(out, 'results.json'))
