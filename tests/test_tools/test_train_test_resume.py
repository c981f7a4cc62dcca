"""End to end through tools/train.py and tools/test.py on a tiny CLIP and fake CIFAR."""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/lift/clip_b16_cifar100lt.py'
CUE_CONFIG = 'configs/cue/clip_b16_cifar100lt.py'
CUE_CACHED = 'configs/cue/clip_b16_cifar100lt_cached.py'


def tiny_overrides(data_root, epochs):
    """Exactly what the README shows: data root, backbone source, schedule."""
    return [
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
        'model.backbone.arch=CUE-Tiny-ViT', 'model.backbone.pretrained=None',
        f'train_cfg.max_epochs={epochs}', f'param_scheduler.0.T_max={epochs}',
        f'param_scheduler.0.end={epochs}', 'train_dataloader.batch_size=32',
    ]


def run_tool(*args):
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def metric(log, key):
    found = re.findall(rf'{re.escape(key)}: ([0-9.]+)', log)
    assert found, f'{key} not in log'
    return float(found[-1])


@pytest.mark.parametrize('config', [CONFIG])
def test_train_checkpoint_test_resume(config, fake_cifar, tmp_path):
    work = str(tmp_path / 'work')
    log1 = run_tool('tools/train.py', config, '--work-dir', work, '--cfg-options',
                    *tiny_overrides(fake_cifar, 1))
    ckpt1 = osp.join(work, 'epoch_1.pth')
    assert osp.isfile(ckpt1)
    assert re.search(r'Initialised \w*ClsHead from CLIP text features of 100 classes', log1)
    assert 'ClassMetaHook: 100 classes' in log1
    val_top1 = metric(log1, 'shot/top1')

    # tools/test.py on the checkpoint reproduces the end-of-training evaluation.
    out_pkl = str(tmp_path / 'preds.pkl')
    log_t = run_tool('tools/test.py', config, ckpt1, '--work-dir', str(tmp_path / 'test'),
                     '--out', out_pkl, '--cfg-options', *tiny_overrides(fake_cifar, 1))
    assert metric(log_t, 'shot/top1') == pytest.approx(val_top1)
    assert 'Shot-group accuracy over 200 images' in log_t
    assert osp.isfile(out_pkl)

    sd1 = torch.load(ckpt1, map_location='cpu', weights_only=False)['state_dict']

    # Resume: continues at epoch 2 from the saved state.
    log2 = run_tool('tools/train.py', config, '--work-dir', work, '--resume',
                    '--cfg-options', *tiny_overrides(fake_cifar, 2))
    assert 'resumed epoch: 1' in log2
    assert 'Epoch(train) [1]' not in log2 and 'Epoch(train) [2]' in log2
    ckpt2 = torch.load(osp.join(work, 'epoch_2.pth'), map_location='cpu', weights_only=False)
    assert ckpt2['meta']['epoch'] == 2
    # Frozen CLIP is unchanged by training; the adapters and head moved.
    sd2 = ckpt2['state_dict']
    assert torch.equal(sd1['backbone.clip.visual.conv1.weight'],
                       sd2['backbone.clip.visual.conv1.weight'])
    assert not torch.equal(sd1['head.weight'], sd2['head.weight'])


def loss_lines(log):
    return re.findall(r'Epoch\(train\) \[1\]\[\d+/\d+\].*?(loss: .*)$', log, re.M)


def test_cue_cached_mode_trains_like_online(fake_cifar, tmp_path):
    cache = str(tmp_path / 'cue.npz')
    opts = tiny_overrides(fake_cifar, 1)
    online = run_tool('tools/train.py', CUE_CONFIG, '--work-dir', str(tmp_path / 'on'),
                      '--cfg-options', *opts)
    out = run_tool('tools/cue/build_instance_cues.py', CUE_CACHED, '--out', cache,
                   '--num-workers', '0', '--cfg-options', *opts)
    assert 'images x 2 views, top-5' in out
    cached = run_tool('tools/train.py', CUE_CACHED, '--work-dir', str(tmp_path / 'cached'),
                      '--cfg-options', *opts,
                      f'train_dataloader.dataset.pipeline.3.cache_file={cache}')
    assert 'InstanceCueCacheHook: ' in cached and 'matches' in cached
    # Same seed, same batches, identical targets: identical losses, term by term.
    strip = [re.sub(r'time: \S+\s+data_time: \S+\s+', '', line) for line in loss_lines(online)]
    assert strip and 'loss_instance_cue' in strip[0]
    assert strip == [re.sub(r'time: \S+\s+data_time: \S+\s+', '', line)
                     for line in loss_lines(cached)]

    # The concept-confusion report on the trained checkpoint.
    rep = run_tool('tools/analysis_tools/analyze_confusion.py', CUE_CACHED,
                   osp.join(str(tmp_path / 'cached'), 'epoch_1.pth'), '--out-dir',
                   str(tmp_path / 'conf'), '--cfg-options', *opts)
    assert 'in class-cue neighbours' in rep and 'Zero-shot CLIP right, model wrong' in rep
    for name in ('report.json', 'per_class_accuracy.png', 'error_flow.png'):
        assert osp.isfile(osp.join(str(tmp_path / 'conf'), name))

    # A cache built for other data is refused with the field that differs.
    other = make_other_cifar(tmp_path)
    bad = run_tool_fail('tools/train.py', CUE_CACHED, '--work-dir', str(tmp_path / 'bad'),
                        '--cfg-options', *tiny_overrides(other, 1),
                        f'train_dataloader.dataset.pipeline.3.cache_file={cache}')
    assert 'was built with a different dataset' in bad


def make_other_cifar(tmp_path):
    from fake_data import make_fake_cifar100
    return make_fake_cifar100(str(tmp_path / 'other'), 6, 2, seed=5)


def run_tool_fail(*args):
    proc = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode != 0
    return proc.stdout + proc.stderr


def test_cue_imagenet_lt_config_with_five_crop_tta(tmp_path):
    from fake_data import make_fake_oltr
    root = make_fake_oltr(str(tmp_path / 'imagenet'), counts=(6, 4, 2, 1))
    config = 'configs/cue/clip_b16_imagenetlt.py'
    opts = tiny_overrides(root, 1)
    work = str(tmp_path / 'work')
    log = run_tool('tools/train.py', config, '--work-dir', work, '--cfg-options', *opts)
    assert 'loss_instance_cue' in log and 'loss_class_cue' in log
    plain = run_tool('tools/test.py', config, osp.join(work, 'epoch_1.pth'), '--work-dir',
                     str(tmp_path / 't1'), '--cfg-options', *opts)
    tta = run_tool('tools/test.py', config, osp.join(work, 'epoch_1.pth'), '--tta',
                   '--work-dir', str(tmp_path / 't2'), '--cfg-options', *opts)
    assert 'Shot-group accuracy over 8 images' in plain
    assert 'Shot-group accuracy over 8 images' in tta
    assert "type='AverageLogitsTTA'" in tta or 'AverageLogitsTTA' in tta
