import pytest
from mmpretrain.registry import MODELS

from cue_plugin.datasets import CIFAR100LT
from cue_plugin.engine.hooks import dataset_class_meta, set_class_meta


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
