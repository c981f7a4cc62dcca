from types import SimpleNamespace

import pytest
import torch
from mmengine.runner import BaseLoop
from mmpretrain.registry import MODELS

from cue_plugin.datasets import CIFAR100LT
from cue_plugin.utils import dataset_class_meta, set_class_meta
from recording_logger import RecordingLogger


def test_meta_from_dataset_and_wrapper(fake_cifar):
    from mmengine.dataset import RepeatDataset
    ds = CIFAR100LT(data_root=fake_cifar)
    classes, counts = dataset_class_meta(ds)
    assert len(classes) == 100 and sum(counts) == len(ds)
    ds._metainfo.pop('class_counts')
    _, counted = dataset_class_meta(RepeatDataset(ds, times=2))
    assert counted == counts


def test_set_class_meta_fills_head_and_losses():
    model = MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=18),
        head=dict(type='CosineClsHead', num_classes=3, in_channels=512, text_init=False)))
    touched = set_class_meta(model, ['a', 'b', 'c'], [5, 3, 1])
    assert model.head.classnames == ['a', 'b', 'c']
    assert model.head.loss_module.log_prior.numel() == 3
    assert 'head.loss_module' in touched
    with pytest.raises(ValueError, match='The training set metainfo has 2 class names'):
        set_class_meta(model, ['a', 'b'], [5, 3])


class _Loop(BaseLoop):

    def run(self):
        pass


def _run_hook(classes, counts):
    from cue_plugin.engine.hooks import ClassMetaHook
    dataset = SimpleNamespace(metainfo=dict(classes=classes, class_counts=counts))
    runner = SimpleNamespace(_train_loop=_Loop.__new__(_Loop), logger=RecordingLogger(),
                             train_dataloader=SimpleNamespace(dataset=dataset),
                             model=torch.nn.Linear(2, 2))
    ClassMetaHook().before_run(runner)
    return runner.logger


def test_hook_warns_about_empty_classes_and_duplicate_names():
    log = _run_hook(['crane', 'ibis', 'crane', 'heron', 'stork'], [4, 0, 3, 2, 0])
    assert len(log.infos) == 1 and len(log.warnings) == 2
    empty, dups = log.warnings
    assert "2 of 5 classes have no training image: 'ibis' (1), 'stork' (4)" in empty
    assert "'crane' (0, 2)" in dups and 'allowed' in dups
    assert 'heron' not in empty + dups


def test_hook_is_quiet_on_clean_metadata():
    log = _run_hook(['a', 'b', 'c'], [3, 2, 1])
    assert len(log.infos) == 1 and log.warnings == []


def test_empty_class_list_is_capped():
    log = _run_hook([f'c{i}' for i in range(30)], [0] * 29 + [1])
    assert '29 of 30 classes have no training image' in log.warnings[0]
    assert "'c9' (9) and 19 more" in log.warnings[0]
