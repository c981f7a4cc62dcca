"""save -> publish -> load -> infer on a tiny CLIP with local 'pretrained' weights."""
import os.path as osp
import pickle
import re

import torch

from cue_plugin.models.backbones.open_clip_vit import decode_clip_record

from test_train_test_resume import CUE_CONFIG, metric, run_tool, tiny_overrides


def test_slim_publish_test_infer(fake_cifar, tiny_clip_ckpt, tmp_path):
    opts = tiny_overrides(fake_cifar, 1)
    opts = [o for o in opts if not o.startswith('model.backbone.pretrained')]
    opts.append(f'model.backbone.pretrained={tiny_clip_ckpt}')
    work = str(tmp_path / 'work')
    log = run_tool('tools/train.py', CUE_CONFIG, '--work-dir', work, '--cfg-options', *opts)
    ckpt = osp.join(work, 'epoch_1.pth')
    sd = torch.load(ckpt, map_location='cpu', weights_only=False)['state_dict']
    assert 'backbone.clip.visual.conv1.weight' not in sd  # frozen CLIP not saved
    assert decode_clip_record(sd['backbone._extra_state'])['clip_source']['pretrained'] == tiny_clip_ckpt

    out = run_tool('tools/misc/publish_model.py', ckpt, str(tmp_path / 'cue_tiny.pth'))
    published = re.search(r'(\S+cue_tiny-[0-9a-f]{8}\.pth)', out).group(1)
    assert osp.getsize(published) < osp.getsize(ckpt)
    pub = torch.load(published, map_location='cpu', weights_only=False)
    assert set(pub) == {'state_dict', 'meta'} and 'dataset_meta' in pub['meta']

    preds = str(tmp_path / 'preds.pkl')
    log_t = run_tool('tools/test.py', CUE_CONFIG, published, '--out', preds, '--work-dir',
                     str(tmp_path / 't'), '--cfg-options', *opts)
    assert metric(log_t, 'shot/top1') == metric(log, 'shot/top1')

    # Inference on image files through mmpretrain's ImageClassificationInferencer.
    from PIL import Image
    with open(osp.join(fake_cifar, 'cifar-100-python', 'test'), 'rb') as f:
        data = pickle.load(f, encoding='latin1')['data'][:4]
    folder = tmp_path / 'images'
    folder.mkdir()
    for i, row in enumerate(data):
        Image.fromarray(row.reshape(3, 32, 32).transpose(1, 2, 0)).save(folder / f'{i}.png')
    from mmengine.config import Config
    cfg_path = str(tmp_path / 'cfg.py')
    cfg = Config.fromfile(osp.join(osp.dirname(__file__), '..', '..', CUE_CONFIG))
    cfg.merge_from_dict(dict(o.split('=', 1) for o in opts if 'data_root' not in o))
    cfg.model.backbone.pretrained = tiny_clip_ckpt
    cfg.dump(cfg_path)
    out = run_tool('tools/misc/infer.py', cfg_path, published, str(folder), '--topk', '2',
                   '--out', str(tmp_path / 'infer.json'))
    import json
    results = json.load(open(tmp_path / 'infer.json'))
    with open(preds, 'rb') as f:
        dumped = pickle.load(f)
    expected = [int(d['pred_label'][0]) for d in dumped[:4]]
    assert [r['labels'][0] for r in results] == expected
    from mmpretrain.datasets.categories import CIFAR100_CATEGORIES
    assert results[0]['classes'][0] == CIFAR100_CATEGORIES[expected[0]]
    assert CIFAR100_CATEGORIES[expected[0]] in out
    assert len(results[0]['scores']) == 2 and results[0]['scores'][0] >= results[0]['scores'][1]
