"""Every CAP config (six data sets x UL / SSL / TRZSL) trains through tools/train.py on a
tiny generated folder in its data set's real on-disk format, CAP's own layout (the base
configs' default); one run takes the coop_* option instead (tiny random CLIP)."""
import os.path as osp
import re
import sys

import pytest

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import fake_data  # noqa: E402
from cap_runs import as_cli, run_tool, tiny_options  # noqa: E402

DATASETS = ('flowers102', 'dtd', 'fgvc_aircraft', 'cub', 'eurosat', 'resisc45')
PARADIGMS = ('ul', 'ssl', 'trzsl')


@pytest.fixture(scope='module')
def folders(tmp_path_factory):
    # 6 images per class (pool: 5, EuroSAT 6, CUB 3): SSL keeps 2 labelled and still has
    # unlabelled ones.
    return {name: getattr(fake_data, f'make_fake_{name}')(
        str(tmp_path_factory.mktemp(name)), num_classes=5, per_class=6)
        for name in DATASETS}


@pytest.mark.parametrize('paradigm', PARADIGMS)
@pytest.mark.parametrize('dataset', DATASETS)
def test_cap_config_trains(dataset, paradigm, folders, tiny_clip_ckpt, tmp_path):
    config = f'configs/cap/clip_b32_{dataset}_{paradigm}.py'
    work = str(tmp_path / 'work')
    opts = tiny_options(folders[dataset]['root'], tiny_clip_ckpt)
    opts['train_dataloader.dataset.iters_per_epoch'] = 1
    if paradigm == 'trzsl':  # 5 generated classes instead of the data set's count
        opts.update({'val_evaluator.num_classes': 5, 'test_evaluator.num_classes': 5})
    log = run_tool('tools/train.py', config, '--work-dir', work, *as_cli(opts))
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))
    key = 'trzsl/H' if paradigm == 'trzsl' else 'accuracy/top1'
    assert re.search(rf'Epoch\(val\) \[2\]\[1/1\].*{key}: [0-9.]+', log), log[-2000:]
    n_main = 6 if dataset == 'flowers102' else 16  # CAP methods/main.py:279-280
    assert f'PseudolabelHook: epoch 0: k={n_main} per class from zero-shot CLIP' in log
    assert 'CalibratedMarginHook: epoch 1' in log
    if paradigm != 'ul':
        assert 'loss_labelled' in log


@pytest.mark.parametrize('baseline', ('fpl', 'grip', 'zero_shot'))
@pytest.mark.parametrize('dataset', DATASETS)
def test_baseline_config_runs(dataset, baseline, folders, tiny_clip_ckpt, tmp_path):
    """The UL baselines: FPL (fixed top-k set) and GRIP (refill from a pass over every
    unlabelled image) train; zero-shot CLIP evaluates through tools/test.py."""
    config = f'configs/cap/baselines/clip_b32_{dataset}_ul_{baseline}.py'
    work = str(tmp_path / 'work')
    opts = tiny_options(folders[dataset]['root'], tiny_clip_ckpt)
    opts['train_dataloader.dataset.iters_per_epoch'] = 1
    if baseline == 'zero_shot':
        log = run_tool('tools/test.py', config, 'none', '--work-dir', work, *as_cli(opts))
        assert re.search(r'Epoch\(test\).*accuracy/top1: [0-9.]+', log), log[-2000:]
        return
    log = run_tool('tools/train.py', config, '--work-dir', work, *as_cli(opts))
    assert re.search(r'Epoch\(val\) \[2\]\[1/1\].*accuracy/top1: [0-9.]+', log), log[-2000:]
    assert 'PseudolabelHook: epoch 0: k=16 per class from zero-shot CLIP top-k' in log
    assert 'CalibratedMarginHook' not in log.split('Hooks will be executed')[-1]
    # GRIP refills after epoch 0 from the model's predictions over every unlabelled image.
    assert ('refill (k=' in log) == (baseline == 'grip')


def test_coop_option_trains(tiny_clip_ckpt, tmp_path):
    """README "CAP data sets": a child config switching to the coop_* datasets."""
    root = fake_data.make_fake_eurosat(str(tmp_path / 'data'), per_class=6,
                                       layout='coop')['root']
    child = tmp_path / 'eurosat_ssl_coop.py'
    base = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
                    'configs', 'cap', 'clip_b32_eurosat_ssl.py')
    child.write_text(
        f"_base_ = ['{base}']\n"
        'train_dataloader = dict(dataset=dict(dataset={{_base_.coop_train_dataset}}))\n'
        'val_dataloader = dict(dataset={{_base_.coop_val_dataset}})\n'
        'test_dataloader = dict(dataset={{_base_.coop_test_dataset}})\n')
    work = str(tmp_path / 'work')
    opts = tiny_options(root, tiny_clip_ckpt)
    opts['train_dataloader.dataset.iters_per_epoch'] = 1
    log = run_tool('tools/train.py', str(child), '--work-dir', work, *as_cli(opts))
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))
    assert 'zero-shot CLIP over 10 unlabelled images' in log  # CoOp train: 4 - 2 per class x 5
    assert re.search(r'Epoch\(val\) \[2\]\[1/1\].*accuracy/top1: [0-9.]+', log)
